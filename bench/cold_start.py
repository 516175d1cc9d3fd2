"""Cold-import time of the Lambda entry point against the ASK SDK it is built on, and the zip's size.

Every measurement is a fresh interpreter timing one import, repeated; the median is reported. Three
settings: the development venv (bytecode cached); the unpacked zip in an isolated interpreter with
no bytecode (``-B``: Lambda's code folder is read-only, so a zip without bytecode compiles every
cold start); and the unpacked zip once bytecode exists (what ``--compile-with`` ships). ``import
ask_sdk_core`` alone imports an empty package, so the ratio that matters is against
``ask_sdk_core.skill_builder``, the part of the SDK every skill loads. Goal: at most 1.5x.

Usage: python bench/cold_start.py [--runs 15] [--python python3.12] [--zip build/lambda.zip]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skill.tools import package  # noqa: E402  (the repository root is not on sys.path for a script)

SDK_PACKAGE = "ask_sdk_core"
SDK_BUILDER = "ask_sdk_core.skill_builder"
ENTRY = "lambda_function"
GOAL = 1.5


def time_import(python: str, module: str, cwd: Path, flags: list[str], path: list[str]) -> float:
    """Seconds to import ``module`` in a new interpreter whose ``sys.path`` starts with ``path``."""
    script = (f"import sys, time; sys.path[:0] = {path!r}; started = time.perf_counter(); import {module}; "
              "print(time.perf_counter() - started)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NRC_", "AWS_"))}
    result = subprocess.run([python, *flags, "-W", "ignore", "-c", script], cwd=cwd, env=env,
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def median_ms(runs: int, *args: object) -> float:
    return statistics.median(time_import(*args) for _ in range(runs)) * 1000  # type: ignore[arg-type]


def python_version(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                          text=True, check=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the unpacked zip (ideally 3.12)")
    parser.add_argument("--zip", type=Path, default=package.DEFAULT_OUTPUT, help="built first if missing")
    args = parser.parse_args(argv)
    if not args.zip.exists():
        package.build(args.zip)

    rows: list[tuple[str, str, float, float]] = []  # setting, module, ms, ms of the SDK builder there
    venv_path = [str(ROOT / "lambda"), str(ROOT)]
    sdk_package = median_ms(args.runs, sys.executable, SDK_PACKAGE, ROOT, [], venv_path)
    sdk = median_ms(args.runs, sys.executable, SDK_BUILDER, ROOT, [], venv_path)
    entry = median_ms(args.runs, sys.executable, ENTRY, ROOT, [], venv_path)
    venv_label = f"venv, Python {python_version(sys.executable)}, bytecode cached"
    rows += [(venv_label, SDK_PACKAGE, sdk_package, sdk), (venv_label, SDK_BUILDER, sdk, sdk),
             (venv_label, ENTRY, entry, sdk)]

    with tempfile.TemporaryDirectory() as folder:
        task = Path(folder)
        with zipfile.ZipFile(args.zip) as archive:
            archive.extractall(task)
            shipped_bytecode = any(name.endswith(".pyc") for name in archive.namelist())
        version = python_version(args.python)
        isolated = ["-I", "-S", "-B"]
        label = f"unpacked zip, Python {version}, " + ("bytecode shipped" if shipped_bytecode else "no bytecode")
        sdk = median_ms(args.runs, args.python, SDK_BUILDER, task, isolated, [str(task)])
        rows += [(label, SDK_BUILDER, sdk, sdk),
                 (label, ENTRY, median_ms(args.runs, args.python, ENTRY, task, isolated, [str(task)]), sdk)]
        if not shipped_bytecode:
            subprocess.run([args.python, "-I", "-S", "-W", "ignore", "-c", f"import sys; sys.path[:0] = [{folder!r}]; "
                            f"import {ENTRY}"], cwd=task, check=True, capture_output=True)  # writes __pycache__
            label = f"unpacked zip, Python {version}, bytecode present"
            sdk = median_ms(args.runs, args.python, SDK_BUILDER, task, isolated, [str(task)])
            rows += [(label, SDK_BUILDER, sdk, sdk),
                     (label, ENTRY, median_ms(args.runs, args.python, ENTRY, task, isolated, [str(task)]), sdk)]

    with zipfile.ZipFile(args.zip) as archive:
        files = len(archive.infolist())
        unpacked_mb = sum(info.file_size for info in archive.infolist()) / 1e6
    print(f"Cold import, median of {args.runs} fresh interpreters each; goal: {ENTRY} within {GOAL}x of "
          f"{SDK_BUILDER}.\n")
    print("| setting | import | median ms | x skill_builder |")
    print("|---|---|---:|---:|")
    for setting, module, ms, baseline in rows:
        print(f"| {setting} | `{module}` | {ms:.0f} | {ms / baseline:.2f} |")
    size = args.zip.stat().st_size / 1e6
    print(f"\n`{args.zip.name}`: {size:.1f} MB zipped, {unpacked_mb:.1f} MB unpacked, {files} files.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
