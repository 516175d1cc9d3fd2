"""Issue 4's quality bar: spoken commands and questions reach the same intent as when typed.

espeak-ng (en-us) speaks a deterministic mix of the model's utterances to WAV files; ``listen``
must recognise them and route at least 95 % to the intent (and routine) the matcher gives the
original text. Besides the issue's named commands and four carrier questions, the choice is a fixed
stride through every intent's phrases, not a hand-picked list, so the rate says something about the
whole grammar (all 579 slot-free and built-in phrases: 98.6 % when this was written).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skill.content import CONTENT_DIR
from skill.content.overlay import read_locale_data
from skill.local.listen import recognise, recogniser_for
from skill.understanding.matcher import MODELS_DIR, matcher_for

pytestmark = pytest.mark.audio

REPO = Path(__file__).resolve().parents[2]
LOCALE = "en-US"
NAMED_COMMANDS = ["pause", "continue", "stop", "slower", "how much longer", "start the quick routine"]
COMMAND_STRIDE = 5
QUESTION_STRIDE = 12
REQUIRED_RATE = 0.95
# Free-text questions inside carrier phrases, which the grammar completes from the knowledge base.
CARRIED = ["tell me about a nerve block", "i was wondering how hard should i press", "what about the red flags",
           "can i ask how often should i massage"]


def spoken_utterances() -> list[str]:
    """The named commands, every 5th phrase of each command intent, every 12th topic question, four carriers."""
    language = json.loads((MODELS_DIR / f"{LOCALE}.json").read_text(encoding="utf-8"))["interactionModel"][
        "languageModel"]
    builtin = read_locale_data(LOCALE, "intents")["builtin_phrases"]
    routine_names = [v["name"]["value"] for t in language["types"] if t["name"] == "ROUTINE_NAME" for v in t["values"]]
    commands, questions = list(NAMED_COMMANDS), []
    questions = [n for t in language["types"] if t["name"] == "TOPIC_QUESTION" for v in t["values"]
                 for n in [v["name"]["value"], *v["name"]["synonyms"]]]
    for intent in language["intents"]:
        if not any("{" in s and "{routine}" not in s for s in intent["samples"]):
            commands += intent["samples"][::COMMAND_STRIDE]
    for phrases in builtin.values():
        commands += phrases[::COMMAND_STRIDE]
    commands = [c.format(routine=routine_names[n % len(routine_names)]) for n, c in enumerate(commands)]
    return list(dict.fromkeys(commands + questions[::QUESTION_STRIDE] + CARRIED))


def _route(text: str) -> tuple[str, dict[str, str]]:
    match = matcher_for(LOCALE).match(text)
    return match.intent, {k: v for k, v in match.slots.items() if k not in ("question", "topic_question", "symptom")}


def _speak(text: str, wav: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True, capture_output=True, timeout=30)
    return wav


def test_spoken_utterances_route_like_typed_ones(tmp_path: Path, record_property) -> None:
    utterances = spoken_utterances()
    assert len(utterances) >= 40
    assert set(NAMED_COMMANDS) <= set(utterances)
    assert all(_route(text)[0] == "AskQuestionIntent" for text in CARRIED)
    assert len({_route(u)[0] for u in utterances}) >= 18  # a mix of intents, not one intent many times
    started = time.monotonic()
    recogniser_for(LOCALE)
    misses = []
    for n, text in enumerate(utterances):
        heard = recognise(_speak(text, tmp_path / f"{n}.wav"), LOCALE)
        if _route(heard) != _route(text):
            misses.append((text, heard))
    rate = 1 - len(misses) / len(utterances)
    elapsed = time.monotonic() - started
    record_property("recognition_rate", round(rate, 4))
    print(f"\nspoken loop: {len(utterances) - len(misses)}/{len(utterances)} routed right ({rate:.1%}) "
          f"in {elapsed:.1f} s; misses: {misses}")
    assert rate >= REQUIRED_RATE, misses


def _listen_cli(wav: Path, tmp_path: Path) -> list[str]:
    env = {**os.environ, "NRC_DB_PATH": str(tmp_path / "db.sqlite3")}
    done = subprocess.run([sys.executable, "-m", "skill.local", "listen", str(wav)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_listen_command_answers_a_spoken_question(tmp_path: Path) -> None:
    topic = json.loads((CONTENT_DIR / LOCALE / "topics.json").read_text(encoding="utf-8"))["topics"]["what_is"]
    lines = _listen_cli(_speak("what is occipital neuralgia", tmp_path / "question.wav"), tmp_path)
    assert lines[0] == "heard: what is occipital neuralgia"
    assert lines[1].startswith("intent: TopicQuestionIntent")
    assert lines[2].startswith("alexa> ") and topic["answer"].split(". ")[0] in lines[2]


def test_listen_command_fills_the_routine_slot(tmp_path: Path) -> None:
    lines = _listen_cli(_speak("start the quick routine", tmp_path / "start.wav"), tmp_path)
    assert lines[:2] == ["heard: start the quick routine", "intent: StartRoutineIntent routine='quick'"]
    assert lines[2].startswith("alexa> ") and len(lines[2]) > 20
