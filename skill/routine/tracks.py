"""Long-form routine tracks: one pre-rendered audio stream per routine, pace and locale.

On a device with the AudioPlayer interface the whole routine plays as one track, so nobody has to
say "continue" with their hands behind their head. The track's *timeline* (where each step starts,
in milliseconds, as actually rendered) is written by the build step beside the audio, in a
manifest, and read here: the skill never guesses step boundaries from estimates in long-form mode.

This module is the contract between the renderer (``skill.tools.tracks``) and the skill: names,
tokens, the manifest format and the timeline arithmetic. It is pure (no audio, no network).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.errors import ContentError
from skill.speech.plan import PACES

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
TOKEN_PREFIX = "nrc-track"  # AudioPlayer tokens: nrc-track:<locale>:<routine>:<pace>
AUDIO_SUFFIX = ".mp3"  # what the build step uploads; a local render may write ".wav" (no MP3 encoder needed)
AUDIO_SUFFIXES = (AUDIO_SUFFIX, ".wav")


@dataclass(frozen=True)
class Track:
    """One rendered routine track and its timeline.

    ``steps[i]`` is the millisecond at which step ``i`` begins; ``duration_ms`` is the whole track.
    ``suffix`` is the audio file's extension (one of ``AUDIO_SUFFIXES``).
    """

    locale: str
    routine: str
    pace: str
    duration_ms: int
    steps: tuple[int, ...]
    suffix: str = AUDIO_SUFFIX

    def __post_init__(self) -> None:
        if self.pace not in PACES:
            raise ContentError(f"track {self.token}: unknown pace {self.pace!r}")
        if self.suffix not in AUDIO_SUFFIXES:
            raise ContentError(f"track {self.token}: unknown audio suffix {self.suffix!r}")
        if not self.steps or self.steps[0] != 0:
            raise ContentError(f"track {self.token}: the first step must start at 0 ms")
        if any(b <= a for a, b in zip(self.steps, self.steps[1:], strict=False)):
            raise ContentError(f"track {self.token}: step starts must increase")
        if self.duration_ms <= self.steps[-1]:
            raise ContentError(f"track {self.token}: the track ends before its last step starts")

    # ----- names -----------------------------------------------------------------------------------
    @property
    def token(self) -> str:
        """The AudioPlayer stream token: playback events carry it, so they name the track without a session."""
        return f"{TOKEN_PREFIX}:{self.locale}:{self.routine}:{self.pace}"

    @property
    def file_name(self) -> str:
        """The object key below the audio base URL (and the file name in a local build folder)."""
        return f"{self.locale}/{self.routine}-{self.pace}{self.suffix}"

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{self.file_name}"

    # ----- timeline --------------------------------------------------------------------------------
    def clamp(self, offset_ms: int) -> int:
        return max(0, min(int(offset_ms), self.duration_ms))

    def step_at(self, offset_ms: int) -> int:
        """The 0-based step playing at ``offset_ms`` (the last step for an offset at or past the end)."""
        return max(0, bisect_right(self.steps, self.clamp(offset_ms)) - 1)

    def start_of(self, step: int) -> int:
        """Where ``step`` begins; a step past the last means the end of the track."""
        if step >= len(self.steps):
            return self.duration_ms
        return self.steps[max(0, step)]

    def end_of(self, step: int) -> int:
        return self.start_of(step + 1)

    def into_step(self, offset_ms: int) -> float:
        """How far through its step ``offset_ms`` is, from 0.0 to 1.0: slower and faster keep this."""
        step = self.step_at(offset_ms)
        start, end = self.start_of(step), self.end_of(step)
        return (self.clamp(offset_ms) - start) / max(1, end - start)

    def at_fraction(self, step: int, fraction: float) -> int:
        """The offset ``fraction`` of the way through ``step`` (the inverse of :meth:`into_step`)."""
        start, end = self.start_of(step), self.end_of(step)
        return start + round(max(0.0, min(1.0, fraction)) * (end - start))

    def remaining_ms(self, offset_ms: int) -> int:
        return self.duration_ms - self.clamp(offset_ms)

    def to_dict(self) -> dict[str, Any]:
        out = {"locale": self.locale, "routine": self.routine, "pace": self.pace,
               "duration_ms": self.duration_ms, "steps": list(self.steps)}
        return out if self.suffix == AUDIO_SUFFIX else {**out, "suffix": self.suffix}  # absent means MP3

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Track:
        try:
            return cls(str(data["locale"]), str(data["routine"]), str(data["pace"]), int(data["duration_ms"]),
                       tuple(int(s) for s in data["steps"]), str(data.get("suffix", AUDIO_SUFFIX)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ContentError(f"track entry {dict(data)!r} is malformed: {exc}") from exc


def parse_token(token: str | None) -> tuple[str, str, str] | None:
    """``(locale, routine, pace)`` from a stream token of ours, or ``None`` for anything else."""
    parts = (token or "").split(":")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX or parts[3] not in PACES:
        return None
    return parts[1], parts[2], parts[3]


@dataclass(frozen=True)
class Catalog:
    """Every rendered track, looked up by locale, routine and pace."""

    tracks: Mapping[tuple[str, str, str], Track]
    engine: str = ""  # which voice rendered them ("polly:Joanna", "pyttsx3:espeak"), for the README and logs

    def get(self, locale: str, routine: str, pace: str) -> Track | None:
        return self.tracks.get((locale, routine, pace))

    def by_token(self, token: str | None) -> Track | None:
        key = parse_token(token)
        return self.tracks.get(key) if key else None

    def to_dict(self) -> dict[str, Any]:
        return {"version": MANIFEST_VERSION, "engine": self.engine,
                "tracks": [t.to_dict() for t in sorted(self.tracks.values(), key=lambda t: t.token)]}

    @classmethod
    def from_dict(cls, data: Any) -> Catalog:
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            raise ContentError(f"track manifest: expected version {MANIFEST_VERSION}")
        tracks = [Track.from_dict(entry) for entry in data.get("tracks") or ()]
        return cls({(t.locale, t.routine, t.pace): t for t in tracks}, str(data.get("engine", "")))

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MANIFEST_NAME
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path


EMPTY = Catalog({})


def load_catalog(path: Path | None) -> Catalog:
    """The manifest at ``path`` (a file or a folder holding ``manifest.json``); empty when there is none.

    An empty catalog is not an error: without rendered tracks the skill uses the chunked mode.
    A manifest that exists but is damaged is an error, raised at load, not at the first routine.
    """
    if path is None:
        return EMPTY
    path = path / MANIFEST_NAME if path.is_dir() else path
    if not path.is_file():
        return EMPTY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContentError(f"track manifest {path}: {exc}") from exc
    return Catalog.from_dict(data)


def catalog_path_from_env(env: Mapping[str, str] | None = None) -> Path | None:
    """``NRC_TRACKS_MANIFEST``: the manifest the build step wrote (packaged beside the Lambda code)."""
    env = os.environ if env is None else env
    return Path(env["NRC_TRACKS_MANIFEST"]).expanduser() if env.get("NRC_TRACKS_MANIFEST") else None
