"""Guided routines on Alexa: chunking, navigation, pace, persistence and resume."""

from __future__ import annotations

import re

import pytest

from skill.content import ROUTINE_IDS, available_locales, load
from skill.routine.model import Hold
from skill.speech.estimate import speech_seconds
from skill.speech.parse import plan_from_response
from skill.speech.plan import Silence, Speech
from skill.text import parse_number

CONTENT = load("en-US")
PACES = ("slower", "normal", "faster")


def start(talk, routine: str, pace: str = "normal"):
    """Launch, set the pace, start ``routine`` and answer this session's safety check: no warning signs."""
    talk.launch()
    for _ in range(("slower", "normal", "faster").index(pace) - 1, 0):
        talk.say("slower")
    for _ in range(0, ("slower", "normal", "faster").index(pace) - 1):
        talk.say("faster")
    talk.say(f"start the {routine} routine")
    assert talk.attributes["offer"] == "safety_check"
    return talk.say("no")


def steps_in(exchange) -> list[int]:
    """Step numbers announced in a response ("Step two of seven")."""
    found = re.findall(r"Step ([a-z ]+?) of", exchange.transcript)
    return [parse_number(n) for n in found]


def hold_groups(exchange) -> list[tuple[int, float]]:
    """(announced seconds, planned length) for each hold in a response, from its rendered plan: the
    silences and the estimated length of the reminders said between them, as the composer plans it."""
    groups: list[tuple[int, float]] = []
    current: list[float] = []
    label = ""
    for seg in plan_from_response(exchange.response).segments:
        if isinstance(seg, Silence) and seg.seconds >= 1 and label:
            current.append(seg.seconds)
        if isinstance(seg, Speech) and label and seg.text.startswith(CONTENT.cues.release):
            groups.append((label, sum(current)))
            label = ""
        elif isinstance(seg, Speech) and label and current:  # a reminder inside the hold
            current.append(speech_seconds(seg))
        if isinstance(seg, Speech) and "Hold for" in seg.text:
            label = seg.text.split("Hold for")[-1]
            current = []
    return groups


@pytest.mark.parametrize("apla", [True, False], ids=["apla", "ssml"])
@pytest.mark.parametrize("pace", PACES)
@pytest.mark.parametrize("routine", ROUTINE_IDS)
def test_walk_every_routine_to_the_end_by_continue(make_conversation, routine, pace, apla):
    talk = make_conversation(apla=apla)
    exchange = start(talk, routine, pace)
    total = len(CONTENT.routines[routine].steps)
    heard: list[int] = []
    holds = 0
    for _ in range(total + 1):
        numbers = steps_in(exchange)
        assert numbers, "every routine response carries at least one whole step"
        heard += numbers
        directive = [d for d in exchange.response["response"].get("directives", [])]
        assert bool(directive) == apla
        for label, silence in hold_groups(exchange):
            holds += 1
            announced = parse_number(re.search(r"^ ([a-z ]+) seconds?", label).group(1))
            assert silence == pytest.approx(announced, abs=0.01), "a hold is never split across responses"
        if talk.routine is None:
            break
        assert talk.routine["id"] == routine
        assert talk.routine["step"] == heard[-1], "step is the 0-based index of the next step to play"
        exchange = talk.say("continue")
    assert heard == list(range(1, total + 1))
    assert holds == sum(isinstance(seg, Hold) for step in CONTENT.routines[routine].steps for seg in step.segments)
    assert talk.routine is None
    assert CONTENT.routines[routine].closing in exchange.transcript and "nine one one" in exchange.transcript


@pytest.mark.parametrize("routine", ROUTINE_IDS)
def test_navigation_from_every_step(make_conversation, routine):
    total = len(CONTENT.routines[routine].steps)
    for step in range(total):
        talk = make_conversation(user=f"amzn1.ask.account.NAV{routine}{step}")
        start(talk, routine)
        while talk.routine and talk.routine["step"] < step:
            talk.say("continue")
        if talk.routine is None:
            continue  # the whole routine fit in fewer responses than steps
        for command, first_step in (
            ("repeat", lambda at: max(at - 1, 0)),  # the step just heard, again
            ("back", lambda at: max(at - 2, 0)),  # the one before it
            ("start over", lambda at: 0),
        ):
            if talk.routine is None:
                break
            at = talk.routine["step"]
            exchange = talk.say(command)
            assert steps_in(exchange)[0] == first_step(at) + 1, command
        if talk.routine is None:
            continue
        at = talk.routine["step"]
        progress = talk.say("how much longer")
        assert "step" in progress.transcript and "left" in progress.transcript
        assert talk.routine["step"] == at
        paused = talk.say("pause")
        assert "Paused" in paused.transcript and talk.routine["step"] == at
        resumed = talk.say("resume")
        assert steps_in(resumed)[0] == at + 1
        stopped = talk.say("stop")
        assert stopped.response["response"]["shouldEndSession"] is True


def test_next_skips_to_the_next_step(talk):
    start(talk, "full")
    at = talk.routine["step"]
    exchange = talk.say("next")
    assert steps_in(exchange)[0] == at + 1


def test_choice_offered_with_lengths_when_no_routine_named(talk):
    talk.launch()
    exchange = talk.say("start a massage")
    for routine in CONTENT.routines.values():
        assert routine.title in exchange.transcript
    assert "minutes" in exchange.transcript
    assert talk.attributes["offer"] == "choose_routine"
    talk.say("the gentle one")
    assert talk.attributes["offer"] == "safety_check"


def test_yes_to_the_safety_check_means_a_warning_sign_and_stops_routines_for_the_session(make_conversation):
    talk = make_conversation()
    talk.launch()
    talk.say("start the quick routine")
    advice = talk.say("yes")
    assert "don't massage" in advice.transcript and talk.routine is None
    assert "nine one one" in advice.transcript
    for again in ("start the quick routine", "resume", "continue"):
        blocked = talk.say(again)
        assert talk.routine is None and "won't start a massage" in blocked.transcript, again


def test_every_session_asks_the_safety_check_briefly_once_it_has_been_heard(make_conversation):
    talk = make_conversation()
    talk.launch()
    full = talk.say("start the quick routine")
    steps = talk.say("no")
    assert steps_in(steps)[0] == 1
    talk = make_conversation()
    talk.launch()
    brief = talk.say("start the gentle routine")
    assert talk.attributes["offer"] == "safety_check" and talk.routine is None
    assert len(brief.transcript) < len(full.transcript)
    assert steps_in(talk.say("no"))[0] == 1
    again = talk.say("start the quick routine")
    assert steps_in(again)[0] == 1, "asked once per session"


@pytest.mark.parametrize("unclear", ["continue", "keep going", "I think so, mostly", "go on then",
                                     "yes but only a little", "no wait what were they", "no yeah maybe"])
def test_a_hurried_carry_on_is_no_answer_to_the_safety_check(talk, unclear):
    talk.launch()
    talk.say("start the quick routine")
    exchange = talk.say(unclear)
    assert talk.routine is None and talk.attributes["offer"] == "safety_check"
    assert "yes or no" in exchange.transcript.lower() or "yes or a no" in exchange.transcript


@pytest.mark.parametrize(("leave", "come_back"), [("stop", "resume"), ("timeout", "yes")])
def test_leaving_saves_progress_and_launch_offers_resume(make_conversation, leave, come_back):
    """Saying stop, or the session timing out, keeps the place; next launch offers it back."""
    talk = make_conversation()
    start(talk, "full")
    step = talk.routine["step"]
    if leave == "stop":
        talk.say("stop")
    else:
        talk.end("EXCEEDED_MAX_REPROMPTS")
    later = make_conversation()
    assert "Last time you stopped at step" in later.launch().transcript
    later.say(come_back)
    assert later.attributes["offer"] == "safety_check", "a new session checks warning signs first"
    assert steps_in(later.say("no"))[0] == step + 1


def test_pace_is_remembered_and_scales_holds(make_conversation):
    talk = make_conversation()
    normal = start(talk, "quick")
    talk.say("slower")
    slow_talk = make_conversation()
    slow_talk.launch()
    slow_talk.say("start the quick routine")
    slow = slow_talk.say("no")
    normal_holds = [s for _, s in hold_groups(normal)]
    slow_holds = [s for _, s in hold_groups(slow)]
    assert sum(slow_holds) > sum(normal_holds)
    assert 'rate="80%"' in str(slow.response)


def test_slowest_and_fastest_limits_are_announced(talk):
    talk.launch()
    talk.say("slower")
    assert "slowest" in talk.say("slower").transcript
    talk.say("faster")
    talk.say("faster")
    assert "quickest" in talk.say("faster").transcript


def test_returning_user_hears_brief_setup(make_conversation):
    first_talk = make_conversation()
    first = start(first_talk, "quick")
    assert first_talk.routine is None, "quick fits one response"
    again = make_conversation()
    again.launch()
    again.say("start the quick routine")
    second = again.say("no")
    setup = CONTENT.routines["quick"].steps[0].setup
    assert setup in first.transcript and setup not in second.transcript
    assert len(second.transcript) < len(first.transcript)


def test_question_mid_routine_offers_to_continue(talk):
    start(talk, "full")
    at = talk.routine["step"]
    exchange = talk.say("how hard should I press")
    assert talk.attributes["last_topic"] == "pressure"
    assert "continue" in exchange.transcript and talk.routine["step"] == at
    assert steps_in(talk.say("yes"))[0] == at + 1


def test_routine_state_absent_when_none_active(talk):
    talk.launch()
    talk.say("how hard should I press")
    assert "routine" not in talk.attributes
    for command in ("pause", "next", "back", "how much longer", "resume", "start over"):
        exchange = talk.say(command)
        assert exchange.response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("locale", available_locales())
def test_full_routine_and_questions_in_every_locale(make_conversation, locale):
    content = load(locale)
    talk = make_conversation(locale=locale)
    launch = talk.launch()
    assert content.settings["emergency_number"] in launch.transcript
    talk.say("how hard should I press")
    assert talk.attributes["last_topic"] == "pressure"
    exchange = talk.say("I have the worst headache of my life")
    assert content.settings["emergency_number"] in exchange.transcript
    assert talk.attributes["urgent"] == "sudden_onset"
    talk.say("start the full routine")
    assert talk.routine is None, "no routine after an urgent answer in the same session"
    talk = make_conversation(locale=locale)
    exchange = start(talk, "full")
    heard = steps_in(exchange)
    while talk.routine:
        heard += steps_in(talk.say("continue"))
    assert heard == list(range(1, len(content.routines["full"].steps) + 1))


def interrupt_at(talk, seconds: float) -> tuple[int, list[float]]:
    """Make the next request arrive ``seconds`` into the last routine response's audio."""
    state = talk.attributes["routine"]
    talk.clock.now = state["sent_at"] + seconds
    return state["chunk_start"], state["marks"]


@pytest.mark.parametrize(("command", "expected_next_step"), [
    ("pause", "interrupted"), ("repeat", "interrupted"), ("next", "after"), ("back", "before"),
    ("slower", "interrupted"), ("how hard should I press", "interrupted"), ("how much longer", "interrupted"),
])
def test_a_command_mid_response_acts_on_the_step_being_played(talk, command, expected_next_step):
    start(talk, "full")
    first, marks = interrupt_at(talk, 0)
    assert len(marks) >= 3, "the first response holds at least two steps"
    interrupt_at(talk, marks[1] + 8)  # well into the response's second step
    playing = first + 1
    exchange = talk.say(command)
    if command in ("pause", "how hard should I press", "how much longer"):
        assert talk.routine["step"] == playing, "nothing unheard is skipped"
        exchange = talk.say("continue")
    wanted = {"interrupted": playing, "after": playing + 1, "before": playing - 1}[expected_next_step]
    assert steps_in(exchange)[0] == wanted + 1


def test_an_instant_command_counts_as_after_the_response(talk):
    """Typed and automated clients answer within a second or two: they have read it all."""
    start(talk, "full")
    after = talk.routine["step"]
    interrupt_at(talk, 1)
    talk.say("pause")
    assert talk.routine["step"] == after


def test_stop_mid_response_saves_the_step_being_played(make_conversation):
    talk = make_conversation()
    start(talk, "full")
    _, marks = interrupt_at(talk, 0)
    interrupt_at(talk, marks[1] + 8)
    talk.say("stop")
    later = make_conversation()
    assert "step two" in later.launch().transcript


def test_continue_always_carries_on_after_the_last_response(talk):
    start(talk, "full")
    after = talk.routine["step"]
    interrupt_at(talk, 20)  # typed chat users read faster than a voice speaks
    assert steps_in(talk.say("continue"))[0] == after + 1


def test_an_unclear_answer_to_the_safety_check_is_asked_again(talk):
    talk.launch()
    talk.say("start the quick routine")
    exchange = talk.say("I think so, mostly")
    assert "yes or a no" in exchange.transcript and talk.attributes["offer"] == "safety_check"
    urgent = talk.say("well I did hit my head last week")
    assert talk.attributes["last_topic"] == "red_flags" and "nine one one" in urgent.transcript


def test_resuming_in_a_new_session_repeats_the_stop_reminder_once(make_conversation):
    talk = make_conversation()
    start(talk, "full")
    talk.say("stop")
    later = make_conversation()
    later.launch()
    later.say("resume")
    resumed = later.say("no")
    assert resumed.transcript.startswith(CONTENT.cues.stop_reminder)
    assert CONTENT.cues.stop_reminder not in later.say("continue").transcript


def test_the_end_of_a_routine_is_said_once(talk):
    done = start(talk, "quick")
    assert talk.routine is None
    closing = CONTENT.routines["quick"].closing
    assert done.transcript.count(closing.split(".")[0]) == 1
    assert "end of the" not in done.transcript


@pytest.mark.parametrize("command", ["start over", "repeat"])
def test_start_over_and_repeat_right_after_the_end_act_on_that_routine(talk, command):
    start(talk, "quick")
    assert talk.routine is None
    again = talk.say(command)
    steps = steps_in(again)
    last = len(CONTENT.routines["quick"].steps)
    assert steps and steps[0] == (1 if command == "start over" else last)


@pytest.mark.parametrize(("routine", "command"), [("quick", "pause"), ("quick", "stop"), ("full", "pause"),
                                                  ("full", "back"), ("gentle", "repeat")])
def test_commands_work_while_the_last_response_plays(make_conversation, routine, command):
    """The last response (the only one, for the quick routine) keeps the routine alive until its
    audio has ended: a command in the middle of it acts on the step being heard."""
    talk = make_conversation()
    exchange = start(talk, routine)
    while talk.routine is not None:
        exchange = talk.say("continue")
    last_step = len(CONTENT.routines[routine].steps)
    _, marks = interrupt_at(talk, 0)
    talk.clock.now += marks[-2] + 5  # a few seconds into the final step of that response
    after = talk.say(command)
    if command == "pause":
        assert talk.routine is not None and talk.routine["paused"] and talk.routine["step"] == last_step - 1
        assert steps_in(talk.say("resume"))[0] == last_step
    elif command == "stop":
        later = make_conversation()
        assert "step" in later.launch().transcript  # the place, saved to the step being heard
    elif command == "back":
        assert steps_in(after)[0] == last_step - 1
    else:
        assert steps_in(after)[0] == last_step
    assert exchange.transcript


def test_a_text_client_is_not_treated_as_if_time_passed(make_conversation):
    """Someone typing reads a whole response before answering: "next" after ten seconds of reading
    goes on after what they read, instead of replaying steps they already had."""
    talk = make_conversation()
    talk.heard = lambda: float("inf")
    first = steps_in(start(talk, "full"))
    talk.clock.now = talk.attributes["routine"]["sent_at"] + 10
    assert steps_in(talk.say("next"))[0] == first[-1] + 1


def test_the_players_own_position_wins_over_the_clock(make_conversation):
    """A client that knows where its player was (the web page, the voice runner) is believed."""
    talk = make_conversation()
    start(talk, "full")
    chunk_start, marks = interrupt_at(talk, 1000)  # by the clock, the whole response is long over
    talk.heard = lambda: marks[1] + 5  # but the player was five seconds into the second step
    talk.say("pause")
    assert talk.routine["step"] == chunk_start + 1


def test_after_a_crisis_answer_a_routine_request_hears_the_crisis_line_not_get_checked(make_conversation):
    talk = make_conversation()
    talk.launch()
    crisis = talk.say("i don't want to be alive anymore")
    assert talk.attributes.get("urgent") == "crisis"
    assert "nine eight eight" in crisis.transcript
    blocked = talk.say("start the quick routine")
    assert talk.routine is None and "won't start a massage" in blocked.transcript
    assert "nine eight eight" in blocked.transcript and "get checked" not in blocked.transcript
    assert "urgent" not in talk.attributes  # only the urgent answer itself carries the key
    menu = talk.say("start a routine")  # no routine named: refused at once, not a menu first
    assert "won't start a massage" in menu.transcript and talk.attributes.get("offer") != "choose_routine"


def test_after_a_symptom_answer_a_routine_request_still_says_get_checked(make_conversation):
    talk = make_conversation()
    talk.launch()
    talk.say("i hit my head an hour ago and feel sick")
    blocked = talk.say("start the quick routine")
    assert talk.routine is None and "get checked" in blocked.transcript
