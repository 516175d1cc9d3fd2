"""The evaluation data is only evidence while its splits stay apart: a source in both the tuning and
the test split would let tuning reach the test. These check the loaders that every figure comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.tools.safety_data import load_items
from skill.tools.understanding_data import KINDS, load_rounds


def test_safety_phrasings_each_come_from_one_split() -> None:
    items = load_items()
    assert {item.split for item in items} == {"tune", "test"}
    by_source: dict[str, set[str]] = {}
    for item in items:
        by_source.setdefault(item.source, set()).add(item.split)
    assert all(len(splits) == 1 for splits in by_source.values())


def test_understanding_rounds_load_with_both_splits_in_every_kind() -> None:
    sets = load_rounds(("1", "2"))
    for kind in KINDS:
        assert {item.split for item in sets[kind]} == {"tune", "test"}, kind


def _round(folder: Path, suffix: str, sources: list[dict[str, str]]) -> None:
    (folder / f"sources{suffix}.json").write_text(json.dumps(sources), encoding="utf-8")
    line = json.dumps({"text": "is heat good", "topics": ["heat_ice"], "source": sources[0]["id"]})
    for kind in KINDS:
        (folder / f"{kind}{suffix}.jsonl").write_text(line + "\n\n", encoding="utf-8")


def test_a_source_in_two_rounds_with_two_splits_is_refused(tmp_path: Path) -> None:
    _round(tmp_path, "", [{"id": "forum", "split": "tune"}])
    _round(tmp_path, "2", [{"id": "forum", "split": "test"}])
    assert len(load_rounds(("1",), tmp_path)["questions"]) == 1  # blank lines are skipped
    with pytest.raises(ValueError, match="forum"):
        load_rounds(("1", "2"), tmp_path)


def test_a_round_not_yet_written_adds_nothing(tmp_path: Path) -> None:
    _round(tmp_path, "", [{"id": "forum", "split": "tune"}])
    assert load_rounds(("1", "2"), tmp_path) == load_rounds(("1",), tmp_path)
