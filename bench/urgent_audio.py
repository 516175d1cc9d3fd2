"""Render every urgent answer, both crisis answers (the speaker's own, someone else's) and the safety
check the way ``say --wav`` does, and measure them: urgent answers must last under 15 s in every locale.

Each answer is produced by the skill itself (the words a red-flag phrasing of that category gets, in
a fresh session), rendered by the local pyttsx3/espeak-ng speaker to WAV, and timed from the file.

Usage: python -m bench.urgent_audio [--out DIR] [--locale en-US ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

LIMIT_SECONDS = 15.0


def main(argv: list[str] | None = None) -> int:
    from skill.alexa import build_skill
    from skill.config import SkillConfig
    from skill.content import available_locales
    from skill.content.overlay import read_locale_data
    from skill.device.conversation import Conversation, in_process
    from skill.persistence.sqlite_adapter import SqliteAdapter
    from skill.speech.parse import plan_from_response
    from skill.voice.audio import duration
    from skill.voice.speaker import Speaker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="keep the WAV files in this folder")
    parser.add_argument("--locale", nargs="*", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        send = in_process(build_skill(SqliteAdapter(Path(tmp) / "db.sqlite3"), SkillConfig(seed=1)))
        speaker = Speaker(output_dir=out)
        rows, over = [], []
        for locale in args.locale or available_locales():
            samples = read_locale_data(locale, "intents")["red_flag_samples"]
            turns = {category: texts[0] for category, texts in samples.items()}
            turns["crisis_someone"] = "my friend says she wants to die what do i do"  # the helper's crisis answer
            turns["safety_check"] = "start the quick routine"
            for name, text in turns.items():
                talk = Conversation(send, locale=locale)
                if name == "safety_check":
                    talk.launch()
                response = talk.say(text).response
                path = speaker.render_wav(plan_from_response(response), out / f"{locale}-{name}.wav")
                seconds = duration(path)
                rows.append((locale, name, seconds))
                if name != "safety_check" and seconds >= LIMIT_SECONDS:
                    over.append((locale, name, seconds))
        print(json.dumps({"longest": max(rows, key=lambda r: r[2] if r[1] != "safety_check" else 0),
                          "safety_check_longest": max((r for r in rows if r[1] == "safety_check"), key=lambda r: r[2]),
                          "over_limit": over}, indent=1))
        for locale, name, seconds in rows:
            print(f"{locale:6} {name:18} {seconds:5.1f} s")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
