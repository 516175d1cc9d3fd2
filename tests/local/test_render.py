"""Whole routines rendered with the local speaker: the WAV, its timeline and the plan's estimate agree.

Also the command line around it: ``render``, ``say``, and ``chat`` staying text-only without --voice.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from skill.content import ROUTINE_IDS
from skill.local.__main__ import main
from skill.speech.estimate import estimate_seconds
from skill.speech.plan import PACE_ORDER, Plan, Silence, Speech
from skill.voice import audio
from skill.voice import speaker as speaker_module
from skill.voice.render import align, measure_holds, measure_silences, progress_bar, render_routine, routine_plan
from skill.voice.speaker import Speaker

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 0.3  # seconds a measured silence may differ from the timeline


@pytest.fixture(scope="module")
def speaker():
    with Speaker(sound_card=lambda: False, realtime=False) as s:
        yield s


@pytest.fixture(scope="module")
def rendered(speaker: Speaker, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, list, Path]]:
    """Each routine at normal pace: (summary, timeline, wav), rendered once for the tests below."""
    out = {}
    folder = tmp_path_factory.mktemp("renders")
    for routine_id in ROUTINE_IDS:
        wav, timeline = folder / f"{routine_id}.wav", folder / f"{routine_id}.json"
        summary = render_routine(routine_id, "normal", wav, timeline, progress=False, speaker=speaker)
        out[routine_id] = (summary, json.loads(timeline.read_text()), wav)
    return out


@pytest.mark.audio
@pytest.mark.parametrize("routine_id", ROUTINE_IDS)
def test_measured_silences_match_the_timeline(rendered, routine_id: str) -> None:
    _, timeline, wav = rendered[routine_id]
    runs = audio.silent_runs(wav, min_seconds=0.5)
    silences = [s for s in timeline if s["kind"] == "silence"]
    assert silences and all(s["rendered_length"] >= 1 for s in silences)
    for planned in silences:
        near = [run for run in runs if abs(run[0] - planned["planned_start"]) <= TOLERANCE]
        assert len(near) == 1, f"no single gap at {planned['planned_start']} s for {planned}"
        assert near[0][1] == pytest.approx(planned["rendered_length"], abs=TOLERANCE), planned
        assert planned["rendered_length"] == pytest.approx(planned["planned_length"], abs=0.6), planned


@pytest.mark.audio
@pytest.mark.parametrize("routine_id", ROUTINE_IDS)
def test_length_matches_the_plan_estimate_within_five_percent(rendered, routine_id: str) -> None:
    summary, _, wav = rendered[routine_id]
    estimate = estimate_seconds(routine_plan(routine_id, "normal"))
    assert audio.duration(wav) == pytest.approx(estimate, rel=0.05)
    assert summary["rendered_seconds"] == pytest.approx(audio.duration(wav), abs=0.01)
    assert summary["estimated_seconds"] == pytest.approx(estimate, abs=0.01)


@pytest.mark.audio
@pytest.mark.parametrize("routine_id", ROUTINE_IDS)
def test_timeline_is_contiguous_and_ends_with_the_wav(rendered, routine_id: str) -> None:
    _, timeline, wav = rendered[routine_id]
    for before, after in itertools.pairwise(timeline):
        assert after["planned_start"] == pytest.approx(before["planned_start"] + before["rendered_length"], abs=0.002)
    last = timeline[-1]
    assert last["kind"] == "speech" and last["text"]
    assert last["planned_start"] + last["rendered_length"] == pytest.approx(audio.duration(wav), abs=0.01)
    holds = [s for s in timeline if s["label"].startswith("hold:")]
    assert holds and all(s["kind"] == "silence" for s in holds)


@pytest.mark.audio
@pytest.mark.parametrize("pace", PACE_ORDER)
@pytest.mark.parametrize("routine_id", ROUTINE_IDS)
def test_every_hold_lasts_what_was_announced_reminders_included(speaker: Speaker, routine_id: str, pace: str,
                                                                tmp_path: Path) -> None:
    """From the end of "hold for N seconds" to the release phrase is N seconds, within 0.3 s, at every pace:
    the speaker knows how long each reminder really took and shortens the silence after it by that."""
    plan = routine_plan(routine_id, pace)
    wav = speaker.render_wav(plan, tmp_path / "routine.wav")
    holds = measure_holds(plan, wav)
    reminders = sum(isinstance(s, Silence) and s.absorbs > 0 for s in plan.segments)
    assert holds and reminders >= len(holds) > 0
    off = [(h.announced, h.measured) for h in holds if abs(h.error) > TOLERANCE]
    assert not off, f"holds (announced, measured) off by more than {TOLERANCE} s: {off}"


def test_a_silence_absorbs_what_the_reminder_before_it_really_took(speaker: Speaker, tmp_path: Path) -> None:
    """A made-up hold whose reminder is estimated badly on purpose still lasts its nominal time."""
    reminder = Speech("Keep breathing, soft shoulders.", 90)
    plan = Plan.of(Speech("Hold for ten seconds.", 90), Silence(4, "hold:10"), reminder,
                   Silence(5.5, "hold:10", absorbs=0.5), Speech("And release.", 90))
    wav = speaker.render_wav(plan, tmp_path / "hold.wav")
    (hold,) = measure_holds(plan, wav)
    assert hold.announced == 10 and hold.measured == pytest.approx(10, abs=0.05)
    gaps = measure_silences(plan, wav)
    assert gaps[1].length < 5.5 - 1  # the reminder took about two seconds, not the half second it claimed


def test_unknown_routine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown routine 'nap'"):
        routine_plan("nap")


def test_progress_bar_draws_in_place() -> None:
    out = StringIO()
    show = progress_bar(out, width=10)
    show(1, 4)
    show(4, 4)
    assert out.getvalue() == "\rrendering [##........] 1/4 spoken parts\rrendering [##########] 4/4 spoken parts\n"


def test_align_skips_speech_pauses_and_keeps_order() -> None:
    assert align([4.0, 10.0, 1.0], [0.7, 4.05, 0.6, 0.8, 9.98, 0.75, 1.1, 0.6]) == [1, 4, 6]
    assert align([1.0, 1.0], [0.75, 1.05, 0.7, 0.98]) == [1, 3]
    with pytest.raises(ValueError, match="2 silent gaps for 3"):
        align([1.0, 2.0, 3.0], [1.0, 2.0])


# ----- command line --------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "db.sqlite3"
    monkeypatch.setenv("NRC_DB_PATH", str(path))
    return path


@pytest.mark.audio
def test_render_command_writes_wav_timeline_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    wav, timeline = tmp_path / "quick.wav", tmp_path / "quick.json"
    assert main(["render", "quick", "--pace", "faster", "--wav", str(wav), "--timeline", str(timeline)]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["routine"] == "quick" and summary["pace"] == "faster"
    assert "rendering [" in captured.err and captured.err.endswith("spoken parts\n")
    assert audio.has_audio(wav) and json.loads(timeline.read_text())[0]["kind"] == "speech"
    assert summary["rendered_seconds"] == pytest.approx(audio.duration(wav), abs=0.01)


@pytest.mark.audio
def test_say_command_prints_and_writes_the_answer(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    wav = tmp_path / "answer.wav"
    assert main(["say", "what is occipital neuralgia", "--wav", str(wav)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("alexa> ") and "occipital" in out.lower() and f"wrote {wav}" in out
    assert audio.duration(wav) > 5 and audio.has_audio(wav)


@pytest.mark.audio
def test_say_command_without_a_sound_card_writes_audio_files(store: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(speaker_module, "sound_card_available", lambda: False)
    folder = tmp_path / "spoken"
    assert main(["say", "stop", "--audio-dir", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("alexa> ")
    files = list(folder.iterdir())
    assert files and all(audio.has_audio(f) for f in files)


def test_text_chat_still_works_without_a_voice(store: Path) -> None:
    """``printf 'help\\n' | python -m skill.local chat``: text only, no speaker, no sound card needed."""
    result = subprocess.run([sys.executable, "-m", "skill.local", "chat"], input="help\n", capture_output=True,
                            text=True, cwd=ROOT, timeout=120, env={**os.environ, "NRC_DB_PATH": str(store)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("alexa> ") == 2 and "start a massage" in result.stdout
    assert "sound card" not in result.stderr.lower()
