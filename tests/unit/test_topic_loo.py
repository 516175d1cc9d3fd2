"""bench/topic_loo.py's leave-one-out over the refusal examples: each example is asked with itself left
out of the examples the ranker learns, and counted as refused by the phrase lists, by the ranker, or
answered."""

from __future__ import annotations

import re

from bench import topic_loo
from skill.understanding.ranker import Match
from skill.understanding.scope import Scope

EXAMPLES = ("how do i massage my calves", "tell me a joke about cats", "how do i fix a bike")


class FakeRanker:
    """Answers each request with the topic the test gives it (None: refused)."""

    def __init__(self, answers: dict[str, str | None]) -> None:
        self.answers = answers

    def best(self, text: str) -> Match | None:
        topic = self.answers[text]
        return None if topic is None else Match(topic, 0.5)


def test_each_refusal_example_is_asked_without_itself_and_counted_by_what_refused_it(monkeypatch, capsys):
    answers = {EXAMPLES[0]: "self_massage", EXAMPLES[1]: None, EXAMPLES[2]: "treatments"}
    built: list[tuple[str, ...]] = []

    def build_ranker(topics, locale, outside):
        built.append(tuple(outside))
        return FakeRanker(answers)

    scope = Scope(re.compile(r"(?:^| )head(?= |$)"), re.compile(r"(?:^| )calves(?= |$)"), EXAMPLES)
    monkeypatch.setattr(topic_loo, "build_ranker", build_ranker)
    monkeypatch.setattr(topic_loo, "load_scope", lambda language: scope)
    monkeypatch.setattr(topic_loo, "ranked_topics", lambda content: {})
    monkeypatch.setattr(topic_loo, "load", lambda locale: None)

    assert list(topic_loo.outside_left_out("en-US")) == [
        (EXAMPLES[0], True, "self_massage"), (EXAMPLES[1], False, None), (EXAMPLES[2], False, "treatments")]
    assert built == [EXAMPLES[1:], (EXAMPLES[0], EXAMPLES[2]), EXAMPLES[:2]]

    line = topic_loo.report_outside("en-US", listing=True)
    assert "2/3 refusal examples refused" in line
    assert "the phrase lists refuse 1, the ranker alone 1; 1 answered" in line
    listed = capsys.readouterr().out
    assert "'how do i fix a bike' -> treatments\n" in listed
    assert "how do i massage my calves' -> self_massage (the phrase lists refuse it)" in listed
    assert "joke" not in listed
