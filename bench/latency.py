"""Per-request latency of the skill in process, against a minimal ask-sdk-core skill as the floor.

Measures launch, a free-text question and help (median and p99 over N requests each, after a
warm-up), and the cold-import time of ``lambda_function`` against ``import ask_sdk_core`` in fresh
interpreters. Prints a markdown table for the README. Goals: <= 2x the floor per request, <= 1.5x
on import.

Run: .venv/bin/python -m bench.latency [--n 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import RequestEnvelope

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.device import envelopes

ROOT = Path(__file__).resolve().parents[1]


def minimal_skill():
    """A hello-world skill: the cheapest thing the SDK can do per request."""
    sb = SkillBuilder()

    @sb.request_handler(can_handle_func=lambda handler_input: True)
    def hello(handler_input):
        return handler_input.response_builder.speak("Hello.").ask("Hello?").response

    return sb.create()


def requests() -> dict[str, dict]:
    session = envelopes.new_session()
    session["new"] = False
    return {
        "launch": envelopes.envelope(envelopes.launch_request(), envelopes.new_session()),
        "question": envelopes.envelope(envelopes.intent_request(
            "AskQuestionIntent", {"question": "is it safe to use a heating pad on my neck"}), session),
        "help": envelopes.envelope(envelopes.intent_request("AMAZON.HelpIntent"), session),
    }


def time_pair(ours, floor, body: dict, n: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """JSON in to JSON out, as the Lambda wrapper does (deserialise, invoke, serialise), for both
    skills in alternation so drift in the machine's speed affects both alike. (median, p99) in ms."""
    payload = json.dumps(body)
    samples: dict[int, list[float]] = {0: [], 1: []}
    for i in range(n + 20):
        for which, skill in enumerate((ours, floor)):
            start = time.perf_counter()
            request = skill.serializer.deserialize(payload=payload, obj_type=RequestEnvelope)
            skill.serializer.serialize(skill.invoke(request_envelope=request, context=None))
            if i >= 20:
                samples[which].append((time.perf_counter() - start) * 1000)
    out = []
    for which in (0, 1):
        values = sorted(samples[which])
        out.append((statistics.median(values), values[int(0.99 * (len(values) - 1))]))
    return out[0], out[1]


def cold_import(statement: str, runs: int, cwd: Path, path: list[str]) -> float:
    times = []
    code = f"import sys, time; sys.path[:0] = {path!r}; t = time.perf_counter(); {statement}; " \
           "print(time.perf_counter() - t)"
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip()) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--import-runs", type=int, default=15)
    args = parser.parse_args()
    ours = build_skill(None, SkillConfig(seed=1))
    floor = minimal_skill()
    print("| request | ours median ms | ours p99 ms | floor median ms | floor p99 ms | ratio (median) |")
    print("|---|---|---|---|---|---|")
    for name, body in requests().items():
        (m, p), (fm, fp) = time_pair(ours, floor, body, args.n)
        print(f"| {name} | {m:.2f} | {p:.2f} | {fm:.2f} | {fp:.2f} | {m / fm:.2f}x |")
    ours_import = cold_import("import lambda_function", args.import_runs, ROOT, [str(ROOT / "lambda"), str(ROOT)])
    sdk_import = cold_import("import ask_sdk_core.skill_builder", args.import_runs, ROOT, [])
    print()
    print("| cold import | median ms |")
    print("|---|---|")
    print(f"| `import lambda_function` | {ours_import:.0f} |")
    print(f"| `import ask_sdk_core.skill_builder` (floor) | {sdk_import:.0f} |")
    print(f"| ratio | {ours_import / sdk_import:.2f}x |")


if __name__ == "__main__":
    main()
