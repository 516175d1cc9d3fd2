"""What the skill remembers about a user between sessions, and nothing about their health.

Stored as plain integers, booleans and short strings so any store (SQLite locally, DynamoDB on
AWS, which refuses floats) round-trips it unchanged. Unknown or damaged fields fall back to
defaults instead of failing the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from skill.speech.plan import DEFAULT_PACE, PACES

SCHEMA_VERSION = 1
MAX_STEP = 63  # far beyond any routine, small enough that no stored number can overflow or lock a user out
MAX_COMPLETED = 1_000_000
MAX_EPOCH_SECONDS = 2**40
MAX_OFFSET_MS = 4 * 3600 * 1000  # far beyond any routine track
MAX_TOKEN_CHARS = 1024  # the AudioPlayer limit for a stream token
_KNOWN_FIELDS = {"v": int, "disclaimer_heard": bool, "safety_checked": bool, "pace": str,
                 "unfinished": dict, "completed": dict, "place": dict}


@dataclass(frozen=True)
class Unfinished:
    """A routine left part-way: which one, the 0-based step to resume at, and when (epoch seconds)."""

    routine: str
    step: int
    when: int


@dataclass(frozen=True)
class TrackPlace:
    """Where a routine's long-form track was: its stream token, the offset in milliseconds, and when
    (epoch seconds). AudioPlayer events come without a session, so this is the only memory of it."""

    token: str
    offset_ms: int
    when: int


Placed = TypeVar("Placed", Unfinished | None, TrackPlace | None)


@dataclass(frozen=True)
class Profile:
    disclaimer_heard: bool = False
    safety_checked: bool = False
    pace: str = DEFAULT_PACE
    unfinished: Unfinished | None = None
    completed: dict[str, int] = field(default_factory=dict)
    place: TrackPlace | None = None  # the long-form track's place; ``unfinished`` names the same step

    def completed_any(self, routine_id: str | None = None) -> bool:
        """Whether the user has finished this routine (or any routine) before: they get brief cues."""
        return bool(self.completed.get(routine_id, 0) if routine_id else sum(self.completed.values()))

    def finish(self, routine_id: str) -> Profile:
        done = dict(self.completed)
        done[routine_id] = done.get(routine_id, 0) + 1
        return replace(self, completed=done, unfinished=None, place=None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "v": SCHEMA_VERSION,
            "disclaimer_heard": self.disclaimer_heard,
            "safety_checked": self.safety_checked,
            "pace": self.pace,
            "completed": {k: int(v) for k, v in self.completed.items()},
        }
        if self.unfinished:
            data["unfinished"] = {"routine": self.unfinished.routine, "step": int(self.unfinished.step),
                                  "when": int(self.unfinished.when)}
        if self.place:
            data["place"] = {"token": self.place.token, "offset_ms": int(self.place.offset_ms),
                             "when": int(self.place.when)}
        return data

    @classmethod
    def from_stored(cls, data: Any) -> Profile | None:
        """The stored profile, or ``None`` when the row breaks the schema (wrong types, numbers out of
        bounds, a newer schema version): the caller then treats the user as new and must not write
        over that row, which may be a newer version's data or evidence worth keeping."""
        return cls.from_dict(data) if schema_problem(data) is None else None

    @classmethod
    def from_dict(cls, data: Any, routine_ids: tuple[str, ...] = ("quick", "full", "gentle")) -> Profile:
        """Tolerant reader: anything missing or malformed becomes the default (numbers may be Decimal)."""
        if not isinstance(data, dict):
            return cls()
        pace = data.get("pace") if data.get("pace") in PACES else DEFAULT_PACE
        unfinished = None
        raw = data.get("unfinished")
        if isinstance(raw, dict) and raw.get("routine") in routine_ids:
            try:
                unfinished = Unfinished(raw["routine"], max(0, int(raw.get("step", 0))), int(raw.get("when", 0)))
            except (TypeError, ValueError):
                unfinished = None
        completed: dict[str, int] = {}
        if isinstance(data.get("completed"), dict):
            for k, v in data["completed"].items():
                try:
                    if k in routine_ids and int(v) > 0:
                        completed[k] = int(v)
                except (TypeError, ValueError):
                    continue
        return cls(bool(data.get("disclaimer_heard")), bool(data.get("safety_checked")), pace, unfinished, completed,
                   _place(data.get("place")))


def _place(raw: Any) -> TrackPlace | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("token"), str):
        return None
    try:
        return TrackPlace(raw["token"][:MAX_TOKEN_CHARS], min(MAX_OFFSET_MS, max(0, int(raw.get("offset_ms", 0)))),
                          int(raw.get("when", 0)))
    except (TypeError, ValueError):
        return None


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def schema_problem(data: Any) -> str | None:
    """What is wrong with a stored profile (``None`` when it is fine; ``{}`` is a new user and fine).

    Field names and reasons only, never values: the result goes to the log.
    """
    if not isinstance(data, dict):
        return "not a map"
    for name, kind in _KNOWN_FIELDS.items():
        if name in data and not (isinstance(data[name], kind) and (kind is bool or not isinstance(data[name], bool))):
            return f"{name} is not a {kind.__name__}"
    if "v" in data and data["v"] != SCHEMA_VERSION:
        return "unknown schema version"
    if "pace" in data and data["pace"] not in PACES:
        return "unknown pace"
    unfinished = data.get("unfinished")
    if unfinished is not None and not (isinstance(unfinished.get("routine"), str)
                                       and _whole(unfinished.get("step", 0), 0, MAX_STEP)
                                       and _whole(unfinished.get("when", 0), 0, MAX_EPOCH_SECONDS)):
        return "unfinished out of bounds"
    place = data.get("place")
    if place is not None and not (isinstance(place.get("token"), str) and len(place["token"]) <= MAX_TOKEN_CHARS
                                  and _whole(place.get("offset_ms", 0), 0, MAX_OFFSET_MS)
                                  and _whole(place.get("when", 0), 0, MAX_EPOCH_SECONDS)):
        return "place out of bounds"
    completed = data.get("completed") or {}
    if len(completed) > MAX_STEP or not all(_whole(v, 0, MAX_COMPLETED) for v in completed.values()):
        return "completed out of bounds"
    return None


def merge_profiles(before: Profile, after: Profile, current: Profile) -> Profile:
    """Apply one request's change (``before`` to ``after``) to what is stored ``current``-ly.

    Requests for one user can overlap (two devices, retries), so a save must not replace the whole
    profile with the copy this request loaded: counts add their increments, a flag or pace that
    this request changed wins, and a saved place (step or track offset) is never moved back to an
    older one.
    """
    def changed(name: str) -> Any:
        return getattr(after if getattr(after, name) != getattr(before, name) else current, name)

    completed = dict(current.completed)
    for routine_id in set(before.completed) | set(after.completed):
        delta = after.completed.get(routine_id, 0) - before.completed.get(routine_id, 0)
        count = min(MAX_COMPLETED, max(0, completed.get(routine_id, 0) + delta))
        completed.pop(routine_id, None)
        if count:
            completed[routine_id] = count
    return Profile(changed("disclaimer_heard"), changed("safety_checked"), changed("pace"),
                   _latest(before.unfinished, after.unfinished, current.unfinished), completed,
                   _latest(before.place, after.place, current.place))


def _latest(before: Placed, after: Placed, current: Placed) -> Placed:
    """This request's new place, unless another request stored a newer one meanwhile."""
    if after == before:
        return current
    newer_elsewhere = (current is not None and current != before
                       and (after is None or current.when > after.when))
    return current if newer_elsewhere else after
