"""The understanding layer's statistical parts: the intent classifier and its context, the scope check,
the WordPiece tokenizer, the hybrid ranker (when the embedding model is built) and the phrase tables."""

from __future__ import annotations

import copy
import re

import pytest

from skill.coach import ranker_for
from skill.content import available_locales, load
from skill.content.overlay import read_locale_data
from skill.understanding import ranker as ranker_module
from skill.understanding.classifier import QUESTION, IntentClassifier, Scored
from skill.understanding.embedding import WORD_EMBEDDINGS, WordPiece, encoder
from skill.understanding.matcher import QUESTION_INTENT, matcher_for
from skill.understanding.scope import load_scope

MIN_PHRASINGS = 30
SHORT_TABLES = {"AMAZON.NavigateHomeIntent"}  # not a routine command; Alexa's own model covers it


@pytest.mark.parametrize(("text", "intent"), [
    ("please skip to the next bit", "AMAZON.NextIntent"),
    ("can we go back a step please", "AMAZON.PreviousIntent"),
    ("hang on for a little while", "AMAZON.PauseIntent"),
    ("carry on with it", "AMAZON.ResumeIntent"),
    ("could you slow it down a bit", "SlowerIntent"),
    ("stop there", "AMAZON.StopIntent"),
])
def test_phrasings_not_in_the_model_reach_their_intent_statistically(text, intent):
    matcher = matcher_for("en-US")
    assert text not in matcher.exact
    match = matcher.match(text)
    assert (match.intent, match.how) == (intent, "statistical")
    assert 0 < match.confidence <= 1


def test_a_running_routine_makes_a_less_certain_navigation_phrase_a_command():
    classifier = matcher_for("en-US").classifier
    anything, navigation = classifier.thresholds
    between = (anything + navigation) / 2
    assert navigation < between < anything
    assert not classifier.confident(Scored("FasterIntent", between), 0.0, "go quicker", routine_running=False)
    assert classifier.confident(Scored("FasterIntent", between), 0.0, "go quicker", routine_running=True)
    assert not classifier.confident(Scored("ThanksIntent", between), 0.0, "nice one", routine_running=True)


def test_a_command_must_beat_the_closest_topic_question_by_a_margin_navigation_less_so():
    classifier = matcher_for("en-US").classifier
    assert not classifier.confident(Scored("ThanksIntent", 0.9), 0.88, "nice one", routine_running=True)
    assert classifier.confident(Scored("FasterIntent", 0.9), 0.92, "go quicker", routine_running=True)
    assert not classifier.confident(Scored("FasterIntent", 0.9), 0.92, "go quicker", routine_running=False)


def test_a_question_pointing_at_this_step_asks_for_more_about_it_while_a_routine_plays():
    classifier = matcher_for("en-US").classifier
    anything, navigation = classifier.thresholds
    between = Scored("MoreIntent", (anything + navigation) / 2)
    assert classifier.confident(between, 0.0, "what's the point of this hold", routine_running=True)
    assert not classifier.confident(between, 0.0, "what's the point of this hold", routine_running=False)
    assert not classifier.confident(between, 0.0, "what's the point of stretching", routine_running=True)


@pytest.mark.parametrize(("text", "routine"), [
    ("put the quick release on", "quick"),
    ("could you put on the skull base release", "quick"),
    ("fancy doing the gentle one", "gentle"),
    ("i'm having a flare start the gentle one", "gentle"),
])
def test_a_routine_named_in_a_carrier_no_sample_has_reaches_start_routine_with_its_name(text, routine):
    matcher = matcher_for("en-US")
    assert not any(p.regex.match(text) for p in matcher.patterns)
    match = matcher.match(text, routine_running=True)
    assert (match.intent, match.slots, match.resolved) == (
        "StartRoutineIntent", {"routine": routine}, {"routine": (routine, "ROUTINE_NAME")})


def test_a_routine_name_inside_a_command_of_its_own_keeps_that_command():
    match = matcher_for("en-US").match("could we start the whole routine over", routine_running=True)
    assert match.intent == "AMAZON.StartOverIntent"


def test_thanks_said_with_how_the_person_feels_is_thanks():
    match = matcher_for("en-US").match("thanks my shoulders feel lighter", routine_running=True)
    assert (match.intent, match.how) == ("ThanksIntent", "reason")


@pytest.mark.parametrize("text", ["is a quick release enough on a bad day", "give me a gentle neck stretch"])
def test_a_question_about_a_routine_name_or_an_everyday_adjective_is_no_request_for_a_routine(text):
    assert matcher_for("en-US").match(text).intent == QUESTION_INTENT


def test_a_question_shaped_command_needs_a_close_sample_unless_a_routine_plays():
    classifier = matcher_for("en-US").classifier
    help_like = Scored("AMAZON.HelpIntent", 0.7)
    assert not classifier.confident(help_like, 0.0, "how do i work this thing", routine_running=False)
    assert classifier.confident(help_like, 0.0, "how do i work this thing", routine_running=True)
    assert classifier.confident(help_like, 0.0, "could you help me with this", routine_running=False)


def test_topic_questions_are_a_class_of_their_own_in_the_classifier():
    classifier = IntentClassifier({"Progress": ["how long is left", "how much longer"]},
                                  ["how long should i hold each spot", "how long does relief last"])
    scores = {s.intent: s.score for s in classifier.score("how long should i hold it")}
    assert scores[QUESTION] > scores["Progress"]
    scores = {s.intent: s.score for s in classifier.score("how long is there left")}
    assert scores["Progress"] > scores[QUESTION]


@pytest.mark.parametrize(("text", "intent"), [
    ("yep sure", "AMAZON.YesIntent"),
    ("yes definitely please", "AMAZON.YesIntent"),
    ("nope not right now", "AMAZON.NoIntent"),
    ("no thanks i'm fine", "AMAZON.NoIntent"),
    ("quit now stop", "AMAZON.StopIntent"),
])
def test_a_run_of_one_intents_samples_and_fillers_is_that_intent(text, intent):
    matcher = matcher_for("en-US")
    assert text not in matcher.exact
    assert (matcher.match(text).intent, matcher.match(text).how) == (intent, "phrases")


@pytest.mark.parametrize("text", ["yes no", "i think so mostly", "yes i have a question about heat"])
def test_yes_next_to_anything_else_is_not_taken_for_a_yes(text):
    assert matcher_for("en-US").match(text, routine_running=True).intent not in {"AMAZON.YesIntent",
                                                                                 "AMAZON.NoIntent"}


@pytest.mark.parametrize("text", [
    "what can i do about the pain in my neck when it flares",
    "how long should i hold the pressure on each spot",
    "can you give me some neck stretches",
    "what's the weather today",
])
def test_questions_are_not_taken_for_commands_even_mid_routine(text):
    assert matcher_for("en-US").match(text, routine_running=True).intent == QUESTION_INTENT


@pytest.mark.parametrize(("text", "intent"), [
    ("sorry my cat walked over the keyboard can you say that again", "AMAZON.RepeatIntent"),
    ("wait the kettle is boiling", "AMAZON.PauseIntent"),
    ("stop it my neck is tired", "AMAZON.StopIntent"),
    ("pick up the pace a little my tea is going cold", "FasterIntent"),  # a softener between command and reason
    # the command in words that are no sample, read by the classifier, then a new clause
    ("could you go a bit quicker i know these steps already", "FasterIntent"),
    ("can we skip this one it's not for me", "AMAZON.NextIntent"),
])
def test_a_command_with_its_reason_is_the_command_while_a_routine_plays(text, intent):
    """The command is one of the model's phrasings at one end; the other end is a reason, not a question."""
    matcher = matcher_for("en-US")
    assert (matcher.match(text, routine_running=True).intent, matcher.match(text, routine_running=True).how) == (
        intent, "reason")
    assert matcher.match(text).intent == QUESTION_INTENT  # with no routine, words like these are questions


@pytest.mark.parametrize("text", [
    "wait is it normal to feel sore afterwards",  # the rest asks
    "my head is killing me what can i do",  # a question of its own at the end
    "the pain just won't stop",  # one word at the end
    "next the phone is ringing",  # one word that does not halt
    "help my scalp feels tight today",  # help with a reason is a question
    "how long should i hold each point",  # "how long should" ends on a word that needs more
    "how long till i feel normal again",
    "do i hold it for a minute or longer",  # "it" continues a question; it opens no new clause
])
def test_words_around_a_command_that_ask_or_do_not_read_as_a_reason_are_not_taken_for_it(text):
    assert matcher_for("en-US").match(text, routine_running=True).how != "reason"


def test_classifier_scores_the_closest_sample_and_counts_unknown_words():
    classifier = IntentClassifier({"Slower": ["slow down", "go slower"], "Faster": ["speed up", "go faster"]})
    assert classifier.score("slow down")[0].intent == "Slower"
    assert classifier.score("slow down")[0].score == pytest.approx(1.0)
    assert classifier.score("please slow down a bit")[0].score < classifier.score("slow down")[0].score
    assert classifier.score("bake some bread") == []


@pytest.mark.parametrize(("text", "excluded"), [
    ("how do i massage my calves after a run", True),
    ("what helps plantar fasciitis", True),
    ("what's the weather today", True),
    ("does the pain in my neck spread to my feet", False),
    ("does cold weather make it worse", False),
    ("how do i massage the back of my head", False),
    ("does oxygen help cluster headaches", True),  # another condition of the head, beside a head word
    ("can my dog get headaches", True),
    ("is it a cluster headache or occipital neuralgia", False),  # the condition named: a comparison
    ("are cluster headaches the same thing", False),
    ("what causes kidney stones", True),
    ("could kidney stones cause it", False),  # "it" is this pain: a question about its causes
])
def test_scope_refuses_other_body_parts_conditions_and_everyday_requests(text, excluded):
    assert load_scope("en").excludes(text) is excluded


@pytest.mark.parametrize("locale", available_locales())
def test_scope_phrase_lists_refuse_no_sample_question_or_title_of_a_topic(locale):
    scope = load_scope(locale.split("-")[0])
    refused = [q for topic in load(locale).topics.values() for q in (*topic.questions, topic.title)
               if scope.excludes(q)]
    assert refused == []


def test_out_of_scope_question_is_refused_not_answered_with_a_neighbour():
    from skill.coach import Coach
    from skill.profile import Profile

    turn = Coach(load("en-US"), Profile()).question("how do i massage my forearms for tennis elbow")
    assert turn.session.get("last_topic") is None


def test_wordpiece_splits_words_into_the_longest_known_pieces():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "what", "'", "s", "un", "##aff", "##able", "?"]
    tokenizer = WordPiece(vocab)
    pieces = [vocab[i] for i in tokenizer.encode("What's  UNAFFABLE?")]
    assert pieces == ["[CLS]", "what", "'", "s", "un", "##aff", "##able", "?", "[SEP]"]
    assert [vocab[i] for i in tokenizer.encode("zebra")] == ["[CLS]", "[UNK]", "[SEP]"]


def test_ranker_threshold_follows_whether_embeddings_are_on():
    ranker = ranker_for(load("en-US"))
    expected = ranker_module.HYBRID_THRESHOLD if ranker.semantic else ranker_module.THRESHOLD
    assert ranker.threshold == expected


@pytest.mark.skipif(encoder() is None, reason="embedding model not built (python -m skill.tools.embeddings)")
def test_hybrid_ranker_reaches_a_topic_in_new_words_and_refuses_the_outside():
    ranker = ranker_for(load("en-US"))
    assert ranker.semantic is not None
    best = ranker.best("would an implanted stimulator be worth it for me")
    assert best is not None and best.topic == "advanced_procedures"
    assert ranker.best("remind me to water the plants") is None


@pytest.mark.skipif(encoder() is None, reason="embedding model not built (python -m skill.tools.embeddings)")
def test_the_word_table_stays_half_precision_and_gives_the_same_vectors_as_a_full_one():
    model = encoder()
    np = model.np
    assert model.w[WORD_EMBEDDINGS].dtype == np.float16  # 47 MB and a slower cold start as float32
    full = copy.copy(model)
    full.w = {**model.w, WORD_EMBEDDINGS: model.w[WORD_EMBEDDINGS].astype(np.float32)}
    for text in ("is heat or ice better", "what about a stimulator implant"):
        assert np.array_equal(model._embed(text), full._embed(text))


def test_every_custom_intent_and_builtin_table_has_thirty_unique_spoken_phrasings():
    data = read_locale_data("en-US", "intents")
    owners: dict[str, str] = {}
    for part in ("custom_intents", "builtin_samples", "builtin_phrases"):
        for intent, phrases in data[part].items():
            if intent not in SHORT_TABLES:
                assert len(phrases) >= MIN_PHRASINGS, intent
            for phrase in phrases:
                assert re.fullmatch(r"[a-z'{}]+( [a-z'{}]+)*", phrase), phrase
                assert owners.setdefault(phrase, intent) == intent, f"{phrase!r} in {owners[phrase]} and {intent}"
