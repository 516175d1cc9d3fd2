"""The engine-agnostic track renderer: plan in, exact silences, step timeline and a valid MP3 out.

The fake engine speaks each segment for exactly the plan's estimate, wrapped in its own padding of
silence (as real engines do), so every difference between the audio and the plan is the renderer's.
"""

from __future__ import annotations

import shutil
import subprocess
from array import array
from pathlib import Path

import pytest

from skill.content import ROUTINE_IDS, load
from skill.routine.compose import Style
from skill.routine.tracks import load_catalog
from skill.speech.estimate import estimate_seconds, speech_seconds
from skill.speech.plan import PACE_ORDER, Plan, Silence, Speech
from skill.tools.tracks import MP3_KBPS, MP3_SAMPLE_RATE, encode_mp3, mp3_info, render_catalog, render_track
from skill.voice import audio
from skill.voice.mix import SPEECH_GAP_SECONDS, SilentSpeechError, Voice, render_parts, routine_parts

RATE = 16000
PADDING = 0.3  # seconds of silence the fake engine puts on each side of its speech


def tone(seconds: float, rate: int = RATE) -> array:
    """A loud 400 Hz square wave (in the band an MP3 keeps): never mistaken for silence."""
    count = round(seconds * rate)
    return array("h", [3000 if (i * 400 * 2 // rate) % 2 else -3000 for i in range(count)])


def spoken_seconds(speech: Speech) -> float:
    """The plan's estimate in whole 10 ms windows, the resolution at which speech is trimmed and measured."""
    return round(speech_seconds(speech), 2)


def fake_timeline(parts: list[Plan]) -> tuple[list[tuple[float, Silence]], list[float], float]:
    """What the fake engine's track must hold, by the renderer's rules: each silence with where it starts,
    each part's start, and the total. A silence absorbing a reminder plays what the reminder left of it."""
    flat, firsts = [], []
    for part in parts:
        firsts.append(len(flat))
        flat.extend(part.merged().segments)
    silences, starts, elapsed, spoken = [], [], 0.0, 0.0
    for index, seg in enumerate(flat):
        if index in firsts:
            starts.append(elapsed)
        if isinstance(seg, Silence):
            silences.append((elapsed, Silence(seg.after(spoken), seg.label)))
            elapsed, spoken = elapsed + seg.after(spoken), 0.0
        else:
            following = flat[index + 1] if index + 1 < len(flat) else None
            length = spoken_seconds(seg) + (SPEECH_GAP_SECONDS if isinstance(following, Speech) else 0.0)
            elapsed, spoken = elapsed + length, spoken + length
    return silences, starts, elapsed


def padded_speech(speech: Speech, _locale: str) -> array:
    pad = audio.silence(PADDING, RATE)
    return pad + tone(spoken_seconds(speech)) + pad


FAKE = Voice("fake", RATE, padded_speech)


@pytest.mark.parametrize("routine", ROUTINE_IDS)
@pytest.mark.parametrize("pace", PACE_ORDER)
def test_the_parts_are_the_whole_plan_the_chunked_mode_speaks(routine: str, pace: str) -> None:
    composer = load("en-US").composer(routine)
    parts = routine_parts(composer, Style(pace))
    assert len(parts) == len(composer.routine.steps)
    assert Plan(tuple(s for p in parts for s in p.segments)) == composer.whole(Style(pace))


@pytest.mark.parametrize("routine", ROUTINE_IDS)
@pytest.mark.parametrize("pace", PACE_ORDER)
def test_length_silences_and_steps_follow_the_plan(routine: str, pace: str) -> None:
    composer = load("en-US").composer(routine)
    style = Style(pace)
    parts = routine_parts(composer, style)
    rendering = render_parts(parts, FAKE, "en-US")
    plan = composer.whole(style)
    assert rendering.seconds == pytest.approx(estimate_seconds(plan), rel=0.02)

    # Every planned silence is a silent run of its length where the plan puts it (the engine's
    # padding trimmed away; a hold's silence shortened by its reminder); nothing else is silent.
    expected, starts, total = fake_timeline(parts)
    assert rendering.seconds == pytest.approx(total, abs=0.02)
    runs = audio.silent_runs_in(rendering.samples, RATE, min_seconds=0.2)
    assert len(runs) == len(expected)
    for (start, length), (want_start, want) in zip(runs, expected, strict=True):
        assert start == pytest.approx(want_start, abs=0.02)
        assert length == pytest.approx(want.seconds, abs=0.02)

    # Each step starts where its part starts: step one at 0 ms, with the intro.
    track = rendering.track("en-US", routine, pace)
    assert track.steps[0] == 0
    assert [s / 1000 for s in track.steps] == pytest.approx(starts, abs=0.02)
    assert [track.step_at(s + 1) for s in track.steps] == list(range(len(parts)))
    assert track.duration_ms == round(1000 * rendering.seconds)


def test_speech_after_speech_gets_a_short_gap_and_an_engine_without_sound_is_refused() -> None:
    plan = Plan.of(Speech("One two three.", 100), Speech("Four five six.", 80))
    rendering = render_parts([plan], FAKE, "en-US")
    runs = audio.silent_runs_in(rendering.samples, RATE, min_seconds=0.1)
    assert [round(length, 2) for _, length in runs] == [SPEECH_GAP_SECONDS]
    with pytest.raises(SilentSpeechError, match="no audible speech"):
        render_parts([plan], Voice("mute", RATE, lambda s, _l: audio.silence(1.0, RATE)), "en-US")
    with pytest.raises(ValueError, match="no speech"):
        render_parts([Plan.of(Silence(2))], FAKE, "en-US")


def test_the_mp3_is_constant_bit_rate_at_the_stated_rate_and_as_long_as_the_audio() -> None:
    samples = tone(3.0) + audio.silence(4.0, RATE) + tone(2.5)
    mp3 = encode_mp3(samples, RATE)
    info = mp3_info(mp3)
    assert (info.sample_rate, info.bitrates_kbps) == (MP3_SAMPLE_RATE, frozenset({MP3_KBPS}))
    assert info.seconds == pytest.approx(9.5, abs=0.1)
    assert len(mp3) == pytest.approx(MP3_KBPS * 1000 / 8 * info.seconds, rel=0.01)
    assert mp3_info(b"ID3\x03\x00\x00\x00\x00\x00\x00" + mp3) == info  # an ID3v2 tag is skipped


@pytest.mark.parametrize("damage", [b"not an mp3 at all", b""])
def test_a_file_that_is_not_mp3_is_refused(damage: bytes) -> None:
    with pytest.raises(ValueError):
        mp3_info(damage)


def test_a_truncated_mp3_is_refused_and_a_foreign_frame_too() -> None:
    mp3 = encode_mp3(tone(1.0), RATE)
    with pytest.raises(ValueError, match="truncated"):
        mp3_info(mp3[:-50])
    with pytest.raises(ValueError, match="no MP3 layer III frame header"):
        mp3_info(mp3 + b"\x00\x00\x00\x00")
    layer_two = bytes([0xFF, 0xFD]) + mp3[2:]
    with pytest.raises(ValueError):
        mp3_info(layer_two)


def test_a_catalog_build_writes_every_pace_and_a_manifest_that_loads(tmp_path: Path) -> None:
    seen: list[str] = []
    catalog = render_catalog(lambda locale: FAKE, tmp_path, ["en-GB"], ["quick"], report=seen.append)
    assert sorted(catalog.tracks) == [("en-GB", "quick", pace) for pace in sorted(PACE_ORDER)]
    assert load_catalog(tmp_path) == catalog and catalog.engine == "fake"
    for track in catalog.tracks.values():
        mp3 = (tmp_path / track.file_name).read_bytes()
        assert track.file_name == f"en-GB/quick-{track.pace}.mp3"
        assert mp3_info(mp3).seconds == pytest.approx(track.duration_ms / 1000, abs=0.1)
    assert len(seen) == 3
    slower, normal, faster = (catalog.get("en-GB", "quick", p) for p in ("slower", "normal", "faster"))
    assert slower.duration_ms > normal.duration_ms > faster.duration_ms
    # A later build of another locale keeps these tracks in the manifest.
    other = Voice("other", RATE, padded_speech)
    both = render_catalog(lambda locale: other, tmp_path, ["en-AU"], ["quick"], ["normal"])
    assert set(both.tracks) == {*catalog.tracks, ("en-AU", "quick", "normal")}
    assert both.engine == "fake, other" and load_catalog(tmp_path) == both


def sox_decodes_mp3() -> bool:
    if shutil.which("sox") is None:
        return False
    return "mp3" in subprocess.run(["sox", "--help-format", "mp3"], capture_output=True, text=True).stdout.lower()


@pytest.mark.skipif(not sox_decodes_mp3(), reason="sox cannot decode MP3 here (Debian: libsox-fmt-mp3)")
def test_the_decoded_mp3_has_every_planned_silence_where_the_timeline_puts_it(tmp_path: Path) -> None:
    """An independent decoder (sox with libmad) reads the MP3: encoder delay and padding move nothing."""
    track, rendering = render_track("en-US", "quick", "normal", FAKE, tmp_path)
    wav = tmp_path / "decoded.wav"
    subprocess.run(["sox", str(tmp_path / track.file_name), "-r", str(RATE), str(wav)], check=True, timeout=120)
    assert audio.duration(wav) == pytest.approx(rendering.seconds, abs=0.1)
    runs = audio.silent_runs(wav, min_seconds=0.5)
    planned = [(p.start / RATE, p.length / RATE) for p in rendering.placed if isinstance(p.segment, Silence)]
    assert len(runs) == len(planned)
    for (start, length), (want_start, want_length) in zip(runs, planned, strict=True):
        assert start == pytest.approx(want_start, abs=0.05)
        assert length == pytest.approx(want_length, abs=0.05)


def test_a_hold_absorbs_its_reminder_as_really_spoken_by_a_slow_engine() -> None:
    """The plan took an estimated 1 s reminder off the hold's last 5 s; an engine taking 2 s to say it leaves 3 s."""
    slow = Voice("slow", RATE, lambda speech, _l: tone(2.0))
    plan = Plan.of(Speech("Hold for six seconds.", 100), Silence(1.0, "hold"), Speech("Breathe.", 100),
                   Silence(4.0, "hold", absorbs=1.0), Speech("Release.", 100))
    runs = audio.silent_runs_in(render_parts([plan], slow, "en-US").samples, RATE, min_seconds=0.2)
    assert [round(length, 2) for _, length in runs] == [1.0, 3.0]
