"""The understanding evaluation data (``eval/understanding``), read the same way by the benchmark and the
red-flag screen's training: each item with its expected topics or intent and its source's split.

The data comes in rounds written by different people at different times, each from its own sources
(round 1: ``questions.jsonl``, ``offtopic.jsonl``, ``commands.jsonl`` with ``sources.json``; round 2: the
same names ending in ``2``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "eval" / "understanding"


@dataclass(frozen=True)
class Item:
    text: str
    expected: tuple[str, ...]  # acceptable topics, or the one right intent; empty for off-topic
    split: str


# round -> the suffix of its file names (absent rounds add nothing)
ROUNDS = {"1": "", **{str(n): str(n) for n in range(2, 16)}}
KINDS = ("questions", "offtopic", "commands")


def load(path: Path, splits: dict[str, str]) -> list[Item]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        expected = tuple(row["topics"]) if "topics" in row else (row["intent"],)
        items.append(Item(row["text"], expected, splits[row["source"]]))
    return items


def load_rounds(rounds: Iterable[str], data: Path = DATA) -> dict[str, list[Item]]:
    """Each kind's items from the chosen rounds; a round whose files are absent adds nothing, and a
    source listed in two splits (in any rounds) is an error."""
    splits: dict[str, str] = {}
    sets: dict[str, list[Item]] = {kind: [] for kind in KINDS}
    for suffix in (ROUNDS[r] for r in rounds):
        sources = data / f"sources{suffix}.json"
        if not sources.is_file():
            continue
        for source in json.loads(sources.read_text(encoding="utf-8")):
            if splits.setdefault(source["id"], source["split"]) != source["split"]:
                raise ValueError(f"source {source['id']!r} is in two splits")
        for kind in KINDS:
            sets[kind] += load(data / f"{kind}{suffix}.jsonl", splits)
    return sets
