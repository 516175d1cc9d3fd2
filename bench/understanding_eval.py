"""Measure understanding on eval/understanding (written apart from the skill), per split and path.

The data is split by source: sample phrasings and thresholds were tuned on the "tune" split only; the
"test" split is evidence of how the skill does on words it has never seen. Reported per split:

- questions reaching an acceptable topic, said as a new user's first words (``last_topic`` of the
  response is one of the item's topics, and no urgent answer, except the crisis answer for someone
  worried about another person, whose topic is ``worried_about_someone``);
- off-topic requests refused (no topic answered, no urgent answer);
- everyday commands said while a routine plays, reaching the right intent (the intent the local
  matcher sent, given the session's routine state);

each through two paths: ``in-process`` (the built skill invoked directly, text matched to an intent as
the local hosts do) and ``simulate`` (the Flask shim's ``POST /simulate``). Then the latency of a
question in process (text in, response out, p50 and p99) and the cold start of the Lambda entry point
(fresh interpreter: import plus a first question answered).

The data comes in rounds written by different people at different times, each from its own sources
(round 1: ``questions.jsonl``, ``offtopic.jsonl``, ``commands.jsonl`` with ``sources.json``; round 2: the
same names ending in ``2``). A new round is scored once before anything is tuned on it: that is the
best estimate of a new user's words.

Usage: python -m bench.understanding_eval [--split tune|test|all] [--round 1|2|all] [--paths ...] [--misses]
       [--no-timing]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.coach import WORRIED_ABOUT_SOMEONE
from skill.tools.understanding_data import ROUNDS, Item, load_rounds

ROOT = Path(__file__).resolve().parents[1]
# The full routine is longer than one response, so it is still playing after these; "no" answers the
# safety check (no warning signs today).
ROUTINE_START = ("start the full routine", "no")


@dataclass(frozen=True)
class Reply:
    intent: str
    topic: str | None
    urgent: str | None


Say = Callable[[str, dict[str, Any] | None], tuple[Reply, dict[str, Any] | None]]


def _reply(intent: str, response: dict[str, Any]) -> Reply:
    attributes = response.get("sessionAttributes") or {}
    return Reply(intent, attributes.get("last_topic"), attributes.get("urgent"))


def in_process_path(db: Path) -> Say:
    from skill.alexa import build_skill
    from skill.config import SkillConfig
    from skill.device.conversation import Conversation, in_process
    from skill.persistence.sqlite_adapter import SqliteAdapter

    send = in_process(build_skill(SqliteAdapter(db), SkillConfig(seed=1)))

    def say(text: str, session: dict[str, Any] | None) -> tuple[Reply, dict[str, Any] | None]:
        conversation = Conversation(send, session=copy.deepcopy(session))
        exchange = conversation.say(text)
        return _reply(exchange.match.intent, exchange.response), conversation.session

    return say


def simulate_path(db: Path) -> Say:
    from skill.web.server import create_app

    class Silent:
        def render_wav(self, plan: Any, path: Path) -> Path:  # no audio needed to measure the words
            path.write_bytes(b"")
            return path

    client = create_app(verify=False, db_path=db, speaker=Silent(), env={}).test_client()

    def say(text: str, session: dict[str, Any] | None) -> tuple[Reply, dict[str, Any] | None]:
        reply = client.post("/simulate", json={"text": text, "session": session})
        if reply.status_code != 200:
            raise RuntimeError(f"/simulate answered {reply.status_code} for {text!r}")
        body = reply.get_json()
        return _reply(body["intent"], body["response"]), body["session"]

    return say


PATHS = {"in-process": in_process_path, "simulate": simulate_path}


def mid_routine(say: Say) -> dict[str, Any]:
    """A session with a routine playing: started, safety check answered."""
    session = None
    for text in ROUTINE_START:
        _, session = say(text, session)
    if not session or "routine" not in session.get("attributes", {}):
        raise RuntimeError("could not start a routine to measure commands in")
    return session


def measure(items: list[Item], kind: str, say: Say) -> tuple[int, list[tuple[Item, Reply]]]:
    """How many items came out right, and the misses."""
    session = mid_routine(say) if kind == "commands" else None
    right, misses = 0, []
    for item in items:
        reply, _ = say(item.text, session)
        if kind == "questions":
            # Worry that someone else is suicidal gets the crisis answer for a helper, marked urgent (no
            # routine this session) with that topic: the right answer, not an alarm in place of one.
            good = reply.topic in item.expected and (not reply.urgent or reply.topic == WORRIED_ABOUT_SOMEONE)
        elif kind == "offtopic":
            good = reply.topic is None and not reply.urgent
        else:
            good = reply.intent == item.expected[0]
        right += good
        if not good:
            misses.append((item, reply))
    return right, misses


def latency(texts: list[str]) -> tuple[float, float]:
    """p50 and p99 milliseconds of a question said as first words, in process (warm)."""
    with tempfile.TemporaryDirectory() as tmp:
        say = in_process_path(Path(tmp) / "latency.sqlite3")
        say(texts[0], None)
        times = []
        for text in texts:
            started = time.perf_counter()
            say(text, None)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


COLD = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, 'lambda'); sys.path.insert(0, '.')
import lambda_function
from skill.device import envelopes
imported = time.perf_counter()
body = envelopes.envelope(envelopes.intent_request('AskQuestionIntent', {'question': 'is heat or ice better'}), None)
lambda_function.lambda_handler(body, None)
print(json.dumps([imported - started, time.perf_counter() - started]))
"""


def cold_start(runs: int = 5) -> tuple[float, float]:
    """Median milliseconds, in fresh interpreters, to import the Lambda entry point, and to answer a first question."""
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", COLD], cwd=ROOT, capture_output=True, text=True,
                             check=True, env={"PATH": "/usr/bin:/bin", "NRC_SSML_ONLY": "1",
                                                       **{k: v for k, v in os.environ.items()
                                                          if k in ("PYTHONPATH", "NRC_EMBEDDING_DIR")}})
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (statistics.median(r[0] for r in results) * 1000, statistics.median(r[1] for r in results) * 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--round", choices=(*ROUNDS, "all"), default="all")
    parser.add_argument("--paths", nargs="*", choices=sorted(PATHS), default=sorted(PATHS))
    parser.add_argument("--misses", action="store_true", help="list what was missed (only for the tune split)")
    parser.add_argument("--no-timing", action="store_true", help="skip latency and cold start")
    args = parser.parse_args(argv)
    sets = load_rounds(ROUNDS if args.round == "all" else (args.round,))
    chosen = ("tune", "test") if args.split == "all" else (args.split,)
    table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    with tempfile.TemporaryDirectory() as tmp:
        for path_name in args.paths:
            say = PATHS[path_name](Path(tmp) / f"{path_name}.sqlite3")
            for split in chosen:
                for kind, items in sets.items():
                    part = [item for item in items if item.split == split]
                    right, misses = measure(part, kind, say)
                    table[(split, kind)][path_name] = f"{right}/{len(part)} ({right / len(part):.1%})"
                    if args.misses and split == "tune" and path_name == args.paths[0]:
                        for item, reply in misses:
                            print(f"  MISS {kind}: {item.text!r} want {list(item.expected)} -> "
                                  f"{reply.intent} topic={reply.topic} urgent={reply.urgent}")
    names = {"questions": "questions reaching an acceptable topic", "offtopic": "off-topic refused",
             "commands": "commands mid-routine, right intent"}
    print("| split | measure | " + " | ".join(args.paths) + " |")
    print("|---|---|" + "---|" * len(args.paths))
    for (split, kind), row in table.items():
        print(f"| {split} | {names[kind]} | " + " | ".join(row.get(p, "") for p in args.paths) + " |")
    if not args.no_timing:
        texts = [item.text for item in sets["questions"] + sets["offtopic"]]
        p50, p99 = latency(texts)
        imported, answered = cold_start()
        print(f"\nQuestion in process, {len(texts)} questions: p50 {p50:.2f} ms, p99 {p99:.2f} ms (budget 30 ms).")
        print(f"Cold start, median of 5 fresh interpreters: import {imported:.0f} ms, "
              f"import plus first answer {answered:.0f} ms (budget 1000 ms).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
