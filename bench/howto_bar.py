"""How sure the ranker must be before it answers with instructions (``ranker.INSTRUCTION_THRESHOLD``).

Instructions are the one kind of answer that can harm a person whose words describe a warning sign the
screen missed, so a how-to topic needs a surer match than an information topic. This counts, on the
tune splits only, how many right how-to answers to eval/understanding's questions each bar keeps, and
how many of eval/safety's phrasings a how-to topic would answer if the screen let them through (the
screen is left out on purpose: the bar is a second line of defence, measured on its own).

Usage: python -m bench.howto_bar [--split tune|test]   (lexical: NRC_EMBEDDING_DIR=<empty folder>)
"""

from __future__ import annotations

import argparse

from skill.coach import HOW_TO_TOPICS, ranker_for
from skill.content import load
from skill.tools.safety_data import load_items
from skill.tools.understanding_data import ROUNDS, load_rounds
from skill.understanding.ranker import Match
from skill.understanding.scope import load_scope

BARS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55)


def how_to_scores(split: str) -> dict[str, list[float]]:
    """Ranker scores of how-to answers, by what was asked: right and wrong answers to questions, and
    urgent and ordinary red-flag phrasings."""
    ranker, scope = ranker_for(load("en-US")), load_scope("en")

    def best(text: str) -> Match | None:
        return None if scope.excludes(text) else ranker.best(text)

    scores: dict[str, list[float]] = {"right": [], "wrong": [], "urgent": [], "ordinary": []}
    for item in (i for i in load_rounds(ROUNDS)["questions"] if i.split == split):
        match = best(item.text)
        if match is not None and match.topic in HOW_TO_TOPICS:
            scores["right" if match.topic in item.expected else "wrong"].append(match.score)
    for phrasing in (i for i in load_items() if i.split == split):
        match = best(phrasing.text)
        if match is not None and match.topic in HOW_TO_TOPICS:
            scores["urgent" if phrasing.urgent else "ordinary"].append(match.score)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "test"), default="tune")
    args = parser.parse_args(argv)
    scores = how_to_scores(args.split)
    header = [f"{kind} (of {len(values)})" for kind, values in scores.items()]
    print("bar   " + "  ".join(header))
    for bar in BARS:
        kept = [str(sum(s >= bar for s in values)).rjust(len(title))
                for title, values in zip(header, scores.values(), strict=True)]
        print(f"{bar:<5} " + "  ".join(kept))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
