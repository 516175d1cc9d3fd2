"""Rank knowledge-base topics against free text, with a confidence threshold.

TF-IDF over stemmed, synonym-folded words and word pairs. Each topic is scored three ways: its
single closest question variant (people ask in set phrases), all its questions together (coverage
of vocabulary), and its answer text (words only the answer uses).

When sentence embeddings are available (skill/understanding/semantic.py: numpy and the converted
model), a topic's score is a weighted sum of that lexical score and its closest sample question's
embedding cosine: words tell "how long" from "how often", embeddings carry a question in words the
content never used. Without them the ranker is lexical only, with its own threshold.
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
from skill.understanding.semantic import OUTSIDE, SemanticIndex

LEXICON_DIR = Path(__file__).resolve().parents[1] / "content" / "lexicon"
WEIGHTS = (0.55, 0.30, 0.15)  # best question, all questions, answer text
THRESHOLD = 0.25  # chosen on the question table: same accuracy as 0.18, 13 of 15 off-topic refused not 11
# Hybrid: weight of the lexical score against the embedding cosine, and its threshold; chosen on the tune
# split of eval/understanding (255-256 of 275 for lexical weights 0.2-0.3; 0.4 to 0.5 lose 2 and more).
LEXICAL_WEIGHT = 0.2
HYBRID_THRESHOLD = 0.3
# Instructions (how to massage, stretch or use something) are the wrong answer to words that may describe a
# warning sign, so they need a surer match than information does. On the tune splits (bench/howto_bar.py):
# hybrid 0.4 kept 345 of the 347 right how-to answers to eval/understanding's questions, while of the
# eval/safety urgent phrasings a how-to topic would answer if the screen let them through, 185 of 391 stayed;
# with understanding round 5, safety round 13 and their samples: 437 of 439 kept, 218 of 407 stay.
# Lexical alone a bar costs too many right answers (0.3 keeps 303 of 316), so there it is the threshold.
INSTRUCTION_THRESHOLD = 0.4
QUESTION, POOLED, ANSWER = 0, 1, 2  # what a document is: one question, a topic's questions together, its answer
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




@dataclass(frozen=True)
class Match:
    topic: str
    score: float


class Ranker:
    """Scores topics for a question. Build once per locale; ``rank`` is read-only and thread-safe."""

    def __init__(self, topics: Mapping[str, tuple[Iterable[str], str]], lexicon: Lexicon,
                 threshold: float | None = None, semantic: SemanticIndex | None = None) -> None:
        """``topics`` maps a topic id to (question variants, answer text); ``semantic`` adds embeddings."""
        self.lexicon = lexicon
        self.semantic = semantic
        self.threshold = threshold if threshold is not None else HYBRID_THRESHOLD if semantic else THRESHOLD
        self.sure_threshold = max(self.threshold, INSTRUCTION_THRESHOLD) if semantic else self.threshold
        questions = {t: [lexicon.terms(q) for q in qs] for t, (qs, _) in topics.items()}
        answers = {t: lexicon.terms(answer) for t, (_, answer) in topics.items()}
        df: Counter[str] = Counter()
        for t in topics:
            df.update(set(term for q in questions[t] for term in q) | set(answers[t]))
        n = len(topics)
        self.idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}
        self._unknown_weight = max(self.idf.values(), default=1.0)
        self._topics = list(topics)
        # Documents are numbered; each belongs to a topic and is a question, the pooled questions or
        # the answer. Inverted index: term -> [(document, normalised weight)], so a query touches only
        # documents that share a term with it, accumulating into a flat list.
        self._doc_topic: list[int] = []
        self._doc_kind: list[int] = []
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, t in enumerate(self._topics):
            docs = [(QUESTION, self._vector(q)) for q in questions[t]]
            docs.append((POOLED, self._vector(term for q in questions[t] for term in q)))
            docs.append((ANSWER, self._vector(answers[t])))
            for kind, vector in docs:
                doc = len(self._doc_topic)
                self._doc_topic.append(index)
                self._doc_kind.append(kind)
                norm = _norm(vector) or 1.0
                for term, weight in vector.items():
                    self._postings.setdefault(term, []).append((doc, weight / norm))

    def _vector(self, terms: Iterable[str]) -> Vector:
        return {k: (1 + math.log(v)) * self.idf.get(k, 0.0) for k, v in _tf(terms).items() if k in self.idf}

    def rank(self, text: str) -> list[Match]:
        """All topics by descending score for ``text``: lexical, or hybrid when embeddings are on."""
        lexical = self.lexical(text)
        if self.semantic is None or not words(text):
            return lexical
        scores = {m.topic: LEXICAL_WEIGHT * m.score for m in lexical}
        for topic, cosine in self.semantic.scores(text).items():
            scores[topic] = scores.get(topic, 0.0) + (1 - LEXICAL_WEIGHT) * cosine
        return sorted((Match(t, s) for t, s in scores.items()), key=lambda m: m.score, reverse=True)

    def lexical(self, text: str) -> list[Match]:
        """All topics by descending TF-IDF score for ``text``.

        Words the knowledge base never uses still count in the query's length (at the highest idf),
        so "how do I bake bread" does not match a topic on the strength of "how" alone.
        """
        terms = self.lexicon.terms(text)
        query = self._vector(terms)
        if not query:
            return []
        unknown = sum(1 for term in set(terms) if term not in self.idf and "_" not in term)
        norm = math.sqrt(_norm(query) ** 2 + unknown * self._unknown_weight**2)
        dots: dict[int, float] = {}
        for term, weight in query.items():
            for doc, doc_weight in self._postings.get(term, ()):
                dots[doc] = dots.get(doc, 0.0) + weight * doc_weight
        # Per topic: [best question, pooled questions, answer], then weighted.
        parts = [[0.0, 0.0, 0.0] for _ in self._topics]
        for doc, dot in dots.items():
            row, kind = parts[self._doc_topic[doc]], self._doc_kind[doc]
            row[kind] = max(row[kind], dot) if kind == QUESTION else dot
        w_q, w_p, w_a = WEIGHTS
        scored = [Match(t, (w_q * q + w_p * p + w_a * a) / norm)
                  for t, (q, p, a) in zip(self._topics, parts, strict=True)]
        return sorted(scored, key=lambda m: m.score, reverse=True)

    def best(self, text: str) -> Match | None:
        """The top topic when it clears the confidence threshold, else ``None``."""
        ranked = self.rank(text)
        if not ranked or ranked[0].score < self.threshold or ranked[0].topic == OUTSIDE:
            return None
        return ranked[0]

    def sure(self, match: Match) -> bool:
        """Whether ``match`` is sure enough to answer with instructions (:data:`INSTRUCTION_THRESHOLD`)."""
        return match.score >= self.sure_threshold
