"""The state of a routine in progress: a small immutable value kept in session attributes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skill.speech.plan import DEFAULT_PACE, PACES

# Estimates and network delay blur step boundaries; leaning a little early means an interrupted
# listener repeats the end of a step rather than missing the start of the next.
GRACE_SECONDS = 2.0
# No spoken interruption arrives sooner than this after a response is sent (the audio must start,
# then "Alexa, pause" must be said and understood). Anything faster is a typed or automated client
# that has read the whole response, so it is treated as heard to the end.
MIN_INTERRUPT_SECONDS = 3.0


@dataclass(frozen=True)
class RoutineState:
    """A routine in progress.

    ``step`` is the 0-based index of the step the next "continue" plays (the resume point).
    ``chunk_start``, ``sent_at`` (epoch seconds) and ``marks`` (estimated start second of each step
    in the last response, then its end) let a command that interrupts playback find the step the
    listener was actually in, instead of assuming they heard the whole response.
    """

    id: str
    step: int = 0
    pace: str = DEFAULT_PACE
    paused: bool = False
    chunk_start: int = 0
    sent_at: float = 0.0
    marks: tuple[float, ...] = ()
    final: bool = False  # the last response is playing: the routine is over once it has been heard

    def playing_step(self, now: float, heard: float | None = None) -> int | None:
        """The step still playing, or ``None`` when the last response has finished.

        ``heard`` is where the client's own player was, in seconds into the last response (``inf``
        for a client with no audio, which has read it all); without it the request is placed by time.
        """
        if not self.marks:
            return None
        if heard is not None:
            elapsed = heard - GRACE_SECONDS
        elif not self.sent_at or now - self.sent_at < MIN_INTERRUPT_SECONDS:
            return None
        else:
            elapsed = now - self.sent_at - GRACE_SECONDS
        if elapsed >= self.marks[-1] - GRACE_SECONDS:
            return None
        index = sum(1 for mark in self.marks[1:-1] if mark <= elapsed)
        return self.chunk_start + index

    def settled(self) -> RoutineState:
        """The state with playback considered over (after an interruption has been accounted for)."""
        return RoutineState(self.id, self.step, self.pace, self.paused)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "step": self.step, "pace": self.pace, "paused": self.paused}
        if self.marks:
            data.update(chunk_start=self.chunk_start, sent_at=round(self.sent_at, 2),
                        marks=[round(m, 2) for m in self.marks])
        if self.final:
            data["final"] = True
        return data

    @classmethod
    def from_dict(cls, data: Any, step_counts: dict[str, int]) -> RoutineState | None:
        """A state from session attributes, or ``None`` if it is missing or names nothing we know."""
        if not isinstance(data, dict) or data.get("id") not in step_counts:
            return None
        try:
            step = int(data.get("step", 0))
        except (TypeError, ValueError):
            return None
        # One past the last step is the end of the last response, kept while its audio may be playing.
        if not 0 <= step <= step_counts[data["id"]] or (step == step_counts[data["id"]] and not data.get("marks")):
            return None
        pace = data.get("pace") if data.get("pace") in PACES else DEFAULT_PACE
        try:
            marks = tuple(float(m) for m in data.get("marks") or ())
            chunk_start = int(data.get("chunk_start", 0))
            sent_at = float(data.get("sent_at", 0))
        except (TypeError, ValueError):
            marks, chunk_start, sent_at = (), 0, 0.0
        if not 0 <= chunk_start <= step:
            marks, chunk_start, sent_at = (), 0, 0.0
        final = step == step_counts[data["id"]]
        return cls(data["id"], step, pace, bool(data.get("paused")), chunk_start, sent_at, marks, final)
