"""The question-answering skill, driven with real envelopes through the ASK SDK."""

from __future__ import annotations

import gc

import pytest

from skill.content import TOPIC_IDS, load
from skill.device.envelopes import intent_request, resolved_slot
from skill.intents import TOPIC_INTENT, TOPIC_SLOT, TOPIC_SLOT_TYPE

CONTENT = load("en-US")


def test_launch_gives_disclaimer_once_then_a_short_menu(make_conversation):
    first = make_conversation().launch()
    assert "isn't medical advice" in first.transcript
    assert "nine one one" in first.transcript
    assert first.response["response"]["shouldEndSession"] is False
    again = make_conversation().launch()  # a new session for the same user
    assert "medical advice" not in again.transcript
    assert "start a massage" in again.transcript


@pytest.mark.parametrize("topic", TOPIC_IDS)
def test_every_topic_resolved_by_alexa_answers_and_sets_last_topic(talk, topic):
    talk.launch()
    question = CONTENT.topics[topic].questions[0]
    exchange = talk.intent(TOPIC_INTENT, **{TOPIC_SLOT: resolved_slot(TOPIC_SLOT, question, topic, TOPIC_SLOT_TYPE)})
    assert talk.attributes["last_topic"] == topic and "urgent" not in talk.attributes
    card = exchange.response["response"]["card"]
    first = CONTENT.topics[topic].sources[0]
    assert f"- {first.publisher}: {first.title}" in card["content"], "the card names who published each source"
    assert "{" not in exchange.transcript, "placeholders must be filled"


@pytest.mark.parametrize(("question", "topic"), [
    ("is it okay to massage occipital neuralgia", "massage_safety"),
    ("should I use heat or ice", "heat_ice"),
    ("how hard should I press", "pressure"),
    ("can I use a massage gun on my neck", "devices"),
    ("when should I see a doctor", "see_doctor"),
    ("what kind of doctor treats this", "doctors"),
    ("Is a tennis ball against the wall a good idea?", "ball_release"),
])
def test_free_text_questions_reach_their_topic(talk, question, topic):
    talk.launch()
    talk.intent("AskQuestionIntent", question=question)
    assert talk.attributes["last_topic"] == topic


@pytest.mark.parametrize(("question", "topic", "says"), [
    ("when should I see a doctor", "see_doctor",
     ("keeps coming back", "gets worse", "call nine one one")),
    ("what kind of doctor treats this", "doctors",
     ("primary care doctor", "neurologist", "pain specialist", "physical therapist", "licensed massage therapist")),
])
def test_when_to_see_a_doctor_and_who_to_see_are_two_answers(talk, question, topic, says):
    """Said as a person would (the local NLU, then the skill): "when" is about signs and timing, "who" about people."""
    talk.launch()
    exchange = talk.say(question)
    assert talk.attributes["last_topic"] == topic
    assert all(words in exchange.transcript for words in says), exchange.transcript
    other = "neurologist" if topic == "see_doctor" else "keeps coming back"
    assert other not in exchange.transcript


def test_unknown_question_is_honest_and_clears_last_topic(talk):
    talk.launch()
    talk.intent("AskQuestionIntent", question="how hard should I press")
    exchange = talk.intent("AskQuestionIntent", question="what's the capital of france")
    assert "last_topic" not in talk.attributes
    assert "massage" in exchange.transcript.lower(), "the refusal points to what the skill can do"
    assert exchange.response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("text", [
    "this is the worst headache of my life can I massage it",
    "I hit my head yesterday, should I use heat or ice",
    "I've got a fever and a stiff neck how hard should I press",
    "my arm went numb after the massage",
    "I'm seventy and I have a new headache and my jaw hurts when I chew",
])
def test_red_flags_win_over_everything_else_the_text_says(talk, text):
    talk.launch()
    exchange = talk.intent("AskQuestionIntent", question=text)
    assert talk.attributes["last_topic"] == "red_flags" and talk.attributes["urgent"]
    assert exchange.transcript.startswith("Call nine one one") and exchange.transcript.endswith("nine one one.")


@pytest.mark.parametrize(("text", "category"), [
    ("I fell off my bike yesterday and hit my head", "head_injury"),
    ("the pain makes me want to die", "crisis"),
    ("I'm on warfarin and I slipped and banged my head", "blood_thinners"),
])
def test_a_topic_question_alexa_resolved_is_still_screened(talk, text, category):
    """Alexa may resolve words that also describe a red flag to a topic: the words win."""
    talk.launch()
    talk.intent(TOPIC_INTENT, **{TOPIC_SLOT: resolved_slot(TOPIC_SLOT, text, "ball_release", TOPIC_SLOT_TYPE)})
    assert talk.attributes["urgent"] == category and talk.attributes["last_topic"] == "red_flags"


def test_the_urgent_marker_is_set_on_the_urgent_answer_only(talk):
    talk.launch()
    talk.say("should I use heat or ice")
    assert "urgent" not in talk.attributes
    talk.say("I think I'm having a stroke")
    assert talk.attributes["urgent"] == "neuro_deficit"
    talk.say("how hard should I press")
    assert "urgent" not in talk.attributes


def test_crisis_gets_the_crisis_line_calmly_and_never_the_headache_list(talk):
    talk.launch()
    exchange = talk.say("honestly this pain makes me want to die")
    assert talk.attributes["urgent"] == "crisis"
    assert "nine eight eight" in exchange.transcript and "nine one one" in exchange.transcript
    assert "headache" not in exchange.transcript.lower()


def test_worry_about_someone_else_in_crisis_gets_how_to_help_them(talk):
    """The crisis line and the emergency number still, but words for the helper, not "you're not alone";
    "more" goes on with the signs to take seriously."""
    talk.launch()
    exchange = talk.say("my brother keeps saying he wants to end it all what should i do")
    assert talk.attributes["urgent"] == "crisis"
    assert "nine eight eight" in exchange.transcript and "nine one one" in exchange.transcript
    assert "stay with them" in exchange.transcript.lower() and "not alone" not in exchange.transcript
    more = talk.say("tell me more")
    assert "belongings" in more.transcript and "urgent" not in talk.attributes


def test_own_crisis_told_to_someone_is_still_the_speakers_own(talk):
    talk.launch()
    exchange = talk.say("i told my sister i want to die")
    assert talk.attributes["urgent"] == "crisis"
    assert "not alone" in exchange.transcript


def test_an_informational_question_gets_information_not_an_alarm(talk):
    talk.launch()
    exchange = talk.say("what are the signs of a stroke")
    assert "urgent" not in talk.attributes
    assert talk.attributes["last_topic"] == "red_flags"
    assert "nine one one" in exchange.transcript


def test_red_flag_during_a_routine_sets_the_routine_aside(talk):
    talk.launch()
    talk.say("start the full routine")
    talk.say("no")
    assert talk.routine is not None
    talk.intent("AskQuestionIntent", question="I suddenly can't see properly")
    assert talk.routine is None
    assert talk.attributes["last_topic"] == "red_flags"


def test_more_yes_and_repeat_follow_the_last_answer(talk):
    talk.launch()
    answer = talk.say("should I use heat or ice")
    assert talk.attributes["offer"] == "more"
    more = talk.say("yes")
    assert more.transcript.startswith(CONTENT.topics["heat_ice"].more.split(".")[0])
    again = talk.say("tell me more")
    assert CONTENT.topics["heat_ice"].more.split(".")[0] in again.transcript
    talk.say("how hard should I press")
    repeated = talk.say("repeat")
    assert CONTENT.topics["pressure"].answer.split(".")[0] in repeated.transcript
    assert answer.transcript != repeated.transcript


def test_more_without_a_topic_says_so(talk):
    talk.launch()
    exchange = talk.say("tell me more")
    assert "That's all I have" in exchange.transcript


def test_no_to_an_offer_moves_on_and_no_again_ends(talk):
    talk.launch()
    talk.say("should I use heat or ice")
    exchange = talk.say("no")
    assert exchange.response["response"]["shouldEndSession"] is False
    done = talk.say("no")
    assert done.response["response"]["shouldEndSession"] is True


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"])
def test_stop_cancel_and_home_end_the_session(talk, intent):
    talk.launch()
    exchange = talk.intent(intent)
    assert exchange.response["response"]["shouldEndSession"] is True
    assert talk.session is None


@pytest.mark.parametrize("intent", ["AMAZON.HelpIntent", "AMAZON.FallbackIntent", "AMAZON.ShuffleOnIntent",
                                    "SomethingWeNeverDeclaredIntent", "AMAZON.RepeatIntent"])
def test_help_fallback_and_unknown_intents_answer_gracefully(talk, intent):
    talk.launch()
    exchange = talk.intent(intent)
    assert exchange.response["response"]["shouldEndSession"] is False
    assert exchange.transcript


def test_question_slot_missing_or_empty_is_graceful(talk):
    talk.launch()
    exchange = talk.request(intent_request("AskQuestionIntent"))
    assert exchange.response["response"]["shouldEndSession"] is False
    exchange = talk.intent("AskQuestionIntent", question="   ")
    assert exchange.response["response"]["shouldEndSession"] is False


def test_session_ended_request_is_accepted(talk):
    talk.launch()
    talk.end("EXCEEDED_MAX_REPROMPTS")
    assert talk.session is None


def test_unknown_locale_falls_back_to_the_default_content(make_conversation):
    talk = make_conversation(locale="xx-XX")
    assert "Neck Relief Coach" in talk.launch().transcript


def test_forced_exception_gets_valid_speech(talk, monkeypatch):
    from skill.coach import Coach

    def boom(self):
        raise RuntimeError("forced")

    monkeypatch.setattr(Coach, "help", boom)
    talk.launch()
    exchange = talk.intent("AMAZON.HelpIntent")
    assert "something went wrong" in exchange.transcript
    assert exchange.response["response"]["shouldEndSession"] is False


def test_logs_carry_no_question_text_or_user_id(talk, caplog):
    caplog.set_level("INFO")
    talk.launch()
    talk.intent("AskQuestionIntent", question="my secret symptom question about pillows")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "secret" not in logged and "amzn1.ask.account" not in logged
    assert "intent=AskQuestionIntent" in logged


def test_store_failure_still_answers_and_keeps_saved_progress(make_conversation, db_path):
    talk = make_conversation()
    talk.launch()
    talk.say("start the full routine")
    talk.say("no")
    talk.say("stop")
    del talk  # the server stops: its connection closes and folds the write-ahead log into the file
    gc.collect()
    saved = db_path.read_bytes()
    db_path.write_bytes(b"not a database" * 100)
    broken = make_conversation()
    exchange = broken.launch()
    assert exchange.transcript  # still answers
    broken.say("how hard should I press")
    (aside,) = db_path.parent.glob(f"{db_path.name}.damaged-*")
    assert aside.read_bytes().startswith(b"not a database")  # moved aside, never overwritten
    del broken
    gc.collect()
    db_path.write_bytes(saved)  # the operator puts the good copy back
    assert "step" in make_conversation().launch().transcript


def test_urgent_symptom_intent_from_alexa_nlu_gets_urgent_guidance(talk):
    talk.launch()
    exchange = talk.say("I passed out")
    assert exchange.match.intent == "UrgentSymptomIntent"
    assert talk.attributes["last_topic"] == "red_flags" and "nine one one" in exchange.transcript
    assert talk.attributes["urgent"] == "fainting"


@pytest.mark.parametrize(("words", "value_id", "expected"), [
    ("i fainted", "fainting", "fainting"),  # the screen agrees with Alexa
    ("my head has been funny", "pattern_change", "pattern_change"),  # the screen is silent: trust Alexa
    ("no fever and no stiff neck", "fever", None),  # the screen read a negation: an ordinary question
])
def test_urgent_symptom_intent_weighs_the_words_and_alexas_resolution(talk, words, value_id, expected):
    talk.launch()
    talk.intent("UrgentSymptomIntent", symptom=resolved_slot("symptom", words, value_id, "RED_FLAG"))
    assert talk.attributes.get("urgent") == expected


@pytest.mark.parametrize("key", ["launch_menu", "help", "help_reprompt", "fallback"])
def test_example_phrases_in_prompts_do_what_they_promise(talk, key):
    """Every "you can say X" in our own prompts must reach the intent it implies."""
    import re

    examples = re.findall(r"(?:like|such as|say|Try asking),? ([A-Za-z ,']+?)(?:[.?]|, or| or|$)", CONTENT.prompts[key])
    assert examples
    for example in examples:
        for phrase in (p.strip() for p in example.split(",") if p.strip()):
            talk.launch()
            exchange = talk.say(phrase)
            assert exchange.match.intent != "AMAZON.FallbackIntent"
            if exchange.match.intent in ("AskQuestionIntent",) or exchange.match.intent.startswith("Topic"):
                assert "last_topic" in talk.attributes, phrase


def test_thanks_is_acknowledged_not_answered_as_a_question(talk):
    talk.launch()
    talk.say("should I use heat or ice")
    exchange = talk.say("thank you")
    assert exchange.match.intent == "ThanksIntent"
    assert exchange.response["response"]["shouldEndSession"] is False
    assert "outside what I know" not in exchange.transcript and "good answer" not in exchange.transcript


def test_the_off_topic_answer_varies_and_points_to_what_the_skill_does(make_conversation):
    heard = set()
    for seed in range(12):
        talk = make_conversation(seed=seed)
        talk.launch()
        heard.add(talk.intent("AskQuestionIntent", question="what's the capital of france").transcript)
    assert len(heard) >= 2
    assert all("massage" in h.lower() for h in heard)
