"""``listen``: the grammar made from the interaction model, pronunciations, audio input and CLI errors.

The grammar is what makes offline recognition work at all, so it is checked against the model it
comes from (every sample, every slot value, nothing half-finished) and against pocketsphinx's own
reading of the JSGF. Audio is made here with the wave module; nothing needs a speech engine.
"""

from __future__ import annotations

import array
import io
import itertools
import json
import math
import os
import random
import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from skill.cli.listen import run_listen
from skill.content import available_locales
from skill.content.overlay import read_locale_data
from skill.text import normalise
from skill.understanding.matcher import MODELS_DIR
from skill.voice import listen
from skill.voice.listen import (
    PRONUNCIATIONS,
    SAMPLE_RATE,
    Grammar,
    ListenError,
    build_grammar,
    grammar_for,
    is_silent,
    pronounce,
    question_completions,
    read_audio,
    to_jsgf,
)

REPO = Path(__file__).resolve().parents[2]
MODEL = json.loads((MODELS_DIR / "en-US.json").read_text(encoding="utf-8"))
LANGUAGE = MODEL["interactionModel"]["languageModel"]
PHRASES = read_locale_data("en-US", "intents")
ARPABET = set("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W "
              "Y Z ZH".split())


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return grammar_for("en-US")


# ----- the grammar ----------------------------------------------------------------------------------


def test_grammar_has_every_builtin_phrase_and_the_launch_phrase(grammar: Grammar) -> None:
    wanted = {normalise(p) for group in PHRASES["builtin_phrases"].values() for p in group}
    assert wanted - grammar.phrases == set()
    assert "open neck relief coach" in grammar.phrases


def test_grammar_has_every_slot_free_sample_of_every_intent(grammar: Grammar) -> None:
    samples = {normalise(s) for i in LANGUAGE["intents"] for s in i.get("samples", []) if "{" not in s}
    assert len(samples) > 100
    assert samples - grammar.phrases == set()


def test_custom_slots_expand_to_every_value_and_synonym(grammar: Grammar) -> None:
    routine_type = next(t for t in LANGUAGE["types"] if t["name"] == "ROUTINE_NAME")
    names = [normalise(n) for v in routine_type["values"] for n in [v["name"]["value"], *v["name"]["synonyms"]]]
    assert len(names) > 10
    for name in names:
        assert f"start the {name} routine" in grammar.phrases
        assert f"let's do the {name} one" in grammar.phrases
    assert "start the gentle flare up routine routine" in grammar.phrases  # hyphen normalised, like the matcher
    assert not any("{" in p or "}" in p for p in grammar.phrases)


def test_search_query_carriers_take_topic_questions_and_their_subjects(grammar: Grammar) -> None:
    completions = question_completions(LANGUAGE)
    assert "how hard should i press" in completions and "a nerve block" in completions
    assert "this app for" not in completions  # from "what is this app for": not a subject
    assert "tell me about a nerve block" in grammar.phrases
    assert "i was wondering how hard should i press" in grammar.phrases
    assert "tell me about" not in grammar.phrases  # a carrier alone is no question


def test_build_grammar_expands_exactly_the_samples_of_a_small_model() -> None:
    model = {"interactionModel": {"languageModel": {
        "invocationName": "Tiny Coach",
        "intents": [
            {"name": "AMAZON.PauseIntent", "samples": ["hold on"]},
            {"name": "PickIntent", "slots": [{"name": "size", "type": "SIZE"}],
             "samples": ["the {size} one", "{size}", "start the {size} routine"]},
            {"name": "TwoIntent", "slots": [{"name": "a", "type": "SIZE"}, {"name": "b", "type": "SIZE"}],
             "samples": ["{a} or {b}"]},
            {"name": "AskIntent", "slots": [{"name": "q", "type": "AMAZON.SearchQuery"}],
             "samples": ["tell me about {q}"]},
            {"name": "TopicQuestionIntent", "slots": [{"name": "topic_question", "type": "TOPIC_QUESTION"}],
             "samples": ["{topic_question}"]},
        ],
        "types": [{"name": "SIZE", "values": [{"name": {"value": "big", "synonyms": ["Large-ish"]}}]},
                  {"name": "TOPIC_QUESTION", "values": [{"id": "thing", "name": {"value": "what is a thing"}}]}],
    }}}
    grammar = build_grammar(model, {"AMAZON.HelpIntent": ["Help me!"]})
    assert grammar.phrases == {
        "open tiny coach", "help me", "hold on", "what is a thing",
        "the big one", "the large ish one", "big", "large ish", "start the big routine", "start the large ish routine",
        "big or big", "big or large ish", "large ish or big", "large ish or large ish",
        "tell me about what is a thing", "tell me about a thing",
    }
    assert "<size> = ( big | large ish );" in grammar.jsgf
    assert "tell me about <amazon_searchquery>" in grammar.jsgf


def test_every_locale_has_a_grammar_and_unknown_ones_are_a_clear_error() -> None:
    for locale in available_locales():
        assert "pause" in grammar_for(locale).phrases
    with pytest.raises(ListenError, match="no interaction model for locale 'xx-XX'"):
        grammar_for("xx-XX")


def test_to_jsgf_factors_shared_first_words_and_weights_branches_by_their_phrases() -> None:
    assert to_jsgf(["go", "go back", "go on", "pause"]) == "( /3/ go [ ( back | on ) ] | /1/ pause )"
    assert to_jsgf(["big", "large ish"]) == "( big | large ish )"  # equal weights are left out
    assert to_jsgf(["how much longer"]) == "how much longer"


def test_every_intent_gets_one_rule_and_an_equal_share_of_the_grammar(grammar: Grammar) -> None:
    rules = dict(re.findall(r"^<(\w+)> = (.*);$", grammar.jsgf, re.M))
    top = re.search(r"^public <utterance> = \( (.*) \);$", grammar.jsgf, re.M).group(1).split(" | ")
    intents = {i["name"] for i in LANGUAGE["intents"] if i.get("samples")} | set(PHRASES["builtin_phrases"])
    assert sorted(top) == sorted(f"<{listen._rule_name(name)}>" for name in intents | {"LaunchRequest"})
    assert not any(item.startswith("/") for item in top)  # no weights: every intent is as likely
    routine = rules["startroutineintent"]  # a thousand routine fillings share one intent's prior with "start a massage"
    assert routine.startswith("( /") and "<routine_name>" in routine
    assert rules["amazon_pauseintent"].startswith("( ")


def test_jsgf_is_well_formed(grammar: Grammar) -> None:
    text = grammar.jsgf
    assert text.startswith("#JSGF V1.0;\ngrammar skill;\n")
    assert text.count("public <utterance> = ") == 1
    for opener, closer in ("()", "[]"):
        depth = 0
        for char in text:
            depth += (char == opener) - (char == closer)
            assert depth >= 0
        assert depth == 0
    defined = set(re.findall(r"^(?:public )?<(\w+)> =", text, re.M))
    assert set(re.findall(r"<(\w+)>", text)) == defined
    for line in text.splitlines()[2:]:
        assert line.endswith(";")
        assert re.fullmatch(r"(?:public )?<\w+> = [a-z0-9' ()\[\]|<>_/]+;", line), line[:80]


def test_pocketsphinx_reads_the_grammar_as_exactly_its_phrases(grammar: Grammar) -> None:
    fsg = listen.recogniser_for("en-US").decoder.get_fsg("skill")
    assert all(fsg.accept(phrase) for phrase in grammar.phrases)
    for not_a_phrase in ("should i use a warm", "tell me about", "start the routine quick", "pause pause", "stop go"):
        assert not_a_phrase not in grammar.phrases
        assert not fsg.accept(not_a_phrase)


# ----- pronunciations ---------------------------------------------------------------------------------


def test_every_grammar_word_gets_a_pronunciation_of_real_phones(grammar: Grammar) -> None:
    from pocketsphinx import Decoder

    decoder = listen.recogniser_for("en-US").decoder
    for word in grammar.words:
        phones = decoder.lookup_word(word)
        assert phones and set(phones.split()) <= ARPABET, word
    plain = Decoder(samprate=SAMPLE_RATE, lm=None, loglevel="FATAL")
    missing = {word for word in grammar.words if plain.lookup_word(word) is None}
    assert "neuralgia" in missing
    for word in missing:  # table, stem + suffix or two known words: none is left to the rough letter rules
        # (a table entry may agree with the letter rules: "tox" is spelled as it sounds)
        assert word in listen.PRONUNCIATIONS or pronounce(word, plain.lookup_word) != listen._spell(word), word


def test_hand_table_holds_only_what_the_dictionary_and_rules_cannot_give() -> None:
    from pocketsphinx import Decoder

    plain = Decoder(samprate=SAMPLE_RATE, lm=None, loglevel="FATAL")
    for word, phones in PRONUNCIATIONS.items():
        assert set(phones.split()) <= ARPABET, word
        assert plain.lookup_word(word) is None, word
        assert pronounce(word, _lookup({})) == phones
        assert pronounce(word, plain.lookup_word) == phones


def _lookup(words: dict[str, str]):
    return words.get


def test_pronounce_prefers_dictionary_then_table() -> None:
    assert pronounce("neck", _lookup({"neck": "N EH K"})) == "N EH K"
    assert pronounce("neuralgia", _lookup({})) == "N UH R AE L JH AH"


def test_pronounce_builds_plurals_and_suffixes_from_known_stems() -> None:
    lookup = _lookup({"tingle": "T IH NG G AH L", "thinner": "TH IH N ER", "sore": "S AO R", "massage": "M AH S AA ZH"})
    assert pronounce("tingles", lookup) == "T IH NG G AH L Z"
    assert pronounce("thinners", lookup) == "TH IH N ER Z"
    assert pronounce("soreness", lookup) == "S AO R N AH S"
    assert pronounce("massages", lookup) == "M AH S AA ZH AH Z"
    assert pronounce("shiatsus", lookup) == "SH IY AA T S UW Z"


def test_pronounce_joins_two_known_words() -> None:
    lookup = _lookup({"radio": "R EY D IY OW", "frequency": "F R IY K W AH N S IY"})
    assert pronounce("radiofrequency", lookup) == "R EY D IY OW F R IY K W AH N S IY"


def test_pronounce_falls_back_to_letters() -> None:
    phones = pronounce("zorblax", _lookup({})).split()
    assert phones == ["Z", "AA", "R", "B", "L", "AE", "K", "S"]
    assert pronounce("cheese", _lookup({})) == "CH IY S"
    assert set(pronounce("physiotherapeutically", _lookup({})).split()) <= ARPABET


# ----- audio input ------------------------------------------------------------------------------------


def _tone(rate: int = SAMPLE_RATE, channels: int = 1, seconds: float = 0.5, amplitude: int = 8000,
          hz: float = 440.0) -> array.array:
    samples = array.array("h")
    for n in range(int(rate * seconds)):
        value = int(amplitude * math.sin(2 * math.pi * hz * n / rate))
        samples.extend([value] * channels)
    return samples


def _write_wav(path: Path, samples: array.array, rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return path


def _crossings(pcm: bytes) -> int:
    samples = array.array("h", pcm)
    return sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))


def test_read_audio_passes_16k_mono_through_unchanged(tmp_path: Path) -> None:
    tone = _tone()
    assert read_audio(_write_wav(tmp_path / "a.wav", tone)) == tone.tobytes()


@pytest.mark.parametrize("sox", [True, False], ids=["sox", "pure-python"])
def test_read_audio_converts_other_rates_and_stereo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   sox: bool) -> None:
    if not sox:
        monkeypatch.setattr(listen.shutil, "which", lambda name: None)
    pcm = read_audio(_write_wav(tmp_path / "b.wav", _tone(22050, 2), rate=22050, channels=2))
    assert abs(len(pcm) // 2 - SAMPLE_RATE // 2) <= 16  # still half a second
    assert abs(_crossings(pcm) - 440) <= 4  # still a 440 Hz tone


def test_is_silent_tells_silence_from_sound() -> None:
    assert is_silent(bytes(32000))
    assert is_silent(_tone(amplitude=100).tobytes())
    assert not is_silent(_tone().tobytes())
    assert is_silent(b"")


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"hello, I am not audio", "not a WAV file"),
    (b"RIFF\x10\x00\x00\x00WAVEjunkjunk", "cannot (read|convert)"),
])
def test_read_audio_rejects_bad_input_with_a_reason(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "in.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ListenError, match=message):
        read_audio(path)


# ----- the command line ---------------------------------------------------------------------------------


def _listen_cli(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NRC_DB_PATH": str(tmp_path / "db.sqlite3")}
    return subprocess.run([sys.executable, "-m", "skill.local", "listen", str(path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("case, message", [
    ("missing", "listen: no such file: "),
    ("text", "listen: not a WAV file: "),
    ("silent", "listen: no speech in "),
    ("directory", "listen: not a file: "),
])
def test_cli_errors_are_one_line_and_exit_2(tmp_path: Path, case: str, message: str) -> None:
    path = {"missing": tmp_path / "nope.wav", "text": tmp_path / "notes.wav", "directory": tmp_path}.get(case)
    if case == "text":
        path.write_text("pause\n")
    if case == "silent":
        path = _write_wav(tmp_path / "silence.wav", array.array("h", bytes(32000)))
    done = _listen_cli(path, tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_listen_reports_audio_that_decodes_to_no_whole_phrase(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    class NoPhrase:
        def decode(self, pcm: bytes) -> str:
            return ""

    def no_skill():
        raise AssertionError("the skill must not be built when nothing was heard")

    monkeypatch.setattr(listen, "recogniser_for", lambda locale: NoPhrase())
    out, err = io.StringIO(), io.StringIO()
    code = run_listen(_write_wav(tmp_path / "tone.wav", _tone()), no_skill, out=out, err=err)
    assert code == 2 and out.getvalue() == ""
    assert err.getvalue().startswith("listen: nothing recognised in ") and err.getvalue().count("\n") == 1


# ----- accents, trimming and rejection --------------------------------------------------------------


def test_british_variants_drop_the_r_no_vowel_follows_and_open_the_trap_vowel() -> None:
    assert listen.british_variants("F AE S T ER") == ["F AE S T AH", "F AA S T AH"]
    assert listen.british_variants("S L OW ER") == ["S L OW AH"]
    assert listen.british_variants("B AE K") == ["B AA K"]
    assert listen.british_variants("K AA R") == ["K AA"]
    assert listen.british_variants("R EH D IY") == []  # an R before a vowel stays; nothing else to change
    assert listen.british_variants("V EH R IY") == []


def test_every_grammar_word_keeps_its_us_pronunciation_and_gains_the_british_ones() -> None:
    decoder = listen.recogniser_for("en-US").decoder
    assert decoder.lookup_word("faster") == "F AE S T ER"
    alternates = {decoder.lookup_word(f"faster({n})") for n in range(2, 6)}
    assert {"F AE S T AH", "F AA S T AH"} <= alternates


def test_speech_span_cuts_the_silence_around_the_sound() -> None:
    quiet, loud = array.array("h", bytes(SAMPLE_RATE)), _tone(seconds=0.25)
    span = listen.speech_span((quiet + loud + quiet).tobytes())
    assert abs(len(span) // 2 - (len(loud) + 2 * SAMPLE_RATE // 50)) <= 2 * SAMPLE_RATE // 440
    assert listen.speech_span(bytes(3200)) == bytes(3200)  # nothing stands out: left as it is


def _noise(seconds: float = 1.0, sigma: float = 3000) -> array.array:
    rng = random.Random(3)
    count = int(SAMPLE_RATE * seconds)
    return array.array("h", (max(-32768, min(32767, int(rng.gauss(0, sigma)))) for _ in range(count)))


def test_modulation_tells_speech_like_rise_and_fall_from_steady_sound() -> None:
    steady = [_tone(seconds=1.0), _noise()]
    bursts = array.array("h")
    for _ in range(4):  # syllable-like: 150 ms of sound, 100 ms of near-silence
        bursts += _tone(seconds=0.15) + array.array("h", (v // 50 for v in _noise(0.1)))
    assert all(listen.modulation(s.tobytes()) < 3 for s in steady)
    assert listen.modulation(bursts.tobytes()) > 10


@pytest.mark.parametrize("sound", ["tone", "noise", "chirp", "hiss"])
def test_sounds_that_are_not_speech_are_refused(sound: str) -> None:
    pcm = {
        "tone": _tone(seconds=1.0),
        "noise": _noise(),
        "chirp": array.array("h", (int(8000 * math.sin(2 * math.pi * (200 + 900 * n / SAMPLE_RATE) * n / SAMPLE_RATE))
                                   for n in range(SAMPLE_RATE))),
        "hiss": _noise(sigma=60),
    }[sound].tobytes()
    assert listen.recogniser_for("en-US").decode(pcm) == ""


def test_cli_reports_a_tone_as_nothing_recognised(tmp_path: Path) -> None:
    done = _listen_cli(_write_wav(tmp_path / "tone.wav", _tone(seconds=1.0)), tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("listen: nothing recognised in ")


# ----- the sweep's tuning and test halves -------------------------------------------------------------


def test_tune_and_test_parts_are_disjoint_fixed_halves_of_every_utterance() -> None:
    from bench.listen_voices import OUT_OF_GRAMMAR, part_of, spoken_utterances

    for items in (spoken_utterances(), OUT_OF_GRAMMAR):
        tune, test = part_of(items, "tune"), part_of(items, "test")
        assert not set(tune) & set(test)
        assert sorted(tune + test) == sorted(items) == sorted(part_of(items, "all"))
        assert abs(len(tune) - len(test)) <= 1
        assert tune[:2] == [items[0], items[2]] and test[:2] == [items[1], items[3]]  # alternate items, not a shuffle
    assert part_of(["a", "b", "c", "d", "e"], "tune") == ["a", "c", "e"]


def test_saved_runs_are_scored_again_without_decoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.listen_voices import main

    def row(voice: str, kind: str, text: str, heard: str, score: float = -0.5, free: float = -0.4) -> dict:
        return {"voice": voice, "speed": 155, "kind": kind, "text": text, "heard": heard, "score": score,
                "free": free, "modulation": 20.0, "words": len(heard.split())}

    sound = {**row("-", "sound", "tone 440 Hz", "pause"), "speed": 0, "modulation": 0.5, "silent": False}
    first = [row("en-us", "phrase", "pause", "pause"), row("en-us", "phrase", "next", "no"),
             row("en-us", "other speech", "order a pizza", "", -math.inf, -math.inf), sound]
    second = [row("en-gb", "phrase", "pause", "pause", score=-0.9), row("en-gb", "other speech", "tell me a joke",
                                                                         "help me", score=-0.5, free=-0.1), sound]
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path, rows in zip(paths, (first, second), strict=True):
        path.write_text(json.dumps(rows))
    assert main(["--load", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert "| en-us | 155 | 1/2 (50.0%) | 0 | 1 | 1/1 |" in out  # "next" heard as "no" is wrong
    assert "| en-gb | 155 | 0/1 (0.0%) | 1 | 0 | 1/1 |" in out  # too poor a fit: refused
    assert "| all | | 1/3 (33.3%) | 1 | 1 | 2/2 |" in out
    assert "sounds refused: 1/1 (tone 440 Hz)" in out  # the sound both runs decoded counts once
