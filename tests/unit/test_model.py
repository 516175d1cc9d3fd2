"""The interaction models: generated from content, and linted against Alexa's rules."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from skill.alexa.handlers import handled_intents
from skill.tools import models

LOCALES = sorted(p.stem for p in models.MODELS_DIR.glob("*.json"))
LAUNCH_WORDS = {"alexa", "amazon", "echo", "ask", "tell", "open", "launch", "start", "load", "begin", "enable",
                "play", "resume", "run", "use", "stop", "cancel", "skill", "app"}
CONNECTORS = {"the", "a", "an", "for", "to", "of", "by", "from", "in", "on", "with"}


def language_model(locale: str) -> dict:
    return json.loads(models.model_path(locale).read_text(encoding="utf-8"))["interactionModel"]["languageModel"]


def test_every_locale_has_a_model():
    assert "en-US" in LOCALES


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_model_matches_content(locale):
    assert models.model_path(locale).read_text(encoding="utf-8") == models.render(models.build_model(locale)), \
        "run: python -m skill.tools.models"


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name_rules(locale):
    name = language_model(locale)["invocationName"]
    assert re.fullmatch(r"[a-z][a-z' .]*[a-z]", name) and 2 <= len(name) <= 50
    words = name.split()
    assert len(words) >= 2 and not set(words) & LAUNCH_WORDS
    if len(words) == 2:
        assert not set(words) & CONNECTORS


@pytest.mark.parametrize("locale", LOCALES)
def test_samples_are_plain_and_unique(locale):
    seen: Counter[str] = Counter()
    for intent in language_model(locale)["intents"]:
        slots = {s["name"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            assert re.fullmatch(r"[a-z' .{}A-Z]+", sample), f"{intent['name']}: {sample!r}"
            assert not re.search(r"\d", sample) and "  " not in sample and sample == sample.strip()
            for slot in re.findall(r"\{(\w+)\}", sample):
                assert slot in slots, f"{intent['name']}: undeclared slot {slot}"
            if intent["name"] == "AskQuestionIntent":
                assert sample != "{question}", "SearchQuery samples need a carrier phrase"
            seen[sample.lower()] += 1
    duplicated = [s for s, n in seen.items() if n > 1]
    assert duplicated == [], f"samples in two intents: {duplicated}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_is_handled_and_required_builtins_exist(locale):
    names = {i["name"] for i in language_model(locale)["intents"]}
    assert {"AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent"} <= names
    assert names - handled_intents() == set()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_custom_slot_type_is_used_and_values_are_plain(locale):
    lm = language_model(locale)
    used = {s["type"] for i in lm["intents"] for s in i.get("slots", [])}
    for slot_type in lm["types"]:
        assert slot_type["name"] in used
        for value in slot_type["values"]:
            for text in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                assert len(text) <= 140 and not re.search(r"\d", text)


def test_routine_type_has_the_three_routines():
    values = {v["id"] for t in language_model("en-US")["types"] for v in t["values"]}
    assert values == {"quick", "full", "gentle"}


def test_check_command_detects_a_stale_model(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "MODELS_DIR", tmp_path)
    assert models.main(["--check", "--locale", "en-US"]) == 1
    assert models.main(["--locale", "en-US"]) == 0
    assert models.main(["--check", "--locale", "en-US"]) == 0


@pytest.mark.parametrize("locale", LOCALES)
def test_urgent_symptom_samples_are_red_flags_for_the_screen_too(locale):
    """Alexa's NLU and our own screen must agree: a red-flag sample is urgent on either path."""
    from skill.safety import screen

    for intent in language_model(locale)["intents"]:
        if intent["name"] == "UrgentSymptomIntent":
            assert intent["samples"]
            assert [s for s in intent["samples"] if not screen(s)] == []
