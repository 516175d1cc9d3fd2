"""Routine pacing: announced holds against rendered holds, and stated, estimated and rendered lengths.

For every routine and pace, renders the whole routine twice: as SSML read by ``espeak-ng -m`` (what
Alexa is given) and with the local speaker (pyttsx3, real silences). Reports the largest hold error
of each (announced seconds against the time measured from the end of "hold for ..." to the start of
the release phrase, the spoken reminders inside the hold included), the length the
skill states in its routine menu at that pace, the plan's estimate, and the rendered length. Prints a
markdown table for the README.

Run: .venv/bin/python -m bench.pacing
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from skill.content import load
from skill.routine.compose import stated_half_minutes
from skill.speech.estimate import WORDS_PER_MINUTE_AT_100, estimate_seconds
from skill.speech.plan import PACE_ORDER
from skill.voice import audio
from skill.voice.render import espeak_ssml_wav, measure_holds, routine_plan
from skill.voice.speaker import BASE_WPM, Speaker


def clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def main() -> int:
    content = load("en-US")
    rows = []
    started = time.monotonic()
    with Speaker(sound_card=lambda: False, realtime=False) as speaker, tempfile.TemporaryDirectory() as folder:
        for routine_id in content.routines:
            for pace in PACE_ORDER:
                plan = routine_plan(routine_id, pace)
                espeak_wav = espeak_ssml_wav(plan, Path(folder) / "espeak.wav")
                speaker_wav = speaker.render_wav(plan, Path(folder) / "speaker.wav")
                by_espeak, by_speaker = measure_holds(plan, espeak_wav), measure_holds(plan, speaker_wav)
                estimate, rendered = estimate_seconds(plan), audio.duration(speaker_wav)
                stated = stated_half_minutes(estimate) * 30  # what the routine menu says at this pace
                rows.append((
                    routine_id, pace, f"{stated / 60:g} min ({100 * (stated - rendered) / rendered:+.1f} %)",
                    clock(estimate), clock(rendered),
                    f"{100 * (rendered - estimate) / estimate:+.1f} %", clock(audio.duration(espeak_wav)),
                    ", ".join(sorted({str(h.announced) for h in by_espeak}, key=int)),
                    f"{max(abs(h.error) for h in by_espeak):.2f}", f"{max(abs(h.error) for h in by_speaker):.2f}",
                ))
    print("| routine | pace | stated (vs rendered) | estimated | rendered (speaker) | rendered vs estimate "
          "| rendered (espeak SSML) | holds announced (s) | max hold error, espeak SSML (s) "
          "| max hold error, speaker (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nEstimate: {WORDS_PER_MINUTE_AT_100:.0f} wpm at 100 % plus a pause per sentence. Renders: espeak-ng "
          f"voice en-us at a nominal {BASE_WPM} wpm at 100 %. Measured in {time.monotonic() - started:.0f} s.",
          file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
