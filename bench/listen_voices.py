"""How well ``listen`` hears the skill's phrases across espeak-ng voices and speeds, and what it refuses.

Each voice speaks, at each speed, the README's "Things to say", a fixed stride through every
intent's phrases and the topic questions (``spoken_utterances``), and some everyday requests the
skill has no phrase for. A phrase counts as right when what was heard reaches the same intent (and
routine) as the typed text; out-of-grammar speech, white noise, a tone and silence count as right
when refused. The confidence of every result is kept, so the table also shows what other
thresholds would give.

Tuning and testing use disjoint halves (``--part``): the utterances alternate, even positions of
``spoken_utterances()`` in the tune part and odd ones in the test part, and so do the everyday
requests. Thresholds and grammar choices are tuned on ``--part tune`` only; ``--part test`` is
the figure to report.

Usage: python -m bench.listen_voices [--part tune|test|all] [--voices en-us en-gb ...] [--speeds 130 155 180]
       [--stride 1] [--json rows.json]
       python -m bench.listen_voices --load rows.json [more.json ...]   (score saved runs together)
"""

from __future__ import annotations

import argparse
import array
import json
import math
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb+m3", "en+klatt", "en-us+m5"]
SPEEDS = [130, 155, 180]
LOCALE = "en-US"
README = Path(__file__).resolve().parents[1] / "README.md"
COMMAND_STRIDE = 5
QUESTION_STRIDE = 12
# Free-text questions inside carrier phrases, which the grammar completes from the knowledge base.
CARRIED = ["tell me about a nerve block", "i was wondering how hard should i press", "what about the red flags",
           "can i ask how often should i massage"]
# Everyday requests with no phrase in the grammar: each must be refused, not heard as a command.
OUT_OF_GRAMMAR = ["play some music", "what's the weather like today", "set a timer for ten minutes",
                  "call my mother", "turn off the lights", "tell me a joke", "order a pizza",
                  "how tall is mount everest", "add milk to my shopping list", "what time is it in tokyo",
                  "read me the news", "how do i get to the station", "what's on television tonight",
                  "remind me to water the plants", "who won the football", "spell necessary"]
PARTS = ("tune", "test", "all")


def part_of(items: list[str], part: str) -> list[str]:
    """One half of ``items``: even positions are the tuning part, odd ones the test part; "all" is both."""
    return {"tune": items[0::2], "test": items[1::2], "all": items}[part]


def readme_examples() -> list[str]:
    """The quoted phrases of the README's "Things to say" paragraph, lower-cased as the matcher reads them."""
    paragraph = README.read_text(encoding="utf-8").split("Things to say:", 1)[1].split("\n\n", 1)[0]
    return [" ".join(phrase.lower().split()) for phrase in re.findall(r'"([^"]+)"', paragraph)]


def spoken_utterances(command_stride: int = COMMAND_STRIDE, question_stride: int = QUESTION_STRIDE) -> list[str]:
    """README examples, every n-th phrase of each command intent and built-in group, every m-th topic question."""
    from skill.content.overlay import read_locale_data
    from skill.understanding.matcher import MODELS_DIR

    language = json.loads((MODELS_DIR / f"{LOCALE}.json").read_text(encoding="utf-8"))["interactionModel"][
        "languageModel"]
    builtin = read_locale_data(LOCALE, "intents")["builtin_phrases"]
    routines = [v["name"]["value"] for t in language["types"] if t["name"] == "ROUTINE_NAME" for v in t["values"]]
    questions = [n for t in language["types"] if t["name"] == "TOPIC_QUESTION" for v in t["values"]
                 for n in [v["name"]["value"], *v["name"]["synonyms"]]]
    commands = []
    for intent in language["intents"]:
        if not any("{" in s and "{routine}" not in s for s in intent["samples"]):
            commands += intent["samples"][::command_stride]
    for phrases in builtin.values():
        commands += phrases[::command_stride]
    commands = [c.format(routine=routines[n % len(routines)]) for n, c in enumerate(commands)]
    return list(dict.fromkeys(readme_examples() + commands + questions[::question_stride] + CARRIED))


def route(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Where the words lead: the intent and the slots that steer it, and for a question the topic
    that answers it (a question heard in slightly other words still counts when its answer is the same)."""
    from skill.coach import ranker_for
    from skill.content import load
    from skill.intents import ASK_INTENT, TOPIC_INTENT
    from skill.understanding.matcher import matcher_for

    match = matcher_for(LOCALE).match(text)
    if match.intent in (ASK_INTENT, TOPIC_INTENT):
        best = ranker_for(load(LOCALE)).best(text)
        return "question", (("topic", best.topic if best else ""),)
    free = ("question", "topic_question", "symptom")
    return match.intent, tuple(sorted((k, v) for k, v in match.slots.items() if k not in free))


def speak(text: str, voice: str, speed: int, wav: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True,
                   capture_output=True, timeout=30)
    return wav


def sounds(seconds: float = 1.0) -> dict[str, bytes]:
    """Non-speech a recogniser must refuse: white noise, a 440 Hz tone, a chirp, near-silence (seeded)."""
    from skill.voice.listen import SAMPLE_RATE

    rng = random.Random(7)
    count = int(SAMPLE_RATE * seconds)
    made = {
        "white noise": [rng.gauss(0, 3000) for _ in range(count)],
        "tone 440 Hz": [8000 * math.sin(2 * math.pi * 440 * n / SAMPLE_RATE) for n in range(count)],
        "chirp 200-2000 Hz": [8000 * math.sin(2 * math.pi * (200 + 900 * n / count) * n / SAMPLE_RATE)
                              for n in range(count)],
        "hiss at whisper level": [rng.gauss(0, 60) for _ in range(count)],
    }
    return {name: array.array("h", (max(-32768, min(32767, int(v))) for v in values)).tobytes()
            for name, values in made.items()}


def measure(voices: Iterable[str], speeds: Iterable[int], utterances: list[str],
            others: list[str] = OUT_OF_GRAMMAR, save: Path | None = None) -> dict:
    """Decode everything once; keep text and confidence so thresholds can be compared afterwards.

    With ``save``, the rows so far are written there after every voice and speed, so a sweep cut
    short on a busy machine still leaves what it measured for ``--load``.
    """
    from skill.voice.listen import is_silent, read_audio, recogniser_for

    recogniser = recogniser_for(LOCALE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for voice in voices:
            for speed in speeds:
                started = time.monotonic()
                for kind, texts in (("phrase", utterances), ("other speech", others)):
                    for text in texts:
                        pcm = read_audio(speak(text, voice, speed, Path(tmp) / "say.wav"))
                        heard = recogniser.hear(pcm)
                        rows.append({"voice": voice, "speed": speed, "kind": kind, "text": text,
                                     "heard": heard.text, "confidence": heard.confidence, "score": heard.score,
                                     "free": heard.free, "modulation": heard.modulation,
                                     "words": len(heard.text.split())})
                print(f"{voice} {speed}: {time.monotonic() - started:.1f} s", flush=True)
                if save:
                    save.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    for name, pcm in sounds().items():
        heard = recogniser.hear(pcm)
        rows.append({"voice": "-", "speed": 0, "kind": "sound", "text": name, "silent": is_silent(pcm),
                     "heard": heard.text, "confidence": heard.confidence, "score": heard.score,
                     "free": heard.free, "modulation": heard.modulation,
                     "words": len(heard.text.split())})
    return {"rows": rows}


def verdict(row: dict, limits: tuple[float, float] | None = None) -> str:
    """right, refused or wrong for one decoded item, under listen's rule or other (score, confidence) limits."""
    from skill.voice.listen import Heard

    result = Heard(row["heard"], row["score"], row["free"], row["modulation"])
    heard = row["heard"] if result.trusted(*(limits or ())) and not row.get("silent") else ""
    if row["kind"] != "phrase":
        return "right" if not heard else "wrong"
    if not heard:
        return "refused"
    return "right" if route(heard) == route(row["text"]) else "wrong"


def table(rows: list[dict]) -> str:
    lines = ["| voice | speed (wpm) | phrases right | refused | wrong | other speech refused |",
             "|---|---:|---:|---:|---:|---:|"]
    groups = dict.fromkeys((r["voice"], r["speed"]) for r in rows if r["kind"] != "sound")
    total = {"right": 0, "refused": 0, "wrong": 0, "n": 0, "other": 0, "on": 0}
    for voice, speed in groups:
        mine = [r for r in rows if (r["voice"], r["speed"]) == (voice, speed)]
        phrases = [verdict(r) for r in mine if r["kind"] == "phrase"]
        others = [verdict(r) for r in mine if r["kind"] == "other speech"]
        counts = {v: phrases.count(v) for v in ("right", "refused", "wrong")}
        for key, value in counts.items():
            total[key] += value
        total["n"] += len(phrases)
        total["other"] += others.count("right")
        total["on"] += len(others)
        lines.append(f"| {voice} | {speed} | {counts['right']}/{len(phrases)} ({counts['right'] / len(phrases):.1%})"
                     f" | {counts['refused']} | {counts['wrong']} | {others.count('right')}/{len(others)} |")
    lines.append(f"| all | | {total['right']}/{total['n']} ({total['right'] / total['n']:.1%}) | {total['refused']}"
                 f" | {total['wrong']} | {total['other']}/{total['on']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from skill.voice.listen import MIN_CONFIDENCE, MIN_SCORE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=PARTS, default="all",
                        help="tune on one half of the utterances, report the other (default: both)")
    parser.add_argument("--voices", nargs="*", default=VOICES)
    parser.add_argument("--speeds", nargs="*", type=int, default=SPEEDS)
    parser.add_argument("--stride", type=int, default=1, help="take every n-th utterance only (quicker)")
    parser.add_argument("--json", help="also write every decoded item here")
    parser.add_argument("--load", nargs="+", metavar="JSON",
                        help="score items saved by --json (one run or several, e.g. voices run side by side) "
                             "instead of decoding again")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.load:
        rows = [row for name in args.load for row in json.loads(Path(name).read_text(encoding="utf-8"))]
        sounds_once = {r["text"]: r for r in rows if r["kind"] == "sound"}  # every run decodes the same sounds
        rows = [r for r in rows if r["kind"] != "sound"] + list(sounds_once.values())
    else:
        utterances = part_of(spoken_utterances(), args.part)[:: args.stride]
        rows = measure(args.voices, args.speeds, utterances, part_of(OUT_OF_GRAMMAR, args.part),
                       Path(args.json) if args.json else None)["rows"]
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    per_group = {kind: len({r["text"] for r in rows if r["kind"] == kind}) for kind in ("phrase", "other speech")}
    print(f"\n{args.part if not args.load else ' '.join(args.load)}: {per_group['phrase']} phrases and "
          f"{per_group['other speech']} other requests per voice and speed, score at least {MIN_SCORE}, "
          f"confidence at least {MIN_CONFIDENCE}, {time.monotonic() - started:.0f} s\n")
    print(table(rows))
    sound_rows = [r for r in rows if r["kind"] == "sound"]
    sounds_refused = [r["text"] for r in sound_rows if verdict(r) == "right"]
    print(f"\nsounds refused: {len(sounds_refused)}/{len(sound_rows)} ({', '.join(sounds_refused)})")
    for limits in ((-math.inf, -math.inf), (MIN_SCORE, -math.inf), (-math.inf, MIN_CONFIDENCE), (-0.75, -0.3),
                   (-0.72, -0.21), (-0.67, -0.31)):
        verdicts = [verdict(r, limits) for r in rows]
        phrase = [v for v, r in zip(verdicts, rows, strict=True) if r["kind"] == "phrase"]
        other = [v for v, r in zip(verdicts, rows, strict=True) if r["kind"] != "phrase"]
        print(f"score, confidence at least {limits}: phrases right {phrase.count('right') / len(phrase):.1%}, wrong "
              f"{phrase.count('wrong') / len(phrase):.1%}, non-phrases refused {other.count('right') / len(other):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
