"""Routine content as typed values, parsed and validated from the per-locale ``routines.json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skill.errors import ContentError

SEGMENT_KINDS = ("say", "pause", "hold", "breathe", "reps")


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Hold:
    seconds: int
    cue: str = ""


@dataclass(frozen=True)
class Breathe:
    cycles: int
    inhale: int
    exhale: int


@dataclass(frozen=True)
class Reps:
    count: int
    each: int
    cue: str = ""


RoutineSegment = Say | Pause | Hold | Breathe | Reps


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    setup: str
    setup_brief: tuple[str, ...]
    segments: tuple[RoutineSegment, ...]


@dataclass(frozen=True)
class Routine:
    id: str
    title: str
    name: str  # the short spoken name, as in "step four of the full routine"
    description: str
    synonyms: tuple[str, ...]
    intro: str
    intro_brief: tuple[str, ...]
    closing: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Cues:
    """Short phrases the composer weaves into timed parts; templates use ``{seconds}``, ``{count}``..."""

    hold_announce: str
    hold_anchors: tuple[str, ...]
    hold_remaining: str
    release: tuple[str, ...]
    breathe_announce: str
    breathe_in: str
    breathe_out: str
    reps_announce: str
    stop_reminder: str
    step_heading: str


def _text(data: dict[str, Any], key: str, where: str, *, optional: bool = False) -> str:
    value = data.get(key, "" if optional else None)
    if not isinstance(value, str) or (not optional and not value.strip()):
        raise ContentError(f"{where}: '{key}' must be a non-empty string")
    if any(ch.isdigit() for ch in value):
        raise ContentError(f"{where}: '{key}' has digits; write numbers as words for speech")
    return value.strip()


def _texts(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: '{key}' must be a non-empty list of strings")
    return tuple(_text({key: v}, key, where) for v in value)


def _int(data: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ContentError(f"{where}: '{key}' must be an integer from {low} to {high}")
    return value


def parse_segment(data: Any, where: str) -> RoutineSegment:
    """One timed segment; exactly one kind key, ranges checked so pacing stays humane."""
    if not isinstance(data, dict):
        raise ContentError(f"{where}: a segment must be an object")
    kinds = [k for k in SEGMENT_KINDS if k in data]
    if len(kinds) != 1:
        raise ContentError(f"{where}: a segment needs exactly one of {', '.join(SEGMENT_KINDS)}")
    kind = kinds[0]
    if kind == "say":
        return Say(_text(data, "say", where))
    if kind == "pause":
        return Pause(_int(data, "pause", where, 1, 5))
    if kind == "hold":
        return Hold(_int(data, "hold", where, 3, 60), _text(data, "cue", where, optional=True))
    if kind == "breathe":
        return Breathe(
            _int(data, "breathe", where, 2, 8), _int(data, "in", where, 2, 8), _int(data, "out", where, 2, 10)
        )
    cue = _text(data, "cue", where, optional=True)
    return Reps(_int(data, "reps", where, 1, 12), _int(data, "each", where, 1, 12), cue)


def parse_routine(routine_id: str, data: Any, where: str) -> Routine:
    where = f"{where}: routine '{routine_id}'"
    if not isinstance(data, dict):
        raise ContentError(f"{where} must be an object")
    steps_data = data.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        raise ContentError(f"{where}: 'steps' must be a non-empty list")
    steps: list[Step] = []
    for i, step in enumerate(steps_data):
        here = f"{where} step {i}"
        if not isinstance(step, dict):
            raise ContentError(f"{here} must be an object")
        segs = step.get("segments")
        if not isinstance(segs, list) or not segs:
            raise ContentError(f"{here}: 'segments' must be a non-empty list")
        steps.append(Step(
            id=_text(step, "id", here),
            title=_text(step, "title", here),
            setup=_text(step, "setup", here),
            setup_brief=_texts(step, "setup_brief", here),
            segments=tuple(parse_segment(s, f"{here} segment {j}") for j, s in enumerate(segs)),
        ))
    if len({s.id for s in steps}) != len(steps):
        raise ContentError(f"{where}: step ids must be unique")
    return Routine(
        id=routine_id,
        title=_text(data, "title", where),
        name=_text(data, "name", where),
        description=_text(data, "description", where),
        synonyms=_texts(data, "synonyms", where),
        intro=_text(data, "intro", where),
        intro_brief=_texts(data, "intro_brief", where),
        closing=_text(data, "closing", where),
        steps=tuple(steps),
    )


def parse_cues(data: Any, where: str) -> Cues:
    where = f"{where}: cues"
    if not isinstance(data, dict):
        raise ContentError(f"{where} must be an object")
    return Cues(
        hold_announce=_text(data, "hold_announce", where),
        hold_anchors=_texts(data, "hold_anchors", where),
        hold_remaining=_text(data, "hold_remaining", where),
        release=_texts(data, "release", where),
        breathe_announce=_text(data, "breathe_announce", where),
        breathe_in=_text(data, "breathe_in", where),
        breathe_out=_text(data, "breathe_out", where),
        reps_announce=_text(data, "reps_announce", where),
        stop_reminder=_text(data, "stop_reminder", where),
        step_heading=_text(data, "step_heading", where),
    )
