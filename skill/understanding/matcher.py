"""Match typed (or recognised) text to an intent and slots using the interaction model itself.

This stands in for Alexa's NLU on a laptop. It knows the model's samples, slot values and
synonyms, the built-in intents' usual phrasings, and the question carrier phrases. The red-flag
screen runs first, as in every path: words that describe a warning sign become
``UrgentSymptomIntent`` with the words in its slot, whatever else they resemble. Deliberate
difference from Alexa: text that matches nothing well enough becomes ``AskQuestionIntent`` with
the whole text as ``question``, so any question in any words reaches the skill's own ranker.

Matching goes from strict to statistical: an exact sample, then a sample with slots, then the
classifier (skill/understanding/classifier.py), which learns every intent's literal samples and the
built-ins' usual phrasings and says how confident it is, taking into account whether a routine is
playing (navigation words are expected then). A phrasing that reaches the wrong intent here is one to
add to the model's samples; one that reaches the right one statistically has a good chance on a device.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skill.content.overlay import read_locale_data
from skill.intents import ASK_INTENT, ASK_SLOT, SYMPTOM_SLOT, TOPIC_SLOT_TYPE, URGENT_INTENT
from skill.text import normalise
from skill.understanding.classifier import QUESTION, QUESTION_WORDS, REQUEST_OPENERS, IntentClassifier, Scored
from skill.understanding.screen import check
from skill.understanding.semantic import embedder

MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"
QUESTION_INTENT = ASK_INTENT
LAUNCH = "LaunchRequest"
_SLOT = re.compile(r"\{(\w+)\}")
# Answers to a yes-or-no question are never guessed: "I think so, mostly" to the safety check must be
# asked again, not taken for a yes or a no.
EXACT_ONLY = frozenset({"AMAZON.YesIntent", "AMAZON.NoIntent"})
_FILLERS = ("please", "now", "alexa", "okay", "ok", "um", "uh", "erm", "er", "hmm", "so", "then", "thanks", "thank you",
            "just", "well", "actually", "oh", "hey", "mate")
# Said while a routine plays, a command often comes with its reason, before or after it ("hold on a minute
# the baby is crying", "sorry the dog was barking can you say that last bit again"). Such a command is one
# of the model's own phrasings, whole, at one end of the utterance; the reason opens like a statement about
# the person ("i", "my", "the") and asks nothing, or the utterance is a question ("wait is it normal that my
# fingers tingle", "my head is killing me what can i do").
_REASON_OPENERS = frozenset({"i", "i'm", "i've", "i'll", "i'd", "im", "my", "me", "the", "it's", "its", "it", "that's",
                             "there's", "someone", "someone's", "somebody", "we", "we're", "he", "she", "he's",
                             "she's", "they", "they're", "our", "sorry", "because", "cause", "cos", "coz", "as",
                             "na", "now", "this", "got", "gotta", "while", "whilst"})
_WH = frozenset({"what", "what's", "whats", "how", "how's", "why", "when", "where", "which", "who"})
_ASKS = re.compile(r"\b(?:" + "|".join(sorted(_WH)) + r"|whether|if|explain|tell me|"
                   r"(?:is|are|was|can|could|should|do|does|did|will|would|am|may|might) "
                   r"(?:i|it|that|this|there|they|my|you|we|he|she|these|those))\b")
# Words that may sit between a command and its reason ("pick up the pace a little i'm getting cold").
_SOFTENERS = (("a", "little"), ("a", "bit"), ("a", "tad"), ("please",), ("now",), ("then",), ("for", "me"))
# One word is command enough beside a reason only to halt, or to thank ("thanks i feel much better now").
_ONE_WORD_WITH_REASON = frozenset({"AMAZON.PauseIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "ThanksIntent"})
_NOT_WITH_REASON = EXACT_ONLY | {"AMAZON.HelpIntent", "MoreIntent"}  # these are questions when a reason follows
# A command in other words is split from its reason only where a new clause plainly opens, after a
# word that can end one: "how long should | i hold each point" is one question, not progress + reason.
_CLAUSE_OPENERS = frozenset({"i", "i'm", "im", "i've", "i'll", "i'd", "we", "we're", "he", "she", "he's", "she's",
                             "they", "they're", "someone", "someone's", "somebody", "sorry", "because", "cause",
                             "cos", "coz", "it's", "that's", "there's", "while", "whilst"})
_DANGLING = frozenset({"should", "must", "do", "does", "did", "can", "could", "would", "will", "shall", "is", "are",
                       "am", "was", "were", "to", "for", "of", "the", "a", "an", "my", "your", "on", "in", "at",
                       "with", "through", "about", "from", "into", "over", "under", "and", "or", "but", "if",
                       "that", "when", "where", "how", "what", "why", "which", "who", "i", "you", "we", "much",
                       "many", "long", "till", "until", "before", "after", "since", "than", "so", "as"})
# Splits whose command part is no sample, read by the classifier (each costs an embedding, about 10 ms).
_STATISTICAL_SPLITS = 2
_LONGEST_SAMPLE = 6  # words: the longest piece looked up when an utterance is read as a run of samples
# A plain yes or no that opens a longer answer ("yeah i'm happy with that", "no i'm not ready yet") is that
# answer, as Alexa hears it; the rest must not take it back (a hedge, the other answer, a question or a
# command of its own): "yes but only a little", "no wait go back" and "i suppose so" are not guessed.
_ANSWER_OPENERS = {"AMAZON.YesIntent": ("yes", "yeah", "yep", "yup", "yes please", "of course", "sure",
                                        "definitely", "absolutely"),
                   "AMAZON.NoIntent": ("no", "nah", "nope", "no thanks", "no thank you", "not now", "not today",
                                       "not yet")}
# Longest first, so that "no thank you" is tried before "no"; sorted once, not per utterance.
_ANSWER_OPENERS = {intent: sorted(openers, key=len, reverse=True) for intent, openers in _ANSWER_OPENERS.items()}
_TAKES_BACK = {"AMAZON.YesIntent": re.compile(r"\b(?:not|no|never|nothing|none|nope|nah|\w+n't|dont|cant|wont)\b"),
               "AMAZON.NoIntent": re.compile(r"\b(?:yes|yeah|yep|yup|sure)\b")}
_HEDGES = re.compile(r"\b(?:maybe|perhaps|think|guess|suppose|sort of|kind of|kinda|sorta|but|mostly|probably|"
                     r"sometimes|except|apart|unless|only|if|though|although|partly|not sure|dunno|unsure|or)\b")
# How the rest of such an answer opens: a statement by the speaker ("i'm ready", "that's what i want",
# "let's do that", "my neck's too sore for that"), never a command or a question of its own ("wait go back").
_ANSWER_CLAUSE = frozenset({"i", "i'm", "im", "i'll", "i'd", "i've", "that", "that's", "thats", "it", "it's", "its",
                            "let's", "lets", "my", "we", "we're", "sounds", "please", "thanks", "thank", "this",
                            "all", "absolutely", "definitely", "happy", "ready", "fine", "good", "great"})
# Commands the rest may be and still agree with the answer ("yes i'm ready", "no i'm done").
_GOES_WITH = {"AMAZON.YesIntent": frozenset({"AMAZON.YesIntent", "AMAZON.ResumeIntent", "StartRoutineIntent",
                                             "ThanksIntent", "MoreIntent"}),
              "AMAZON.NoIntent": frozenset({"AMAZON.NoIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
                                            "ThanksIntent", "AMAZON.PauseIntent"})}
# A question inside such an answer ("yes my neck clicks is that normal"); "let's do that" asks nothing.
_INVERTED = re.compile(r"\b(?:is|are|was|can|could|should|will|would|am|may|might) (?:i|it|that|this|there|they|"
                       r"my|you|we|he|she|these|those)\b|\b(?:do|does|did) (?:i|you|we|they|he|she|my)\b")
_LOOSE_LITERALS = 2  # words a carrier needs before its closed-list slot may hold a name it does not list
# Words that make a slot's value a pointer, not a name: "do the next one", "i want that one again".
_NOT_A_NAME = frozenset({"next", "last", "previous", "other", "same", "first", "second", "third", "this", "that",
                         "these", "those", "it", "one", "again", "over", "earlier", "following", "current",
                         "right", "wrong", "one's", "which", "what", "any", "another", "new", "old", "final"})
_LAUNCH_VERBS = ("open", "launch", "start", "talk to", "run", "begin", "load", "use")
_ONE_SHOT = re.compile(r"^(?:ask|tell)\s+{name}\s*(?:to|about|for|if|whether)?\s*(?P<rest>.*)$")


def _asks(text: str) -> bool:
    """Whether ``text`` opens as a question ("is a short one enough"), not as a request ("can we do ...")."""
    said = text.split()
    return len(said) > 1 and said[0] in QUESTION_WORDS and said[1] not in REQUEST_OPENERS | {"i"}


def _after_softeners(words: list[str]) -> list[str]:
    """The words after any softeners that open them (see :data:`_SOFTENERS`)."""
    changed = True
    while changed:
        changed = False
        for softener in _SOFTENERS:
            if tuple(words[: len(softener)]) == softener:
                words, changed = words[len(softener):], True
    return words


@dataclass(frozen=True)
class Match:
    """An intent name (or ``LaunchRequest``) and its slot values; ``how`` says which rule matched."""

    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    how: str = "sample"  # launch, screen, sample, pattern, answer, loose, phrases, statistical, reason, question
    confidence: float = 1.0  # the classifier's score for a statistical match
    # Entity resolution, as Alexa fills it in for a custom slot value it knows: slot -> (id, type).
    resolved: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class _Pattern:
    intent: str
    regex: re.Pattern[str]
    literal_words: int
    slot_types: dict[str, str]


class Matcher:
    """Built from one locale's interaction model and built-in phrase table."""

    def __init__(self, model: dict[str, Any], builtin_phrases: dict[str, list[str]], locale: str = "en-US") -> None:
        self.locale = locale
        language = model["interactionModel"]["languageModel"]
        self.invocation = normalise(language["invocationName"])
        self.type_values: dict[str, dict[str, str]] = {}
        self.type_ids: dict[str, dict[str, str]] = {}
        for slot_type in language.get("types", []):
            values: dict[str, str] = {}
            ids: dict[str, str] = {}
            for value in slot_type["values"]:
                for name in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                    values[normalise(name)] = value["name"]["value"]
                    if "id" in value:
                        ids[normalise(name)] = value["id"]
            self.type_values[slot_type["name"]] = values
            self.type_ids[slot_type["name"]] = ids
        self.exact: dict[str, str] = {}
        self.patterns: list[_Pattern] = []
        # Samples with a closed-list slot, as the classifier learns them (see :meth:`_learn_slotted`):
        # intent -> the samples with each slot's place held by one word; and what to embed for each.
        self.slotted: dict[str, list[str]] = {}
        self._embed_as: dict[str, str] = {}
        # place-holder word -> (slot name, slot type, the type's values as a regex)
        self._slot_words_of: dict[str, tuple[str, str, re.Pattern[str]]] = {}
        # The same samples with a closed-list slot open to any short name (see :meth:`_loose_match`).
        self.loose: list[_Pattern] = []
        for intent in language["intents"]:
            slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
            for sample in intent.get("samples", []):
                self._add(intent["name"], sample, slot_types)
        for intent_name, phrases in builtin_phrases.items():
            for phrase in phrases:
                self.exact.setdefault(normalise(phrase), intent_name)
        for intent in language["intents"]:
            self._learn_slotted(intent)
        # Custom-typed slots (closed lists) before free-text carriers, and longer literals first.
        self.patterns.sort(key=lambda p: ("AMAZON.SearchQuery" in p.slot_types.values(), -p.literal_words))
        by_intent: dict[str, list[str]] = {}
        for sample, intent_name in self.exact.items():
            if intent_name not in EXACT_ONLY:
                by_intent.setdefault(intent_name, []).append(sample)
        for intent_name, samples in self.slotted.items():
            by_intent.setdefault(intent_name, []).extend(samples)
        self.classifier = IntentClassifier(by_intent, self.type_values.get(TOPIC_SLOT_TYPE, {}), embedder(),
                                           embed_as=self._embed_as)

    def _learn_slotted(self, intent: dict[str, Any]) -> None:
        """Teach the classifier ``intent``'s samples that carry closed-list slots ("start the {routine}
        routine"), each slot's place held by one word of its own, so that a name said in a carrier no
        sample has ("put the quick release on") still reaches the intent, as Alexa's model generalises
        over its carriers. Free text, topic questions and red flags are not learnt this way."""
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        closed = {name for name, slot_type in slot_types.items()
                  if slot_type in self.type_values and slot_type != TOPIC_SLOT_TYPE}
        if intent["name"] == URGENT_INTENT or not closed:
            return
        for name in closed:
            values = self.type_values[slot_types[name]]
            # Names of two words or more only: one word ("gentle", "short", "full") is as often an everyday
            # adjective in a question ("give me a gentle neck stretch") as a routine's name.
            spoken = sorted((v for v in values if " " in v), key=len, reverse=True)
            if not spoken:
                continue
            alternatives = "|".join(re.escape(v) for v in spoken)
            self._slot_words_of[f"slot{name}"] = (name, slot_types[name], re.compile(rf"\b(?:{alternatives})\b"))
        for sample in intent.get("samples", []):
            names = set(_SLOT.findall(sample))
            if not names or not names <= closed:
                continue
            held = normalise(_SLOT.sub(lambda slot: f"slot{slot.group(1)}", sample))
            example = {name: next(iter(self.type_values[slot_types[name]].values())) for name in names}
            self.slotted.setdefault(intent["name"], []).append(held)
            self._embed_as[held] = normalise(_SLOT.sub(lambda slot, said=example: said[slot.group(1)], sample))

    def _add(self, intent: str, sample: str, slot_types: dict[str, str]) -> None:
        if not _SLOT.search(sample):
            self.exact.setdefault(normalise(sample), intent)
            return
        self.patterns.append(self._pattern(intent, sample, slot_types, loose=False))
        closed = {slot_types.get(slot, "") for slot in _SLOT.findall(sample)}
        if intent == URGENT_INTENT or not closed <= set(self.type_values) - {TOPIC_SLOT_TYPE}:
            return  # free text, topic questions and red flags have no loose form: only closed lists do
        loose = self._pattern(intent, sample, slot_types, loose=True)
        if loose.literal_words >= _LOOSE_LITERALS:
            self.loose.append(loose)

    def _pattern(self, intent: str, sample: str, slot_types: dict[str, str], loose: bool) -> _Pattern:
        """``sample`` as a regex: a closed-list slot matches its values, or with ``loose`` any name of
        up to three words; a free-text slot matches anything."""
        parts, literal = [], 0
        for piece in re.split(r"(\{\w+\})", sample):
            slot = _SLOT.fullmatch(piece)
            if slot:
                values = self.type_values.get(slot_types.get(slot.group(1), ""), None)
                if values and loose:
                    parts.append(rf"\b(?P<{slot.group(1)}>[a-z']+(?: [a-z']+){{0,2}}?)\b")
                elif values:
                    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
                    parts.append(f"(?P<{slot.group(1)}>{alternatives})")
                else:
                    parts.append(f"(?P<{slot.group(1)}>.+?)")
            elif piece.strip():
                words = normalise(piece).split()
                literal += len(words)
                parts.append(r"\s*" + r"\s+".join(re.escape(w) for w in words) + r"\s*")
        return _Pattern(intent, re.compile("^" + "".join(parts) + "$"), literal, slot_types)

    def _answer(self, candidates: tuple[str, ...]) -> Match | None:
        """A yes or a no that opens a longer answer (see :data:`_ANSWER_OPENERS`), else ``None``."""
        for candidate in candidates:
            if self._phrases(candidate) is not None:
                return None  # a run of one intent's own phrasings ("yes definitely please") says it already
            for intent, openers in _ANSWER_OPENERS.items():
                for opener in openers:
                    rest = candidate.removeprefix(opener + " ").strip()
                    if rest == candidate or not rest:
                        continue
                    said = rest.split()
                    other = self.exact.get(rest, intent)
                    carried = next((p.intent for p in self.patterns if p.regex.match(rest)), intent)
                    if said[0] not in _ANSWER_CLAUSE or _TAKES_BACK[intent].search(rest) or _HEDGES.search(rest) \
                            or _INVERTED.search(rest) or not {other, carried} <= _GOES_WITH[intent]:
                        return None
                    return Match(intent, how="answer")
        return None

    def _loose_match(self, candidates: tuple[str, ...]) -> Match | None:
        """A sample's carrier around a name its list does not hold ("start the desk routine"): Alexa fills
        a custom slot with such a value too (entity resolution then finds no match), and the handler says
        which routines there are. Only carriers of two or more words count, and never around a word that
        points at a step or an answer ("the next one", "that one")."""
        for candidate in candidates:
            for pattern in self.loose:
                found = pattern.regex.match(candidate)
                if found and not any(set(value.split()) & _NOT_A_NAME for value in found.groupdict().values()):
                    return Match(pattern.intent, {k: v.strip() for k, v in found.groupdict().items()}, how="loose")
        return None

    def _strip_fillers(self, text: str) -> str:
        changed = True
        while changed:
            changed = False
            for filler in _FILLERS:
                for form in (f"{filler} ", f" {filler}"):
                    if text.startswith(form) and form[0] != " ":
                        text, changed = text[len(form):], True
                    elif text.endswith(form) and form[0] == " ":
                        text, changed = text[: -len(form)], True
        return text.strip()

    def match(self, text: str, routine_running: bool = False) -> Match:
        """The intent for ``text``; empty text or "open <invocation name>" launches. ``routine_running``
        is the session's routine state: whether a routine is playing (or paused) right now."""
        norm = normalise(text)
        if norm.startswith("alexa "):
            norm = norm[len("alexa "):]
        if not norm or norm in {f"{verb} {self.invocation}" for verb in _LAUNCH_VERBS} or norm == self.invocation:
            return Match(LAUNCH, how="launch")
        question = text.strip()
        one_shot = re.match(_ONE_SHOT.pattern.format(name=re.escape(self.invocation)), norm)
        if one_shot:
            norm = question = one_shot.group("rest").strip()
            if not norm:
                return Match(LAUNCH, how="launch")
        if check(question, self.locale).urgent:
            return Match(URGENT_INTENT, {SYMPTOM_SLOT: question}, how="screen")
        candidates = tuple(dict.fromkeys((norm, self._strip_fillers(norm))))
        for candidate in candidates:
            if candidate in self.exact:
                return Match(self.exact[candidate])
        for candidate in candidates:
            for pattern in self.patterns:
                found = pattern.regex.match(candidate)
                if found:
                    carried = found.groupdict().get(ASK_SLOT)
                    command = self._command(carried, routine_running, said=norm) if carried else None
                    if command is not None:  # "can you tell me more about that": a command behind a carrier
                        return command
                    slots, resolved = self._fill(found.groupdict(), pattern.slot_types)
                    return Match(pattern.intent, slots, how="pattern", resolved=resolved)
        return (self._answer(candidates) or self._loose_match(candidates) or self._command(norm, routine_running)
                or (self._with_reason(norm) if routine_running else None)
                or Match(QUESTION_INTENT, {ASK_SLOT: question}, how="question"))

    def _with_reason(self, norm: str) -> Match | None:
        """A command said with its reason (see :data:`_REASON_OPENERS`): the longest of the model's
        phrasings that opens the words, or ends them, with a reason of at least two words on the other
        side; ``None`` otherwise. One word is enough only to halt or thank ("wait the baby's crying");
        one that ends the words must be longer, and may not be a question of its own."""
        for candidate in dict.fromkeys((norm, self._strip_fillers(norm))):  # "thanks for that" keeps its thanks
            found = self._reason_split(candidate.split())
            if found is not None:
                return found
        return None

    def _reason_split(self, said: list[str]) -> Match | None:
        """:meth:`_with_reason` for one wording, its words as said: longer commands are tried first, as
        one of the model's samples; then, for the first few splits where a reason opens, the command
        part in other words, as the classifier confidently reads it on its own ("could you go a bit
        quicker i know these steps already")."""
        unsampled: list[list[str]] = []
        for size in range(len(said) - 2, 0, -1):
            ends = [(said[:size], _after_softeners(said[size:]))]  # the command first, then its reason
            if size > 1 and said[-size] not in _WH:
                ends.append((said[-size:], said[:-size]))
            for command, reason in ends:
                if len(reason) < 2 or reason[0] not in _REASON_OPENERS or _ASKS.search(" ".join(reason)):
                    continue
                intent = self.exact.get(" ".join(command))
                if intent is None and size > 1 and reason[0] in _CLAUSE_OPENERS and command[-1] not in _DANGLING:
                    unsampled.append(command)
                if intent is None or intent == QUESTION_INTENT or intent in _NOT_WITH_REASON:
                    continue
                if size > 1 or intent in _ONE_WORD_WITH_REASON:
                    return Match(intent, how="reason")
        for command in unsampled[:_STATISTICAL_SPLITS]:
            found = self._command(" ".join(command), routine_running=True)
            if found is not None and found.intent not in _NOT_WITH_REASON:
                return Match(found.intent, found.slots, how="reason", confidence=found.confidence,
                             resolved=found.resolved)
        return None

    def _command(self, norm: str, routine_running: bool, said: str | None = None) -> Match | None:
        """A command in words that are not one sample: a sample once fillers go, a run of one intent's
        samples, or the classifier's confident choice; ``None`` when the words are a question. Yes and no
        are never guessed. ``said`` is the whole utterance when ``norm`` is part of it: its embedding
        (which the ranker reuses) stands for the part."""
        candidates = tuple(dict.fromkeys((norm, self._strip_fillers(norm))))
        for candidate in candidates:
            if self.exact.get(candidate, QUESTION_INTENT) not in EXACT_ONLY | {QUESTION_INTENT}:
                return Match(self.exact[candidate])
        run = self._phrases(norm)
        if run is not None:
            return Match(run, how="phrases")
        # Fillers are words too ("cool thanks", "uh huh"): score the words as said and without them. Only
        # when they are no command ("start the whole routine over" starts it over), score them again with
        # a slot's value held by its place-holder word, for the intents that take it; a question about a
        # value ("is a short massage enough") is no request for it.
        best: Scored | None = None
        best_slots: dict[str, str] = {}
        heard = [(candidate, *self._slot_words(candidate)) for candidate in candidates]
        for holding in (False, True):
            for candidate, held, slots in heard:
                text = held if holding else candidate
                if holding and (not slots or _asks(held)):
                    continue
                scores = {s.intent: s.score for s in self.classifier.score(text, said=said or norm)}
                question_score = scores.pop(QUESTION, 0.0)
                command = max(scores.items(), key=lambda item: item[1], default=None)
                if command and (not holding or command[0] in self.slotted) and \
                        (best is None or command[1] > best.score) and \
                        self.classifier.confident(Scored(*command), question_score, text, routine_running):
                    best, best_slots = Scored(*command), slots
            if best is not None:
                break
        if best is None:
            return None
        slot_types = {name: slot_type for name, slot_type, _ in self._slot_words_of.values()}
        values, resolved = self._fill(best_slots if best.intent in self.slotted else {}, slot_types)
        return Match(best.intent, values, how="statistical", confidence=best.score, resolved=resolved)

    def _fill(self, said: dict[str, str],
              slot_types: dict[str, str]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        """Slot values as the handlers get them (a closed list's synonym as its value) and their entity
        resolution, for the words ``said`` in each slot."""
        slots: dict[str, str] = {}
        resolved: dict[str, tuple[str, str]] = {}
        for name, value in said.items():
            slot_type = slot_types.get(name, "")
            values = self.type_values.get(slot_type, {})
            slots[name] = values.get(value, value).strip() if values else value.strip()
            if value in self.type_ids.get(slot_type, {}):
                resolved[name] = (self.type_ids[slot_type][value], slot_type)
        return slots, resolved

    def _slot_words(self, norm: str) -> tuple[str, dict[str, str]]:
        """``norm`` with the first value of each closed-list slot the classifier learnt replaced by that
        slot's place-holder word (see :meth:`_learn_slotted`), and the values found, by slot name."""
        slots: dict[str, str] = {}
        for word, (name, _, values) in self._slot_words_of.items():
            found = values.search(norm)
            if found:
                slots[name] = found.group(0)
                norm = norm[: found.start()] + word + norm[found.end():]
        return norm, slots

    def _phrases(self, norm: str) -> str | None:
        """The intent when ``norm`` is a run of its own literal samples and fillers ("yep sure", "no not
        yet thanks", "stop stop"), all of one intent; else ``None``. Alexa hears a string of yeses as a yes;
        a yes next to anything else ("i think so mostly") is not one."""
        said = norm.split()
        # reach[i]: the intents whose samples (and fillers) cover said[:i]; None marks "fillers only".
        reach: list[set[str | None]] = [{None}] + [set() for _ in said]
        for end in range(1, len(said) + 1):
            for start in range(max(0, end - _LONGEST_SAMPLE), end):
                if not reach[start]:
                    continue
                piece = " ".join(said[start:end])
                if piece in _FILLERS:
                    reach[end] |= reach[start]
                elif piece in self.exact:
                    intent = self.exact[piece]
                    reach[end] |= {intent} if reach[start] & {None, intent} else set()
        found = reach[-1] - {None}
        return next(iter(found)) if len(found) == 1 and len(said) > 1 else None


@cache
def matcher_for(locale: str = "en-US") -> Matcher:
    """The matcher for a locale, from its committed interaction model."""
    model = json.loads((MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    phrases = read_locale_data(locale, "intents")
    return Matcher(model, phrases.get("builtin_phrases", {}), locale)
