"""Red-flag screen: the first thing every path does with the words a person says.

People describe warning signs in everyday, indirect, speech-recognised words ("i threw up twice and
my head is pounding", "after the chiro cracked my neck the left side of my face went numb"). The
screen turns those words into a :class:`Finding`:

- ``urgent``: a red flag in the person's own situation, with its category (``head_injury``,
  ``crisis``...), so the answer can name it;
- ``informational``: a general question about warning signs ("what are the signs of a stroke"),
  which deserves an informational answer, not an alarm;
- ``clear``: nothing urgent; ``suppressed`` lists categories whose trigger words were present but
  negated ("no fever"), long past ("a concussion ten years ago") or used in an everyday sense.

Rules are data (``skill/content/safety/<language>.json``): per category, trigger patterns, combos
(every group must match, e.g. fever *and* a stiff neck) and ``unless`` patterns for everyday senses.
The engine adds what regexes alone do badly: fillers and number words, negation within a clause,
remote time, and the difference between asking about a sign and having it. Validation happens at
load, so a bad rule fails loudly, naming itself, instead of silently never matching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from skill.text import normalise as normalise_text
from skill.understanding.likelihood import Likelihood, load_likelihood

SAFETY_DIR = Path(__file__).resolve().parents[1] / "content" / "safety"

_LANGUAGE = re.compile(r"[a-z]{2,3}")
_RULE_ID = re.compile(r"[a-z0-9_]+")
_MACRO = re.compile(r"<([A-Z0-9_]+)>")
# "'s" after a noun ("my vision's gone", "the neck's stiff") is split off so the noun matches as
# itself; after these words it is part of a contraction the rules spell out ("its", "thats").
_KEEP_S = frozenset({"it", "that", "what", "there", "here", "he", "she", "let", "who", "where", "how", "when"})
_POSSESSIVE_S = re.compile(r"\b(\w+)'s\b")
_BACK_REFERENCE = re.compile(r"^\w+ (?:that|it|this|which|all that) (?:was|happened|is|were)\b")
# A negation inside a match, after its first word ("my face isn't drooping"), unless it is part of
# the sign itself ("my arm won't move", "i can't feel my hand").
_INNER_NEGATION = re.compile(
    r"\b(?:isnt|arent|wasnt|werent|hasnt|havent|doesnt|didnt|not|no|never)\b(?! (?:work|working|move|moving|stop|"
    r"stopping|go away|going away|respond|responding|wake|waking|make sense|making sense|able|right|properly|straight|"
    r"feel|see|speak|talk|find|get|lift|hold|grip|use|remember|stay|keep|fade|sure|like|the same|one of|any of))")
_RULE_KEYS = frozenset({"id", "note", "patterns", "combos", "unless", "remote", "negatable", "informational",
                        "informs", "general", "personal", "others", "selves"})
_TOP_KEYS = frozenset({"note", "macros", "fillers", "respell", "negators", "not_negation", "clause_breaks",
                       "list_joiners", "remote_time", "recent_time", "contrast", "double_negation", "question_frames",
                       "experience", "hypothetical", "second_opinion_words", "negation_window", "numbers", "rules"})

URGENT, INFORMATIONAL, CLEAR = "urgent", "informational", "clear"
GENERAL = "general"  # an urgent finding no rule names: the general urgent answer
RED_FLAGS = "red_flags"


class SafetyDataError(ValueError):
    """The safety rules file is malformed; raised at load, never at screening time."""


@dataclass(frozen=True)
class Finding:
    """What the screen concluded about one utterance."""

    kind: str
    category: str | None = None
    suppressed: tuple[str, ...] = ()
    informs: tuple[str, ...] = ()  # topics that may answer a general question about the category
    caution: bool = False  # clear, but it reads enough like a warning sign to withhold how-to answers
    signs: bool = False  # clear, but the words name a symptom or circumstance beyond plain pain
    someone_else: bool = False  # urgent, about another person ("my friend says she wants to die")

    @property
    def urgent(self) -> bool:
        return self.kind == URGENT

    @property
    def informational(self) -> bool:
        return self.kind == INFORMATIONAL


_CLEAR = Finding(CLEAR)


def _words_pattern(phrases: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class Language:
    """The language-level parts of the screen: how to clean words and read negation and time."""

    fillers: re.Pattern[str]
    respell: tuple[tuple[re.Pattern[str], str], ...]  # spelt out before fillers go: "the er" is no "er..."
    numbers: dict[str, int]
    tens: dict[str, int]
    negators: re.Pattern[str]
    not_negation: re.Pattern[str]
    clause_breaks: frozenset[str]
    # "no fever or rash", "not had a fit or fainted": a negator reaches each item of a list it opens, so a
    # joiner starts the negation window afresh
    list_joiners: frozenset[str]
    remote_time: re.Pattern[str]
    recent_time: re.Pattern[str]
    contrast: re.Pattern[str]
    double_negation: re.Pattern[str]  # "can't sit up without": the negator after it affirms the sign
    question_frames: re.Pattern[str]
    experience: re.Pattern[str]
    hypothetical: re.Pattern[str]
    second_opinion_words: re.Pattern[str]
    negation_window: int

    def clean(self, text: str) -> str:
        """Normalised words with apostrophes dropped, fillers removed and tens-numbers as digits
        ("fifty five" -> "55"), so that an age said in words is read like one typed in digits."""
        norm = _POSSESSIVE_S.sub(lambda m: m.group(0) if m.group(1) in _KEEP_S else f"{m.group(1)} s",
                                 normalise_text(text))
        norm = norm.replace("'", "")
        for phrase, spelt in self.respell:
            norm = phrase.sub(spelt, norm)
        norm = self.fillers.sub(" ", norm)
        out: list[str] = []
        for word in norm.split():
            if word in self.tens:
                out.append(str(self.tens[word]))
            elif word in self.numbers and out and out[-1].isdigit() and out[-1].endswith("0") and len(out[-1]) == 2 \
                    and self.numbers[word] < 10:
                out[-1] = str(int(out[-1]) + self.numbers[word])
            else:
                out.append(word)
        return " ".join(out)


@dataclass(frozen=True)
class Group:
    """One group of a combo. A context group ("headache", "pain") only has to be present: the
    negation that belongs to the sign ("it's not my usual headache") must not cancel its context."""

    pattern: re.Pattern[str]
    context: bool = False


@dataclass(frozen=True)
class Rule:
    """One category: any pattern, or every group of any combo, matching outside an ``unless``."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    combos: tuple[tuple[Group, ...], ...]
    unless: re.Pattern[str] | None
    remote: bool
    negatable: bool
    informational: bool
    informs: tuple[str, ...]
    # For a sign where a question without first-person words may still be the speaker's own ("why do i
    # want to die", "what's the point in carrying on"), the words a general question must have (others,
    # warning signs); without them the question is urgent.
    general: re.Pattern[str] | None = None
    personal: re.Pattern[str] | None = None  # words that make such a question the speaker's own ("me")
    # For a sign a person may report about someone else (crisis): the subjects before the match that make
    # it another person's ("my mum", "she") or the speaker's own ("i"); the nearer one decides.
    others: re.Pattern[str] | None = None
    selves: re.Pattern[str] | None = None


@dataclass
class _Seen:
    """Matches found in one utterance: whether any counts, and whether any was set aside."""

    live: bool = False
    set_aside: bool = False
    at: int = 0  # where the live match starts


@dataclass(frozen=True)
class Screen:
    """Compiled rules of one language, in priority order (the first live category wins)."""

    language: Language
    rules: tuple[Rule, ...]
    likelihood: Likelihood | None = None
    _cache: dict[str, Finding] = field(default_factory=dict, compare=False, repr=False)

    def check(self, text: str) -> Finding:
        """The finding for ``text`` (raw user words)."""
        cleaned = self.language.clean(text or "")
        if not cleaned:
            return _CLEAR
        cached = self._cache.get(cleaned)
        if cached is None:
            cached = self._check(cleaned)
            if len(self._cache) < 4096:
                self._cache[cleaned] = cached
        return cached

    def first_match(self, text: str) -> str | None:
        """The category of an urgent finding, or None (informational questions included)."""
        finding = self.check(text)
        return finding.category if finding.urgent else None

    def _check(self, text: str) -> Finding:
        suppressed: list[str] = []
        for rule in self.rules:
            seen = self._rule(rule, text)
            if seen.live:
                if rule.informational and self._is_question_about(text) and self._general(rule, text):
                    return Finding(INFORMATIONAL, rule.id, tuple(suppressed), rule.informs)
                return Finding(URGENT, rule.id, tuple(suppressed), someone_else=self._about_others(rule, text, seen.at))
            if seen.set_aside:
                suppressed.append(rule.id)
        if self.likelihood is not None and self.asks_second_opinion(text, suppressed):
            named = self.names_a_sign(text)
            score = self.likelihood.score(text)
            if score >= (self.likelihood.threshold if named else self.likelihood.plain_threshold):
                # No rule names it and no everyday sense of a trigger word is in it, but it reads like
                # a warning sign: urgent care, without a named category.
                if self._is_question_about(text):
                    return Finding(INFORMATIONAL, GENERAL, (), (RED_FLAGS,))
                return Finding(URGENT, GENERAL)
            # Not urgent, but enough to withhold how-to answers.
            if score >= (self.likelihood.caution if named else self.likelihood.plain_caution):
                return Finding(CLEAR, None, (), (), caution=True, signs=named)
        return Finding(CLEAR, None, tuple(suppressed), signs=self.names_a_sign(text))

    def asks_second_opinion(self, cleaned: str, suppressed: Sequence[str]) -> bool:
        """Whether the learned model may speak: no trigger was set aside (a negation, a past injury) and
        no everyday sense of a trigger word ("fell asleep", "can't see my physio") is present."""
        return not suppressed and not any(r.unless is not None and r.unless.search(cleaned) for r in self.rules)

    def names_a_sign(self, cleaned: str) -> bool:
        """Whether the words name something beyond plain pain, a symptom or a circumstance ("i have a bad
        headache" alone is the skill's everyday business): the model's usual threshold and its caution
        apply then; without such a word only its stricter plain threshold does."""
        return self.language.second_opinion_words.search(cleaned) is not None

    def _rule(self, rule: Rule, text: str) -> _Seen:
        seen = _Seen()
        for pattern in rule.patterns:
            self._scan(rule, pattern, text, seen)
            if seen.live:
                return seen
        for combo in rule.combos:
            groups = [_Seen() for _ in combo]
            for seen_group, group in zip(groups, combo, strict=True):
                if group.context:
                    seen_group.live = group.pattern.search(text) is not None
                else:
                    self._scan(rule, group.pattern, text, seen_group)
            if all(g.live for g in groups):
                seen.live = True
                seen.at = min((g.at for g, group in zip(groups, combo, strict=True) if not group.context), default=0)
                return seen
            if all(g.live or g.set_aside for g in groups):
                seen.set_aside = True
        return seen

    def _scan(self, rule: Rule, pattern: re.Pattern[str], text: str, seen: _Seen) -> None:
        for found in pattern.finditer(text):
            if self._set_aside(rule, text, found.start(), found.end()):
                seen.set_aside = True
            else:
                seen.live, seen.at = True, found.start()
                return

    def _set_aside(self, rule: Rule, text: str, start: int, end: int) -> bool:
        """A trigger does not count when negated in its clause or inside the match itself, in a
        long-past part of the utterance, or inside an everyday phrase (``unless``)."""
        if rule.unless is not None:
            for everyday in rule.unless.finditer(text):
                if everyday.start() <= start < everyday.end() or start <= everyday.start() < end:
                    return True
        if rule.negatable and (self._negated(text, start) or _negated_within(text[start:end])):
            return True
        return rule.remote and self._remote(text, start)

    def _negated(self, text: str, start: int) -> bool:
        # "i can't sit up without a headache" has the headache: blank out a double negation, keeping offsets
        before = self.language.double_negation.sub(lambda m: "x" * len(m.group(0)), text[:start]).split()
        window: list[str] = []
        reach = 0  # words since the nearest list joiner
        for word in reversed(before):
            if word in self.language.clause_breaks or reach >= self.language.negation_window:
                break
            window.insert(0, word)
            reach = 0 if word in self.language.list_joiners else reach + 1
        if not window:
            return False
        span = " ".join(window)
        span = self.language.not_negation.sub(" ", span)
        return bool(self.language.negators.search(span))

    def _remote(self, text: str, start: int) -> bool:
        """Whether the part of the utterance holding ``start`` is set in the past ("years ago"),
        with no sign of something recent anywhere ("and again yesterday")."""
        if self.language.recent_time.search(text):
            return False
        cuts = [0, *(m.start() for m in self.language.contrast.finditer(text)), len(text)]
        parts = list(pairwise(cuts))
        # A time that starts in a part dates it, even when a contrast word cuts through the time itself
        # ("my first, who's | now eight": "now" also opens a contrast).
        dated = [m.start() for m in self.language.remote_time.finditer(text)]
        for index, (lo, hi) in enumerate(parts):
            if lo <= start < hi:
                if any(lo <= at < hi for at in dated):
                    return True
                # "... but that was twenty years ago" dates the part before it
                after = text[parts[index + 1][0]:parts[index + 1][1]] if index + 1 < len(parts) else ""
                return bool(_BACK_REFERENCE.match(after) and self.language.remote_time.search(after))
        return False

    @staticmethod
    def _about_others(rule: Rule, text: str, at: int) -> bool:
        """Whether the nearest subject before the sign at ``at`` is someone else's ("my friend says
        she wants to die") rather than the speaker's ("i want to die", "my mum doesn't know i ...")."""
        if rule.others is None or rule.selves is None:
            return False
        before = text[:at]
        other = max((m.end() for m in rule.others.finditer(before)), default=-1)
        own = max((m.end() for m in rule.selves.finditer(before)), default=-1)
        return other > own

    @staticmethod
    def _general(rule: Rule, text: str) -> bool:
        """Whether a question about ``rule``'s sign passes the rule's own words for a general question."""
        return (rule.general is None or rule.general.search(text) is not None) and (
            rule.personal is None or rule.personal.search(text) is None)

    def _is_question_about(self, text: str) -> bool:
        """A general question ("what are the signs of meningitis", "what if my fingers go numb")
        rather than the person's own situation: it opens like a question, and nothing in it tells of
        something happening to the speaker or someone with them ("i fell", "my arm is numb"), once
        hypotheticals ("if i", "when my") are set aside."""
        if not self.language.question_frames.match(text) or self.language.recent_time.search(text):
            return False  # "can i massage if i hit my head earlier today" is about today, not in general
        return not self.language.experience.search(self.language.hypothetical.sub(" ", text))


# ----- loading and validation --------------------------------------------------------------------

def _negated_within(matched: str) -> bool:
    """A negation after the match's first word ("face isn't drooping"); the first word may be the
    sign's own ("can't move my arm")."""
    return _INNER_NEGATION.search(matched, matched.find(" ") + 1) is not None


def _expand(value: str, macros: dict[str, str], where: str) -> str:
    for _ in range(5):  # macros may use macros, a few levels deep
        if not _MACRO.search(value):
            return value
        try:
            value = _MACRO.sub(lambda m: macros[m.group(1)], value)
        except KeyError as exc:
            raise SafetyDataError(f"{where}: unknown macro <{exc.args[0]}>") from exc
    raise SafetyDataError(f"{where}: macros nested too deep")


def _compile(where: str, pattern: object, macros: dict[str, str]) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise SafetyDataError(f"{where}: pattern must be a non-empty string, got {pattern!r}")
    expanded = _expand(pattern, macros, where)
    try:
        compiled = re.compile(expanded)
    except re.error as exc:
        raise SafetyDataError(f"{where}: invalid regex {pattern!r}: {exc}") from exc
    # A pattern that matches empty text would flag every utterance; catch it here, not in production.
    if compiled.search("") is not None:
        raise SafetyDataError(f"{where}: regex {pattern!r} matches empty text")
    return compiled


def _alternation(where: str, value: object, macros: dict[str, str]) -> re.Pattern[str]:
    """The patterns joined into one alternation (one scan per list keeps the screen cheap on every
    request). Only when the whole fails is each compiled on its own, so the error names the culprit:
    compiling each every time doubled the screen's share of a cold start."""
    if not isinstance(value, list) or not value:
        raise SafetyDataError(f"{where}: must be a non-empty list of patterns")
    if all(isinstance(p, str) and p for p in value):
        try:
            joined = re.compile("|".join(f"(?:{_expand(p, macros, where)})" for p in value))
        except re.error:
            joined = None
        if joined is not None and joined.search("") is None:
            return joined
    for p in value:
        _compile(where, p, macros)  # one of them raises, naming itself
    raise SafetyDataError(f"{where}: patterns do not join into one alternation")


def _group(where: str, raw: object, macros: dict[str, str]) -> Group:
    """A list of patterns, or ``{"context": [patterns]}`` for a group that only has to be present."""
    if isinstance(raw, dict):
        if set(raw) != {"context"}:
            raise SafetyDataError(f"{where}: a group object takes only 'context'")
        return Group(_alternation(where, raw["context"], macros), context=True)
    return Group(_alternation(where, raw, macros))


def _parse_rule(raw: object, index: int, macros: dict[str, str]) -> Rule:
    if not isinstance(raw, dict):
        raise SafetyDataError(f"safety rule #{index}: must be an object")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        raise SafetyDataError(f"safety rule #{index}: id must be lower-case letters, digits or _, got {rule_id!r}")
    where = f"safety rule {rule_id!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise SafetyDataError(f"{where}: unknown keys {sorted(unknown)}")
    if "patterns" not in raw and "combos" not in raw:
        raise SafetyDataError(f"{where}: needs patterns or combos")
    # Patterns are scanned one by one, so a live match is found even when an earlier one is set aside.
    patterns: tuple[re.Pattern[str], ...] = ()
    if "patterns" in raw:
        if not isinstance(raw["patterns"], list) or not raw["patterns"]:
            raise SafetyDataError(f"{where}: patterns must be a non-empty list")
        patterns = tuple(_compile(where, p, macros) for p in raw["patterns"])
    combos: list[tuple[Group, ...]] = []
    for combo in raw.get("combos", []):
        if not isinstance(combo, list) or len(combo) < 2:
            raise SafetyDataError(f"{where}: each combo must list at least two groups of patterns")
        combos.append(tuple(_group(f"{where} combo group", g, macros) for g in combo))
    unless = _alternation(f"{where} unless", raw["unless"], macros) if "unless" in raw else None
    flags = {}
    for key, default in (("remote", True), ("negatable", True), ("informational", True)):
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise SafetyDataError(f"{where}: {key} must be true or false")
        flags[key] = value
    informs = raw.get("informs", [])
    if not isinstance(informs, list) or not all(isinstance(t, str) and _RULE_ID.fullmatch(t) for t in informs):
        raise SafetyDataError(f"{where}: informs must list topic ids")
    general = _alternation(f"{where} general", raw["general"], macros) if "general" in raw else None
    personal = _alternation(f"{where} personal", raw["personal"], macros) if "personal" in raw else None
    if ("others" in raw) != ("selves" in raw):
        raise SafetyDataError(f"{where}: 'others' and 'selves' go together")
    others = _alternation(f"{where} others", raw["others"], macros) if "others" in raw else None
    selves = _alternation(f"{where} selves", raw["selves"], macros) if "selves" in raw else None
    return Rule(rule_id, patterns, tuple(combos), unless, informs=tuple(informs), general=general,
                personal=personal, others=others, selves=selves, **flags)


def _phrases(data: dict[str, Any], key: str, path: Path) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise SafetyDataError(f"{path}: {key!r} must be a non-empty list of phrases")
    return value


def _respell(data: dict[str, Any], path: Path) -> tuple[tuple[re.Pattern[str], str], ...]:
    value = data.get("respell", {})
    if not isinstance(value, dict) or not all(isinstance(k, str) and k and isinstance(v, str) and v
                                              for k, v in value.items()):
        raise SafetyDataError(f"{path}: 'respell' must map phrases to phrases")
    return tuple((re.compile(rf"\b{re.escape(phrase)}\b"), spelt) for phrase, spelt in value.items())


def _language(data: dict[str, Any], path: Path, macros: dict[str, str]) -> Language:
    numbers = data.get("numbers")
    if not isinstance(numbers, dict) or not isinstance(numbers.get("units"), dict) \
            or not isinstance(numbers.get("tens"), dict):
        raise SafetyDataError(f"{path}: 'numbers' needs 'units' and 'tens' word-to-number maps")
    window = data.get("negation_window")
    if not isinstance(window, int) or not 1 <= window <= 8:
        raise SafetyDataError(f"{path}: negation_window must be an integer from 1 to 8")
    return Language(
        fillers=_words_pattern(_phrases(data, "fillers", path)),
        respell=_respell(data, path),
        numbers={k: int(v) for k, v in numbers["units"].items()},
        tens={k: int(v) for k, v in numbers["tens"].items()},
        negators=_words_pattern(_phrases(data, "negators", path)),
        not_negation=_words_pattern(_phrases(data, "not_negation", path)),
        clause_breaks=frozenset(_phrases(data, "clause_breaks", path)),
        list_joiners=frozenset(_phrases(data, "list_joiners", path)),
        remote_time=_alternation(f"{path}: remote_time", data.get("remote_time"), macros),
        recent_time=_alternation(f"{path}: recent_time", data.get("recent_time"), macros),
        contrast=_words_pattern(_phrases(data, "contrast", path)),
        double_negation=_alternation(f"{path}: double_negation", data.get("double_negation"), macros),
        question_frames=_alternation(f"{path}: question_frames", data.get("question_frames"), macros),
        experience=_alternation(f"{path}: experience", data.get("experience"), macros),
        hypothetical=_alternation(f"{path}: hypothetical", data.get("hypothetical"), macros),
        second_opinion_words=_alternation(f"{path}: second_opinion_words", data.get("second_opinion_words"), macros),
        negation_window=window,
    )


def load_screen(path: Path) -> Screen:
    """Read, validate and compile a rules file; raises SafetyDataError naming the faulty part."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SafetyDataError(f"{path}: not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SafetyDataError(f"{path}: expected an object")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise SafetyDataError(f"{path}: unknown keys {sorted(unknown)}")
    macros = data.get("macros", {})
    if not isinstance(macros, dict) or not all(isinstance(v, str) for v in macros.values()):
        raise SafetyDataError(f"{path}: macros must map names to pattern strings")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise SafetyDataError(f"{path}: expected a non-empty 'rules' list")
    rules = tuple(_parse_rule(raw, i, macros) for i, raw in enumerate(raw_rules))
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SafetyDataError(f"{path}: duplicate rule ids {duplicates}")
    likelihood = load_likelihood(path.with_suffix(".likelihood.json"))
    return Screen(_language(data, path, macros), rules, likelihood)


@cache
def _screen_for_language(language: str) -> Screen:
    return load_screen(SAFETY_DIR / f"{language}.json")


def screen_for(locale: str = "en") -> Screen:
    """The cached screen of a locale's language: "en-GB" uses the English rules."""
    base = locale.replace("_", "-").split("-")[0].lower()
    if not _LANGUAGE.fullmatch(base):
        raise ValueError(f"not a language code: {locale!r}")
    return _screen_for_language(base)


def check(text: str, locale: str = "en") -> Finding:
    """The screen's finding for ``text`` in ``locale``."""
    return screen_for(locale).check(text)


def categories(locale: str = "en") -> tuple[str, ...]:
    """Every category the screen can report, in priority order."""
    return tuple(rule.id for rule in screen_for(locale).rules)
