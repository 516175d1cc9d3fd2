"""How many times a person must speak to finish each routine, with and without an audio player.

    python -m bench.longform

A device with AudioPlayer (long-form mode, the in-process :class:`~skill.device.audio_device.AudioDevice`)
and one without (chunked mode, a listener who hears every response to the end) each open the
skill, start the routine, answer the safety check and then do only what the routine needs until it
is finished. Also measured: the error between where a stop left the track and where the next
launch's "resume" plays it from. The tracks' timelines come from the speech plan's estimate
(:func:`planned_catalog`); rendering the audio is the track builder's job, not needed here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.content import load
from skill.device.audio_device import AudioDevice
from skill.device.conversation import Conversation, Send, in_process
from skill.persistence.sqlite_adapter import SqliteAdapter
from skill.routine.compose import Style
from skill.routine.tracks import Catalog, Track
from skill.speech.estimate import estimate_seconds
from skill.speech.plan import PACES

BASE_URL = "https://coach.example.com/tracks"
DAY_SECONDS = 24 * 3600


def planned_track(locale: str, routine_id: str, pace: str) -> Track:
    """A track whose timeline is the speech plan's estimate: the intro, each step, then the closing."""
    composer = load(locale).composer(routine_id)
    style = Style(pace)
    plan, starts = composer.intro(style), []
    for index in range(len(composer.routine.steps)):
        starts.append(round(estimate_seconds(plan) * 1000) if index else 0)
        plan = plan + composer.step(index, style)
    duration = round(estimate_seconds(plan + composer.closing(style)) * 1000)
    return Track(locale, routine_id, pace, duration, tuple(starts))


def planned_catalog(locale: str = "en-US") -> Catalog:
    tracks = [planned_track(locale, routine, pace) for routine in load(locale).routines for pace in PACES]
    return Catalog({(t.locale, t.routine, t.pace): t for t in tracks}, engine="estimate")


class Clock:
    """The skill's clock, moved on by the bench as time passes for the listener."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def skill_send(catalog: Catalog, clock: Clock) -> Iterator[Send]:
    with tempfile.TemporaryDirectory() as folder:
        config = SkillConfig(seed=1, clock=clock, audio_base_url=BASE_URL, catalog=catalog)
        yield in_process(build_skill(SqliteAdapter(Path(folder) / "skill.sqlite3"), config))


def _start(speaker: Any, routine: str) -> None:
    speaker.launch()
    speaker.say(f"start the {routine} routine")
    speaker.say("no")  # no warning signs today


def with_audio_player(routine: str, catalog: Catalog) -> tuple[int, int]:
    """(utterances in all, utterances after the start) to finish ``routine`` in long-form mode."""
    clock = Clock()
    with skill_send(catalog, clock) as send:
        device = AudioDevice(send, lambda token: _duration(catalog, token))
        _start(device, routine)
        started = device.utterances
        device.listen_to_end()
        assert device.activity == "FINISHED", "the track must play to its end"
        return device.utterances, device.utterances - started


def without_audio_player(routine: str, catalog: Catalog) -> tuple[int, int]:
    """The same in chunked mode, by a listener who hears every response to the end."""
    clock = Clock()
    with skill_send(catalog, clock) as send:
        talk = Conversation(send, heard=lambda: float("inf"))
        count = 3
        _start(talk, routine)
        started = count
        while _playing(talk):
            talk.say("continue")
            count += 1
        return count, count - started


def _playing(talk: Conversation) -> bool:
    routine = talk.attributes.get("routine")
    return bool(routine) and not routine.get("final")


def resume_error_ms(routine: str, catalog: Catalog, stop_after_s: float, *, next_day: bool) -> int:
    """Stop ``stop_after_s`` into the track, open the skill again (the next day, or in the same sitting),
    say yes to resuming: how far the replayed offset is from where the track was stopped."""
    clock = Clock()
    with skill_send(catalog, clock) as send:
        device = AudioDevice(send, lambda token: _duration(catalog, token))
        _start(device, routine)
        device.listen(stop_after_s)
        clock.now += stop_after_s
        device.say("stop")
        assert device.stream is not None
        stopped_at = device.stream.offset_ms
        clock.now += DAY_SECONDS if next_day else 300
        device.launch()
        device.say("yes")
        if next_day:
            device.say("no")  # a new day: the safety check first
        assert device.activity == "PLAYING"
        return abs(device.stream.offset_ms - stopped_at)


def _duration(catalog: Catalog, token: str) -> int:
    track = catalog.by_token(token)
    assert track is not None, token
    return track.duration_ms


def main() -> None:
    catalog = planned_catalog()
    print("| routine | with AudioPlayer: in all | after the start | without: in all | after the start |")
    print("|---|---:|---:|---:|---:|")
    for routine in load("en-US").routines:
        (a_all, a_after), (c_all, c_after) = with_audio_player(routine, catalog), without_audio_player(routine, catalog)
        print(f"| {routine} | {a_all} | {a_after} | {c_all} | {c_after} |")
    errors = [resume_error_ms(routine, catalog, seconds, next_day=next_day)
              for routine in load("en-US").routines for seconds in (7.3, 61.25, 130.9) for next_day in (False, True)]
    print(f"\nstop, launch, resume: {len(errors)} runs, largest error {max(errors)} ms")


if __name__ == "__main__":
    main()
