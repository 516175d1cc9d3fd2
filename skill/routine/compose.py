"""Turn routine content into speech plans at a pace, and pack whole steps into Alexa-sized chunks.

All timing decisions live here: how holds are announced and anchored, how pace scales holds and
breaths, and how many steps fit in one response. Renderers only translate the resulting plan.

The hold rule: a hold of N seconds lasts N seconds from the end of "hold for N seconds" to the start
of the release phrase, the reminders spoken inside it included. It is cut into silent pieces of at
most ten seconds (Alexa's longest break) with a reminder between two pieces; each silence after a
reminder is shortened by that reminder's estimated length (``estimate.speech_seconds``) and records
it in ``Silence.absorbs``. Renderers that only have the estimate (SSML, APL-A) play the shortened
silences as they are; renderers that synthesise the speech and so know its real length (the local
speaker, a pre-rendered track) play ``Silence.after(real length)``, which makes the hold exact. The
last reminder says how many seconds are left, counted from when it starts. Breaths and counts are
not holds: their silences are the announced seconds after each cue word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skill.speech.estimate import estimate_seconds, speech_seconds
from skill.speech.plan import DEFAULT_PACE, PACES, Plan, Silence, Speech
from skill.speech.ssml import MAX_BREAK_SECONDS, render_body
from skill.text import number_words

from .model import Breathe, Cues, Hold, Pause, Reps, Routine, RoutineSegment, Say

# One response may carry at most 240 s of audio and under 8000 SSML characters. A response is
# planned to RESPONSE_SECONDS / RESPONSE_SSML_CHARS with a margin for estimate error; the chunk gets
# what the words around it (an acknowledgement before, the prompt or closing after) leave over.
# Every single step must fit CHUNK_SECONDS / CHUNK_SSML_CHARS (checked at load), which leaves room
# for the longest surrounding words.
RESPONSE_SECONDS = 230.0
RESPONSE_SSML_CHARS = 7600
CHUNK_SECONDS = 195.0
CHUNK_SSML_CHARS = 6000
MIN_HOLD_PIECE = 4  # a hold's last piece shorter than this is merged with the one before


@dataclass(frozen=True)
class Style:
    """How to voice a routine: the pace, and whether the listener has done it before (brief cues)."""

    pace: str = DEFAULT_PACE
    brief: bool = False
    seed: int = 0

    @property
    def rate(self) -> int:
        return int(PACES[self.pace]["rate"])

    @property
    def scale(self) -> float:
        return PACES[self.pace]["hold_scale"]

    def pick(self, options: tuple[str, ...], salt: int = 0) -> str:
        """A variant chosen deterministically, so tests are stable but wording still varies."""
        return options[(self.seed + salt) % len(options)]


def seconds_words(n: int) -> str:
    return f"{number_words(n)} second" + ("" if n == 1 else "s")


def scaled_hold(seconds: int, style: Style) -> int:
    """Hold length at this pace, rounded to what a calm voice would announce (multiples of five)."""
    raw = seconds * style.scale
    return max(3, int(5 * round(raw / 5)) if raw >= 15 else round(raw))


def scaled_interval(seconds: float, style: Style, minimum: int) -> int:
    return max(minimum, round(seconds * style.scale))


def hold_pieces(total: int) -> list[int]:
    """Split a hold into silences of at most ten seconds, none shorter than MIN_HOLD_PIECE at the end."""
    limit = int(MAX_BREAK_SECONDS)
    pieces = [limit] * (total // limit) + ([total % limit] if total % limit else [])
    if len(pieces) > 1 and pieces[-1] < MIN_HOLD_PIECE:
        tail = pieces[-2] + pieces[-1]
        pieces[-2:] = [math.ceil(tail / 2), tail // 2]
    return pieces


class Composer:
    """Plans for one routine's parts in one locale's cue wording."""

    def __init__(self, routine: Routine, cues: Cues) -> None:
        self.routine = routine
        self.cues = cues

    def _say(self, text: str, style: Style) -> Speech:
        """Spoken text at the pace's rate; filled templates may start lower case, so capitalise."""
        return Speech(text[:1].upper() + text[1:], style.rate)

    def segment(self, seg: RoutineSegment, style: Style, salt: int = 0) -> Plan:
        """One timed segment. Holds over ten seconds get spoken anchors so no break exceeds the limit."""
        cues = self.cues
        if isinstance(seg, Say):
            return Plan.of(self._say(seg.text, style))
        if isinstance(seg, Pause):
            return Plan.of(Silence(scaled_interval(seg.seconds, style, 1)))
        if isinstance(seg, Hold):
            total = scaled_hold(seg.seconds, style)
            parts: list[Speech | Silence] = []
            if seg.cue:
                parts.append(self._say(seg.cue, style))
            parts.append(self._say(cues.hold_announce.format(seconds=seconds_words(total)), style))
            pieces = hold_pieces(total)
            for i, piece in enumerate(pieces):
                spoken = 0.0
                if i:
                    anchor = self._say(
                        cues.hold_remaining.format(seconds=seconds_words(piece))
                        if i == len(pieces) - 1
                        else style.pick(cues.hold_anchors, salt + i),
                        style,
                    )
                    spoken = round(speech_seconds(anchor), 3)
                    parts.append(anchor)
                parts.append(Silence(round(piece - spoken, 3), f"hold:{total}", spoken))
            parts.append(self._say(style.pick(cues.release, salt), style))
            return Plan(tuple(parts))
        if isinstance(seg, Breathe):
            inhale = scaled_interval(seg.inhale, style, 2)
            exhale = scaled_interval(seg.exhale, style, 2)
            parts = [self._say(cues.breathe_announce.format(
                count=number_words(seg.cycles), **{"in": number_words(inhale), "out": number_words(exhale)}
            ), style)]
            for _ in range(seg.cycles):
                parts += [self._say(cues.breathe_in, style), Silence(inhale, "breath"),
                          self._say(cues.breathe_out, style), Silence(exhale, "breath")]
            return Plan(tuple(parts))
        assert isinstance(seg, Reps)
        each = scaled_interval(seg.each, style, 1)
        parts = [self._say(t, style) for t in (seg.cue,) if t]
        parts.append(self._say(cues.reps_announce.format(count=number_words(seg.count), seconds=seconds_words(each)),
                               style))
        for i in range(1, seg.count + 1):
            parts += [self._say(f"{number_words(i).capitalize()}.", style), Silence(each, "rep")]
        return Plan(tuple(parts))

    def intro(self, style: Style) -> Plan:
        text = style.pick(self.routine.intro_brief) if style.brief else self.routine.intro
        return Plan.of(self._say(text, style), Silence(1.5))

    def step(self, index: int, style: Style) -> Plan:
        """A whole step: heading, setup (full the first time, brief and varied afterwards), timed segments."""
        step = self.routine.steps[index]
        heading = self.cues.step_heading.format(
            number=number_words(index + 1), total=number_words(len(self.routine.steps)), title=step.title
        )
        setup = style.pick(step.setup_brief, index) if style.brief else step.setup
        parts = [Plan.of(self._say(heading, style), self._say(setup, style), Silence(1))]
        parts += [self.segment(seg, style, salt=index + j) for j, seg in enumerate(step.segments)]
        plan = Plan(tuple(s for p in parts for s in p.segments))
        # A gap before the next step, unless the step already ends in silence: two silences would
        # merge into one break, which could pass the ten-second limit at the slowest pace.
        return plan if isinstance(plan.segments[-1], Silence) else plan + Plan.of(Silence(1.5))

    def closing(self, style: Style) -> Plan:
        return Plan.of(self._say(self.routine.closing, style))

    def chunk(self, start: int, style: Style, *, with_intro: bool = False,
              seconds: float = CHUNK_SECONDS, chars: int = CHUNK_SSML_CHARS) -> tuple[Plan, int, list[float]]:
        """As many whole steps from ``start`` as fit the limits.

        Returns the plan, the next step index, and the estimated second at which each included step
        starts within the plan (then the end), so a later interruption can be placed in its step.
        At least one step is always included: load-time validation guarantees every step fits alone.
        """
        plan = self.intro(style) if with_intro else Plan()
        marks: list[float] = []
        end = start
        while end < len(self.routine.steps):
            candidate = plan + self.step(end, style)
            if end == len(self.routine.steps) - 1:
                candidate = candidate + self.closing(style)
            if end > start and not fits(candidate, seconds, chars):
                break
            marks.append(estimate_seconds(plan))
            plan, end = candidate, end + 1
        return plan, end, [*marks, estimate_seconds(plan)]

    def whole(self, style: Style) -> Plan:
        """The entire routine as one plan (for local rendering and length estimates)."""
        plan = self.intro(style)
        for i in range(len(self.routine.steps)):
            plan = plan + self.step(i, style)
        return plan + self.closing(style)

    def remaining_seconds(self, start: int, style: Style) -> float:
        plan = Plan()
        for i in range(start, len(self.routine.steps)):
            plan = plan + self.step(i, style)
        return estimate_seconds(plan + self.closing(style))


def stated_half_minutes(seconds: float) -> int:
    """A length in whole half-minutes, at least one: how the skill states routine lengths, so a
    stated "about three and a half minutes" is never more than 15 s from the plan's estimate."""
    return max(1, round(seconds / 30))


def fits(plan: Plan, seconds: float = CHUNK_SECONDS, chars: int = CHUNK_SSML_CHARS) -> bool:
    """Whether ``plan`` stays within one response's audio and SSML budget."""
    return estimate_seconds(plan) <= seconds and len(render_body(plan)) <= chars
