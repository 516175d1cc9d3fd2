"""The evaluation data is only evidence while its splits stay apart: a source in both the tuning and
the test split would let tuning reach the test. These check the loaders that every figure comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.tools.safety_data import DATA, FILES, load_items, round_files
from skill.tools.understanding_data import KINDS, load_rounds


def test_safety_phrasings_each_come_from_one_split() -> None:
    items = load_items()
    assert {item.split for item in items} == {"tune", "test"}
    by_source: dict[str, set[str]] = {}
    for item in items:
        by_source.setdefault(item.source, set()).add(item.split)
    assert all(len(splits) == 1 for splits in by_source.values())


def test_a_fresh_safety_round_loads_alone_and_shares_no_source_with_the_data() -> None:
    """A round scored fresh (``bench.safety_eval --round``) is its own file pair, not yet in FILES."""
    fresh = sorted({p.name for p in DATA.glob("round*.jsonl")} - {name for name, _ in FILES})
    if not fresh:
        pytest.skip("no round waiting to join the data")
    known = {item.source for item in load_items()}
    for name in fresh:
        items = load_items(DATA, (round_files(name),))
        assert {item.split for item in items} == {"tune", "test"}
        assert {item.urgent for item in items} == {True, False}
        assert not known & {item.source for item in items}, name


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
