"""The interaction models: generated from content, and linted against Alexa's rules."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from skill.alexa.handlers import handled_intents
from skill.content import load
from skill.tools import models

LOCALES = sorted(p.stem for p in models.MODELS_DIR.glob("*.json"))
LAUNCH_WORDS = {"alexa", "amazon", "echo", "ask", "tell", "open", "launch", "start", "load", "begin", "enable",
                "play", "resume", "run", "use", "stop", "cancel", "skill", "app"}
# Short commands may have literal samples only: their words are the command, never a description.
COMMAND_INTENTS = {"MoreIntent", "SlowerIntent", "FasterIntent", "ProgressIntent", "ThanksIntent"}
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
            assert re.fullmatch(r"[a-z' .]*(?:\{[a-z_]+\}[a-z' .]*)*", sample), f"{intent['name']}: {sample!r}"
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


def slot_values(locale: str, type_name: str) -> dict[str, list[str]]:
    types = {t["name"]: t["values"] for t in language_model(locale)["types"]}
    return {v["id"]: [v["name"]["value"], *v["name"].get("synonyms", [])] for v in types[type_name]}


def test_routine_type_has_the_three_routines():
    assert set(slot_values("en-US", "ROUTINE_NAME")) == {"quick", "full", "gentle"}


@pytest.mark.parametrize("locale", LOCALES)
def test_topic_questions_resolve_to_every_topic(locale):
    """Alexa's entity resolution names the topic from its sample questions, for every topic."""
    values = slot_values(locale, "TOPIC_QUESTION")
    assert set(values) == set(load(locale).topics)
    assert all(len(v) >= 8 for v in values.values())


@pytest.mark.parametrize("locale", LOCALES)
def test_no_intent_takes_a_description_without_its_words(locale):
    """A symptom description must reach the screen: an intent with only literal samples could swallow
    one ("i fell yesterday is massage safe"), so only built-ins and short commands may lack a slot."""
    wordless = {i["name"] for i in language_model(locale)["intents"] if not i.get("slots")}
    assert all(name.startswith("AMAZON.") or name in COMMAND_INTENTS for name in wordless), wordless
    for intent in language_model(locale)["intents"]:
        if intent["name"] in COMMAND_INTENTS:
            assert max(len(s.split()) for s in intent["samples"]) <= 8


def test_check_command_detects_a_stale_model(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "MODELS_DIR", tmp_path)
    assert models.main(["--check", "--locale", "en-US"]) == 1
    assert models.main(["--locale", "en-US"]) == 0
    assert models.main(["--check", "--locale", "en-US"]) == 0


@pytest.mark.parametrize("locale", LOCALES)
def test_red_flag_values_cover_every_category_and_the_screen_agrees(locale):
    """Alexa's NLU and our own screen must agree: each red-flag value is urgent, in its own category,
    on either path, and every category the screen knows has values for Alexa to learn from."""
    from skill.understanding.screen import categories, check

    values = slot_values(locale, "RED_FLAG")
    assert set(values) == set(categories(locale))
    wrong = [(cat, text, check(text, locale)) for cat, texts in values.items() for text in texts
             if check(text, locale).category != cat or not check(text, locale).urgent]
    assert wrong == []
