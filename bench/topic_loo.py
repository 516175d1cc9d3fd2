"""Leave-one-out over the topics' own sample questions: each sample is taken out of its topic in turn,
the ranker is rebuilt without it, and the sample is asked as a question. A sample that lands on another
topic shows two topics whose samples overlap (or a sample in the wrong topic); one refused shows a
topic whose other samples do not cover it. It needs no evaluation data, so it can guide changes to the
ranker and the samples without touching the held-out words.

With ``--outside`` it leaves out each refusal example (``scope.refuse_examples`` in the lexicon) instead
and asks it as the skill would: refused by the scope's phrase lists, else by the ranker built without
it. One answered shows a kind of off-topic request that no other example, and no phrase, covers.

Usage: python -m bench.topic_loo [--locale en-US] [--outside] [--list]
       (lexical: NRC_EMBEDDING_DIR=<empty folder>)
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from skill.coach import build_ranker, ranked_topics
from skill.content import load
from skill.understanding.embedding import encoder
from skill.understanding.scope import load_scope


def left_out(locale: str) -> Iterator[tuple[str, str, str | None]]:
    """(topic, sample, the topic the ranker chose without that sample, or None when it refused)."""
    topics = ranked_topics(load(locale))
    for topic, (questions, answer) in topics.items():
        for index, question in enumerate(questions[:-1]):  # the last is the title, not a sample
            without = {**topics, topic: ((*questions[:index], *questions[index + 1:]), answer)}
            best = build_ranker(without, locale).best(question)
            yield topic, question, None if best is None else best.topic


def outside_left_out(locale: str) -> Iterator[tuple[str, bool, str | None]]:
    """(refusal example, whether the phrase lists refuse it, the topic the ranker chose without that
    example or None when it refused)."""
    topics = ranked_topics(load(locale))
    scope = load_scope(locale.split("-")[0])
    examples = scope.refuse_examples
    for index, example in enumerate(examples):
        best = build_ranker(topics, locale, (*examples[:index], *examples[index + 1:])).best(example)
        yield example, scope.excludes(example), None if best is None else best.topic


def report_outside(locale: str, listing: bool) -> str:
    """The refusal examples' leave-one-out in a line, after each one the ranker answered when ``listing``."""
    total = by_phrases = by_ranker = answered = 0
    for example, excluded, chosen in outside_left_out(locale):
        total += 1
        by_phrases += excluded
        by_ranker += chosen is None
        answered += not excluded and chosen is not None
        if listing and chosen is not None:
            print(f"  {example!r} -> {chosen}{' (the phrase lists refuse it)' if excluded else ''}")
    refused = total - answered
    return (f"{locale}, {ranking()}: {refused}/{total} refusal examples refused when left out "
            f"({refused / total:.1%}): the phrase lists refuse {by_phrases}, the ranker alone {by_ranker}; "
            f"{answered} answered")


def ranking() -> str:
    """Which ranker runs: hybrid when the embedding model is there."""
    return "hybrid" if encoder() is not None else "lexical"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--outside", action="store_true", help="leave out each refusal example instead")
    parser.add_argument("--list", action="store_true", help="print each sample that does not come back")
    args = parser.parse_args(argv)
    if args.outside:
        print(report_outside(args.locale, args.list))
        return 0
    right = wrong = refused = 0
    for topic, question, chosen in left_out(args.locale):
        right += chosen == topic
        wrong += chosen not in (topic, None)
        refused += chosen is None
        if args.list and chosen != topic:
            print(f"  {topic}: {question!r} -> {chosen}")
    total = right + wrong + refused
    print(f"{args.locale}, {ranking()}: {right}/{total} samples back on their topic ({right / total:.1%}), "
          f"{wrong} on another, {refused} refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
