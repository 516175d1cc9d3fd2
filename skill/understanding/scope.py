"""Whether a question is about something this skill does not cover: another body part, another
condition, or an everyday request.

A lexical ranker finds a near neighbour for almost anything ("how do I massage my calves" shares
"massage" with the self-massage topic), and answering it would be wrong, not merely unhelpful: the
advice is written for the nerves at the back of the head. So a question that names something outside
the skill's scope, and nothing of the head, neck or this condition, is refused honestly. The phrase
lists are data (``scope`` in ``skill/content/lexicon/<language>.json``), with whole example requests
the embedding ranker learns as a topic that means "refuse" (skill/understanding/semantic.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from skill.errors import ContentError
from skill.text import normalise

LEXICON_DIR = Path(__file__).resolve().parents[1] / "content" / "lexicon"
OUTSIDE = ("elsewhere", "other_conditions", "everyday")


def _phrases(phrases: list[str]) -> re.Pattern[str]:
    """Whole words, or their possessive ("how do i massage my horse's neck" names a horse)."""
    alternatives = "|".join(re.escape(normalise(p)) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?:^| )(?:{alternatives})(?:'s)?(?= |$)")


_NOTHING = re.compile(r"(?!)")


@dataclass(frozen=True)
class Scope:
    ours: re.Pattern[str]
    outside: re.Pattern[str]
    refuse_examples: tuple[str, ...]  # whole requests the skill does not cover, for the embedding ranker
    # Other conditions of the head and jaw, and animals: outside even beside a head word ("does oxygen
    # help cluster headaches", "can dogs get headaches"), unless this condition itself is named, when a
    # comparison is the skill's business ("is it a cluster headache or occipital neuralgia").
    beyond: re.Pattern[str] = _NOTHING
    core: re.Pattern[str] = _NOTHING

    def excludes(self, text: str) -> bool:
        """True when ``text`` names something outside the skill's scope and nothing inside it, or another
        condition of the head and not this one."""
        norm = normalise(text)
        if self.beyond.search(norm) and not self.core.search(norm):
            return True
        return bool(self.outside.search(norm)) and not self.ours.search(norm)


@cache
def load_scope(language: str = "en") -> Scope:
    """The scope phrase lists of a language (shared by its locales); fails loudly when malformed."""
    path = LEXICON_DIR / f"{language}.json"
    try:
        scope = json.loads(path.read_text(encoding="utf-8"))["scope"]
        lists = {key: scope[key] for key in ("ours", *OUTSIDE, "refuse_examples", "beyond", "core")}
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ContentError(f"{path}: scope: cannot read the phrase lists ({exc})") from exc
    if not all(isinstance(v, list) and v and all(isinstance(p, str) and normalise(p) == p for p in v)
               for v in lists.values()):
        raise ContentError(f"{path}: scope: every list must be non-empty, of lowercase spoken phrases")
    return Scope(_phrases(lists["ours"]), _phrases([p for key in OUTSIDE for p in lists[key]]),
                 tuple(lists["refuse_examples"]), _phrases(lists["beyond"]), _phrases(lists["core"]))
