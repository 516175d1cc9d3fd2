"""Learn the red-flag screen's second opinion (``skill.understanding.likelihood``) from the tuning
phrasings of ``eval/safety``, never its test split, and choose the score threshold honestly.

Positives: urgent tuning phrasings and the model's red-flag samples. Negatives: ordinary tuning
phrasings (negations, past injuries, everyday senses, the usual symptoms, general questions), every
topic's sample questions, every command phrasing the matcher knows, the ranker's tables of everyday
questions, and the tuning split of ``eval/understanding``'s questions, off-topic requests and
commands. Those last are said the way people talk ("um so", "like", "i keep reading"); without them
the model learned that talk itself, which the urgent phrasings have and the tidy sample questions
lack, and raised a caution at "will a heating pad help this kind of headache". The threshold is picked on
out-of-fold scores (folds by source, so no source is scored by a model that saw it) as the lowest
at which the model adds no more than ``--max-false-alarms`` of false alarms on the near misses
beyond the rules. Where the words name no sign at all, a stricter threshold of its own applies, the
lowest at which no more than ``--plain-false-alarms`` of the ordinary texts without a sign word (the
everyday questions among them) would alarm; then the model is trained on everything.

Usage: python -m skill.tools.train_screen [--check]   (--check: fail if the committed weights differ)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from skill.content import load
from skill.content.overlay import read_locale_data
from skill.tools.safety_data import load_items
from skill.tools.understanding_data import ROUNDS, load_rounds
from skill.understanding.likelihood import Likelihood, train
from skill.understanding.matcher import matcher_for
from skill.understanding.screen import SAFETY_DIR, load_screen

FOLDS = 5
MAX_FALSE_ALARMS = 0.005  # on the tuning near misses, beyond the rules' own
PLAIN_FALSE_ALARMS = 0.0025  # on the ordinary tuning texts that name no sign, beyond the rules' own
QUESTION_TABLES = sorted((Path(__file__).resolve().parents[2] / "tests" / "data").glob("questions*_en.json"))


def _samples(locale: str = "en-US") -> tuple[list[tuple[str, bool, str]], dict[str, bool]]:
    """(cleaned text, urgent, group) for training, and the cleaned texts the rules leave to the model,
    each with whether it names a sign (which threshold applies)."""
    screen = replace(load_screen(SAFETY_DIR / "en.json"), likelihood=None)  # the rules alone
    clean = screen.language.clean
    rows = [(clean(i.text), i.urgent, i.source) for i in load_items() if i.split == "tune"]
    for category, texts in read_locale_data(locale, "intents")["red_flag_samples"].items():
        rows += [(clean(t), True, f"samples:{category}") for t in texts]
    for topic in load(locale).topics.values():
        rows += [(clean(q), False, f"topic:{topic.id}") for q in topic.questions]
    for table in QUESTION_TABLES:  # ordinary questions people ask this skill every day
        rows += [(clean(r["q"]), False, f"topic:{table.stem}") for r in json.loads(table.read_text(encoding="utf-8"))]
    # Commands are never warning signs, though some sound like distress to word statistics ("i can't keep
    # up" asks to slow down): every literal sample of the interaction model and the built-ins' phrasings.
    rows += [(clean(c), False, "topic:commands") for c in sorted(matcher_for(locale).exact)]
    asked_in_eval = load_rounds(ROUNDS)
    rows += [(clean(i.text), False, f"topic:eval-{kind}") for kind in ("questions", "offtopic", "commands")
             for i in asked_in_eval[kind] if i.split == "tune"]
    asked = {}
    for text, _, _ in rows:
        finding = screen.check(text)
        if finding.kind == "clear" and screen.asks_second_opinion(text, finding.suppressed):
            asked[text] = screen.names_a_sign(text)
    return rows, asked


def _out_of_fold(rows: Sequence[tuple[str, bool, str]]) -> list[float]:
    groups = sorted({g for _, _, g in rows})
    fold_of = {g: n % FOLDS for n, g in enumerate(groups)}
    scores = [0.0] * len(rows)
    for fold in range(FOLDS):
        weights, bias = train((t, u) for t, u, g in rows if fold_of[g] != fold)
        model = Likelihood(weights, bias, 0.5)
        for n, (text, _, group) in enumerate(rows):
            if fold_of[group] == fold:
                scores[n] = model.score(text)
    return scores


def _lowest(ordinary: Sequence[float], allowed: float) -> float:
    """The lowest threshold (in hundredths from 0.5) at which no more than ``allowed`` false alarms remain."""
    return next((c / 100 for c in range(50, 100) if sum(s >= c / 100 for s in ordinary) <= allowed), 0.99)


def build(max_false_alarms: float, plain_false_alarms: float) -> tuple[dict[str, object], dict[str, object]]:
    rows, asked = _samples()
    scores = _out_of_fold(rows)
    # False alarms with a sign word are counted on the near misses people actually say (negations, past
    # injuries, everyday senses, the usual symptoms, general questions), not diluted by the easy topic
    # questions. Without a sign word the everyday questions count too: those are what such words are.
    near = [(s, t) for (t, u, g), s in zip(rows, scores, strict=True) if not u and not g.startswith("topic:")]
    plain = [s for (t, u, _), s in zip(rows, scores, strict=True) if not u and asked.get(t) is False]
    threshold = _lowest([s for s, t in near if asked.get(t)], max_false_alarms * len(near))
    plain_threshold = max(threshold, _lowest(plain, plain_false_alarms * len(plain)))
    weights, bias = train((t, u) for t, u, _ in rows)
    report: dict[str, object] = {"rows": len(rows)}
    for name, named, bar in (("named", True, threshold), ("plain", False, plain_threshold)):
        urgent = [s for (t, u, _), s in zip(rows, scores, strict=True) if u and asked.get(t) is named]
        ordinary = [s for (t, u, _), s in zip(rows, scores, strict=True) if not u and asked.get(t) is named]
        report[name] = {"threshold": bar, "out_of_fold_extra_catches": sum(s >= bar for s in urgent),
                        "out_of_fold_missed_by_rules": len(urgent),
                        "out_of_fold_extra_false_alarms": sum(s >= bar for s in ordinary),
                        "ordinary_asked": len(ordinary)}
    report["near_misses"] = len(near)
    data = {"note": "Learned by python -m skill.tools.train_screen from eval/safety's tuning phrasings, the "
                    "red-flag samples and the topics' questions; do not edit by hand.",
            "bias": bias, "threshold": threshold, "plain_threshold": plain_threshold,
            "weights": dict(sorted(weights.items()))}
    return data, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false-alarms", type=float, default=MAX_FALSE_ALARMS)
    parser.add_argument("--plain-false-alarms", type=float, default=PLAIN_FALSE_ALARMS)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    data, report = build(args.max_false_alarms, args.plain_false_alarms)
    path: Path = SAFETY_DIR / "en.likelihood.json"
    text = json.dumps(data, indent=0, ensure_ascii=False, sort_keys=False) + "\n"
    print(json.dumps(report), file=sys.stderr)
    if args.check:
        return 0 if path.is_file() and path.read_text(encoding="utf-8") == text else 1
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
