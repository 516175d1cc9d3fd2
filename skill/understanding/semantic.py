"""Topic scores from sentence embeddings: a question's closest sample question per topic.

Two adjustments measured in ../shared/research/understanding.md: the condition's name is replaced by
"it" before embedding (every sample says "occipital neuralgia", so the name would pull every question
towards every topic), and vectors are centred on the samples' mean, which spreads the cosines so a
threshold can refuse. The samples' vectors are computed once at build time
(``python -m skill.tools.embeddings``) and cached beside the weights; a sample added since is embedded
when the index is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from skill.text import normalise
from skill.understanding.embedding import Encoder, encoder, model_dir
from skill.understanding.scope import load_scope

QUESTIONS = "questions.npz"
_NAME = re.compile(r"\b(?:greater |lesser )?occipital neuralgia\b|\boccipital neuritis\b")


def neutral(text: str) -> str:
    """The words to embed: normalised, the condition's name said as "it"."""
    return _NAME.sub("it", normalise(text))


OUTSIDE = "__outside__"  # the pseudo-topic of requests the skill does not cover: closest means refuse


NEAREST = 2  # a topic scores the mean of its two closest samples: one stray sample no longer decides


class SemanticIndex:
    """Per-topic mean cosine of the :data:`NEAREST` closest centred sentence embeddings; build once,
    ``scores`` is read-only.

    Why two and not the single closest: leaving each of the 822 en-US sample questions out in turn and
    ranking it against the rest, the closest sample alone put 634 back on their topic, the mean of the
    two closest 649 (three: 655 but 13 refused, not 6). A topic whose samples agree beats one that
    happens to hold one look-alike.

    ``outside`` are examples of what the skill does not cover (another body part, another condition,
    an everyday request); they score as the pseudo-topic :data:`OUTSIDE`.
    """

    def __init__(self, model: Encoder, topics: Mapping[str, Iterable[str]], cached: dict[str, Any],
                 outside: Iterable[str] = ()) -> None:
        np = model.np
        self.model, self.np = model, np
        topics = {**topics, OUTSIDE: tuple(outside)}
        self.topics = list(topics)
        texts, owners = [], []
        for index, questions in enumerate(topics.values()):
            for question in questions:
                texts.append(neutral(question))
                owners.append(index)
        vectors = np.stack([cached[t] if t in cached else model.embed(t) for t in texts]).astype(np.float32)
        self.mean = vectors.mean(0)
        self.matrix = self._centre(vectors)
        # Each topic's rows, padded with the index of an extra -1 cosine so that every topic's
        # nearest samples are one partition of a (topics x most samples) table.
        width = max(owners.count(index) for index in range(len(self.topics)))
        table = np.full((len(self.topics), max(width, NEAREST)), len(owners))
        filled = [0] * len(self.topics)
        for row, owner in enumerate(owners):
            table[owner, filled[owner]] = row
            filled[owner] += 1
        self.table = table
        self.counts = np.minimum(np.array(filled), NEAREST).clip(min=1)

    def _centre(self, vectors: Any) -> Any:
        centred = vectors - self.mean
        return centred / self.np.linalg.norm(centred, axis=-1, keepdims=True)

    def scores(self, text: str) -> dict[str, float]:
        """Topic id -> the closest sample question's cosine with ``text``, in -1..1."""
        np = self.np
        query = self._centre(self.model.embed(neutral(text))[None, :])[0]
        similarity = np.append(self.matrix @ query, np.float32(-1.0))[self.table]
        nearest = -np.partition(-similarity, NEAREST - 1, axis=1)[:, :NEAREST]
        # A topic with one sample has one nearest; the padding's -1 must not drag it down.
        score = np.where(self.counts == 1, nearest.max(1), nearest.sum(1) / self.counts)
        return {topic: float(value) for topic, value in zip(self.topics, score, strict=True)}


def semantic_index(topics: Mapping[str, Iterable[str]], outside: Iterable[str] | None = None) -> SemanticIndex | None:
    """The index over ``topics``' sample questions when the model is available, else ``None``;
    ``outside`` replaces the scope's refusal examples (bench/topic_loo.py leaves each out in turn)."""
    model = encoder()
    if model is None:
        return None
    return SemanticIndex(model, topics, _cached(), load_scope().refuse_examples if outside is None else outside)


def embedder() -> Callable[[str], Any] | None:
    """Text -> unit vector, from the build-time cache when it has the text, else ``None`` without a model."""
    model = encoder()
    if model is None:
        return None
    cached, np = _cached(), model.np

    def embed(text: str) -> Any:
        words = neutral(text)
        return cached[words].astype(np.float32) if words in cached else model.embed(words)

    return embed


@cache
def _cached() -> dict[str, Any]:
    model = encoder()
    return {} if model is None else load_cache(model_dir(), model.np)


def load_cache(folder: Path, np: Any) -> dict[str, Any]:
    path = folder / QUESTIONS
    if not path.is_file():
        return {}
    with np.load(path) as archive:
        return dict(zip(archive["texts"].tolist(), archive["vectors"], strict=True))


def sample_texts() -> list[str]:
    """Every text the build caches a vector for, as embedded: each locale's sample questions and topic
    titles, the refusal examples and the matcher's literal samples."""
    from skill.content import available_locales, load
    from skill.understanding.matcher import matcher_for

    return sorted({neutral(q) for locale in available_locales() for topic in load(locale).topics.values()
                   for q in (*topic.questions, topic.title)} | {neutral(q) for q in load_scope().refuse_examples}
                  | {neutral(s) for locale in available_locales() for s in matcher_for(locale).exact})


def cache_questions(folder: Path) -> int:
    """Embed :func:`sample_texts` into ``folder``, reusing the vectors already there; the number of texts cached."""
    model = encoder()
    if model is None:
        raise RuntimeError(f"no model in {folder}")
    np = model.np
    texts = sample_texts()
    cached = load_cache(folder, np)
    vectors = np.stack([cached[t] if t in cached else model.embed(t) for t in texts]).astype(np.float16)
    np.savez(folder / QUESTIONS, texts=np.array(texts), vectors=vectors)
    return len(texts)
