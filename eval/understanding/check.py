"""Validate the understanding evaluation set and print its counts.

The set is written independently of the skill's own content, so the topic ids
and intent names are listed here rather than read from the skill: a topic the
content drops or renames then shows up as a failure of the skill, not as a
silently shrinking test.

The data comes in rounds (round 1: ``questions.jsonl``, ``offtopic.jsonl``, ``commands.jsonl``,
``sources.json``; later rounds: the same names ending in the round's number); every round present is
checked, and the minimums apply to all rounds together. A source id may not repeat across rounds.

Run: python3 eval/understanding/check.py   (exit status 1 on any problem)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

TOPICS = (
    "what_is symptoms causes diagnosis outlook red_flags massage_safety self_massage "
    "suboccipital_release ball_release acupressure scalp_massage pressure hold_time "
    "frequency heat_ice after_massage when_to_stop contraindications flare_relief "
    "stretches posture sleep devices chiropractic massage_therapist physical_therapist "
    "doctors see_doctor treatments nerve_block breathing about otc_medicines prescription_medicines "
    "nerve_block_relief nerve_block_aftercare botox advanced_procedures tens acupuncture "
    "migraine_difference something_else dizziness_vision ear_face_jaw how_common "
    "triggers pregnancy stress_mood worried_about_someone appointment supplements"
).split()

INTENTS = (
    "AMAZON.PauseIntent AMAZON.ResumeIntent AMAZON.NextIntent AMAZON.PreviousIntent "
    "AMAZON.RepeatIntent AMAZON.StartOverIntent AMAZON.StopIntent AMAZON.CancelIntent "
    "AMAZON.HelpIntent SlowerIntent FasterIntent ProgressIntent StartRoutineIntent "
    "MoreIntent AMAZON.YesIntent AMAZON.NoIntent ThanksIntent"
).split()

SPLITS = ("tune", "test")
# File-name suffixes; a round whose sources file is absent is skipped.
ROUNDS = ("", *(str(n) for n in range(2, 16)))
MIN_PER_TOPIC = 12
MIN_PER_INTENT = 15
MIN_QUESTIONS = 600
MIN_OFFTOPIC = 60
MIN_COMMANDS = 300
MIN_SOURCES = 15

# What a speech recogniser hands a skill: lowercase words, single spaces,
# apostrophes kept (Alexa transcribes "what's"), no digits or other punctuation.
SPOKEN = re.compile(r"[a-z']+( [a-z']+)*")


class Report:
    """Collects problems so that one run lists all of them, not just the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


def load_sources(name: str, splits: dict[str, str], report: Report) -> None:
    """Add source id -> split from ``name`` to ``splits``, checking each entry's fields."""
    entries = json.loads((HERE / name).read_text(encoding="utf-8"))
    for number, entry in enumerate(entries, 1):
        where = f"{name} entry {number}"
        missing = {"id", "kind", "where", "split"} - set(entry)
        if missing:
            report.fail(where, f"missing {sorted(missing)}")
            continue
        if entry["split"] not in SPLITS:
            report.fail(where, f"split {entry['split']!r} is not one of {SPLITS}")
        if entry["id"] in splits:
            report.fail(where, f"duplicate id {entry['id']!r}")
        splits[entry["id"]] = entry["split"]


def load_lines(name: str, report: Report) -> list[tuple[str, dict[str, Any]]]:
    """Parse a JSON-lines file, returning (location, object) for each good line."""
    rows = []
    for number, line in enumerate((HERE / name).read_text(encoding="utf-8").splitlines(), 1):
        where = f"{name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            report.fail(where, f"not JSON ({error})")
            continue
        if not isinstance(row, dict):
            report.fail(where, "not an object")
            continue
        rows.append((where, row))
    return rows


def has_fields(where: str, row: dict[str, Any], fields: set[str], report: Report) -> bool:
    """An item with other fields than expected cannot be checked further."""
    if set(row) != fields:
        report.fail(where, f"fields {sorted(row)} should be {sorted(fields)}")
        return False
    return True


def known_source(where: str, row: dict[str, Any], sources: dict[str, str],
                 report: Report) -> bool:
    """Check the spoken form of the text; True when the item's source (and so split) is known."""
    if not isinstance(row["text"], str) or not SPOKEN.fullmatch(row["text"]):
        report.fail(where, f"text {row['text']!r} is not lowercase spoken words")
    if row["source"] not in sources:
        report.fail(where, f"unknown source {row['source']!r}")
        return False
    return True


def check_questions(name: str, sources: dict[str, str], report: Report,
                    off_topic: bool) -> list[dict[str, Any]]:
    """Validate a question file; off-topic items must have an empty topic list."""
    good = []
    for where, row in load_lines(name, report):
        if not has_fields(where, row, {"text", "topics", "source"}, report):
            continue
        countable = known_source(where, row, sources, report)
        topics = row["topics"]
        if not isinstance(topics, list):
            report.fail(where, "topics is not a list")
            continue
        if off_topic and topics:
            report.fail(where, "an off-topic item must have no topics")
        if not off_topic and not topics:
            report.fail(where, "a question needs at least one acceptable topic")
        unknown = [topic for topic in topics if topic not in TOPICS]
        if unknown:
            report.fail(where, f"unknown topics {unknown}")
            countable = False
        if len(set(topics)) != len(topics):
            report.fail(where, "a topic is listed twice")
        if countable:
            good.append(row)
    return good


def check_commands(name: str, sources: dict[str, str], report: Report) -> list[dict[str, Any]]:
    """Validate a routine commands file."""
    good = []
    for where, row in load_lines(name, report):
        if not has_fields(where, row, {"text", "intent", "source"}, report):
            continue
        countable = known_source(where, row, sources, report)
        if row["intent"] not in INTENTS:
            report.fail(where, f"unknown intent {row['intent']!r}")
            countable = False
        if countable:
            good.append(row)
    return good


def check_duplicates(groups: dict[str, list[dict[str, Any]]], report: Report) -> None:
    """The same words may not appear twice anywhere: the split would leak."""
    seen: dict[str, str] = {}
    for name, rows in groups.items():
        for row in rows:
            if row["text"] in seen:
                report.fail(name, f"{row['text']!r} also appears in {seen[row['text']]}")
            seen[row["text"]] = name


def print_table(title: str, keys: list[str], counts: dict[str, Counter[str]]) -> None:
    """Print one row per key with its tune, test and total counts."""
    print(f"\n{title:<28}{'tune':>6}{'test':>6}{'total':>7}")
    for key in keys:
        split = counts[key]
        print(f"{key:<28}{split['tune']:>6}{split['test']:>6}{sum(split.values()):>7}")


def count_by(rows: list[dict[str, Any]], key: str,
             sources: dict[str, str]) -> dict[str, Counter[str]]:
    """Count items per value of key (first topic for questions) and per split."""
    counts: dict[str, Counter[str]] = {}
    for row in rows:
        value = row[key][0] if key == "topics" else row[key]
        counts.setdefault(value, Counter())[sources[row["source"]]] += 1
    return counts


def check_coverage(name: str, keys: list[str], counts: dict[str, Counter[str]],
                   minimum: int, report: Report) -> None:
    """Every key needs enough items and must appear in both splits."""
    for key in keys:
        split = counts.get(key, Counter())
        if sum(split.values()) < minimum:
            report.fail(name, f"{key} has {sum(split.values())} items, need {minimum}")
        for part in SPLITS:
            if not split[part]:
                report.fail(name, f"{key} has no {part} item")


def split_totals(rows: list[dict[str, Any]], sources: dict[str, str]) -> str:
    """Describe how the items of one file divide between the splits."""
    totals = Counter(sources[row["source"]] for row in rows)
    share = totals["tune"] / max(1, len(rows))
    return f"{len(rows)} items: tune {totals['tune']} ({share:.0%}), test {totals['test']}"


def main() -> int:
    report = Report()
    sources: dict[str, str] = {}
    questions: list[dict[str, Any]] = []
    off_topic: list[dict[str, Any]] = []
    commands: list[dict[str, Any]] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for suffix in ROUNDS:
        if not (HERE / f"sources{suffix}.json").is_file():
            continue
        load_sources(f"sources{suffix}.json", sources, report)
        groups[f"questions{suffix}.jsonl"] = check_questions(f"questions{suffix}.jsonl", sources, report,
                                                             off_topic=False)
        groups[f"offtopic{suffix}.jsonl"] = check_questions(f"offtopic{suffix}.jsonl", sources, report,
                                                            off_topic=True)
        groups[f"commands{suffix}.jsonl"] = check_commands(f"commands{suffix}.jsonl", sources, report)
        questions += groups[f"questions{suffix}.jsonl"]
        off_topic += groups[f"offtopic{suffix}.jsonl"]
        commands += groups[f"commands{suffix}.jsonl"]
    if len(sources) < MIN_SOURCES:
        report.fail("sources", f"{len(sources)} sources, need at least {MIN_SOURCES}")
    check_duplicates(groups, report)

    topic_counts = count_by(questions, "topics", sources)
    intent_counts = count_by(commands, "intent", sources)
    check_coverage("questions.jsonl", TOPICS, topic_counts, MIN_PER_TOPIC, report)
    check_coverage("commands.jsonl", INTENTS, intent_counts, MIN_PER_INTENT, report)
    for name, rows, minimum in (("questions.jsonl", questions, MIN_QUESTIONS),
                                ("offtopic.jsonl", off_topic, MIN_OFFTOPIC),
                                ("commands.jsonl", commands, MIN_COMMANDS)):
        if len(rows) < minimum:
            report.fail(name, f"{len(rows)} items, need at least {minimum}")
    if {sources[row["source"]] for row in off_topic} != set(SPLITS):
        report.fail("offtopic.jsonl", "off-topic items must appear in both splits")

    print_table("topic (best first)", TOPICS, topic_counts)
    print_table("intent", INTENTS, intent_counts)
    multi = sum(len(row["topics"]) > 1 for row in questions)
    print(f"\nsources: {len(sources)} ({Counter(sources.values())['tune']} tune)")
    print(f"questions: {split_totals(questions, sources)}; {multi} list more than one topic")
    print(f"off-topic: {split_totals(off_topic, sources)}")
    print(f"commands: {split_totals(commands, sources)}")

    for problem in report.problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
