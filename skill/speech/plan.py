"""The speech plan: everything the skill says is a list of speech and silence segments first.

Keeping one neutral representation lets the same words and pauses become SSML for Alexa,
an APL-A document for exact timed holds, and real silence on a laptop, without each
renderer re-deriving timing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Pace presets. ``rate`` is the SSML prosody rate in percent of the voice's default; the
# calm "normal" pace is deliberately below 100 % because listeners' top complaint about
# voice assistants is speaking too fast. ``hold_scale`` stretches holds and breath cycles.
PACES: dict[str, dict[str, float]] = {
    "slower": {"rate": 80, "hold_scale": 1.25},
    "normal": {"rate": 90, "hold_scale": 1.0},
    "faster": {"rate": 100, "hold_scale": 0.8},
}
PACE_ORDER: tuple[str, ...] = ("slower", "normal", "faster")
DEFAULT_PACE = "normal"


@dataclass(frozen=True)
class Speech:
    """Plain text to be spoken (never markup) at ``rate`` percent of the default voice rate."""

    text: str
    rate: int = 100


@dataclass(frozen=True)
class Silence:
    """A pause of ``seconds``. ``label`` marks timed parts (``"hold"``, ``"breath"``) for timelines.

    ``absorbs`` is the estimated length of the speech since the previous silence (a reminder spoken
    inside a hold) that was already taken off ``seconds``, so that speech and silence together last
    ``seconds + absorbs``. Renderers that only have the estimate (SSML, APL-A) play ``seconds``;
    renderers that synthesise and so know how long that speech really took play :meth:`after`.
    """

    seconds: float
    label: str = ""
    absorbs: float = 0.0

    def after(self, spoken: float) -> float:
        """The silence to play when the speech since the previous silence really lasted ``spoken`` seconds."""
        if not self.absorbs:
            return self.seconds
        return max(0.0, round(self.seconds + self.absorbs - spoken, 3))


Segment = Speech | Silence


@dataclass(frozen=True)
class Plan:
    """An ordered, immutable sequence of segments."""

    segments: tuple[Segment, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, *parts: Segment | str | Plan | None, rate: int = 100) -> Plan:
        """Build a plan from segments, strings (spoken at ``rate``) and other plans; ``None`` is skipped."""
        out: list[Segment] = []
        for part in parts:
            if part is None:
                continue
            if isinstance(part, Plan):
                out.extend(part.segments)
            elif isinstance(part, str):
                if part.strip():
                    out.append(Speech(part.strip(), rate))
            else:
                out.append(part)
        return cls(tuple(out))

    def __add__(self, other: Plan) -> Plan:
        return Plan(self.segments + other.segments)

    def __bool__(self) -> bool:
        return bool(self.segments)

    def text(self) -> str:
        """The spoken words only, for transcripts, cards and logs."""
        return " ".join(s.text for s in self.segments if isinstance(s, Speech))

    def merged(self) -> Plan:
        """Adjacent silences summed and adjacent same-rate speech joined, so renderers see a canonical form."""
        out: list[Segment] = []
        for seg in self.segments:
            if isinstance(seg, Silence) and seg.seconds <= 0:
                continue
            prev = out[-1] if out else None
            if isinstance(seg, Silence) and isinstance(prev, Silence):
                # absorbs add up: the speech before the second silence is none at all
                out[-1] = Silence(round(prev.seconds + seg.seconds, 3), prev.label or seg.label,
                                  round(prev.absorbs + seg.absorbs, 3))
            elif isinstance(seg, Speech) and isinstance(prev, Speech) and prev.rate == seg.rate:
                out[-1] = Speech(f"{prev.text} {seg.text}", seg.rate)
            else:
                out.append(seg)
        return Plan(tuple(out))


def join(plans: Iterable[Plan]) -> Plan:
    """Concatenate plans in order."""
    segs: list[Segment] = []
    for p in plans:
        segs.extend(p.segments)
    return Plan(tuple(segs))
