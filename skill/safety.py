"""Red-flag screen: runs before ranking on any free text the user says.

Text that describes a red flag (thunderclap headache, fever with a stiff neck, a head injury,
neurological signs, suicidal thoughts...) must get urgent-care guidance instead of a normal answer,
so the screen errs towards false alarms: it never tries to detect negation. The rules are data
(``skill/content/safety/<language>.json``) shared by every locale of a language; they are validated
and compiled once at load so a bad regex fails loudly, naming its rule, instead of silently never
matching.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SAFETY_DIR = Path(__file__).resolve().parent / "content" / "safety"

_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NON_WORD = re.compile(r"[\W_]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_RULE_ID = re.compile(r"[a-z0-9_]+")
_RULE_KEYS = frozenset({"id", "note", "patterns", "requires_all"})


class SafetyDataError(ValueError):
    """The safety rules file is malformed; raised at load, never at screening time."""


def normalise(text: str) -> str:
    """Lower-case, drop apostrophes (so "can't", "can’t" and "cant" agree), punctuation to spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Rule:
    """One red flag: matches if any pattern matches, or if every ``requires_all`` group does."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    requires_all: tuple[tuple[re.Pattern[str], ...], ...]

    def matches(self, text: str) -> bool:
        if any(p.search(text) for p in self.patterns):
            return True
        return bool(self.requires_all) and all(any(p.search(text) for p in group) for group in self.requires_all)


@dataclass(frozen=True)
class Screen:
    """Compiled rules of one language, in priority order."""

    rules: tuple[Rule, ...]

    def first_match(self, text: str) -> str | None:
        """The id of the first rule matching ``text`` (raw user text), or None."""
        normalised = normalise(text)
        if not normalised:
            return None
        return next((rule.id for rule in self.rules if rule.matches(normalised)), None)


def _compile(rule_id: str, pattern: object) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise SafetyDataError(f"safety rule {rule_id!r}: pattern must be a non-empty string, got {pattern!r}")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise SafetyDataError(f"safety rule {rule_id!r}: invalid regex {pattern!r}: {exc}") from exc
    # A pattern that matches empty text would flag every utterance; catch it here, not in production.
    if compiled.search("") is not None:
        raise SafetyDataError(f"safety rule {rule_id!r}: regex {pattern!r} matches empty text")
    return compiled


def _pattern_list(rule_id: str, value: object, what: str) -> tuple[re.Pattern[str], ...]:
    """Each pattern is checked on its own (so errors name it), then joined into one alternation:
    one regex scan per list instead of one per pattern keeps the screen cheap on every request."""
    if not isinstance(value, list) or not value:
        raise SafetyDataError(f"safety rule {rule_id!r}: {what} must be a non-empty list")
    for p in value:
        _compile(rule_id, p)
    return (re.compile("|".join(f"(?:{p})" for p in value)),)


def _parse_rule(raw: object, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise SafetyDataError(f"safety rule #{index}: must be an object")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        raise SafetyDataError(f"safety rule #{index}: id must be lower-case letters, digits or _, got {rule_id!r}")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise SafetyDataError(f"safety rule {rule_id!r}: unknown keys {sorted(unknown)}")
    if "patterns" not in raw and "requires_all" not in raw:
        raise SafetyDataError(f"safety rule {rule_id!r}: needs patterns or requires_all")
    patterns = _pattern_list(rule_id, raw["patterns"], "patterns") if "patterns" in raw else ()
    groups: tuple[tuple[re.Pattern[str], ...], ...] = ()
    if "requires_all" in raw:
        raw_groups = raw["requires_all"]
        if not isinstance(raw_groups, list) or len(raw_groups) < 2:
            raise SafetyDataError(f"safety rule {rule_id!r}: requires_all must list at least two groups")
        groups = tuple(_pattern_list(rule_id, g, "each requires_all group") for g in raw_groups)
    return Rule(rule_id, patterns, groups)


def load_screen(path: Path) -> Screen:
    """Read, validate and compile a rules file; raises SafetyDataError naming the faulty rule."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SafetyDataError(f"{path}: not valid JSON: {exc}") from exc
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(raw_rules, list) or not raw_rules:
        raise SafetyDataError(f"{path}: expected an object with a non-empty 'rules' list")
    rules = tuple(_parse_rule(raw, i) for i, raw in enumerate(raw_rules))
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SafetyDataError(f"{path}: duplicate rule ids {duplicates}")
    return Screen(rules)


@cache
def _screen_for_language(language: str) -> Screen:
    return load_screen(SAFETY_DIR / f"{language}.json")


def screen_for(language: str = "en") -> Screen:
    """The cached screen of a language; a locale such as "en-US" uses its language's rules."""
    base = language.replace("_", "-").split("-")[0].lower()
    if not _LANGUAGE.fullmatch(base):
        raise ValueError(f"not a language code: {language!r}")
    return _screen_for_language(base)


def screen(text: str, language: str = "en") -> str | None:
    """The id of the first red flag ``text`` describes, or None when it is safe to answer normally."""
    return screen_for(language).first_match(text)
