"""The local stand-in for Alexa's NLU: utterances and the intent and slots each must produce."""

from __future__ import annotations

import pytest

from skill.understanding.matcher import LAUNCH, QUESTION_INTENT, matcher_for

TABLE = [
    ("open neck relief coach", LAUNCH, {}),
    ("Alexa, open Neck Relief Coach.", LAUNCH, {}),
    ("launch neck relief coach", LAUNCH, {}),
    ("", LAUNCH, {}),
    ("ask neck relief coach", LAUNCH, {}),
    ("help", "AMAZON.HelpIntent", {}),
    ("what can I say", "AMAZON.HelpIntent", {}),
    ("stop", "AMAZON.StopIntent", {}),
    ("goodbye", "AMAZON.StopIntent", {}),
    ("cancel", "AMAZON.CancelIntent", {}),
    ("yes", "AMAZON.YesIntent", {}),
    ("yes please", "AMAZON.YesIntent", {}),
    ("sure", "AMAZON.YesIntent", {}),
    ("no thanks", "AMAZON.NoIntent", {}),
    ("repeat that", "AMAZON.RepeatIntent", {}),
    ("say that again", "AMAZON.RepeatIntent", {}),
    ("pause", "AMAZON.PauseIntent", {}),
    ("hold on", "AMAZON.PauseIntent", {}),
    ("continue", "AMAZON.ResumeIntent", {}),
    ("continue please", "AMAZON.ResumeIntent", {}),
    ("resume", "AMAZON.ResumeIntent", {}),
    ("keep going", "AMAZON.ResumeIntent", {}),
    ("next", "AMAZON.NextIntent", {}),
    ("skip this step", "AMAZON.NextIntent", {}),
    ("back", "AMAZON.PreviousIntent", {}),
    ("go back", "AMAZON.PreviousIntent", {}),
    ("start over", "AMAZON.StartOverIntent", {}),
    ("slower", "SlowerIntent", {}),
    ("slow down please", "SlowerIntent", {}),
    ("you're talking too fast", "SlowerIntent", {}),
    ("faster", "FasterIntent", {}),
    ("speed up", "FasterIntent", {}),
    ("how much longer", "ProgressIntent", {}),
    ("where am I", "ProgressIntent", {}),
    ("tell me more", "MoreIntent", {}),
    ("start a massage", "StartRoutineIntent", {}),
    ("guide me through a self massage", "StartRoutineIntent", {}),
    ("walk me through a massage", "StartRoutineIntent", {}),
    ("start the quick routine", "StartRoutineIntent", {"routine": "quick"}),
    ("I need the gentle one", "StartRoutineIntent", {"routine": "gentle"}),
    ("the full one", "StartRoutineIntent", {"routine": "full"}),
    ("quick", "StartRoutineIntent", {"routine": "quick"}),
    ("tell neck relief coach to start the quick routine", "StartRoutineIntent", {"routine": "quick"}),
    ("should I use heat or ice", "TopicQuestionIntent", {"topic_question": "should i use heat or ice"}),
    ("how hard should I press", "TopicQuestionIntent", {"topic_question": "how hard should i press"}),
    ("ask neck relief coach how hard should I press", "TopicQuestionIntent",
     {"topic_question": "how hard should i press"}),
    ("I fell off my bike yesterday how hard should I press", "UrgentSymptomIntent",
     {"symptom": "I fell off my bike yesterday how hard should I press"}),
    ("ask neck relief coach i hit my head can i massage", "UrgentSymptomIntent",
     {"symptom": "i hit my head can i massage"}),
    ("I have a question about pillows", QUESTION_INTENT, {"question": "pillows"}),
    ("tell me about heat packs", QUESTION_INTENT, {"question": "heat packs"}),
    ("is it bad that my scalp tingles after rubbing", QUESTION_INTENT,
     {"question": "is it bad that my scalp tingles after rubbing"}),
    ("What's the weather?", QUESTION_INTENT, {"question": "What's the weather?"}),
]


@pytest.mark.parametrize(("text", "intent", "slots"), TABLE)
def test_utterance_table(text, intent, slots):
    match = matcher_for("en-US").match(text)
    assert match.intent == intent
    assert match.slots == slots


def test_every_model_sample_without_slots_matches_its_own_intent():
    import json

    from skill.understanding.matcher import MODELS_DIR

    model = json.loads((MODELS_DIR / "en-US.json").read_text(encoding="utf-8"))
    matcher = matcher_for("en-US")
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        for sample in intent.get("samples", []):
            if "{" not in sample:
                assert matcher.match(sample).intent == intent["name"], sample


def test_topic_questions_resolve_to_their_topic_like_alexas_entity_resolution():
    match = matcher_for("en-US").match("should I use heat or ice")
    assert match.resolved == {"topic_question": ("heat_ice", "TOPIC_QUESTION")}


def test_every_routine_synonym_fills_the_slot():
    from skill.content import load

    matcher = matcher_for("en-US")
    for routine in load("en-US").routines.values():
        for synonym in routine.synonyms:
            match = matcher.match(f"start the {synonym} routine")
            assert match.slots.get("routine") == routine.id, synonym


@pytest.mark.parametrize(("text", "intent"), [
    ("yeah i'm happy with that", "AMAZON.YesIntent"), ("yes i'm ready", "AMAZON.YesIntent"),
    ("no i'm not ready yet", "AMAZON.NoIntent"), ("no my neck's too sore for that", "AMAZON.NoIntent")])
def test_a_yes_or_no_opening_a_statement_is_that_answer(text, intent):
    assert matcher_for("en-US").match(text, routine_running=True).intent == intent


@pytest.mark.parametrize("text", ["yes but only a little", "yes i am not sure", "no yeah maybe", "no what is that",
                                  "no wait go back", "yes what do i do next"])
def test_a_yes_or_no_that_is_taken_back_hedged_or_followed_by_a_command_is_not_guessed(text):
    """The safety check must not take "yes but only a little" for an answer either way."""
    assert matcher_for("en-US").match(text, routine_running=True).intent not in {"AMAZON.YesIntent", "AMAZON.NoIntent"}


@pytest.mark.parametrize("text", ["i want the bedtime routine", "run the desk routine", "start the breathing one"])
def test_a_routine_name_the_list_lacks_still_reaches_the_routine_intent_unresolved(text):
    """As Alexa fills a custom slot with a value it does not list: the handler then names the routines."""
    match = matcher_for("en-US").match(text, routine_running=True)
    assert (match.intent, match.how, match.resolved) == ("StartRoutineIntent", "loose", {})
    assert match.slots["routine"] == text.split()[-2]


@pytest.mark.parametrize("text", ["do the next one", "the other one", "start therapy routine", "nap routine"])
def test_a_loose_routine_name_is_never_a_pointer_or_part_of_a_word(text):
    """'do the next one' is a step, 'start therapy' holds no 'the', and a one-word carrier is too weak."""
    match = matcher_for("en-US").match(text, routine_running=True)
    assert match.how != "loose"


def test_a_command_behind_a_carrier_phrase_is_scored_with_the_whole_utterance(monkeypatch):
    """The carried words ("tell me more about that") are scored lexically, but their embedding is the
    whole utterance's, the one vector the ranker reuses: one embedding per utterance."""
    matcher = matcher_for("en-US")
    seen: list[str | None] = []
    real = matcher.classifier.score

    def recording(text, said=None):
        seen.append(said)
        return real(text, said=said)

    monkeypatch.setattr(matcher.classifier, "score", recording)
    matcher._command("tell me a bit more about that one", routine_running=True,
                     said="could you tell me a bit more about that one")
    assert seen and set(seen) == {"could you tell me a bit more about that one"}


def test_a_long_navigation_command_counts_only_while_a_routine_plays():
    """Mid-routine a progress question of eight words is the command; with no routine it is a question."""
    matcher = matcher_for("en-US")
    text = "how many minutes of this have i done so"
    assert matcher.match(text, routine_running=True).intent == "ProgressIntent"
    assert matcher.match(text, routine_running=False).intent == QUESTION_INTENT
