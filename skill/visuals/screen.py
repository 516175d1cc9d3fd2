"""What a screen shows for a turn: the steps a routine response plays, when, and its timed cues.

The screen follows the same plan as the audio. Step headings are found by their exact composed
text, and each hold, breath and count is placed at its estimated start, with the same estimate the
skill uses to place interruptions, so the picture and the countdown change with the voice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skill.coach import Turn
from skill.content import LocaleContent
from skill.speech.estimate import speech_seconds
from skill.speech.plan import Plan, Speech
from skill.text import number_words
from skill.visuals.drawings import Drawing, Drawings


@dataclass(frozen=True)
class StepShown:
    """A routine step on screen from ``at`` seconds into the response."""

    at: float
    routine_title: str
    number: int
    total: int
    title: str
    drawing: Drawing


@dataclass(frozen=True)
class Cue:
    """From ``at`` seconds, show ``phase`` (for example "Hold") and ``count`` (seconds left, or "")."""

    at: float
    phase: str
    count: str


@dataclass(frozen=True)
class RoutineScreen:
    steps: tuple[StepShown, ...]
    cues: tuple[Cue, ...]
    waiting: str = ""  # set when nothing plays: the routine is paused or waiting for "continue"


@dataclass(frozen=True)
class TopicScreen:
    title: str
    text: str
    drawing: Drawing | None


def headings(content: LocaleContent, drawings: Drawings) -> dict[str, tuple[str, int, int, str, Drawing]]:
    """Each step's spoken heading -> (routine title, number, total, step title, drawing)."""
    out = {}
    for routine in content.routines.values():
        total = len(routine.steps)
        for i, step in enumerate(routine.steps):
            text = content.cues.step_heading.format(number=number_words(i + 1), total=number_words(total),
                                                    title=step.title)
            drawing = drawings.for_step(step.id)
            if drawing is not None:
                out[text[:1].upper() + text[1:]] = (routine.title, i + 1, total, step.title, drawing)
    return out


def _hold_cues(at: float, seconds: int, every: int) -> list[Cue]:
    """A whole hold from ``at``, counting down its announced ``seconds`` (one cue when ``every`` is 0).

    The count runs on through the reminders said inside the hold: the composer shortens the
    silences by what those take, so the hold ends ``seconds`` after it starts, and "ten seconds
    more" is said as 10 shows.
    """
    return [Cue(at + k, "Hold", str(seconds - k)) for k in range(0, seconds, every)] if every > 0 else [
        Cue(at, "Hold", str(seconds))]


def routine_screen(plan: Plan, content: LocaleContent, drawings: Drawings, every: int = 1) -> RoutineScreen | None:
    """The steps and timed cues of ``plan`` (a response's speech then its timed part), or None without steps.

    A hold counts down its announced seconds from its first silence, across its reminders, ending
    where its release phrase is said;
    a breath shows "Breathe in" or "And out" with its seconds; a count shows the number just said.
    """
    known = headings(content, drawings)
    words = content.cues
    steps: list[StepShown] = []
    cues: list[Cue] = []
    at = 0.0
    said = ""
    held = 0.0  # nominal seconds of the current hold so far: its pieces and the reminders they absorb
    for seg in plan.segments:
        if isinstance(seg, Speech):
            if seg.text in words.release:
                cues.append(Cue(at, "", ""))
            if seg.text in known:
                steps.append(StepShown(at, *known[seg.text]))
            said = seg.text
            at += speech_seconds(seg)
            continue
        if seg.label.startswith("hold:"):
            announced = int(seg.label.split(":")[1])
            if not held:
                cues += _hold_cues(at, announced, every)
            held += seg.seconds + seg.absorbs
            held = 0.0 if held >= announced - 1e-6 else held
        elif seg.label in ("breath", "rep"):
            breath = words.breathe_in if said == words.breathe_in else words.breathe_out
            phase = said if seg.label == "rep" else breath
            cues += [Cue(at, phase.rstrip("."), str(round(seg.seconds))), Cue(at + seg.seconds, "", "")]
        at += seg.seconds
    if not steps:
        return None
    return RoutineScreen(tuple(steps), tuple(sorted(cues, key=lambda c: c.at)))


def waiting_screen(state: dict[str, Any], content: LocaleContent, drawings: Drawings, message: str
                   ) -> RoutineScreen | None:
    """The step a paused (or waiting) routine resumes at, with ``message`` in place of a countdown."""
    routine = content.routines.get(state.get("id", ""))
    step = state.get("step")
    if routine is None or not isinstance(step, int) or not 0 <= step < len(routine.steps):
        return None
    drawing = drawings.for_step(routine.steps[step].id)
    if drawing is None:
        return None
    shown = StepShown(0.0, routine.title, step + 1, len(routine.steps), routine.steps[step].title, drawing)
    return RoutineScreen((shown,), (), waiting=message)


PAUSED = "Paused"
WAITING = "Say continue when you are ready"


def screen_for(turn: Turn, content: LocaleContent, drawings: Drawings, every: int = 1
               ) -> RoutineScreen | TopicScreen | None:
    """What a screen shows for ``turn``: the routine it plays, the topic it answers, or the routine it waits in."""
    state = turn.session.get("routine")
    if turn.timed is not None:
        return routine_screen(turn.speech + turn.timed, content, drawings, every)
    topic_id = turn.session.get("last_topic")
    if turn.card is not None and isinstance(topic_id, str) and topic_id in content.topics:
        return TopicScreen(turn.card.title, turn.card.text, drawings.for_topic(topic_id))
    if isinstance(state, dict):
        return waiting_screen(state, content, drawings, PAUSED if state.get("paused") else WAITING)
    return None
