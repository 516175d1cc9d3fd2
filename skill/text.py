"""Text normalisation shared by the ranker, the safety screen and the local utterance matcher.

Speech-to-text hands us lower-case words with odd punctuation; every matcher must see the same
canonical form or they disagree about what the user said.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, ASCII-fold, unify apostrophes, turn punctuation into spaces and collapse spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    text = text.translate(_APOSTROPHES).lower()
    text = _NON_WORD.sub(" ", text)
    text = re.sub(r"(^| )'+|'+( |$)", " ", text)  # quotes, not apostrophes inside words
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    norm = normalise(text)
    return norm.split(" ") if norm else []


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ness", "edly", "ers", "ed", "es", "er", "ly", "s")


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to join plurals and verb forms for ranking.
    Cached: building a locale's ranker stems some 15,000 words, most of them repeats, at cold start."""
    word = word.replace("'", "")
    if len(word) <= 3:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            root = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                root += "y"
            if len(root) > 3 and root[-1] == root[-2] and root[-1] not in "ls":
                root = root[:-1]  # "rubbing" -> "rubb" -> "rub"
            return root.rstrip("e") if len(root) > 4 else root
    return word.rstrip("e") if len(word) > 4 else word


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """English words for 0..999, because Alexa samples and calm speech both want words, not digits."""
    if not 0 <= n <= 999:
        raise ValueError(f"number out of range: {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else f" {_ONES[ones]}")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + ("" if rest == 0 else f" and {number_words(rest)}")


_WORD_VALUES = {w: i for i, w in enumerate(_ONES)} | {w: 10 * i for i, w in enumerate(_TENS) if i >= 2}


def parse_number(text: str) -> int | None:
    """Digits or English number words ("four", "twenty one") to an int; None when it is not a number."""
    norm = normalise(text).replace("-", " ")
    if norm.isdigit():
        return int(norm)
    total = 0
    parts = norm.split()
    if not parts:
        return None
    for part in parts:
        if part not in _WORD_VALUES:
            return None
        total += _WORD_VALUES[part]
    return total
