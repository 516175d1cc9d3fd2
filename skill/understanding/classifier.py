"""Score an utterance against every intent's literal samples, as a statistical NLU would.

Alexa's NLU is a model trained on the interaction model's samples: it recognises phrasings it was
never given when they share the distinctive words of one intent's samples. This is the same idea at
laptop scale: each sample becomes a TF-IDF vector of stemmed words and word pairs, a word's weight
falls with the number of intents that use it ("can you", "the" say nothing; "slow", "skip" say a lot),
and an intent scores its closest sample's cosine. Words no sample uses still lengthen the query, so
"what's the weather today" does not become a command on the strength of "what's".

When the sentence-embedding model is there (skill/understanding/semantic.py), each intent's score is
the mean of that lexical cosine and its closest sample's embedding cosine, which carries phrasings that
share no word with any sample, with thresholds of their own.

The score is a confidence in 0..1; :meth:`IntentClassifier.confident` decides what is confident enough,
using the conversation's context (is a routine playing?) and the shape of the words.
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
# (any intent, a navigation intent while a routine plays), chosen by leave-one-out over the 526 literal
# samples the classifier learns (yes and no are exact only): lexical 0.5 gets 404 right and 20 wrong
# (0.55: 380 and 15), 0.4 gets 443 and 31; with embeddings 0.6 gets 423 and 16, 0.5 gets 461 and 26.
THRESHOLDS = {False: (0.5, 0.4), True: (0.6, 0.5)}  # keyed by whether embeddings are on
EMBEDDING_WEIGHT = 0.5
UNKNOWN_WEIGHT = 0.8  # share of the top word weight a word (or pair) no sample uses adds to the query's length
QUESTION_WORDS = frozenset({"what", "what's", "how", "why", "when", "where", "which", "who", "is", "are", "can",
                            "could", "should", "does", "do", "will", "would"})
# Commands are short. A long utterance, or a question of a few words, is a question unless a sample
# matches it very closely: one shared word ("help", "stop") must not turn a question into a command.
LONG = 8  # words
LONGEST = 10  # words: no command is this long, so the utterance is not even scored (and not embedded)
SHORT_QUESTION = 5  # words, starting with a question word
LONG_THRESHOLD = 0.8
REQUEST_OPENERS = frozenset({"you", "we"})  # "can you go quicker", "could we go back": a polite command


def _terms(text: str) -> list[str]:
    stems = [stem(w) or w for w in words(text)]
    return stems + [f"{a}_{b}" for a, b in itertools.pairwise(stems)]


@dataclass(frozen=True)
class Scored:
    intent: str
    score: float


class IntentClassifier:
    """Nearest-sample TF-IDF scoring over literal samples; build once, ``score`` is read-only."""

    def __init__(self, samples: Mapping[str, Iterable[str]], questions: Iterable[str] = (),
                 embed: Callable[[str], Any] | None = None) -> None:
        """``samples`` maps an intent name to its literal phrasings (no slots); ``questions`` are the
        model's topic questions, whose words no command uses mark an utterance as a question; ``embed``
        gives a unit sentence vector (numpy), when the embedding model is available."""
        texts = [(intent, text) for intent, phrasings in samples.items() for text in phrasings]
        examples = [(intent, _terms(text)) for intent, text in texts]
        intent_terms: dict[str, set[str]] = {}
        for intent, terms in examples:
            intent_terms.setdefault(intent, set()).update(terms)
        df = Counter(term for terms in intent_terms.values() for term in terms)
        n = len(intent_terms)
        self.idf = {term: math.log((1 + n) / count) for term, count in df.items()}
        self._unknown = UNKNOWN_WEIGHT * max(self.idf.values(), default=1.0)
        self._examples = [(intent, self._unit(self._vector(terms))) for intent, terms in examples]
        self._question_words = {stem(w) for q in questions for w in words(q)} - set(self.idf)
        self._embed = embed
        self.thresholds = THRESHOLDS[embed is not None]
        self._matrix: Any = None
        if embed is not None and texts:
            import numpy as np  # present whenever ``embed`` is: it returns numpy vectors

            self._matrix = np.stack([embed(text) for _, text in texts])
            self._owners = [intent for intent, _ in texts]

    def topical(self, text: str) -> bool:
        """Whether ``text`` uses a word only questions use ("stretches", "pillow"): then it is a
        question unless a sample matches it very closely."""
        return any(stem(w) in self._question_words for w in words(text))

    def _vector(self, terms: Iterable[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * self.idf[t] for t, c in Counter(terms).items() if t in self.idf}

    @staticmethod
    def _unit(vector: dict[str, float]) -> dict[str, float]:
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}

    def score(self, text: str) -> list[Scored]:
        """Every intent by descending confidence (its closest sample's cosine) for ``text``."""
        terms = _terms(text)
        query = self._vector(terms)
        if not query or len(words(text)) >= LONGEST:
            return []
        unknown = sum(1 for t in set(terms) if t not in self.idf)
        norm = math.sqrt(sum(v * v for v in query.values()) + unknown * self._unknown**2)
        best: dict[str, float] = {}
        for intent, example in self._examples:
            dot = sum(weight * example.get(term, 0.0) for term, weight in query.items()) / norm
            if dot > best.get(intent, 0.0):
                best[intent] = dot
        if self._embed is not None and self._matrix is not None:
            closest: dict[str, float] = {}
            for intent, cosine in zip(self._owners, (self._matrix @ self._embed(text)).tolist(), strict=True):
                closest[intent] = max(closest.get(intent, -1.0), cosine)
            best = {i: (1 - EMBEDDING_WEIGHT) * best.get(i, 0.0) + EMBEDDING_WEIGHT * c for i, c in closest.items()}
        return sorted((Scored(i, s) for i, s in best.items()), key=lambda s: s.score, reverse=True)

    def confident(self, scored: Scored, text: str, routine_running: bool) -> bool:
        """Whether ``scored`` is confident enough to act on, given what is going on in the conversation."""
        said = words(text)
        asks = len(said) >= SHORT_QUESTION and said[0] in QUESTION_WORDS and said[1] not in REQUEST_OPENERS
        if len(said) >= LONG or asks or self.topical(text):
            return scored.score >= LONG_THRESHOLD
        anything, navigation = self.thresholds
        return scored.score >= (navigation if routine_running and scored.intent in NAVIGATION else anything)

