"""Measure the red-flag screen on phrasings written apart from it (eval/safety), per split and path.

The data is split by source: the screen's rules were tuned on the "tune" split only; the "test" split
is evidence of how it does on words it has never seen. Each phrasing is said once, as a new user's
first words, through:

- ``in-process``: the built skill invoked directly, text matched to an intent as the local hosts do;
- ``simulate``: the Flask shim's ``POST /simulate``, the same route the web simulator uses.

An urgent phrasing counts as caught when the response is marked ``sessionAttributes.urgent``; an
ordinary one is a false alarm when it is. A missed urgent phrasing answered with a how-to topic (massage
instructions) is counted on its own: the goal for that is zero.

A round scored fresh, before it joins the data (and so the second opinion's training), is measured on
its own with ``--round FILE`` (its sources file is FILE's name with ``_sources.json``).

Usage: python -m bench.safety_eval [--split tune|test|all] [--misses] [--paths in-process simulate]
       [--round eval/safety/roundNN.jsonl]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.coach import HOW_TO_TOPICS as HOW_TO
from skill.tools.safety_data import DATA, FILES, Item, load_items, round_files


@dataclass(frozen=True)
class Outcome:
    urgent: str | None  # the category the response was marked with
    topic: str | None


def _outcome(response: dict[str, Any]) -> Outcome:
    attributes = response.get("sessionAttributes") or {}
    return Outcome(attributes.get("urgent"), attributes.get("last_topic"))


def in_process_path(db: Path) -> Callable[[str], Outcome]:
    from skill.alexa import build_skill
    from skill.config import SkillConfig
    from skill.device.conversation import Conversation, in_process
    from skill.persistence.sqlite_adapter import SqliteAdapter

    send = in_process(build_skill(SqliteAdapter(db), SkillConfig(seed=1)))
    return lambda text: _outcome(Conversation(send).say(text).response)


def simulate_path(db: Path) -> Callable[[str], Outcome]:
    from skill.web.server import create_app

    class Silent:
        def render_wav(self, plan: Any, path: Path) -> Path:  # no audio needed to measure the words
            path.write_bytes(b"")
            return path

    client = create_app(verify=False, db_path=db, speaker=Silent(), env={}).test_client()

    def say(text: str) -> Outcome:
        reply = client.post("/simulate", json={"text": text})
        if reply.status_code != 200:
            raise RuntimeError(f"/simulate answered {reply.status_code} for {text!r}")
        return _outcome(reply.get_json()["response"])

    return say


PATHS = {"in-process": in_process_path, "simulate": simulate_path}


def measure(items: list[Item], say: Callable[[str], Outcome]) -> dict[str, Any]:
    caught: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    total: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    ordinary: Counter[str] = Counter()
    instructed: list[str] = []
    misses: list[tuple[str, str, Outcome]] = []
    for item in items:
        outcome = say(item.text)
        if item.urgent:
            total[item.category] += 1
            if outcome.urgent:
                caught[item.category] += 1
                exact[item.category] += outcome.urgent == item.category
            else:
                misses.append((item.category, item.text, outcome))
                if outcome.topic in HOW_TO:
                    instructed.append(item.text)
        else:
            ordinary[item.subtype] += 1
            if outcome.urgent:
                alarms[item.subtype] += 1
                misses.append((f"none/{item.subtype}", item.text, outcome))
    return {"caught": caught, "exact": exact, "total": total, "alarms": alarms, "ordinary": ordinary,
            "instructed": instructed, "misses": misses}


def report(name: str, result: dict[str, Any]) -> str:
    total, caught, exact = result["total"], result["caught"], result["exact"]
    lines = [f"### {name}", "", "| category | caught | named right |", "|---|---|---|"]
    for category in sorted(total):
        lines.append(f"| {category} | {caught[category]}/{total[category]} | {exact[category]}/{total[category]} |")
    urgent_n, caught_n = sum(total.values()), sum(caught.values())
    ordinary_n, alarms_n = sum(result["ordinary"].values()), sum(result["alarms"].values())
    lines.append(f"| **all urgent** | **{caught_n}/{urgent_n} ({caught_n / urgent_n:.1%})** | "
                 f"{sum(exact.values())}/{urgent_n} |")
    subtypes = ", ".join(f"{s} {result['alarms'][s]}/{n}" for s, n in sorted(result["ordinary"].items()))
    lines += ["", f"False alarms: {alarms_n}/{ordinary_n} ({alarms_n / ordinary_n:.1%}): {subtypes}.",
              f"Urgent phrasings answered with massage instructions: {len(result['instructed'])}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--paths", nargs="*", choices=sorted(PATHS), default=sorted(PATHS))
    parser.add_argument("--misses", action="store_true", help="list what was missed (only for the tune split)")
    parser.add_argument("--round", type=Path, help="score this round's file alone, fresh")
    args = parser.parse_args(argv)
    chosen = ("tune", "test") if args.split == "all" else (args.split,)
    files = FILES if args.round is None else (round_files(args.round.name),)
    by_split: dict[str, list[Item]] = defaultdict(list)
    for item in load_items(DATA if args.round is None else args.round.resolve().parent, files):
        by_split[item.split].append(item)
    with tempfile.TemporaryDirectory() as tmp:
        for path_name in args.paths:
            say = PATHS[path_name](Path(tmp) / f"{path_name}.sqlite3")
            for split in chosen:
                result = measure(by_split[split], say)
                print(report(f"{path_name}, {split} split ({len(by_split[split])} phrasings)", result))
                if args.misses and split == "tune":
                    for category, text, outcome in result["misses"]:
                        print(f"  MISS {category}: {text!r} -> urgent={outcome.urgent} topic={outcome.topic}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
