"""Rank knowledge-base topics against free text, with a confidence threshold.

TF-IDF over stemmed, synonym-folded words and word pairs. Each topic is scored three ways: its
single closest question variant (people ask in set phrases), all its questions together (coverage
of vocabulary), and its answer text (words only the answer uses). A small, dependency-free ranker is
enough for a few dozen topics and keeps the Lambda cold start light.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from skill.errors import ContentError
from skill.text import stem, words

LEXICON_DIR = Path(__file__).resolve().parent / "content" / "lexicon"
WEIGHTS = (0.55, 0.30, 0.15)  # best question, all questions, answer text
THRESHOLD = 0.18
Vector = dict[str, float]


@dataclass(frozen=True)
class Lexicon:
    stopwords: frozenset[str]
    canonical: Mapping[str, str]  # stemmed word -> canonical concept

    def terms(self, text: str) -> list[str]:
        """Concept terms of ``text``: unigrams plus adjacent pairs, which separate "how long" from "how often"."""
        toks = []
        for w in words(text):
            if w in self.stopwords:
                continue
            s = stem(w)
            toks.append(self.canonical.get(s, s))
        return toks + [f"{a}_{b}" for a, b in itertools.pairwise(toks)]


@cache
def load_lexicon(language: str = "en") -> Lexicon:
    """The stopwords and synonym groups for a language (shared by all its locales)."""
    path = LEXICON_DIR / f"{language}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ContentError(f"cannot read lexicon {path}: {exc}") from exc
    canonical: dict[str, str] = {}
    for concept, variants in data.get("synonyms", {}).items():
        for v in variants:
            canonical[stem(v)] = concept
    return Lexicon(frozenset(data.get("stopwords", ())), canonical)


def _tf(terms: Iterable[str]) -> Counter[str]:
    return Counter(terms)


def _norm(v: Vector) -> float:
    return math.sqrt(sum(x * x for x in v.values()))


def _cosine(query: Vector, query_norm: float, doc: Vector, doc_norm: float) -> float:
    if not query or not doc_norm:
        return 0.0
    return sum(v * doc.get(k, 0.0) for k, v in query.items()) / (query_norm * doc_norm)


@dataclass(frozen=True)
class Match:
    topic: str
    score: float


class Ranker:
    """Scores topics for a question. Build once per locale; ``rank`` is read-only and thread-safe."""

    def __init__(self, topics: Mapping[str, tuple[Iterable[str], str]], lexicon: Lexicon,
                 threshold: float = THRESHOLD) -> None:
        """``topics`` maps a topic id to (question variants, answer text)."""
        self.lexicon = lexicon
        self.threshold = threshold
        questions = {t: [lexicon.terms(q) for q in qs] for t, (qs, _) in topics.items()}
        answers = {t: lexicon.terms(answer) for t, (_, answer) in topics.items()}
        df: Counter[str] = Counter()
        for t in topics:
            df.update(set(term for q in questions[t] for term in q) | set(answers[t]))
        n = len(topics)
        self.idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}
        self._unknown_weight = max(self.idf.values(), default=1.0)
        self._questions = {t: [self._doc(q) for q in qs] for t, qs in questions.items()}
        self._pooled = {t: self._doc(term for q in qs for term in q) for t, qs in questions.items()}
        self._answers = {t: self._doc(a) for t, a in answers.items()}

    def _doc(self, terms: Iterable[str]) -> tuple[Vector, float]:
        vector = self._vector(terms)
        return vector, _norm(vector)

    def _vector(self, terms: Iterable[str]) -> Vector:
        return {k: (1 + math.log(v)) * self.idf.get(k, 0.0) for k, v in _tf(terms).items() if k in self.idf}

    def rank(self, text: str) -> list[Match]:
        """All topics by descending score for ``text``.

        Words the knowledge base never uses still count in the query's length (at the highest idf),
        so "how do I bake bread" does not match a topic on the strength of "how" alone.
        """
        terms = self.lexicon.terms(text)
        query = self._vector(terms)
        if not query:
            return []
        unknown = sum(1 for term in set(terms) if term not in self.idf and "_" not in term)
        norm = math.sqrt(_norm(query) ** 2 + unknown * self._unknown_weight**2)
        w_q, w_p, w_a = WEIGHTS
        scored = [
            Match(t, w_q * max(_cosine(query, norm, *q) for q in qs) + w_p * _cosine(query, norm, *self._pooled[t])
                  + w_a * _cosine(query, norm, *self._answers[t]))
            for t, qs in self._questions.items()
        ]
        return sorted(scored, key=lambda m: m.score, reverse=True)

    def best(self, text: str) -> Match | None:
        """The top topic when it clears the confidence threshold, else ``None``."""
        ranked = self.rank(text)
        return ranked[0] if ranked and ranked[0].score >= self.threshold else None
