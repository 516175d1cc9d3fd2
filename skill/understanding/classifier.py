"""Score an utterance against every intent's literal samples, as a statistical NLU would.

Alexa's NLU is a model trained on the interaction model's samples: it recognises phrasings it was
never given when they share the distinctive words of one intent's samples, and it weighs every intent
against every other, including the topic questions the model carries as slot values. This is the same
idea at laptop scale: each sample becomes a TF-IDF vector of stemmed words and word pairs, a word's
weight falls with the number of intents that use it ("can you", "the" say nothing; "slow", "skip" say a
lot), and an intent scores its closest sample's cosine. The topic questions are one more class,
:data:`QUESTION`: an utterance whose closest sample is a question ("how long should i hold each spot"
against "how long is left") is a question, whatever command it also resembles. Words no sample uses
still lengthen the query, so "what's the weather today" does not become a command on "what's".

When the sentence-embedding model is there (skill/understanding/semantic.py), each class's score is
the mean of that lexical cosine and its closest sample's embedding cosine, which carries phrasings that
share no word with any sample, with thresholds of their own.

The score is a confidence in 0..1; :meth:`IntentClassifier.confident` decides what is confident enough,
using the conversation's context (is a routine playing?), the question class's score and the length.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from skill.text import stem, words

# Intents that steer a routine: said while one plays they are expected, so a lower confidence is
# enough; said with no routine running they are unexpected, and a question wins unless they are clear.
NAVIGATION = frozenset({
    "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
    "AMAZON.RepeatIntent", "AMAZON.StartOverIntent", "SlowerIntent", "FasterIntent", "ProgressIntent",
})
# Said while a routine plays, a question that points at "this" or "that" ("what's the point of this hold",
# "where exactly is that spot") asks about the step being done: asking for more about it is then as expected
# as a navigation word, and gets the same bar.
STEP_QUESTION = "MoreIntent"
POINTERS = frozenset({"this", "that", "here", "these", "those"})
QUESTION = "?question"  # the pseudo-intent of the topic questions: closest means "ask the ranker"
# (any intent, a navigation intent while a routine plays), keyed by whether embeddings are on. Chosen by
# leave-one-out over the 552 literal samples then in the model, said mid-routine, with embeddings: 0.5 and
# 0.4 got 483 right and 28 wrong, 0.55 and 0.45 471 and 26, 0.6 and 0.5 451 and 21; no left-out topic
# question became a command at any of them (the question class, not the bar, keeps questions out).
THRESHOLDS = {False: (0.5, 0.4), True: (0.5, 0.4)}
# How far a command must beat the closest topic question; a routine's navigation words need less. Margins of
# (0, -0.1) and (0.1, 0) moved leave-one-out by one or two samples either way.
MARGINS = {False: 0.05, True: -0.05}  # keyed by whether the intent is navigation during a routine
# A question of a few words ("what can you help me with", "how does tens work") shares its opening with
# help and progress commands: with no routine playing, when questions are what people say, it is a command
# only when a sample matches it very closely (as a long utterance).
QUESTION_WORDS = frozenset({"what", "what's", "how", "why", "when", "where", "which", "who", "is", "are", "can",
                            "could", "should", "does", "do", "will", "would"})
SHORT_QUESTION = 5  # words, starting with a question word
REQUEST_OPENERS = frozenset({"you", "we"})  # "can you go quicker", "could we go back": a polite command
EMBEDDING_WEIGHT = 0.5
UNKNOWN_WEIGHT = 0.8  # share of the top word weight a word (or pair) no sample uses adds to the query's length
# Commands are short: a long utterance is a question unless a sample matches it very closely.
LONG = 8  # words
# While a routine plays its navigation words are expected, so such a command may be a word longer: on the
# tune split 3 more of 529 commands reach their intent, and 1 more of 1,284 questions said mid-routine
# becomes a command (at no limit, 2 more).
LONG_NAVIGATING = LONG + 1
LONGEST = 10  # words: no command is this long, so the utterance is not even scored (and not embedded)
LONG_THRESHOLD = 0.8


def _terms(text: str) -> list[str]:
    """Stems, and the words as said where the stem loses their form, and pairs of words as said:
    "slower" and "slow" mean opposite commands ("a bit slower" against "a bit slow"), and embeddings
    hardly tell them apart."""
    said = words(text)
    stems = [stem(w) or w for w in said]
    forms = [w for w, s in zip(said, stems, strict=True) if w != s]
    return stems + forms + [f"{a}_{b}" for a, b in itertools.pairwise(said)]


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float


class IntentClassifier:
    """Nearest-sample TF-IDF (and embedding) scoring over literal samples; build once, ``score`` is read-only."""

    def __init__(self, samples: Mapping[str, Iterable[str]], questions: Iterable[str] = (),
                 embed: Callable[[str], Any] | None = None, embed_as: Mapping[str, str] | None = None) -> None:
        """``samples`` maps an intent name to its phrasings; ``questions`` are the model's topic
        questions, the class :data:`QUESTION`; ``embed`` gives a unit sentence vector (numpy), when the
        embedding model is available. ``embed_as`` gives the words to embed for a sample whose own words
        are not a sentence: a slot's place-holder word means nothing to the embedding model, one of the
        slot's values does."""
        texts = [(intent, text) for intent, phrasings in {**samples, QUESTION: questions}.items()
                 for text in phrasings]
        embed_as = embed_as or {}
        examples = [(intent, _terms(text)) for intent, text in texts]
        intent_terms: dict[str, set[str]] = {}
        for intent, terms in examples:
            intent_terms.setdefault(intent, set()).update(terms)
        df = Counter(term for terms in intent_terms.values() for term in terms)
        n = len(intent_terms)
        self.idf = {term: math.log((1 + n) / count) for term, count in df.items()}
        self._unknown = UNKNOWN_WEIGHT * max(self.idf.values(), default=1.0)
        # Inverted index, term -> [(sample, normalised weight)]: a query touches only the samples it shares a term with.
        self._owners = [intent for intent, _ in texts]
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, (_, terms) in enumerate(examples):
            vector = self._vector(terms)
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            for term, weight in vector.items():
                self._postings.setdefault(term, []).append((index, weight / norm))
        self._embed = embed
        self.thresholds = THRESHOLDS[embed is not None]
        self._matrix: Any = None
        if embed is not None and texts:
            import numpy as np  # present whenever ``embed`` is: it returns numpy vectors

            self._matrix = np.stack([embed(embed_as.get(text, text)) for _, text in texts])
            self._classes = sorted(set(self._owners))
            self._class_of = np.array([self._classes.index(intent) for intent in self._owners])
            self._np = np

    def _vector(self, terms: Iterable[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * self.idf[t] for t, c in Counter(terms).items() if t in self.idf}

    def score(self, text: str, said: str | None = None) -> list[Scored]:
        """Every class (the intents and :data:`QUESTION`) by descending confidence for ``text``: its
        closest sample's cosine, lexical, or averaged with the embedding's. The embedding is of ``said``
        when given, the whole utterance ``text`` was cut from: fillers change the words' counts more than
        the sentence's meaning, and one embedding per utterance (shared with the ranker) is the budget."""
        terms = _terms(text)
        query = self._vector(terms)
        if not query or len(words(text)) >= LONGEST:
            return []
        unknown = sum(1 for t in set(terms) if t not in self.idf)
        norm = math.sqrt(sum(v * v for v in query.values()) + unknown * self._unknown**2)
        dots: dict[int, float] = {}
        for term, weight in query.items():
            for index, sample_weight in self._postings[term]:
                dots[index] = dots.get(index, 0.0) + weight * sample_weight
        best: dict[str, float] = {}
        for index, dot in dots.items():
            intent = self._owners[index]
            best[intent] = max(best.get(intent, 0.0), dot / norm)
        if self._matrix is not None:
            np = self._np
            closest = np.full(len(self._classes), -1.0, dtype=np.float32)
            np.maximum.at(closest, self._class_of, self._matrix @ self._embed(said or text))
            best = {intent: (1 - EMBEDDING_WEIGHT) * best.get(intent, 0.0) + EMBEDDING_WEIGHT * float(cosine)
                    for intent, cosine in zip(self._classes, closest, strict=True)}
        return sorted((Scored(i, s) for i, s in best.items()), key=lambda s: s.score, reverse=True)

    def confident(self, scored: Scored, question: float, text: str, routine_running: bool) -> bool:
        """Whether the command ``scored`` is confident enough to act on, given the closest topic
        question's score ``question`` and what is going on in the conversation."""
        said = words(text)
        navigating = routine_running and (scored.intent in NAVIGATION
                                          or (scored.intent == STEP_QUESTION and not POINTERS.isdisjoint(said)))
        asks = len(said) >= SHORT_QUESTION and said[0] in QUESTION_WORDS and said[1] not in REQUEST_OPENERS
        if scored.score < question + MARGINS[navigating]:
            return False
        if len(said) >= (LONG_NAVIGATING if navigating else LONG) or (asks and not routine_running):
            return scored.score >= LONG_THRESHOLD
        anything, navigation = self.thresholds
        return scored.score >= (navigation if navigating else anything)
