"""Whole routines as audio: one WAV with real silences, a JSON timeline, and hold-time measurements.

A routine on Alexa arrives in chunks; here it is rendered in one piece so its pacing can be heard
and measured end to end. The measurements (used by tests and bench/pacing.py) check that every
hold lasts what the voice announced, from "hold for ..." to the release phrase with the reminders
in between, on both the local speaker (which shortens a hold's silence by the real length of the
reminder before it) and espeak-ng's own SSML reading (which has only the plan's estimate).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from skill.content import load
from skill.routine.compose import Style
from skill.speech.estimate import estimate_seconds, speech_seconds
from skill.speech.plan import Plan, Silence, Speech
from skill.speech.ssml import render_body
from skill.voice import audio
from skill.voice.speaker import BASE_WPM, Speaker, shared_speaker, wpm_for

GAP_MIN_SECONDS = 0.5  # shortest silent run measured; planned silences are all at least a second
SPEECH_PAUSE_MAX = 0.9  # espeak-ng's own pauses (commas, sentence ends) stay under this
HOLD_LABEL = "hold:"


def routine_plan(routine_id: str, pace: str = "normal", locale: str = "en-US") -> Plan:
    """The whole routine at ``pace`` as one plan, exactly as the composer builds it."""
    content = load(locale)
    if routine_id not in content.routines:
        raise ValueError(f"unknown routine {routine_id!r}; choose one of {', '.join(content.routines)}")
    return content.composer(routine_id).whole(Style(pace))


def progress_bar(out: TextIO | None = None, width: int = 30, unit: str = "spoken parts") -> Callable[[int, int], None]:
    """A one-line text progress bar on ``out`` (standard error by default), redrawn in place."""

    def show(done: int, total: int) -> None:
        stream = out or sys.stderr
        filled = width * done // max(total, 1)
        stream.write(f"\rrendering [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def render_routine(routine_id: str, pace: str, wav: str | Path, timeline: str | Path | None = None,
                   locale: str = "en-US", progress: bool = True, speaker: Speaker | None = None) -> dict[str, Any]:
    """Render a whole routine to ``wav`` (and its timeline to ``timeline``); returns a summary.

    Timeline starts and lengths come from the rendered audio, so the WAV and the timeline agree to the sample.
    """
    plan = routine_plan(routine_id, pace, locale)
    placed = (speaker or shared_speaker()).render(plan, wav, progress_bar() if progress else None)
    segments: list[dict[str, Any]] = []
    for part in placed:
        seg = part.segment
        entry: dict[str, Any] = {"kind": "speech" if isinstance(seg, Speech) else "silence",
                                 "label": getattr(seg, "label", ""), "planned_start": round(part.start, 3)}
        if isinstance(seg, Speech):
            entry |= {"text": seg.text, "rate": seg.rate, "planned_length": round(speech_seconds(seg), 3),
                      "rendered_length": round(part.length, 3)}
        else:  # a hold's silence after a reminder is rendered shorter or longer than planned, by the estimate's error
            entry |= {"planned_length": seg.seconds, "rendered_length": round(part.length, 3)}
        segments.append(entry)
    if timeline is not None:
        Path(timeline).write_text(json.dumps(segments, indent=1) + "\n", encoding="utf-8")
    return {
        "routine": routine_id, "pace": pace, "locale": locale, "wav": str(wav),
        "timeline": str(timeline) if timeline is not None else None,
        "rendered_seconds": round(audio.duration(wav), 2), "estimated_seconds": round(estimate_seconds(plan), 2),
        "spoken_parts": sum(isinstance(p.segment, Speech) for p in placed),
        "silence_seconds": round(sum(s.seconds for s in plan.segments if isinstance(s, Silence)), 2),
    }


def espeak_ssml_wav(plan: Plan, wav: str | Path, base_wpm: float = BASE_WPM, voice: str = "en-us") -> Path:
    """Have the ``espeak-ng`` command read the plan's SSML (``-m``) into ``wav``, as a second opinion.

    espeak-ng 1.51 shortens a ``<break>`` that follows a ``<prosody>`` element holding more than one
    clause (about 27 % at rate 90 %; Alexa does not). When the whole plan has one rate, as a routine
    does, the prosody tags are folded into espeak's speed so the breaks are read as written.
    """
    body = render_body(plan)
    rates = {s.rate for s in plan.segments if isinstance(s, Speech)}
    speed = wpm_for(100, base_wpm)
    if len(rates) == 1:
        body = re.sub(r"</?prosody\b[^>]*>", "", body)
        speed = wpm_for(rates.pop(), base_wpm)
    with tempfile.NamedTemporaryFile("w", suffix=".ssml", encoding="utf-8") as ssml:
        ssml.write(f"<speak>{body}</speak>")
        ssml.flush()
        subprocess.run(["espeak-ng", "-m", "-v", voice, "-s", str(speed), "-w", str(wav), "-f", ssml.name],
                       check=True, capture_output=True, timeout=300)
    return Path(wav)


def align(planned: Sequence[float], measured: Sequence[float]) -> list[int]:
    """For each planned silence, the index of the measured gap that is its rendering (in order).

    Measured gaps that match nothing are espeak's own pauses inside speech; skipping one costs only
    what it lasts beyond an ordinary pause, so a real silence is never passed over for a worse match.
    """
    if len(measured) < len(planned):
        raise ValueError(f"found {len(measured)} silent gaps for {len(planned)} planned silences")
    rows, cols = len(planned), len(measured)
    cost = [[math.inf] * (cols + 1) for _ in range(rows + 1)]
    took = [[False] * (cols + 1) for _ in range(rows + 1)]
    cost[0][0] = 0.0
    for i in range(rows + 1):
        for j in range(1, cols + 1):
            skip = cost[i][j - 1] + max(0.0, measured[j - 1] - SPEECH_PAUSE_MAX)
            match = cost[i - 1][j - 1] + abs(measured[j - 1] - planned[i - 1]) if i else math.inf
            cost[i][j], took[i][j] = (match, True) if match <= skip else (skip, False)
    out, i, j = [], rows, cols
    while i:
        if took[i][j]:
            out.append(j - 1)
            i -= 1
        j -= 1
    return out[::-1]


@dataclass(frozen=True)
class HoldCheck:
    """One announced hold and how long it measured from "hold for ..." to the release phrase.

    The span runs from the start of the hold's first silence to the end of its last, so the spoken
    reminders between its pieces count: that is the time a listener holds the press.
    """

    announced: int
    measured: float

    @property
    def error(self) -> float:
        return self.measured - self.announced


@dataclass(frozen=True)
class Gap:
    """A planned silence and the silent run measured for it: where it starts and how long it lasts."""

    silence: Silence
    start: float
    length: float


def measure_silences(plan: Plan, wav: str | Path) -> list[Gap]:
    """Each planned silence of ``plan`` (merged, as rendered) with the silent run measured for it in ``wav``."""
    silences = [s for s in plan.merged().segments if isinstance(s, Silence)]
    gaps = audio.silent_runs(wav, min_seconds=GAP_MIN_SECONDS)
    matched = align([s.seconds for s in silences], [length for _, length in gaps])
    return [Gap(s, *gaps[j]) for s, j in zip(silences, matched, strict=True)]


def measure_holds(plan: Plan, wav: str | Path) -> list[HoldCheck]:
    """Every hold in ``plan`` (pieces labelled ``hold:N``), measured from its first silence to its last.

    A hold's pieces are its consecutive ``hold:N`` silences until their nominal lengths (each piece
    with the reminder it absorbs) reach N.
    """
    checks: list[HoldCheck] = []
    nominal, first = 0.0, None
    for gap in measure_silences(plan, wav):
        label = gap.silence.label
        if not label.startswith(HOLD_LABEL):
            continue
        announced = int(label[len(HOLD_LABEL):])
        nominal += gap.silence.seconds + gap.silence.absorbs
        first = gap.start if first is None else first
        if nominal >= announced - 1e-6:  # the last piece of this hold
            checks.append(HoldCheck(announced, round(gap.start + gap.length - first, 3)))
            nominal, first = 0.0, None
    return checks
