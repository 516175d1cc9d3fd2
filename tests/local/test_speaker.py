"""The local voice: WAV measurements, the pyttsx3 speaker (real espeak-ng) and the voice chat runner.

Nothing here sleeps to wait for something: threads are joined and events awaited with timeouts, so
a hang fails the test instead of stalling the run.
"""

from __future__ import annotations

import logging
import math
import subprocess
import sys
import threading
import wave
from array import array
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from skill.cli.runner import CONTINUE, Runner, routine_running
from skill.content import load
from skill.device.conversation import Conversation, Exchange, in_process
from skill.speech.plan import Plan, Silence, Speech
from skill.speech.ssml import render_ssml
from skill.understanding.matcher import Match
from skill.voice import audio
from skill.voice import speaker as speaker_module
from skill.voice.speaker import (
    BASE_WPM,
    MAX_WPM,
    MIN_WPM,
    SLOW_DRAG,
    Speaker,
    SpeakerError,
    pieces,
    shared_speaker,
    wpm_for,
)

RATE = audio.SAMPLE_RATE
LIMIT = 60.0  # seconds any single wait may take before the test calls it a hang


def tone(seconds: float, amplitude: int = 8000) -> array:
    return array("h", (round(amplitude * math.sin(2 * math.pi * 440 * i / RATE)) for i in range(round(seconds * RATE))))


# ----- audio.py ------------------------------------------------------------------------------------


def test_silent_runs_finds_gaps_with_their_lengths(tmp_path: Path) -> None:
    samples = tone(0.5) + audio.silence(1.2) + tone(0.3) + audio.silence(0.2) + tone(0.4) + audio.silence(0.7)
    wav = audio.write_wav(tmp_path / "a.wav", samples)
    runs = audio.silent_runs(wav, min_seconds=0.5)
    assert len(runs) == 2  # each end is measured to a 10 ms window
    assert runs[0] == pytest.approx((0.5, 1.2), abs=0.021) and runs[1] == pytest.approx((2.6, 0.7), abs=0.021)
    assert len(audio.silent_runs(wav, min_seconds=0.1)) == 3
    assert audio.duration(wav) == pytest.approx(3.3, abs=1e-3)


def test_has_audio_rejects_empty_and_silent_files(tmp_path: Path) -> None:
    assert audio.has_audio(audio.write_wav(tmp_path / "tone.wav", audio.silence(1) + tone(0.05)))
    assert not audio.has_audio(audio.write_wav(tmp_path / "empty.wav", array("h")))  # pyttsx3's 44-byte files
    assert not audio.has_audio(audio.write_wav(tmp_path / "quiet.wav", audio.silence(2)))
    assert not audio.has_audio(tmp_path / "missing.wav")
    (tmp_path / "junk.wav").write_bytes(b"not a wav")
    assert not audio.has_audio(tmp_path / "junk.wav")


def test_read_wav_refuses_what_it_cannot_measure(tmp_path: Path) -> None:
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(bytes(400))
    with pytest.raises(audio.AudioError, match="mono 16-bit"):
        audio.read_wav(tmp_path / "stereo.wav")
    (tmp_path / "junk.wav").write_bytes(b"RIFF....")
    with pytest.raises(audio.AudioError):
        audio.duration(tmp_path / "junk.wav")


def test_trim_drops_quiet_ends_only() -> None:
    inner = tone(0.3) + audio.silence(0.4) + tone(0.3)
    trimmed = audio.trim(audio.silence(0.5) + inner + audio.silence(0.5), RATE)
    assert len(trimmed) / RATE == pytest.approx(1.0, abs=0.011)
    assert audio.trim(audio.silence(1), RATE) == array("h")


# ----- speaker helpers -----------------------------------------------------------------------------


def test_pieces_cut_long_text_at_sentences_and_runaway_sentences_at_spaces() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    parts = pieces(text, limit=300)
    assert all(len(p) <= 300 for p in parts) and len(parts) > 10
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text
    runaway = "word " * 500
    assert all(len(p) <= 100 for p in pieces(runaway, limit=100))
    assert " ".join(pieces(runaway, limit=100)) == runaway.strip()
    assert pieces("   ") == []


def test_wpm_follows_the_plan_rate_within_espeak_range() -> None:
    assert wpm_for(100) == BASE_WPM
    assert wpm_for(90) == round(BASE_WPM * 0.9 * (1 + 10 * SLOW_DRAG))  # espeak drags below 100 %
    assert wpm_for(20) == MIN_WPM
    assert wpm_for(1000) == MAX_WPM


def test_sound_card_detection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cards = tmp_path / "cards"
    assert not speaker_module.sound_card_available(cards)  # no ALSA at all
    cards.write_text("--- no soundcards ---\n")
    assert not speaker_module.sound_card_available(cards)
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    monkeypatch.setattr(speaker_module, "player_command", lambda: ("aplay", "-q"))
    assert speaker_module.sound_card_available(cards)
    monkeypatch.setattr(speaker_module, "player_command", lambda: None)
    assert not speaker_module.sound_card_available(cards)  # a card but nothing to play with


# ----- the speaker, with real pyttsx3 / espeak-ng ----------------------------------------------------


@pytest.fixture(scope="module")
def speaker(tmp_path_factory: pytest.TempPathFactory):
    with Speaker(sound_card=lambda: False, realtime=False, output_dir=tmp_path_factory.mktemp("spoken")) as s:
        yield s


def in_thread(work: Any, timeout: float = LIMIT) -> Any:
    """Run ``work()`` on a thread and return its result or raise its error; a hang fails the test."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


HOLD = Plan.of(Speech("Hold for two seconds.", 90), Silence(2, "hold:2"), Speech("And release.", 90))


@pytest.mark.audio
def test_render_puts_an_exact_silence_between_real_speech(speaker: Speaker, tmp_path: Path) -> None:
    wav = in_thread(lambda: speaker.render_wav(HOLD, tmp_path / "hold.wav"))
    with wave.open(str(wav), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    assert audio.has_audio(wav)
    gaps = audio.silent_runs(wav, min_seconds=1.0)
    assert len(gaps) == 1
    assert gaps[0][1] == pytest.approx(2.0, abs=0.1)
    placed = speaker.render(HOLD, tmp_path / "again.wav")
    assert [p.segment for p in placed] == list(HOLD.segments)
    assert gaps[0][0] == pytest.approx(placed[1].start, abs=0.05)
    assert placed[-1].start + placed[-1].length == pytest.approx(audio.duration(wav), abs=0.01)


@pytest.mark.audio
def test_every_rate_change_takes_effect(speaker: Speaker) -> None:
    """pyttsx3 loses a setProperty made just before runAndWait unless espeak is drained first."""
    text = "Let your shoulders drop and breathe out slowly through your mouth."
    lengths = [len(speaker.synthesise(text, rate)) / RATE for rate in (80, 120, 80, 120, 80, 120)]
    slow, fast = lengths[0::2], lengths[1::2]
    assert max(slow) - min(slow) < 0.05 and max(fast) - min(fast) < 0.05
    assert min(slow) / max(fast) == pytest.approx(1.5, abs=0.2)


@pytest.mark.audio
def test_the_voice_is_american_english(speaker: Speaker) -> None:
    text = "Tomato, schedule, water."  # 2.27 s in American English, 2.33 s in British
    with Speaker(voice="gmw/en-us") as us, Speaker(voice="gmw/en") as british:
        american, default, uk = us.synthesise(text), speaker.synthesise(text), british.synthesise(text)
    window = round(audio.SAMPLE_RATE * audio.WINDOW_SECONDS)  # trimming works in whole windows
    assert abs(len(default) - len(american)) <= 2 * window
    assert abs(len(uk) - len(american)) >= 4 * window


@pytest.mark.audio
def test_concurrent_renders_are_serialised_and_all_valid(speaker: Speaker, tmp_path: Path) -> None:
    plans = [Plan.of(Speech(f"Render number {n}. Press gently.", 90 + 5 * n), Silence(1 + n * 0.5),
                     Speech("Release.", 100)) for n in range(5)]
    barrier = threading.Barrier(len(plans))
    results: dict[int, Any] = {}

    def render(n: int) -> None:
        barrier.wait(LIMIT)
        try:
            results[n] = speaker.render_wav(plans[n], tmp_path / f"c{n}.wav")
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=render, args=(n,), daemon=True) for n in range(len(plans))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(LIMIT)
    assert not any(t.is_alive() for t in threads)
    for n, plan in enumerate(plans):
        assert isinstance(results[n], Path), results[n]
        assert audio.has_audio(results[n])
        gaps = audio.silent_runs(results[n], min_seconds=0.9)
        assert [round(g[1], 1) for g in gaps] == [plan.segments[1].seconds]


@pytest.mark.audio
def test_bad_plans_fail_clearly(speaker: Speaker, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty plan"):
        speaker.render_wav(Plan(), tmp_path / "empty.wav")
    with pytest.raises(ValueError, match="no speech"):
        speaker.render_wav(Plan.of(Silence(2)), tmp_path / "silent.wav")
    with pytest.raises(SpeakerError, match="no audible speech"):
        in_thread(lambda: speaker.render_wav(Plan((Speech("   "),)), tmp_path / "blank.wav"))


@pytest.mark.audio
def test_very_long_text_renders_in_pieces(speaker: Speaker, tmp_path: Path) -> None:
    text = " ".join(["Rest your fingers under the ridge, breathe slowly, and let the muscle soften."] * 40)
    assert len(text) > 3000
    wav = in_thread(lambda: speaker.render_wav(Plan.of(Speech(text)), tmp_path / "long.wav"))
    words = len(text.split())
    assert audio.duration(wav) == pytest.approx(words * 60 / (1.3 * BASE_WPM), rel=0.25)


@pytest.mark.audio
def test_no_sound_card_writes_wavs_and_says_so_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    plan = Plan.of(Speech("First part."), Silence(0.2), Speech("Second part."))
    caplog.set_level(logging.WARNING, logger="skill.voice.speaker")
    with Speaker(sound_card=lambda: False, realtime=False, output_dir=out) as s:
        first = s.play(plan)
        assert first.wait(LIMIT) and first.completed and first.error is None
        second = s.play(Plan.of("Third part."))
        assert second.wait(LIMIT) and second.completed
    files = first.files + second.files
    assert len(files) == 3 and all(f.parent == out and audio.has_audio(f) for f in files)
    notices = [r.getMessage() for r in caplog.records if "No sound card" in r.getMessage()]
    assert notices == [f"No sound card found: writing audio to {out}"]


@pytest.mark.audio
def test_stop_interrupts_a_silence_at_once(speaker: Speaker) -> None:
    resting = threading.Event()
    plan = Plan.of(Speech("Now rest."), Silence(120), Speech("You should never hear this."))
    playback = speaker.play(plan, on_segment=lambda i, seg: resting.set() if isinstance(seg, Silence) else None)
    assert resting.wait(LIMIT)
    playback.stop()
    assert playback.wait(5)
    assert playback.stopped and not playback.completed
    assert len(playback.files) == 1


@pytest.mark.audio
def test_stop_kills_the_player_mid_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started = threading.Event()
    processes: list[subprocess.Popen] = []

    class WatchedPopen(subprocess.Popen):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            processes.append(self)
            started.set()

    monkeypatch.setattr(speaker_module.subprocess, "Popen", WatchedPopen)
    monkeypatch.setattr(speaker_module, "player_command", lambda: (sys.executable, "-c", "import time; time.sleep(60)"))
    with Speaker(sound_card=lambda: True) as s:
        playback = s.play(Plan.of("A sentence the player takes a minute to play."))
        assert started.wait(LIMIT)
        playback.stop()
        assert playback.wait(10)
    assert not playback.completed and playback.error is None
    assert processes[0].returncode is not None


@pytest.mark.audio
def test_a_sound_card_gets_every_spoken_segment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    heard = tmp_path / "heard"
    heard.mkdir()
    copy = f"import shutil, sys; shutil.copy(sys.argv[1], {str(heard)!r})"
    monkeypatch.setattr(speaker_module, "player_command", lambda: (sys.executable, "-c", copy))
    with Speaker(sound_card=lambda: True) as s:
        playback = s.play(Plan.of(Speech("One."), Silence(0.1), Speech("Two.")))
        assert playback.wait(LIMIT) and playback.completed, playback.error
    played = sorted(heard.iterdir())
    assert len(played) == 2 and all(audio.has_audio(p) for p in played)
    assert playback.files == []


@pytest.mark.audio
def test_a_new_playback_replaces_the_current_one(speaker: Speaker) -> None:
    long = speaker.play(Plan.of("Rest.", Silence(120)))
    short = speaker.play(Plan.of("Next."))
    assert long.done and long.stopped and not long.completed
    assert short.wait(LIMIT) and short.completed


def test_closed_speaker_refuses_work(tmp_path: Path) -> None:
    s = Speaker(sound_card=lambda: False)
    s.close()
    assert s.closed
    with pytest.raises(SpeakerError, match="closed"):
        s.render_wav(HOLD, tmp_path / "x.wav")
    with pytest.raises(SpeakerError, match="closed"):
        s.play(HOLD)
    s.close()  # closing twice is harmless


def test_shared_speaker_is_one_per_process() -> None:
    first = shared_speaker(sound_card=lambda: False)
    assert shared_speaker() is first
    first.close()
    second = shared_speaker(sound_card=lambda: False)
    assert second is not first and not second.closed
    second.close()


# ----- the voice chat runner ---------------------------------------------------------------------


class FakePlayback:
    """Stands in for a Playback: the test decides when it finishes."""

    def __init__(self, plan: Plan, on_done: Any) -> None:
        self.plan, self.on_done = plan, on_done
        self.completed = self.stopped = False
        self.position = 0.0  # seconds played when interrupted: the test moves it
        self._done = threading.Event()

    def finish(self) -> None:
        self.completed = True
        self._done.set()
        self.on_done(self)

    def stop(self) -> None:
        if not self._done.is_set():
            self.stopped = True
            self._done.set()
            self.on_done(self)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class FakeSpeaker:
    timeout = 5.0

    def __init__(self, finish_at_once: bool = False) -> None:
        self.playbacks: list[FakePlayback] = []
        self.finish_at_once = finish_at_once

    def play(self, plan: Plan, on_segment: Any = None, on_done: Any = None) -> FakePlayback:
        playback = FakePlayback(plan, on_done)
        self.playbacks.append(playback)
        if self.finish_at_once:  # as if the audio took no time: finish on another thread, as a real one would
            threading.Thread(target=playback.finish, daemon=True).start()
        return playback


def response(text: str, routine: dict | None = None, ends: bool = False) -> dict:
    attributes = {"routine": routine} if routine else {}
    return {"version": "1.0", "sessionAttributes": attributes,
            "response": {"outputSpeech": {"type": "SSML", "ssml": render_ssml(Plan.of(text))},
                         "shouldEndSession": ends}}


class ScriptedConversation:
    """Answers each turn with the next scripted response and records what was said."""

    def __init__(self, *responses: dict) -> None:
        self.responses = list(responses)
        self.said: list[str] = []
        self.heard: Any = None  # set by the runner before each turn
        self.heard_at: list[float] = []  # where the runner said its player was, turn by turn

    def _record(self) -> None:
        if self.heard is not None:
            self.heard_at.append(self.heard())

    def launch(self) -> Exchange:
        return self.say("<launch>")

    def say(self, text: str) -> Exchange:
        self._record()
        self.said.append(text)
        return Exchange(Match(text), {}, self.responses.pop(0))


RUNNING = {"id": "full", "step": 2, "pace": "normal", "paused": False}


def test_routine_running_reads_session_attributes() -> None:
    assert routine_running(response("Step one.", RUNNING))
    assert not routine_running(response("Paused.", {**RUNNING, "paused": True}))
    assert not routine_running(response("Hello."))
    assert not routine_running(response("Bye.", RUNNING, ends=True))


def test_runner_continues_a_routine_by_itself_until_it_ends(tmp_path: Path) -> None:
    talk = ScriptedConversation(response("Welcome."), response("Steps one and two.", RUNNING),
                                response("Steps three and four.", RUNNING), response("All done."))
    speaker = FakeSpeaker()
    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        runner = Runner(talk, speaker, stream)
        runner.launch()
        speaker.playbacks[0].finish()
        assert talk.said == ["<launch>"]  # no routine yet: nothing is sent by itself
        runner.say("start the full routine")
        speaker.playbacks[1].finish()
        assert talk.said[-1] == CONTINUE and not runner.wait_idle(0)
        speaker.playbacks[2].finish()
        assert talk.said == ["<launch>", "start the full routine", CONTINUE, CONTINUE]
        speaker.playbacks[3].finish()
        assert runner.wait_idle(0) and len(talk.said) == 4
    transcript = out.read_text()
    assert "alexa> Steps three and four." in transcript and f"(you: {CONTINUE})" in transcript
    assert [p.plan.text() for p in speaker.playbacks] == ["Welcome.", "Steps one and two.", "Steps three and four.",
                                                         "All done."]


def test_typing_interrupts_playback_and_is_the_next_turn() -> None:
    talk = ScriptedConversation(response("Steps one and two.", RUNNING),
                                response("Paused at step two.", {**RUNNING, "paused": True}),
                                response("Resuming.", RUNNING), response("Step three.", RUNNING))
    speaker = FakeSpeaker()
    runner = Runner(talk, speaker, StringIO())
    runner.launch()
    speaker.playbacks[0].position = 12.5
    runner.say("pause")
    first = speaker.playbacks[0]
    assert first.stopped and not first.completed
    assert talk.heard_at[-1] == 12.5  # the skill is told where the voice had got to
    assert talk.said == ["<launch>", "pause"]  # the cut-off chunk did not trigger a "continue"
    speaker.playbacks[1].finish()
    assert runner.wait_idle(0) and talk.said == ["<launch>", "pause"]  # paused: nothing more by itself
    runner.say("resume")
    speaker.playbacks[2].finish()
    assert talk.said == ["<launch>", "pause", "resume", CONTINUE]
    runner.stop()
    assert speaker.playbacks[3].stopped and runner.wait_idle(0)


def test_runner_reads_lines_and_lets_the_routine_finish_at_end_of_input() -> None:
    talk = ScriptedConversation(response("Welcome."), response("Steps one and two.", RUNNING),
                                response("Step three.", RUNNING), response("Done."))
    out = StringIO()
    code = in_thread(lambda: Runner(talk, FakeSpeaker(finish_at_once=True), out).run(
        StringIO("start the full routine\n")))
    assert code == 0
    assert talk.said == ["<launch>", "start the full routine", CONTINUE, CONTINUE]
    assert "alexa> Done." in out.getvalue()


def test_runner_plays_a_whole_routine_through_the_real_skill(tmp_path: Path) -> None:
    from skill.alexa import build_skill
    from skill.config import SkillConfig
    from skill.persistence import SqliteAdapter

    skill = build_skill(SqliteAdapter(tmp_path / "db.sqlite3"), SkillConfig(use_apla=True, seed=3))
    talk = Conversation(in_process(skill))
    speaker = FakeSpeaker(finish_at_once=True)
    runner = Runner(talk, speaker, StringIO())
    runner.launch()
    runner.say("start the full routine")
    runner.say("no")  # no warning signs: the safety check before every first routine of a session
    assert runner.wait_idle(LIMIT)
    spoken = " ".join(p.plan.text() for p in speaker.playbacks)
    assert talk.attributes.get("routine", {}).get("final", True)  # it ran to its end: nothing left to play
    assert spoken.count("Step ") == len(load("en-US").routines["full"].steps)
    assert load("en-US").routines["full"].closing in spoken
    chunks = [p for p in speaker.playbacks if "Step " in p.plan.text()]
    assert len(chunks) >= 2  # several responses, and nobody typed "continue"
