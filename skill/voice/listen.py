"""Spoken input from a WAV file, recognised offline and handled like typed text.

pocketsphinx's general dictation model gets almost nothing right on synthetic speech, but restricted
to a grammar of the phrases the skill understands it routes most espeak-ng renderings right (see
DECODER_OPTIONS; research/voice-toolchain.md, part 3). So the grammar is generated from the same
interaction model Alexa gets, plus the built-in phrases the local matcher knows: whatever can be
heard can also be matched. Each intent has the same prior, so a short command is not outvoted by
the thousand routine-name fillings; British pronunciations are added to the US dictionary; the
silence around the speech is cut. A closed grammar always finds its nearest phrase, so a result
is only trusted when the sound varies like speech and the phrase fits nearly as well as a free
phone loop (``Heard.trusted``); other speech, tones and noise are refused, not mapped to a command.
Measured per voice and speed by bench/listen_voices.py.
"""

from __future__ import annotations

import array
import json
import math
import re
import shutil
import subprocess
import sys
import threading
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from skill.content.overlay import read_locale_data
from skill.intents import TOPIC_SLOT_TYPE
from skill.text import normalise
from skill.understanding.matcher import MODELS_DIR

SAMPLE_RATE = 16000
SEARCH_QUERY = "AMAZON.SearchQuery"
_SLOT = re.compile(r"\{(\w+)\}")
_NOUN_PHRASE = re.compile(r"^(?:what is|what are|what's) (?P<np>.+)$")
_PREPOSITIONS = {"about", "at", "by", "for", "in", "of", "on", "to", "with"}
_SILENCE_PEAK = 200  # of 32767: below this a recording holds no speech worth decoding

# ARPABET for skill words the CMU dictionary lacks and no rule below can build from its parts
# (suboccipital, theragun and radiofrequency split into known words; tingles and soreness take a suffix;
# a plural of a split word, like suboccipitals, is listed; so are the pieces of names as speech recognition
# splits them in the sample questions: "gaba pentin", "oxy pital", "bo tox").
PRONUNCIATIONS = {
    "acupressure": "AE K Y UH P R EH SH ER",
    "acupuncturist": "AE K Y UH P AH NG K CH ER IH S T",
    "amitriptyline": "AE M IH T R IH P T AH L IY N",
    "anticoagulants": "AE N T IY K OW AE G Y AH L AH N T S",
    "baclofen": "B AE K L OW F EH N",
    "botulinum": "B AA CH AH L AY N AH M",
    "brufen": "B R UW F AH N",
    "carbamazepine": "K AA R B AH M AE Z AH P IY N",
    "chiro": "K AY R OW",
    "clenching": "K L EH N CH IH NG",
    "clopidogrel": "K L OW P IH D OW G R EH L",
    "codeine": "K OW D IY N",
    "crocin": "K R OW S IH N",
    "disprin": "D IH S P R IH N",
    "dodgy": "D AA JH IY",
    "eliquis": "EH L AH K W IH S",
    "footy": "F UH T IY",
    "gabapentin": "G AE B AH P EH N T IH N",
    "glycinate": "G L AY S IH N EY T",
    "gp": "JH IY P IY",
    "haemophilia": "HH IY M AH F IY L IY AH",
    "hunching": "HH AH N CH IH NG",
    "inflammatories": "IH N F L AE M AH T AO R IY Z",
    "lyrica": "L IH R IH K AH",
    "masseur": "M AH S ER",
    "masseuse": "M AH S UW S",
    "naproxen": "N AH P R AA K S AH N",
    "neuralgia": "N UH R AE L JH AH",
    "nortriptyline": "N AO R T R IH P T AH L IY N",
    "nurofen": "N Y UH R OW F EH N",
    "osteopath": "AA S T IY AH P AE TH",
    "paining": "P EY N IH NG",
    "panadol": "P AE N AH D AA L",
    "paracetamol": "P AE R AH S IY T AH M AA L",
    "pentin": "P EH N T IH N",
    "pital": "P IH T AH L",
    "pregabalin": "P R IY G AE B AH L IH N",
    "riboflavin": "R AY B OW F L EY V IH N",
    "shiatsu": "SH IY AA T S UW",
    "shush": "SH AH SH",
    "suboccipitals": "S AH B AA K S IH P IH T AH L Z",
    "tingly": "T IH NG G L IY",
    "tox": "T AA K S",
    "trapezius": "T R AH P IY Z IY AH S",
    "tumour": "T UW M ER",
    "unfreeze": "AH N F R IY Z",
    "unpause": "AH N P AO Z",
    "vomited": "V AA M AH T IH D",
    "warfarin": "W AO R F ER IH N",
    "xarelto": "Z AH R EH L T OW",
    "zinging": "Z IH NG IH NG",
}


class ListenError(Exception):
    """A problem with the input the user can fix; the CLI prints it on one line and exits 2."""


# --- grammar -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grammar:
    """Every phrase the recogniser may return, and the JSGF text that encodes exactly those."""

    phrases: frozenset[str]
    jsgf: str

    @property
    def words(self) -> set[str]:
        return {word for phrase in self.phrases for word in phrase.split()}


def _expand(sample: str, fills: dict[str, list[str]]) -> list[str]:
    """All phrases of one sample, each {slot} replaced by each of its fillers."""
    phrases = [""]
    for piece in re.split(r"(\{\w+\})", sample):
        slot = _SLOT.fullmatch(piece)
        options = fills.get(slot.group(1), []) if slot else [piece]
        phrases = [f"{start} {option}" for start in phrases for option in options]
    return [normalise(p) for p in phrases if normalise(p)]


def question_completions(language: dict[str, Any]) -> list[str]:
    """What a free-text question slot may hold: the topic questions and the subjects they name.

    "tell me about {question}" wants a subject ("a nerve block", taken from "what is a nerve
    block"), "i was wondering {question}" a whole question, so both are offered; the list stays
    bounded by the knowledge base.
    """
    questions = [normalise(n) for t in language.get("types", []) if t["name"] == TOPIC_SLOT_TYPE
                 for v in t["values"] for n in [v["name"]["value"], *v["name"].get("synonyms", [])]]
    subjects = [m.group("np") for m in map(_NOUN_PHRASE.match, questions) if m]
    subjects = [s for s in subjects if not {s.split()[0], s.split()[-1]} & _PREPOSITIONS]
    return list(dict.fromkeys(questions + subjects))


def build_grammar(model: dict[str, Any], builtin_phrases: dict[str, list[str]]) -> Grammar:
    """Expand the model's samples (slot values, synonyms, question completions) into a grammar.

    The phrase set is fully expanded; the JSGF keeps each slot as one rule after its carriers
    ("( tell me about | look up | ... ) <question>"), because the decoder's time per frame grows
    with the number of grammar states and the expanded product would be many times larger.

    Every intent gets the same prior, shared evenly by its phrases (the JSGF weights count the
    phrases under each branch). With one flat list, StartRoutineIntent's thousand "{routine}"
    fillings outweighed "pause" a thousand to one, and a short command was heard as a routine
    name ("pause" as "full", "faster" as "soft one").
    """
    language = model["interactionModel"]["languageModel"]
    type_values: dict[str, list[str]] = {}
    for slot_type in language.get("types", []):
        names = [n for v in slot_type["values"] for n in [v["name"]["value"], *v["name"].get("synonyms", [])]]
        type_values[slot_type["name"]] = list(dict.fromkeys(filter(None, map(normalise, names))))
    type_values[SEARCH_QUERY] = question_completions(language)
    intents = {LAUNCH: _IntentPhrases(plain={f"open {normalise(language['invocationName'])}"})}
    for name, group in builtin_phrases.items():
        intents.setdefault(name, _IntentPhrases()).plain.update(filter(None, map(normalise, group)))
    for intent in language["intents"]:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        fills = {name: type_values.get(kind, []) for name, kind in slot_types.items()}
        phrases = intents.setdefault(intent["name"], _IntentPhrases())
        for sample in intent.get("samples", []):
            expanded = _expand(sample, fills)
            phrases.all.update(expanded)
            slots = _SLOT.findall(sample)
            if len(slots) == 1 and fills.get(slots[0]):
                before, after = (normalise(part) for part in _SLOT.split(sample, maxsplit=1)[::2])
                phrases.carriers.setdefault((slot_types[slots[0]], after), set()).add(before)
            else:
                phrases.plain.update(expanded)
    intents = {name: phrases for name, phrases in intents.items() if phrases.all or phrases.plain}
    slot_kinds = sorted({kind for phrases in intents.values() for kind, _ in phrases.carriers})
    lines = ["#JSGF V1.0;", "grammar skill;"]
    lines += [f"<{_rule_name(kind)}> = {to_jsgf(type_values[kind])};" for kind in slot_kinds]
    lines += [f"<{_rule_name(name)}> = {phrases.jsgf(type_values)};" for name, phrases in sorted(intents.items())]
    lines.append("public <utterance> = " + _alternatives([f"<{_rule_name(name)}>" for name in sorted(intents)]) + ";")
    every = {p for phrases in intents.values() for p in phrases.all | phrases.plain}
    return Grammar(frozenset(filter(None, every)), "\n".join(lines) + "\n")


LAUNCH = "LaunchRequest"


@dataclass
class _IntentPhrases:
    """One intent's phrases: the slot-free (or many-slot) ones in full, the one-slot ones as carriers."""

    plain: set[str] = field(default_factory=set)
    carriers: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (slot type, after) -> befores
    all: set[str] = field(default_factory=set)

    def jsgf(self, type_values: dict[str, list[str]]) -> str:
        """The intent's rule, each branch weighted by the number of phrases it stands for."""
        branches = [(len(self.plain), to_jsgf(self.plain))] if self.plain else []
        for (kind, after), befores in sorted(self.carriers.items()):
            lead = to_jsgf(filter(None, befores)) if any(befores) else ""
            lead = f"[ {lead} ]" if lead and "" in befores else lead
            branches.append((len(befores) * len(type_values[kind]),
                             " ".join(filter(None, (lead, f"<{_rule_name(kind)}>", after)))))
        return _alternatives([text for _, text in branches], [count for count, _ in branches])


def _alternatives(items: list[str], weights: list[int] | None = None) -> str:
    """A JSGF alternative list; weights are written only where they differ."""
    if len(items) == 1:
        return items[0]
    if weights and len(set(weights)) > 1:
        items = [f"/{weight}/ {item}" for weight, item in zip(weights, items, strict=True)]
    return "( " + " | ".join(items) + " )"


def _rule_name(name: str) -> str:
    return re.sub(r"\W", "_", name).lower()


def to_jsgf(phrases: Iterable[str]) -> str:
    """A JSGF expansion matching exactly ``phrases``, factored on shared first words.

    A flat list of thousands of alternatives costs the decoder a state per word of every phrase;
    the prefix tree shares the first words, so "how ..." is one branch, not a hundred. Each branch
    is weighted by the phrases under it, so every phrase keeps an equal share however the tree
    happens to branch.
    """
    end = ""
    tree: dict[str, Any] = {}
    for phrase in phrases:
        node = tree
        for word in phrase.split():
            node = node.setdefault(word, {})
        node[end] = {}

    def leaves(node: dict[str, Any]) -> int:
        return sum(1 if word == end else leaves(child) for word, child in node.items())

    def render(node: dict[str, Any]) -> str:
        words = sorted(w for w in node if w != end)
        alternatives = []
        for word in words:
            child = node[word]
            rest = render(child) if set(child) - {end} else ""
            alternatives.append(f"{word} [ {rest} ]" if rest and end in child else f"{word} {rest}".strip())
        return _alternatives(alternatives, [leaves(node[word]) for word in words])

    return render(tree)


@cache
def grammar_for(locale: str = "en-US") -> Grammar:
    """The locale's grammar, from the same model and phrase table as ``matcher_for``."""
    path = MODELS_DIR / f"{locale}.json"
    if not path.is_file():
        raise ListenError(f"no interaction model for locale {locale!r} in {MODELS_DIR}")
    model = json.loads(path.read_text(encoding="utf-8"))
    return build_grammar(model, read_locale_data(locale, "intents").get("builtin_phrases", {}))


# --- pronunciations for words the dictionary lacks -------------------------------------------------

_SUFFIXES = (("ness", "N AH S"), ("ers", "ER Z"), ("er", "ER"), ("ing", "IH NG"), ("ly", "L IY"))
_VOICELESS = {"P", "T", "K", "F", "TH"}
_SIBILANTS = {"S", "Z", "SH", "ZH", "CH", "JH"}
_LETTERS = [  # longest first; a rough last resort, good enough for a grammar's few candidates
    ("tion", "SH AH N"), ("sion", "ZH AH N"), ("igh", "AY"), ("tch", "CH"), ("ch", "CH"), ("sh", "SH"),
    ("th", "TH"), ("ph", "F"), ("ng", "NG"), ("ck", "K"), ("qu", "K W"), ("ee", "IY"), ("ea", "IY"),
    ("oo", "UW"), ("ou", "AW"), ("ai", "EY"), ("ay", "EY"), ("oa", "OW"), ("ie", "IY"), ("a", "AE"),
    ("b", "B"), ("c", "K"), ("d", "D"), ("e", "EH"), ("f", "F"), ("g", "G"), ("h", "HH"), ("i", "IH"),
    ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("o", "AA"), ("p", "P"), ("r", "R"),
    ("s", "S"), ("t", "T"), ("u", "AH"), ("v", "V"), ("w", "W"), ("x", "K S"), ("y", "IY"), ("z", "Z"),
]


def _plural(phones: str) -> str:
    last = phones.split()[-1]
    return phones + (" AH Z" if last in _SIBILANTS else " S" if last in _VOICELESS else " Z")


def _spell(word: str) -> str:
    word = re.sub(r"([b-df-hj-np-tv-z])\1", r"\1", word.replace("'", ""))
    if len(word) > 3 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    phones, i = [], 0
    while i < len(word):
        for letters, sound in _LETTERS:
            if word.startswith(letters, i):
                if letters == "c" and word[i + 1:i + 2] in ("e", "i", "y"):
                    sound = "S"
                phones.append(sound)
                i += len(letters)
                break
        else:
            i += 1
    return " ".join(phones)


def pronounce(word: str, lookup: Callable[[str], str | None]) -> str:
    """ARPABET for ``word``: dictionary, hand table, known stem + suffix, two known words, then letters."""
    known = lookup(word) or PRONUNCIATIONS.get(word)
    if known:
        return known
    if word.endswith("s") and len(word) > 3:
        stem = lookup(word[:-1]) or PRONUNCIATIONS.get(word[:-1])
        if stem:
            return _plural(stem)
    for suffix, sound in _SUFFIXES:
        root = word[: -len(suffix)]
        if word.endswith(suffix) and len(root) >= 3 and (lookup(root) or lookup(root + "e")):
            return f"{lookup(root) or lookup(root + 'e')} {sound}"
    for cut in range(len(word) - 3, 2, -1):
        head, tail = lookup(word[:cut]), lookup(word[cut:])
        if head and tail:
            return f"{head} {tail}"
    return _spell(word)


# --- audio -----------------------------------------------------------------------------------------


def _resample(samples: array.array, channels: int, rate: int) -> bytes:
    """Downmix and linearly resample 16-bit PCM: the fallback when sox is not installed."""
    mono = [sum(samples[i:i + channels]) // channels for i in range(0, len(samples), channels)]
    if rate == SAMPLE_RATE or not mono:
        return array.array("h", mono).tobytes()
    out = array.array("h")
    step = rate / SAMPLE_RATE
    for n in range(int(len(mono) / step)):
        pos = n * step
        i = int(pos)
        nxt = mono[min(i + 1, len(mono) - 1)]
        out.append(int(mono[i] + (nxt - mono[i]) * (pos - i)))
    return out.tobytes()


def read_audio(path: str | Path) -> bytes:
    """The recording as 16 kHz mono 16-bit little-endian PCM, converting with sox when needed."""
    path = Path(path)
    if not path.exists():
        raise ListenError(f"no such file: {path}")
    if not path.is_file():
        raise ListenError(f"not a file: {path}")
    try:
        with path.open("rb") as handle:
            header = handle.read(12)
    except OSError as error:
        raise ListenError(f"cannot read {path}: {error.strerror}") from None
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ListenError(f"not a WAV file: {path}")
    try:
        with wave.open(str(path), "rb") as wav:
            params = wav.getparams()
            frames = wav.readframes(params.nframes)
        frames = frames[: len(frames) - len(frames) % (params.sampwidth * params.nchannels)]  # a truncated file
    except (wave.Error, EOFError, RuntimeError):  # RuntimeError: a chunk size past the end
        params = None  # a WAV the wave module cannot read (float, extensible): sox may still read it
    if params and (params.framerate, params.nchannels, params.sampwidth) == (SAMPLE_RATE, 1, 2):
        return _little_endian(frames)
    if shutil.which("sox"):
        return _sox(path)
    if params and params.sampwidth == 2:
        return _resample(array.array("h", _little_endian(frames)), params.nchannels, params.framerate)
    raise ListenError(f"cannot convert {path} to 16 kHz 16-bit mono: install sox")


def _sox(path: Path) -> bytes:
    done = subprocess.run(["sox", "-q", str(path), "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                           "-e", "signed-integer", "-L", "-"], capture_output=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise ListenError(f"cannot read {path}: {lines[-1] if lines else 'sox failed'}")
    return done.stdout


def _little_endian(frames: bytes) -> bytes:
    if sys.byteorder == "little":
        return frames
    samples = array.array("h", frames)
    samples.byteswap()
    return samples.tobytes()


def is_silent(pcm: bytes) -> bool:
    """True when no sample rises above a whisper, so decoding could only invent words."""
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder != "little":
        samples.byteswap()
    return max(samples, default=0) < _SILENCE_PEAK and -min(samples, default=0) < _SILENCE_PEAK


# --- recognition -----------------------------------------------------------------------------------


# Measured on 579 phrases (every slot-free sample and built-in phrase, a few slot fillings) spoken by espeak-ng:
# - the lattice pass ("bestpath") can end on a path that never reaches the grammar's final state and
#   drop the last word ("should i use a warm" for "... warm compress"); plain Viterbi search does not;
# - the default beams prune the right path of some long questions: 96.2 % routed right, 98.3 % with
#   these wider beams, for about the same time per utterance;
# - synthetic audio has runs of exact zeros, whose log energy is meaningless; dither (seeded, so runs
#   repeat) takes that away: 98.6-98.8 % (which phrase or two the dither flips varies with the content).
GRAMMAR_SEARCH, PHONE_SEARCH = "skill", "phones"
# When a result is trusted (tuned with bench/listen_voices.py on six voices at 155 wpm, then checked at 130
# and 180): the grammar path's log score per frame, relative to each frame's best, at least MIN_SCORE, and
# no more than MIN_CONFIDENCE below the free phone loop's; and the energy must rise and fall like speech.
MIN_SCORE = -0.70
MIN_CONFIDENCE = -0.26
MIN_MODULATION_DB = 3.0
DECODER_OPTIONS: dict[str, Any] = {"bestpath": False, "beam": 1e-80, "pbeam": 1e-80, "wbeam": 1e-60,
                                   "dither": True, "seed": 1}


class Recogniser:
    """A pocketsphinx decoder restricted to one grammar; building it takes a moment, so reuse it.

    A closed grammar always finds its nearest phrase, so each result is checked against a second
    pass over the same audio with a free phone loop, which can follow any sound: when the grammar's
    best path scores far below the phone loop's, the audio was probably not a phrase of the grammar
    (other speech, a tone, noise) and the result is refused (``Heard.trusted``).
    """

    def __init__(self, grammar: Grammar) -> None:
        from pocketsphinx import Decoder, get_model_path

        self.grammar = grammar
        self._lock = threading.Lock()  # one decoder cannot run two utterances at once
        self.decoder = Decoder(samprate=SAMPLE_RATE, lm=None, loglevel="FATAL", **DECODER_OPTIONS)
        for word in sorted(grammar.words):
            phones = self.decoder.lookup_word(word)
            if phones is None:
                phones = pronounce(word, self.decoder.lookup_word)
                self.decoder.add_word(word, phones, False)
            self._add_variants(word, phones)
        self.decoder.add_jsgf_string(GRAMMAR_SEARCH, grammar.jsgf)
        self.decoder.add_allphone_file(PHONE_SEARCH, str(Path(get_model_path()) / "en-us" / "en-us-phone.lm.bin"))

    def _add_variants(self, word: str, phones: str) -> None:
        """Add the word's British pronunciations the US dictionary lacks, as alternates word(2), word(3)..."""
        known = {phones}
        index = 2
        while alternate := self.decoder.lookup_word(f"{word}({index})"):
            known.add(alternate)
            index += 1
        for variant in british_variants(phones):
            if variant not in known:
                self.decoder.add_word(f"{word}({index})", variant, False)
                known.add(variant)
                index += 1

    def _search(self, name: str, pcm: bytes) -> tuple[str, float]:
        """Text and score per frame: pocketsphinx reports a path's log score relative to each frame's best."""
        self.decoder.activate_search(name)
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        if not hyp or hyp.score <= 0:
            return "", -math.inf
        return " ".join(hyp.hypstr.split()), math.log(hyp.score) * 100 / max(1, self.decoder.n_frames())

    def hear(self, pcm: bytes) -> Heard:
        """The grammar phrase heard in 16 kHz mono PCM, with how well it fits against a free phone loop."""
        pcm = speech_span(pcm)
        with self._lock:
            text, score = self._search(GRAMMAR_SEARCH, pcm)
            if text not in self.grammar.phrases:  # nothing, or a partial path: no phrase at all
                return Heard("", -math.inf, -math.inf, 0.0)
            _, free = self._search(PHONE_SEARCH, pcm)
        return Heard(text, score, free, modulation(pcm))

    def decode(self, pcm: bytes) -> str:
        """The grammar phrase heard, or "" when nothing whole was heard or it fits too poorly to trust."""
        heard = self.hear(pcm)
        return heard.text if heard.trusted() else ""


@dataclass(frozen=True)
class Heard:
    """A decoded phrase with what decides whether to trust it.

    ``score`` and ``free`` are the grammar path's and the phone loop's log scores per frame, each
    relative to its own search's best state in every frame (pocketsphinx's normalisation); a phrase
    that fits the audio stays close to both. ``modulation`` is the frame energy's spread in dB.
    """

    text: str
    score: float
    free: float
    modulation: float

    @property
    def confidence(self) -> float:
        return self.score - self.free

    def trusted(self, min_score: float = MIN_SCORE, min_confidence: float = MIN_CONFIDENCE) -> bool:
        """A whole phrase, in sound that varies like speech, fitting the grammar nearly as well as free phones."""
        return (bool(self.text) and self.modulation >= MIN_MODULATION_DB and self.score >= min_score
                and self.confidence >= min_confidence)


_VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


def british_variants(phones: str) -> list[str]:
    """Non-rhotic and broad-A forms of a US pronunciation ("faster" F AA S T AH), as en-GB speakers say it.

    CMUdict is American; espeak-ng's British voices (and British speakers) drop an R that no vowel
    follows and say TRAP/BATH words with a more open vowel, which the US model then hears as
    other words ("faster" as "soft one", "back" as "nah").
    """
    units = phones.split()
    kept = []
    for n, unit in enumerate(units):
        following = units[n + 1] if n + 1 < len(units) else None
        if following in _VOWELS:
            kept.append(unit)
        elif unit == "ER":
            kept.append("AH")
        elif not (unit == "R" and n and units[n - 1] in _VOWELS):
            kept.append(unit)
    non_rhotic = " ".join(kept)
    broad = " ".join("AA" if unit == "AE" else unit for unit in kept)
    return [form for form in dict.fromkeys((non_rhotic, broad)) if form != phones]


def speech_span(pcm: bytes) -> bytes:
    """The recording from the first to the last sample that stands out, with 20 ms either side.

    Synthetic (and gated) recordings pad speech with long runs of near-digital silence that the
    model's silence phone fits badly; left in, the grammar stretches extra words over them
    ("faster" heard as "let's do it") and they drag the utterance's cepstral mean.
    """
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder != "little":
        samples.byteswap()
    peak = max(map(abs, samples), default=0)
    floor = max(_SILENCE_PEAK, peak // 32)
    loud = [n for n, value in enumerate(samples) if abs(value) > floor]
    if not loud:
        return pcm
    margin = SAMPLE_RATE // 50
    start, end = max(0, loud[0] - margin), min(len(samples), loud[-1] + margin)
    return pcm[2 * start: 2 * end]


def modulation(pcm: bytes) -> float:
    """Standard deviation of the 10 ms frames' energy in dB: speech rises and falls, tones and hiss do not."""
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    frame = SAMPLE_RATE // 100
    levels = [10 * math.log10(1 + sum(v * v for v in samples[n:n + frame]) / frame)
              for n in range(0, len(samples) - frame + 1, frame)]
    if len(levels) < 2:
        return 0.0
    mean = sum(levels) / len(levels)
    return math.sqrt(sum((level - mean) ** 2 for level in levels) / len(levels))


@cache
def recogniser_for(locale: str = "en-US") -> Recogniser:
    return Recogniser(grammar_for(locale))


def recognise(wav_path: str | Path, locale: str = "en-US") -> str:
    """The phrase spoken in a WAV file; "" when the audio holds no phrase of the grammar."""
    pcm = read_audio(wav_path)
    return "" if is_silent(pcm) else recogniser_for(locale).decode(pcm)
