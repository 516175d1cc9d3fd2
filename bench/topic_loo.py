"""Leave-one-out over the topics' own sample questions: each sample is taken out of its topic in turn,
the ranker is rebuilt without it, and the sample is asked as a question. A sample that lands on another
topic shows two topics whose samples overlap (or a sample in the wrong topic); one refused shows a
topic whose other samples do not cover it. It needs no evaluation data, so it can guide changes to the
ranker and the samples without touching the held-out words.

Usage: python -m bench.topic_loo [--locale en-US] [--list]   (lexical: NRC_EMBEDDING_DIR=<empty folder>)
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from skill.coach import build_ranker, ranked_topics
from skill.content import load
from skill.understanding.embedding import encoder


def left_out(locale: str) -> Iterator[tuple[str, str, str | None]]:
    """(topic, sample, the topic the ranker chose without that sample, or None when it refused)."""
    topics = ranked_topics(load(locale))
    for topic, (questions, answer) in topics.items():
        for index, question in enumerate(questions[:-1]):  # the last is the title, not a sample
            without = {**topics, topic: ((*questions[:index], *questions[index + 1:]), answer)}
            best = build_ranker(without, locale).best(question)
            yield topic, question, None if best is None else best.topic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--list", action="store_true", help="print each sample that does not come back")
    args = parser.parse_args(argv)
    right = wrong = refused = 0
    for topic, question, chosen in left_out(args.locale):
        right += chosen == topic
        wrong += chosen not in (topic, None)
        refused += chosen is None
        if args.list and chosen != topic:
            print(f"  {topic}: {question!r} -> {chosen}")
    total = right + wrong + refused
    ranking = "hybrid" if encoder() is not None else "lexical"
    print(f"{args.locale}, {ranking}: {right}/{total} samples back on their topic ({right / total:.1%}), "
          f"{wrong} on another, {refused} refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
