"""Generate each locale's Alexa interaction model from its content files.

The topics' sample questions become the values of the ``TopicQuestionIntent`` slot (one value per
topic, its id the topic's), and the red-flag phrasings the values of ``UrgentSymptomIntent``'s slot
(ids: the screen's categories), so the questions Alexa's NLU learns and the questions our ranker and
screen know can never drift apart, and every description reaches the skill with its words.
``--check`` fails when a committed model differs from what the content generates (CI runs it through the tests).

Usage: python -m skill.tools.models [--check] [--locale en-US ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from skill.content import available_locales, load
from skill.content.overlay import read_locale_data
from skill.intents import (
    ASK_INTENT,
    ASK_SLOT,
    SYMPTOM_SLOT,
    SYMPTOM_SLOT_TYPE,
    TOPIC_INTENT,
    TOPIC_SLOT,
    TOPIC_SLOT_TYPE,
    URGENT_INTENT,
)
from skill.text import normalise

MODELS_DIR = Path(__file__).resolve().parents[2] / "interaction_models"
ROUTINE_SLOT_TYPE = "ROUTINE_NAME"
BUILTIN_INTENTS = (
    "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.RepeatIntent", "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent",
)


def intent_phrases(locale: str) -> dict[str, Any]:
    """The locale's ``intents.json``: invocation name, carrier phrases, custom and built-in samples."""
    return read_locale_data(locale, "intents")


def build_model(locale: str) -> dict[str, Any]:
    """The complete interaction model for ``locale``."""
    content = load(locale)
    phrases = intent_phrases(locale)
    intents: list[dict[str, Any]] = []
    for name in BUILTIN_INTENTS:
        intents.append({"name": name, "samples": list(phrases["builtin_samples"].get(name, []))})
    intents.append({
        "name": ASK_INTENT,
        "slots": [{"name": ASK_SLOT, "type": "AMAZON.SearchQuery"}],
        "samples": list(phrases["question_carriers"]),
    })
    intents.append({"name": TOPIC_INTENT, "slots": [{"name": TOPIC_SLOT, "type": TOPIC_SLOT_TYPE}],
                    "samples": list(phrases["topic_carriers"])})
    intents.append({"name": URGENT_INTENT, "slots": [{"name": SYMPTOM_SLOT, "type": SYMPTOM_SLOT_TYPE}],
                    "samples": list(phrases["symptom_carriers"])})
    for name, samples in phrases["custom_intents"].items():
        intent: dict[str, Any] = {"name": name, "samples": list(samples)}
        if any("{routine}" in s for s in samples):
            intent["slots"] = [{"name": "routine", "type": ROUTINE_SLOT_TYPE}]
        intents.append(intent)
    routine_values = [
        {"id": r.id, "name": {"value": r.id, "synonyms": sorted({normalise(r.title), *r.synonyms} - {r.id})}}
        for r in content.routines.values()
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": phrases["invocation_name"],
                "intents": intents,
                "types": [
                    {"name": ROUTINE_SLOT_TYPE, "values": routine_values},
                    {"name": TOPIC_SLOT_TYPE, "values": _values({t.id: t.questions for t in content.topics.values()})},
                    {"name": SYMPTOM_SLOT_TYPE, "values": _values(phrases["red_flag_samples"])},
                ],
            }
        }
    }


def _values(phrases: dict[str, Any]) -> list[dict[str, Any]]:
    """Slot values for phrase lists keyed by id: the first phrase names the value, the rest are synonyms."""
    return [{"id": key, "name": {"value": items[0], "synonyms": list(items[1:])}} for key, items in phrases.items()]


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def model_path(locale: str) -> Path:
    return MODELS_DIR / f"{locale}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed model is out of date")
    parser.add_argument("--locale", nargs="*", default=None)
    args = parser.parse_args(argv)
    stale = []
    for locale in args.locale or available_locales():
        text = render(build_model(locale))
        path = model_path(locale)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python -m skill.tools.models):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
