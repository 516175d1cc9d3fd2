"""Build the AWS Lambda deployment package: ``build/lambda.zip``.

The zip holds ``lambda_function.py`` at its root, the ``skill`` package without what only a laptop
needs (the hosts ``skill/local``, ``skill/web``, ``skill/cli``, their ``skill/device`` and ``skill/voice``,
and ``skill/tools``), the routine tracks' manifest when the track build has
written one (``build/tracks/manifest.json``, packaged as ``tracks/manifest.json``), and the
dependencies from ``lambda/requirements.txt`` installed by pip for the Lambda runtime (Python
3.12), not for the machine running the build.

``--arch x86_64`` (the default) or ``arm64`` builds the hybrid skill: numpy's manylinux wheel for that
architecture (``lambda/requirements-embeddings.txt``) and the all-MiniLM-L6-v2 files that ``python -m
skill.tools.embeddings`` wrote (weights, vocabulary, the sample questions' vectors), under
``build/minilm``: where :func:`skill.understanding.embedding.model_dir` looks by default, relative to
the package root, so the function needs no setting and never downloads a model. The template's
``Architecture`` must match the zip: on the other CPU numpy cannot load and the skill ranks lexically.
``--arch any`` is the fallback: pure-Python wheels only, one zip for x86_64 and arm64 alike, no numpy,
lexical ranking. boto3 and its own dependencies are left out unless ``--bundle-boto3``: every Lambda
Python runtime ships them, and they would be nine tenths of the lexical zip.

The zip is deterministic (sorted entries, fixed timestamps and modes), so an unchanged build gives
identical bytes and SAM publishes no new function version for it. ``--compile-with PYTHON`` (a
Python of the runtime's version) adds bytecode: Lambda's code folder is read-only, so without it
every cold start compiles each imported module again. Installed dependencies are cached
under ``build/lambda-deps/`` by a hash of everything that decides them; pip's downloads under
``build/pip-cache/``.

Usage: python -m skill.tools.package [--arch x86_64|arm64|any] [--python-version 3.12] [--bundle-boto3]
                                     [--compile-with python3.12] [--tracks build/tracks]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from skill.routine.tracks import MANIFEST_NAME
from skill.understanding import embedding
from skill.understanding.semantic import QUESTIONS, load_cache, sample_texts

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "build"
DEFAULT_OUTPUT = BUILD_DIR / "lambda.zip"
DEFAULT_REQUIREMENTS = ROOT / "lambda" / "requirements.txt"
EMBEDDING_REQUIREMENTS = ROOT / "lambda" / "requirements-embeddings.txt"  # compiled: not for --arch any
MODEL_FILES = (embedding.WEIGHTS, embedding.VOCAB, QUESTIONS)
MODEL_ENTRY = embedding.DEFAULT_DIR.relative_to(embedding.ROOT).as_posix()  # where model_dir() looks in the zip
ENTRY_POINT = ROOT / "lambda" / "lambda_function.py"
PACKAGE_DIR = ROOT / "skill"
TRACKS_DIR = BUILD_DIR / "tracks"  # where python -m skill.tools.tracks writes
TRACKS_ENTRY = f"tracks/{MANIFEST_NAME}"  # the template's NRC_TRACKS_MANIFEST is /var/task/ + this
PYTHON_VERSION = "3.12"
DEFAULT_ARCH = "x86_64"  # the template's default Architecture, and the hybrid build the tests run here
# pip's --platform tags per architecture. numpy 2.4 ships only manylinux_2_28 (glibc 2.28) Linux wheels,
# which the python3.12 runtime's Amazon Linux 2023 meets; pip expands manylinux2014 to the older tags
# but not manylinux_2_28 to manylinux2014, so both are named.
PLATFORMS = {
    "any": ("any",),
    "x86_64": ("manylinux_2_28_x86_64", "manylinux2014_x86_64"),
    "arm64": ("manylinux_2_28_aarch64", "manylinux2014_aarch64"),
}
EXCLUDED_PACKAGE_DIRS = frozenset({"local", "web", "cli", "device", "voice", "tools"})  # laptop-only
SKIPPED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".DS_Store"})
SKIPPED_DEP_DIRS = frozenset({"bin"})  # console scripts whose shebang points at the build machine
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _walk(base: Path, skip_dirs: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Files under ``base`` (no caches or bytecode), skipping the named top-level folders."""
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if relative.parts[0] in skip_dirs or SKIPPED_NAMES.intersection(relative.parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            yield path


def _deps_key(requirements: Sequence[Path], arch: str, python_version: str) -> str:
    """What decides the installed dependencies: the requirements texts, target platform and Python."""
    texts = [path.read_text(encoding="utf-8") for path in requirements]
    digest = hashlib.sha256()
    digest.update(json.dumps([*texts, PLATFORMS[arch], python_version]).encode())
    return digest.hexdigest()[:16]


def requirement_files(requirements: Path, embeddings: bool) -> list[Path]:
    """The requirements to install: the skill's, and numpy's for the hybrid build."""
    return [requirements, EMBEDDING_REQUIREMENTS] if embeddings else [requirements]


def install_dependencies(requirements: Sequence[Path], arch: str = "any", python_version: str = PYTHON_VERSION,
                         refresh: bool = False) -> Path:
    """pip-install the requirements for the Lambda runtime into a cached folder, and return it.

    Installing into a temporary folder first means an interrupted install never leaves a cache
    entry that looks complete.
    """
    target = BUILD_DIR / "lambda-deps" / f"{arch}-py{python_version}-{_deps_key(requirements, arch, python_version)}"
    if target.is_dir() and not refresh:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=target.parent))
    try:
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
            "--no-compile", "--no-warn-conflicts", "--target", str(staging),
            *(f"--platform={platform}" for platform in PLATFORMS[arch]), "--implementation", "cp",
            "--python-version", python_version, "--only-binary=:all:", "--cache-dir", str(BUILD_DIR / "pip-cache"),
            *(f"--requirement={path}" for path in requirements),
        ]
        subprocess.run(command, check=True)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def requirement_names(requirements: Path) -> list[str]:
    """Distribution names listed in a requirements file (pins, markers and comments dropped)."""
    names = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0])
    return names


def copy_installed_dependencies(requirements: Sequence[Path]) -> Path:
    """Offline alternative to :func:`install_dependencies`: copy the listed distributions as they are
    installed in this Python (every transitive dependency must be listed, as lambda/requirements.txt
    does). The tests build this way so they never reach the network; the result suits this
    interpreter, not necessarily the Lambda runtime."""
    from importlib import metadata

    target = BUILD_DIR / "lambda-deps" / f"environment-{_deps_key(requirements, 'any', sys.version[:4])}"
    if target.exists():
        shutil.rmtree(target)
    for name in (name for path in requirements for name in requirement_names(path)):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise RuntimeError(f"{name} is not installed here; run scripts/setup or build without --offline") from exc
        for file in dist.files or ():
            source = Path(str(dist.locate_file(file)))
            if file.parts[0] in ("..", "bin") or "__pycache__" in file.parts or not source.is_file():
                continue
            (target / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / file)
    return target


def runtime_provided_files(deps: Path) -> set[Path]:
    """Files of the distributions the Lambda runtime already has (boto3 and its own dependencies),
    found from each installed distribution's RECORD so nothing is guessed from folder names."""
    files: set[Path] = set()
    for dist_info in deps.glob("*.dist-info"):
        name = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        if _normalise(name) not in RUNTIME_PROVIDED:
            continue
        for line in (dist_info / "RECORD").read_text(encoding="utf-8").splitlines():
            if line.strip():
                files.add((deps / line.split(",", 1)[0]).resolve())
        files.update(path.resolve() for path in dist_info.rglob("*"))
    return files


def package_entries(deps: Path, bundle_boto3: bool = False, tracks: Path | None = None) -> dict[str, Path]:
    """Archive name -> source file, for everything the Lambda function needs at run time.

    ``tracks`` is the track build's folder: its manifest is packaged when there is one, so the skill
    offers long-form playback exactly for the tracks that were rendered (and uploaded with it).
    """
    entries: dict[str, Path] = {ENTRY_POINT.name: ENTRY_POINT}
    if tracks is not None and (tracks / MANIFEST_NAME).is_file():
        entries[TRACKS_ENTRY] = tracks / MANIFEST_NAME
    for path in _walk(PACKAGE_DIR, EXCLUDED_PACKAGE_DIRS):
        entries[f"skill/{path.relative_to(PACKAGE_DIR).as_posix()}"] = path
    left_out = set() if bundle_boto3 else runtime_provided_files(deps)
    for path in _walk(deps, SKIPPED_DEP_DIRS):
        if path.resolve() in left_out:
            continue
        name = path.relative_to(deps).as_posix()
        if name in entries:
            raise RuntimeError(f"dependency file {name} would shadow the skill's own file")
        entries[name] = path
    return entries


def missing_sample_vectors(folder: Path) -> list[str]:
    """Sample questions whose vectors the cache in ``folder`` (the model folder, :func:`embedding.model_dir`)
    lacks: the Lambda would embed each one at every cold start. What must be cached is decided in one
    place, :func:`semantic.sample_texts`, which the embeddings tool caches."""
    model = embedding.encoder()
    if model is None:
        raise FileNotFoundError(f"numpy or the model in {embedding.model_dir()} is missing: run scripts/setup")
    cached = load_cache(folder, model.np)
    return [text for text in sample_texts() if text not in cached]


def model_entries() -> dict[str, Path]:
    """Archive name -> file for the sentence-embedding model in :func:`embedding.model_dir`, checked
    complete, so the function never embeds a sample question at start-up nor fetches anything."""
    folder = embedding.model_dir()
    absent = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if absent:
        raise FileNotFoundError(f"{folder} has no {', '.join(absent)}: run python -m skill.tools.embeddings")
    missing = missing_sample_vectors(folder)
    if missing:
        raise ValueError(f"{folder / QUESTIONS} lacks {len(missing)} sample questions (e.g. {missing[0]!r}): "
                         "run python -m skill.tools.embeddings")
    return {f"{MODEL_ENTRY}/{name}": folder / name for name in MODEL_FILES}


def python_version_of(python: str) -> str:
    script = "import sys; print('%d.%d' % sys.version_info[:2])"
    return subprocess.run([python, "-c", script], capture_output=True, text=True, check=True).stdout.strip()


def compile_bytecode(entries: dict[str, Path], python: str, python_version: str) -> dict[str, Path]:
    """Bytecode for every module, made by ``python`` (which must be the runtime's version).

    Unchecked-hash pycs are trusted without comparing the source's timestamp, which a zip does not
    keep faithfully; paths inside them read ``/var/task`` (Lambda's code folder), not the build's.
    """
    found = python_version_of(python)
    if found != python_version:
        raise ValueError(f"{python} is Python {found}; bytecode for the {python_version} runtime needs that version")
    stage = BUILD_DIR / "lambda-bytecode"
    if stage.exists():
        shutil.rmtree(stage)
    for name, source in entries.items():
        if name.endswith(".py"):
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, stage / name)
    command = [python, "-W", "ignore", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
               "-s", str(stage), "-p", "/var/task", str(stage)]
    subprocess.run(command, check=True)
    return {path.relative_to(stage).as_posix(): path for path in sorted(stage.rglob("*.pyc"))}


def write_zip(entries: dict[str, Path], output: Path) -> None:
    """Sorted entries, one timestamp, one mode: the same inputs give the same bytes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.create_system = 3  # unix, so the mode below is honoured
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compresslevel=9)
    os.replace(partial, output)


def build(output: Path = DEFAULT_OUTPUT, requirements: Path = DEFAULT_REQUIREMENTS, arch: str = DEFAULT_ARCH,
          python_version: str = PYTHON_VERSION, bundle_boto3: bool = False, refresh: bool = False,
          compile_with: str | None = None, offline: bool = False, tracks: Path | None = TRACKS_DIR) -> Path:
    """The zip at ``output``; hybrid (numpy and the model) for a named architecture, lexical for ``any``.
    ``offline`` copies this Python's packages, so ``arch`` then only decides whether it is hybrid."""
    hybrid = arch != "any"
    files = requirement_files(requirements, hybrid)
    # The model check comes first: it takes seconds, and a download for a build that must fail helps no one.
    model = model_entries() if hybrid else {}
    deps = copy_installed_dependencies(files) if offline else install_dependencies(files, arch, python_version, refresh)
    entries = {**package_entries(deps, bundle_boto3, tracks), **model}
    if compile_with:
        entries.update(compile_bytecode(entries, compile_with, python_version))
    write_zip(entries, output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.tools.package", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default=DEFAULT_ARCH,
                        help=f"x86_64 or arm64: hybrid ranking, numpy for that CPU (default {DEFAULT_ARCH}); "
                             "any: lexical ranking only, pure Python, one zip for both")
    parser.add_argument("--python-version", default=PYTHON_VERSION, help="the Lambda runtime's Python (3.12)")
    parser.add_argument("--requirements", type=Path, default=DEFAULT_REQUIREMENTS)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--bundle-boto3", action="store_true",
                        help="ship boto3 in the zip instead of using the runtime's copy")
    parser.add_argument("--refresh", action="store_true", help="reinstall dependencies even if cached")
    parser.add_argument("--offline", action="store_true",
                        help="copy the dependencies installed in this Python instead of downloading them")
    parser.add_argument("--compile-with", metavar="PYTHON",
                        help="add bytecode made by this interpreter (must be the runtime's Python version)")
    parser.add_argument("--tracks", type=Path, default=TRACKS_DIR,
                        help="the track build's folder: its manifest.json is packaged if there is one")
    args = parser.parse_args(argv)
    try:
        output = build(args.output, args.requirements, args.arch, args.python_version, args.bundle_boto3, args.refresh,
                       args.compile_with, offline=args.offline, tracks=args.tracks)
    except subprocess.CalledProcessError as error:
        print(f"{error.cmd[0]} failed (exit {error.returncode}); with --arch any every dependency needs a "
              "pure-Python wheel", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError, RuntimeError) as error:  # RuntimeError: not installed, for --offline
        print(f"error: {error}", file=sys.stderr)
        return 2
    with zipfile.ZipFile(output) as archive:
        count = len(archive.infolist())
    ranking = "lexical ranking only" if args.arch == "any" else f"hybrid ranking: deploy with Architecture={args.arch}"
    print(f"{output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}: "
          f"{output.stat().st_size / 1e6:.1f} MB, {count} files (arch {args.arch}, Python {args.python_version}, "
          f"{ranking})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
