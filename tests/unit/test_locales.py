"""Five English locales from one base: overlays may change spelling, wording and the emergency
number, but never coverage, and never the meaning of safety advice."""

from __future__ import annotations

import json
import re

import pytest

import skill.tools.models as models
from skill.content import MAX_ANSWER_WORDS, ROUTINE_IDS, TOPIC_IDS, available_locales, load, required_prompts
from skill.content.overlay import (
    CONTENT_DIR,
    KINDS,
    OVERLAY_FILE,
    apply_overlay,
    read_json,
    read_locale_data,
    replace_words,
)
from skill.errors import ContentError

LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
VARIANTS = LOCALES[1:]
EMERGENCY = {  # words for speech, digits for cards
    "en-US": ("nine one one", "911"),
    "en-CA": ("nine one one", "911"),
    "en-GB": ("nine nine nine", "999"),
    "en-AU": ("triple zero", "000"),
    "en-IN": ("one one two", "112"),
}
SAFETY_TOPICS = ("red_flags", "when_to_stop", "contraindications", "after_massage", "massage_safety")
NOT_SPEECH = frozenset({"sources", "url", "id", "offer", "locale"})


@pytest.fixture
def localized():
    """``load`` for any locale, from a clean cache."""
    load.cache_clear()
    yield load
    load.cache_clear()


def overlay(locale: str) -> dict:
    return read_json(CONTENT_DIR / locale / OVERLAY_FILE)


def texts(data, key: str = ""):
    """Every spoken or shown string in raw content, skipping citations, ids and settings."""
    if key in NOT_SPEECH:
        return
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for item in data:
            yield from texts(item, key)
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from texts(v, k)


def whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)


# --- the real locales -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_topic_routine_prompt_and_intent_exists_in_every_locale(locale, localized):
    base, local = localized("en-US"), localized(locale)
    assert tuple(local.topics) == TOPIC_IDS
    assert tuple(local.routines) == ROUTINE_IDS
    for routine_id in ROUTINE_IDS:
        assert [s.id for s in local.routines[routine_id].steps] == [s.id for s in base.routines[routine_id].steps]
    assert set(local.prompts) == set(required_prompts())
    base_intents, local_intents = read_locale_data("en-US", "intents"), read_locale_data(locale, "intents")
    assert local_intents.keys() == base_intents.keys()
    for part in ("custom_intents", "builtin_samples", "builtin_phrases"):
        assert local_intents[part].keys() == base_intents[part].keys(), part
        assert all(local_intents[part].values()), part
    assert local_intents["invocation_name"] == base_intents["invocation_name"]


@pytest.mark.parametrize("locale", LOCALES)
def test_interaction_model_has_the_same_intents_and_unique_samples(locale, localized):
    names = [i["name"] for i in models.build_model("en-US")["interactionModel"]["languageModel"]["intents"]]
    intents = models.build_model(locale)["interactionModel"]["languageModel"]["intents"]
    assert [i["name"] for i in intents] == names
    samples = [s for i in intents for s in i["samples"]]
    assert len(samples) == len(set(samples)), "a sample in two intents, or twice in one, breaks the model build"
    assert all(re.fullmatch(r"[a-z' .{}_]+", s) for s in samples)


@pytest.mark.parametrize("locale", LOCALES)
def test_red_flag_answer_and_disclaimer_name_the_local_emergency_number(locale, localized):
    local = localized(locale)
    words, digits = EMERGENCY[locale]
    assert local.settings["emergency_number"] == words
    assert words in local.fill(local.topics["red_flags"].answer)
    assert words in local.prompt("disclaimer")
    assert digits in local.fill(local.topics["red_flags"].card, card=True)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_other_countrys_emergency_number_is_spoken_or_shown(locale, localized):
    local = localized(locale)
    foreign = {n for pair in EMERGENCY.values() if pair != EMERGENCY[locale] for n in pair}
    written = [t for kind in KINDS for t in texts(read_locale_data(locale, kind))]
    filled = [local.fill(t.answer) for t in local.topics.values()]
    filled += [local.fill(t.card, card=True) for t in local.topics.values()]
    for text in written + filled:
        for number in foreign:
            assert not whole_word(number).search(text), f"{locale}: {number!r} in {text!r}"


def test_uk_disclaimer_also_offers_the_urgent_advice_line(localized):
    assert "one one one" in localized("en-GB").prompt("disclaimer")


@pytest.mark.parametrize("locale", LOCALES)
def test_answers_stay_within_the_word_limit_once_filled(locale, localized):
    local = localized(locale)
    for topic in local.topics.values():
        assert len(local.fill(topic.answer).split()) <= MAX_ANSWER_WORDS, topic.id


@pytest.mark.parametrize(("locale", "topic", "field", "present", "absent"), [
    ("en-GB", "self_massage", "answer", "off the centre line", "center"),
    ("en-GB", "contraindications", "card", "a tumour", "tumor"),
    ("en-GB", "nerve_block", "card", "local anaesthetic", "anesthetic"),
    ("en-GB", "stretches", "more", "exercise programme", "program "),
    ("en-GB", "scalp_massage", "more", "desensitisation", "desensitization"),
    ("en-GB", "symptoms", "card", "towards the forehead", "toward the"),
    ("en-GB", "physical_therapist", "title", "Seeing a physiotherapist", "physical"),
    ("en-GB", "doctors", "answer", "Start with your GP,", "primary care"),
    ("en-GB", "treatments", "answer", "painkillers", "relievers"),
    ("en-CA", "self_massage", "answer", "off the centre line", "center"),
    ("en-CA", "contraindications", "more", "a tumour", "tumor"),
    ("en-CA", "scalp_massage", "more", "A physiotherapist can help", "physical"),
    ("en-CA", "doctors", "answer", "Start with your family doctor,", "primary care"),
    ("en-CA", "massage_therapist", "answer", "A registered massage therapist", "licensed"),
    ("en-AU", "scalp_massage", "more", "desensitisation", "desensitization"),
    ("en-AU", "doctors", "card", "GP first:", "Primary care"),
    ("en-AU", "massage_therapist", "card", "A qualified massage therapist", "licensed"),
    ("en-IN", "chiropractic", "more", "exercise programme", "program "),
    ("en-IN", "nerve_block", "card", "local anaesthetic", "anesthetic"),
    ("en-IN", "doctors", "answer", "Start with your family doctor,", "primary care"),
    ("en-IN", "posture", "answer", "part of physiotherapy", "physical therapy"),
])
def test_local_spelling_and_wording(locale, topic, field, present, absent, localized):
    text = getattr(localized(locale).topics[topic], field)
    assert present in text
    assert absent not in text
    assert present not in getattr(localized("en-US").topics[topic], field), "not a local change"


@pytest.mark.parametrize(("locale", "topic", "field", "kept", "not_wanted"), [
    ("en-CA", "scalp_massage", "more", "desensitization", "desensitisation"),
    ("en-CA", "stretches", "more", "exercise program helped", "programme"),
    ("en-CA", "nerve_block", "card", "local anesthetic", "anaesthetic"),
    ("en-CA", "symptoms", "card", "toward the forehead", "towards"),
    ("en-AU", "stretches", "more", "exercise program helped", "programme"),
])
def test_us_forms_kept_where_the_locale_uses_them_too(locale, topic, field, kept, not_wanted, localized):
    text = getattr(localized(locale).topics[topic], field)
    assert kept in text
    assert not_wanted not in text


@pytest.mark.parametrize(("locale", "topic", "question"), [
    ("en-GB", "see_doctor", "should i see my gp"),
    ("en-GB", "red_flags", "when should i go to a and e"),
    ("en-GB", "heat_ice", "can i use a hot water bottle"),
    ("en-GB", "physical_therapist", "should i see a physiotherapist"),
    ("en-CA", "massage_therapist", "should i see a registered massage therapist"),
    ("en-CA", "see_doctor", "should i see my family doctor"),
    ("en-AU", "red_flags", "when should i call triple zero"),
    ("en-AU", "heat_ice", "can i use a wheat bag"),
    ("en-IN", "red_flags", "when should i go to casualty"),
    ("en-IN", "doctors", "which doctor should i consult"),
])
def test_local_phrasings_are_samples_of_their_topic(locale, topic, question, localized):
    assert question in localized(locale).topics[topic].questions
    assert question not in localized("en-US").topics[topic].questions


@pytest.mark.parametrize("locale", VARIANTS)
def test_no_us_spelling_is_left_for_mapped_words(locale):
    for kind in KINDS:
        for text in texts(read_locale_data(locale, kind)):
            for word in overlay(locale).get("spelling", {}):
                assert not whole_word(word).search(text), f"{locale} {kind}: {word!r} left in {text!r}"


@pytest.mark.parametrize("locale", VARIANTS)
def test_every_spelling_entry_matches_something_in_the_base(locale):
    base_texts = [t for kind in KINDS for t in texts(read_locale_data("en-US", kind))]
    for word in overlay(locale)["spelling"]:
        assert any(whole_word(word).search(t) for t in base_texts), f"{locale}: {word!r} never occurs in en-US"


@pytest.mark.parametrize("locale", VARIANTS)
def test_safety_advice_is_only_respelled_never_rewritten(locale, localized):
    spelling = overlay(locale)["spelling"]
    base, local = localized("en-US"), localized(locale)
    for topic_id in SAFETY_TOPICS:
        for field in ("answer", "more", "card"):
            us_text = getattr(base.topics[topic_id], field)
            expected = replace_words(us_text, spelling) if us_text else us_text
            assert getattr(local.topics[topic_id], field) == expected, f"{locale} {topic_id}.{field}"
    keys = [k for k in base.prompts if k.startswith(("urgent_", "safety_check", "crisis_"))] + ["routine_done_help"]
    for key in keys:
        assert local.prompts[key] == replace_words(base.prompts[key], spelling), f"{locale} prompt {key}"
    assert local.cues.stop_reminder == replace_words(base.cues.stop_reminder, spelling)


def test_all_five_locales_are_available():
    assert set(LOCALES) <= set(available_locales())


# --- apply_overlay and read_locale_data on small data ----------------------------------------------


def tiny_topics() -> dict:
    return {"topics": {"doctors": {
        "title": "Seeing a physical therapist",
        "answer": "Ask your Primary care doctor, off CENTER. Call {emergency_number}.",
        "questions": ["can physical therapy help", "who is my primary care doctor"],
        "sources": [{"title": "Center for physical therapy", "url": "https://example.org/center"}],
        "offer": "none",
    }}}


SPELLING = {"center": "centre", "physical therapist": "physiotherapist", "physical therapy": "physiotherapy",
            "primary care doctor": "GP"}


def test_replace_words_is_whole_word_and_case_preserving():
    assert replace_words("Center, center, CENTER", SPELLING) == "Centre, centre, CENTRE"
    assert replace_words("centered epicenter centers", SPELLING) == "centered epicenter centers"
    assert replace_words("A Physical therapist can", SPELLING) == "A Physiotherapist can"
    assert replace_words("your primary care doctor", SPELLING) == "your GP"
    assert replace_words("your primary care doctor", SPELLING, lower=True) == "your gp"
    assert replace_words("call {center} at the center", SPELLING) == "call {center} at the centre"


def test_overlay_respells_texts_and_samples_but_not_sources_or_ids():
    base = tiny_topics()
    result = apply_overlay(base, {"base": "en-US", "spelling": SPELLING}, "topics")
    topic = result["topics"]["doctors"]
    assert topic["title"] == "Seeing a physiotherapist"
    assert topic["answer"] == "Ask your GP, off CENTRE. Call {emergency_number}."
    assert topic["questions"] == ["can physiotherapy help", "who is my gp"]
    assert topic["sources"] == base["topics"]["doctors"]["sources"]
    assert base == tiny_topics(), "the base must not be modified"


def test_overlay_overrides_fields_and_adds_questions():
    patch = {"topics": {"doctors": {"answer": "Ask your physical therapist.", "questions_add": ["should i see a gp"]}}}
    topic = apply_overlay(tiny_topics(), {"spelling": SPELLING, **patch}, "topics")["topics"]["doctors"]
    assert topic["answer"] == "Ask your physiotherapist."
    assert topic["questions"][-1] == "should i see a gp"


def test_sections_for_other_kinds_are_ignored():
    prompts = {"locale": {"emergency_number": "nine one one"}, "prompts": {"hi": "Hi."}, "examples": ["a"]}
    result = apply_overlay(prompts, {"topics": {"nope": {}}, "settings": {"emergency_number": "triple zero"},
                                     "examples": ["b"]}, "prompts")
    assert result == {"locale": {"emergency_number": "triple zero"}, "prompts": {"hi": "Hi."}, "examples": ["b"]}


def test_intent_lists_can_be_extended():
    intents = {"builtin_phrases": {"AMAZON.YesIntent": ["yes"]}}
    result = apply_overlay(intents, {"intents": {"builtin_phrases": {"AMAZON.YesIntent_add": ["aye"]}}}, "intents")
    assert result["builtin_phrases"]["AMAZON.YesIntent"] == ["yes", "aye"]


@pytest.mark.parametrize(("bad", "message"), [
    ({"topicz": {}}, "unknown overlay keys"),
    ({"topics": {"doctor": {"answer": "x"}}}, "'topics.doctor' is not in the base"),
    ({"topics": {"doctors": {"answr": "x"}}}, "'topics.doctors.answr' is not in the base"),
    ({"topics": {"doctors": {"more": "x"}}}, "'topics.doctors.more' is not in the base"),
    ({"topics": {"doctors": {"answer": ["x"]}}}, "must be a str like the base"),
    ({"topics": {"doctors": {"questions_add": ["can physical therapy help"]}}}, "already in 'questions'"),
    ({"topics": {"doctors": {"questions_add": ["a", "a"]}}}, "already in 'questions'"),
    ({"topics": {"doctors": {"questions_add": []}}}, "non-empty list of strings"),
    ({"topics": {"doctors": {"title_add": ["x"]}}}, "no list 'title'"),
    ({"spelling": {"Center": "centre"}}, "must be lower-case words"),
    ({"spelling": {"center": "Center"}}, "must be a different non-empty string"),
    ({"spelling": ["center"]}, "'spelling' must be an object"),
])
def test_bad_overlays_fail_loudly(bad, message):
    with pytest.raises(ContentError, match=re.escape(message)):
        apply_overlay(tiny_topics(), bad, "topics", where="xx/overlay.json")


def test_a_question_added_in_local_spelling_is_still_caught_as_a_duplicate():
    bad = {"spelling": SPELLING, "topics": {"doctors": {"questions_add": ["can physiotherapy help"]}}}
    with pytest.raises(ContentError, match="already in 'questions'"):
        apply_overlay(tiny_topics(), bad, "topics")


def write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_read_locale_data_prefers_own_files_and_applies_overlays(tmp_path):
    write(tmp_path / "en-US" / "topics.json", tiny_topics())
    write(tmp_path / "en-GB" / OVERLAY_FILE, {"base": "en-US", "spelling": SPELLING})
    assert read_locale_data("en-US", "topics", tmp_path) == tiny_topics()
    assert read_locale_data("en-GB", "topics", tmp_path)["topics"]["doctors"]["title"] == "Seeing a physiotherapist"
    write(tmp_path / "en-GB" / "topics.json", {"topics": {}})
    assert read_locale_data("en-GB", "topics", tmp_path) == {"topics": {}}


@pytest.mark.parametrize(("files", "message"), [
    ({"en-GB/overlay.json": {"base": "fr-FR"}}, "'base' must name another locale folder"),
    ({"en-GB/overlay.json": {"base": "en-GB"}}, "'base' must name another locale folder"),
    ({"en-GB/overlay.json": {"base": "en-AU"}, "en-AU/overlay.json": {"base": "en-US"}}, "is itself an overlay"),
    ({"en-GB/overlay.json": {"base": "en-US", "topics": {"doctors": {}}}, "en-GB/topics.json": {}}, "would be ignored"),
    ({"en-GB/overlay.json": ["en-US"]}, "must be a JSON object"),
])
def test_read_locale_data_rejects_broken_setups(tmp_path, files, message):
    write(tmp_path / "en-US" / "topics.json", tiny_topics())
    for name, data in files.items():
        write(tmp_path / name, data)
    with pytest.raises(ContentError, match=re.escape(message)):
        read_locale_data("en-GB", "topics", tmp_path)


def test_read_locale_data_rejects_unknown_kinds_and_missing_files(tmp_path):
    with pytest.raises(ContentError, match="unknown content kind"):
        read_locale_data("en-US", "lexicon", tmp_path)
    with pytest.raises(ContentError, match="missing content file"):
        read_locale_data("en-US", "topics", tmp_path)
