"""The ranker against a table of our own phrasings (not the content's sample questions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.coach import informational_topic, ranker_for
from skill.content import TOPIC_IDS, available_locales, load
from skill.understanding.ranker import Lexicon, Ranker, load_lexicon
from skill.understanding.screen import check

DATA = Path(__file__).parents[1] / "data"
TABLE = json.loads((DATA / "questions_en.json").read_text(encoding="utf-8"))
# Phrasings for the eighteen topics added for issue 9, written before their sample questions were
# broadened and kept apart, so the original table's figure stays comparable with earlier runs.
NEW_TOPICS_TABLE = json.loads((DATA / "questions_new_topics_en.json").read_text(encoding="utf-8"))
MIN_ACCURACY = 0.85  # measured 0.87 when the table was written; README reports the current figure
# Measured 0.54-0.56 when the new topics were added: the TF-IDF ranker does not generalise to their
# wording yet (issue 9, item 2). A floor against regressions, to be raised as matching improves.
MIN_NEW_TOPICS_ACCURACY = 0.50


def route(text: str, locale: str = "en-US") -> str | None:
    """What the skill does with free text: the safety screen first, then the ranker."""
    finding = check(text)
    if finding.urgent:
        return "red_flags"
    match = ranker_for(load(locale)).best(text)
    if finding.informational:
        return informational_topic(finding, match.topic if match else None)
    return match.topic if match else None


Miss = tuple[str, str | None, str | None]  # question, expected topic, routed topic


def accuracy(locale: str = "en-US", table: list[dict] = TABLE) -> tuple[float, list[Miss]]:
    misses = [(row["q"], row["topic"], route(row["q"], locale)) for row in table]
    misses = [m for m in misses if m[1] != m[2]]
    return 1 - len(misses) / len(table), misses


def test_tables_are_large_and_cover_every_topic():
    assert len([r for r in TABLE if r["topic"]]) >= 150
    assert {r["topic"] for r in TABLE + NEW_TOPICS_TABLE if r["topic"]} == set(TOPIC_IDS)
    assert any(r["topic"] is None for r in TABLE)
    assert {r["q"] for r in TABLE}.isdisjoint(r["q"] for r in NEW_TOPICS_TABLE)


@pytest.mark.parametrize("locale", available_locales())
@pytest.mark.parametrize(("table", "minimum"), [(TABLE, MIN_ACCURACY), (NEW_TOPICS_TABLE, MIN_NEW_TOPICS_ACCURACY)],
                         ids=["original", "new_topics"])
def test_ranker_accuracy_on_the_table(locale, table, minimum):
    score, misses = accuracy(locale, table)
    assert score >= minimum, f"accuracy {score:.3f}; misses: {misses}"


@pytest.mark.parametrize("topic", TOPIC_IDS)
def test_each_topic_wins_for_its_own_title(topic):
    content = load("en-US")
    assert route(content.topics[topic].title) in (topic, "red_flags")


@pytest.mark.parametrize("text", ["", "   ", "the a an of", "?!", "zxqv blorp"])
def test_no_match_for_empty_or_meaningless_text(text):
    assert ranker_for(load("en-US")).best(text) is None


def test_unknown_words_weaken_a_match():
    ranker = Ranker({"heat": (("heat or ice",), "Use heat."), "other": (("pillow",), "Sleep.")},
                    Lexicon(frozenset(), {}))
    plain = ranker.rank("heat")[0].score
    diluted = ranker.rank("heat quantum spaghetti")[0].score
    assert diluted < plain


def test_synonyms_fold_lay_words():
    lexicon = load_lexicon("en")
    assert lexicon.terms("cold pack")[0] == lexicon.terms("ice")[0]
