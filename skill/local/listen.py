"""Spoken input from a WAV file, recognised offline and handled like typed text.

pocketsphinx's general dictation model gets almost nothing right on synthetic speech, but restricted
to a grammar of the phrases the skill understands it routes 98-99 % of espeak-ng renderings right (see
DECODER_OPTIONS; research/voice-toolchain.md, part 3). So the grammar is generated from the same
interaction model Alexa gets, plus the built-in phrases the local matcher knows: whatever can be
heard can also be matched. The price of a closed grammar: sound that is no phrase of it (other
speech, a tone) is usually heard as the nearest phrase, not rejected.
"""

from __future__ import annotations

import array
import json
import re
import shutil
import subprocess
import sys
import threading
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from skill.content.overlay import read_locale_data
from skill.intents import TOPIC_SLOT_TYPE
from skill.text import normalise
from skill.understanding.matcher import MODELS_DIR

if TYPE_CHECKING:
    from skill.local.conversation import Conversation

SAMPLE_RATE = 16000
SEARCH_QUERY = "AMAZON.SearchQuery"
_SLOT = re.compile(r"\{(\w+)\}")
_NOUN_PHRASE = re.compile(r"^(?:what is|what are|what's) (?P<np>.+)$")
_PREPOSITIONS = {"about", "at", "by", "for", "in", "of", "on", "to", "with"}
_SILENCE_PEAK = 200  # of 32767: below this a recording holds no speech worth decoding

# ARPABET for skill words the CMU dictionary lacks and no rule below can build from its parts
# (suboccipital, theragun and radiofrequency split into known words; tingles and soreness take a suffix).
PRONUNCIATIONS = {
    "acupressure": "AE K Y UH P R EH SH ER",
    "acupuncturist": "AE K Y UH P AH NG K CH ER IH S T",
    "amitriptyline": "AE M IH T R IH P T AH L IY N",
    "anticoagulants": "AE N T IY K OW AE G Y AH L AH N T S",
    "botulinum": "B AA CH AH L AY N AH M",
    "carbamazepine": "K AA R B AH M AE Z AH P IY N",
    "eliquis": "EH L AH K W IH S",
    "gabapentin": "G AE B AH P EH N T IH N",
    "lyrica": "L IH R IH K AH",
    "masseuse": "M AH S UW S",
    "naproxen": "N AH P R AA K S AH N",
    "neuralgia": "N UH R AE L JH AH",
    "pregabalin": "P R IY G AE B AH L IH N",
    "riboflavin": "R AY B OW F L EY V IH N",
    "shiatsu": "SH IY AA T S UW",
    "trapezius": "T R AH P IY Z IY AH S",
    "vomited": "V AA M AH T IH D",
    "warfarin": "W AO R F ER IH N",
    "xarelto": "Z AH R EH L T OW",
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
    """
    language = model["interactionModel"]["languageModel"]
    type_values: dict[str, list[str]] = {}
    for slot_type in language.get("types", []):
        names = [n for v in slot_type["values"] for n in [v["name"]["value"], *v["name"].get("synonyms", [])]]
        type_values[slot_type["name"]] = list(dict.fromkeys(filter(None, map(normalise, names))))
    type_values[SEARCH_QUERY] = question_completions(language)
    plain = {f"open {normalise(language['invocationName'])}"}
    plain.update(normalise(p) for group in builtin_phrases.values() for p in group)
    carriers: dict[tuple[str, str], set[str]] = {}  # (slot type, words after the slot) -> words before
    phrases = set(plain)
    for intent in language["intents"]:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        fills = {name: type_values.get(kind, []) for name, kind in slot_types.items()}
        for sample in intent.get("samples", []):
            expanded = _expand(sample, fills)
            phrases.update(expanded)
            slots = _SLOT.findall(sample)
            if len(slots) == 1 and fills.get(slots[0]):
                before, after = (normalise(part) for part in _SLOT.split(sample, maxsplit=1)[::2])
                carriers.setdefault((slot_types[slots[0]], after), set()).add(before)
            else:
                plain.update(expanded)
    rules = {kind: _rule_name(kind) for kind, _ in carriers}
    alternatives = [to_jsgf(filter(None, plain))]
    for (kind, after), befores in sorted(carriers.items()):
        lead = to_jsgf(filter(None, befores)) if any(befores) else ""
        lead = f"[ {lead} ]" if lead and "" in befores else lead
        alternatives.append(" ".join(filter(None, (lead, f"<{rules[kind]}>", after))))
    lines = ["#JSGF V1.0;", "grammar skill;"]
    lines += [f"<{rules[kind]}> = {to_jsgf(type_values[kind])};" for kind in sorted(rules)]
    lines.append("public <utterance> = ( " + " | ".join(alternatives) + " );")
    return Grammar(frozenset(filter(None, phrases)), "\n".join(lines) + "\n")


def _rule_name(slot_type: str) -> str:
    return re.sub(r"\W", "_", slot_type).lower()


def to_jsgf(phrases: Iterable[str]) -> str:
    """A JSGF expansion matching exactly ``phrases``, factored on shared first words.

    A flat list of thousands of alternatives costs the decoder a state per word of every phrase;
    the prefix tree shares the first words, so "how ..." is one branch, not a hundred.
    """
    end = ""
    tree: dict[str, Any] = {}
    for phrase in phrases:
        node = tree
        for word in phrase.split():
            node = node.setdefault(word, {})
        node[end] = {}

    def render(node: dict[str, Any]) -> str:
        alternatives = []
        for word in sorted(w for w in node if w != end):
            child = node[word]
            rest = render(child) if set(child) - {end} else ""
            alternatives.append(f"{word} [ {rest} ]" if rest and end in child else f"{word} {rest}".strip())
        return alternatives[0] if len(alternatives) == 1 else "( " + " | ".join(alternatives) + " )"

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
DECODER_OPTIONS: dict[str, Any] = {"bestpath": False, "beam": 1e-80, "pbeam": 1e-80, "wbeam": 1e-60,
                                   "dither": True, "seed": 1}


class Recogniser:
    """A pocketsphinx decoder restricted to one grammar; building it takes a moment, so reuse it."""

    def __init__(self, grammar: Grammar) -> None:
        from pocketsphinx import Decoder

        self.grammar = grammar
        self._lock = threading.Lock()  # one decoder cannot run two utterances at once
        self.decoder = Decoder(samprate=SAMPLE_RATE, lm=None, loglevel="FATAL", **DECODER_OPTIONS)
        for word in sorted(grammar.words):
            if self.decoder.lookup_word(word) is None:
                self.decoder.add_word(word, pronounce(word, self.decoder.lookup_word), False)
        self.decoder.add_jsgf_string("skill", grammar.jsgf)
        self.decoder.activate_search("skill")

    def decode(self, pcm: bytes) -> str:
        """The grammar phrase heard in 16 kHz mono PCM, or "" when nothing whole was heard."""
        with self._lock:
            self.decoder.start_utt()
            self.decoder.process_raw(pcm, full_utt=True)
            self.decoder.end_utt()
            hyp = self.decoder.hyp()
        text = " ".join(hyp.hypstr.split()) if hyp else ""
        return text if text in self.grammar.phrases else ""  # a partial path is no phrase at all


@cache
def recogniser_for(locale: str = "en-US") -> Recogniser:
    return Recogniser(grammar_for(locale))


def recognise(wav_path: str | Path, locale: str = "en-US") -> str:
    """The phrase spoken in a WAV file; "" when the audio holds no phrase of the grammar."""
    pcm = read_audio(wav_path)
    return "" if is_silent(pcm) else recogniser_for(locale).decode(pcm)


def run_listen(wav_path: str | Path, conversation: Callable[[], Conversation], locale: str = "en-US",
               out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """``listen`` on the command line: recognise, then send the words to the skill like ``say``.

    Problems with the input are one line on ``err`` and exit code 2; the skill is only built once
    there is something to send it.
    """
    try:
        pcm = read_audio(wav_path)
        if is_silent(pcm):
            raise ListenError(f"no speech in {wav_path}: the recording is silent")
        text = recogniser_for(locale).decode(pcm)
        if not text:
            raise ListenError(f"nothing recognised in {wav_path}: say one of the skill's phrases, clearly")
    except ListenError as error:
        err.write(f"listen: {error}\n")
        return 2
    out.write(f"heard: {text}\n")
    exchange = conversation().say(text)
    slots = "".join(f" {name}={value!r}" for name, value in exchange.match.slots.items())
    out.write(f"intent: {exchange.match.intent}{slots}\n")
    out.write(f"alexa> {exchange.transcript}\n")
    return 0
