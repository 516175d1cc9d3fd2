"""What the skill asks of a device's audio player, and what the player reports: plain values.

The conversation decides in these terms (see :mod:`skill.longform`); only the ASK glue turns them
into ``AudioPlayer`` directives or reads them from a request.
"""

from __future__ import annotations

from dataclasses import dataclass

# Player activities in which a track is still "in" the player: it can be resumed where it was.
# FINISHED and IDLE mean nothing is left to resume from the player itself.
LIVE_ACTIVITIES = frozenset({"PLAYING", "PAUSED", "STOPPED", "BUFFER_UNDERRUN"})


@dataclass(frozen=True)
class PlayerState:
    """The device's player as a request reports it (``context.AudioPlayer``, or an AudioPlayer
    request's own token and offset). ``offset_ms`` is ``None`` when the player did not say."""

    token: str | None
    offset_ms: int | None
    activity: str | None = None

    @property
    def live(self) -> bool:
        return self.activity in LIVE_ACTIVITIES


@dataclass(frozen=True)
class Play:
    """Stream ``url`` from ``offset_ms``, replacing anything queued; ``token`` names the track."""

    token: str
    url: str
    offset_ms: int


@dataclass(frozen=True)
class Stop:
    """Stop the stream; the player reports where it stopped (``PlaybackStopped``)."""


AudioCommand = Play | Stop
