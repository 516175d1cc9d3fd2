"""What the skill remembers about a user between sessions, and nothing about their health.

Stored as plain integers, booleans and short strings so any store (SQLite locally, DynamoDB on
AWS, which refuses floats) round-trips it unchanged. Unknown or damaged fields fall back to
defaults instead of failing the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from skill.speech.plan import DEFAULT_PACE, PACES

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Unfinished:
    """A routine left part-way: which one, the 0-based step to resume at, and when (epoch seconds)."""

    routine: str
    step: int
    when: int


@dataclass(frozen=True)
class Profile:
    disclaimer_heard: bool = False
    safety_checked: bool = False
    pace: str = DEFAULT_PACE
    unfinished: Unfinished | None = None
    completed: dict[str, int] = field(default_factory=dict)

    def completed_any(self, routine_id: str | None = None) -> bool:
        """Whether the user has finished this routine (or any routine) before: they get brief cues."""
        return bool(self.completed.get(routine_id, 0) if routine_id else sum(self.completed.values()))

    def finish(self, routine_id: str) -> Profile:
        done = dict(self.completed)
        done[routine_id] = done.get(routine_id, 0) + 1
        return replace(self, completed=done, unfinished=None)

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
        return data

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
        return cls(bool(data.get("disclaimer_heard")), bool(data.get("safety_checked")), pace, unfinished, completed)
