"""Long-form track lengths: every routine and pace rendered as a track, against the plan's estimate.

Renders each routine at each pace with the track build (``skill.tools.tracks``) and the local voice
(pyttsx3 with espeak-ng, offline; Polly needs AWS), encodes the MP3 as the AWS build does, and
reports the plan's estimate, the rendered length, the MP3's length from its frame headers, the
error against the estimate (goal: within 2 %), the largest gap between a rendered step start and
the estimated one, and the largest difference between a planned silence (a hold's silence less
the reminder really said inside it) and the silent run measured where it was put. Prints a
markdown table for the README.

Run: .venv/bin/python -m bench.track_lengths [--locale en-US]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from skill.content import load
from skill.routine.compose import Style
from skill.speech.estimate import estimate_seconds
from skill.speech.plan import PACE_ORDER, Silence
from skill.tools.tracks import mp3_info, render_track
from skill.voice import audio
from skill.voice.mix import Rendering, routine_parts
from skill.voice.render import GAP_MIN_SECONDS, align
from skill.voice.speaker import BASE_WPM, Speaker

GOAL_PERCENT = 2.0


def clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"



def planned_silences(rendering: Rendering) -> list[float]:
    """Each silence as the plan asks for it: its seconds, or, for a hold's silence that absorbs the
    reminder before it, what is left once the reminder has really been said."""
    out, spoken = [], 0.0
    for placed in rendering.placed:
        if isinstance(placed.segment, Silence):
            out.append(placed.segment.after(spoken))
            spoken = 0.0
        else:
            spoken += placed.length / rendering.sample_rate
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.track_lengths", description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="en-US")
    args = parser.parse_args(argv)
    content = load(args.locale)
    rows, worst = [], 0.0
    started = time.monotonic()
    with Speaker(sound_card=lambda: False, realtime=False) as speaker, tempfile.TemporaryDirectory() as folder:
        voice = speaker.as_voice()
        for routine in content.routines:
            for pace in PACE_ORDER:
                parts = routine_parts(content.composer(routine), Style(pace))
                track, rendering = render_track(args.locale, routine, pace, voice, Path(folder))
                estimate = estimate_seconds(content.composer(routine).whole(Style(pace)))
                rendered = track.duration_ms / 1000
                encoded = mp3_info((Path(folder) / track.file_name).read_bytes()).seconds
                error = 100 * (rendered - estimate) / estimate
                worst = max(worst, abs(error))
                starts, elapsed = [], 0.0
                for part in parts:
                    starts.append(elapsed)
                    elapsed += estimate_seconds(part)
                step_gap = max(abs(ms / 1000 - want) for ms, want in zip(track.steps, starts, strict=True))
                planned = planned_silences(rendering)
                runs = audio.silent_runs_in(rendering.samples, rendering.sample_rate, min_seconds=GAP_MIN_SECONDS)
                matched = align(planned, [length for _, length in runs])
                silence_error = max(abs(runs[j][1] - want) for want, j in zip(planned, matched, strict=True))
                silences = planned
                rows.append((routine, pace, clock(estimate), clock(rendered), clock(encoded), f"{error:+.1f} %",
                             f"{step_gap:.1f}", f"{len(silences)}", f"{silence_error:.2f}"))
    print(f"| routine | pace | estimated | rendered | MP3 | rendered vs estimate (goal ±{GOAL_PERCENT:g} %) "
          "| largest step-start gap (s) | planned silences | largest silence error (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    verdict = "met" if worst <= GOAL_PERCENT else "not met"
    print(f"\nLocale {args.locale}; voice espeak-ng en-us through pyttsx3 at a nominal {BASE_WPM} wpm at 100 %; "
          f"largest length error {worst:.1f} % (goal {verdict}). Measured in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
