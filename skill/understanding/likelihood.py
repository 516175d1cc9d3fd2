"""A second opinion for the red-flag screen: how much an utterance reads like a warning sign.

The rules in ``skill/content/safety/<language>.json`` name the sign, but people describe warning
signs in more ways than any list of rules foresees. This is a small logistic model over words and
word pairs, learned from the tuning phrasings (never the test split) by ``skill.tools.train_screen``;
the screen asks it only when no rule fired and nothing was set aside as negated or long past, and
treats a high score as an urgent finding without a named category. Plain Python and a JSON file:
no dependency, well under a millisecond per utterance.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class LikelihoodDataError(ValueError):
    """The weights file is malformed; raised at load."""


def features(cleaned: str) -> list[str]:
    """Words and adjacent word pairs of text already cleaned by the screen's language."""
    words = cleaned.split()
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


CAUTION = 0.3  # below the threshold, but enough that a how-to answer would be the wrong one
# The same without a sign word, where everyday questions are most of what is said: out of fold on the
# tuning data, 0.5 cautions 38 of 4,334 ordinary texts without one (0.9 %) and 4 of the 5 urgent ones.
PLAIN_CAUTION = 0.5


@dataclass(frozen=True)
class Likelihood:
    """``threshold`` and ``caution`` apply when the words name a symptom or circumstance (the screen's
    second-opinion words); ``plain_threshold`` and ``plain_caution``, stricter, when they name none:
    people describe warning signs in words no list foresees ("there's two of everything", "i've written
    letters to everyone"), so the model is heard there too, but only when it is surer."""

    weights: dict[str, float]
    bias: float
    threshold: float
    plain_threshold: float = 1.0  # 1.0: never without a sign word (a score is below 1)
    caution: float = CAUTION
    plain_caution: float = PLAIN_CAUTION

    def score(self, cleaned: str) -> float:
        """The model's probability that ``cleaned`` describes a warning sign."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in set(features(cleaned)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def train(samples: Iterable[tuple[str, bool]], *, epochs: int = 30, rate: float = 0.2, l2: float = 1e-4,
          min_count: int = 2) -> tuple[dict[str, float], float]:
    """Logistic regression by stochastic gradient descent, in a fixed order so a build is repeatable."""
    data = [(sorted(set(features(text))), label) for text, label in samples]
    counts: dict[str, int] = {}
    for feats, _ in data:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    kept = {f for f, n in counts.items() if n >= min_count}
    weights: dict[str, float] = dict.fromkeys(sorted(kept), 0.0)
    bias = 0.0
    positives = sum(label for _, label in data) or 1
    balance = (len(data) - positives) / positives  # weigh the classes equally
    for epoch in range(epochs):
        step = rate / (1 + epoch * 0.2)
        for feats, label in data:
            active = [f for f in feats if f in weights]
            z = bias + sum(weights[f] for f in active)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            gradient = (p - label) * (balance if label else 1.0)
            bias -= step * gradient
            for f in active:
                weights[f] -= step * (gradient + l2 * weights[f])
    return {f: round(w, 4) for f, w in weights.items() if abs(w) >= 1e-3}, round(bias, 4)


def load_likelihood(path: Path) -> Likelihood | None:
    """The weights for a language, or ``None`` when the language has none (rules alone then)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        bias, threshold = float(data["bias"]), float(data["threshold"])
        plain = float(data.get("plain_threshold", 1.0))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LikelihoodDataError(f"{path}: not a valid weights file: {exc}") from exc
    if not 0.5 <= threshold < 1.0 or not threshold <= plain <= 1.0 or \
            not all(math.isfinite(w) for w in weights.values()):
        raise LikelihoodDataError(f"{path}: thresholds must be 0.5 <= threshold < 1 and threshold <= "
                                  "plain_threshold <= 1, and every weight finite")
    return Likelihood(weights, bias, threshold, plain)
