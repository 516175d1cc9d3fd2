"""The red-flag screen's evaluation data (``eval/safety``), read the same way by the tuning tool and
the benchmark: each phrasing with its category, its source and that source's split."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "eval" / "safety"
# Each data file with its sources: the first set (tune and test sources), then larger tuning
# sets written later from other sources, then rounds 10 to 22 (tune and test sources again).
FILES = (("phrasings.jsonl", "sources.json"), ("tune2.jsonl", "tune2_sources.json"),
         ("tune3.jsonl", "tune3_sources.json"), ("tune4.jsonl", "tune4_sources.json"),
         ("tune5.jsonl", "tune5_sources.json"), ("tune6.jsonl", "tune6_sources.json"),
         ("tune7.jsonl", "tune7_sources.json"), ("tune8.jsonl", "tune8_sources.json"),
         ("tune9.jsonl", "tune9_sources.json"), ("round10.jsonl", "round10_sources.json"),
         ("round11.jsonl", "round11_sources.json"), ("round12.jsonl", "round12_sources.json"),
         ("round13.jsonl", "round13_sources.json"), ("round14.jsonl", "round14_sources.json"),
         ("round15.jsonl", "round15_sources.json"), ("round16.jsonl", "round16_sources.json"),
         ("round17.jsonl", "round17_sources.json"), ("round18.jsonl", "round18_sources.json"),
         ("round19.jsonl", "round19_sources.json"), ("round20.jsonl", "round20_sources.json"),
         ("round21.jsonl", "round21_sources.json"), ("round22.jsonl", "round22_sources.json"),
         ("round23.jsonl", "round23_sources.json"))


@dataclass(frozen=True)
class Item:
    text: str
    category: str
    source: str
    urgent: bool
    subtype: str
    split: str


def round_files(data_name: str) -> tuple[str, str]:
    """A round's data file with its sources file ("round18.jsonl" -> "round18_sources.json")."""
    return data_name, data_name.removesuffix(".jsonl") + "_sources.json"


def load_items(data: Path = DATA, files: tuple[tuple[str, str], ...] = FILES) -> list[Item]:
    """Every phrasing of ``files`` (all the tuning and test data by default), with its source's split;
    a source listed in two splits is an error."""
    splits: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for data_name, sources_name in files:
        for source in json.loads((data / sources_name).read_text(encoding="utf-8")):
            if splits.setdefault(source["id"], source["split"]) != source["split"]:
                raise ValueError(f"source {source['id']!r} is in two splits")
        rows += [json.loads(line) for line in (data / data_name).read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    return [Item(r["text"], r["category"], r["source"], r["kind"] == "urgent", r.get("subtype", ""),
                 splits[r["source"]]) for r in rows]
