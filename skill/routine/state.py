"""The state of a routine in progress: a small immutable value kept in session attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skill.speech.plan import DEFAULT_PACE, PACES


@dataclass(frozen=True)
class RoutineState:
    """``step`` is the 0-based index of the step the next "continue" plays (the resume point)."""

    id: str
    step: int = 0
    pace: str = DEFAULT_PACE
    paused: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "step": self.step, "pace": self.pace, "paused": self.paused}

    @classmethod
    def from_dict(cls, data: Any, step_counts: dict[str, int]) -> RoutineState | None:
        """A state from session attributes, or ``None`` if it is missing or names nothing we know."""
        if not isinstance(data, dict) or data.get("id") not in step_counts:
            return None
        try:
            step = int(data.get("step", 0))
        except (TypeError, ValueError):
            return None
        if not 0 <= step < step_counts[data["id"]]:
            return None
        pace = data.get("pace") if data.get("pace") in PACES else DEFAULT_PACE
        return cls(data["id"], step, pace, bool(data.get("paused")))
