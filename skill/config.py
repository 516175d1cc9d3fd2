"""Skill settings, from arguments or the environment, so hosts configure without code changes."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from skill.routine.tracks import EMPTY, Catalog, catalog_path_from_env, load_catalog

DEFAULT_DB_PATH = Path.home() / ".neck-relief-coach" / "skill.sqlite3"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
logger = logging.getLogger("skill.config")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def audio_base_url(value: str | None) -> str | None:
    """The base URL of the routine tracks, if usable: Alexa streams only from HTTPS, so plain HTTP is
    accepted only on loopback, for the local web simulator. Anything else is ignored with a warning
    (the skill keeps the chunked mode) rather than failing every request over a typo."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if (parts.scheme == "https" and parts.hostname) or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return value.strip().rstrip("/")
    logger.warning("NRC_AUDIO_BASE_URL ignored: it must be https (or http on loopback for the simulator)")
    return None


@dataclass(frozen=True)
class SkillConfig:
    """``use_apla``: timed routine parts as APL-A (exact silences); off means SSML only.

    ``audio_base_url`` and ``catalog``: where the pre-rendered routine tracks live and their
    timelines; with both, devices that have an audio player get a routine as one stream (long-form mode).
    """

    use_apla: bool = True
    skill_id: str | None = None
    seed: int | None = None  # fixes the choice among prompt variants (tests, benchmarks)
    clock: Callable[[], float] = field(default=time.time)  # places interruptions within routine audio
    asset_base_url: str | None = None  # https base of the drawings' PNGs, for picture cards (NRC_ASSET_BASE_URL)
    audio_base_url: str | None = None  # base of the routine tracks (NRC_AUDIO_BASE_URL)
    catalog: Catalog = EMPTY  # the tracks' manifest (NRC_TRACKS_MANIFEST)

    @property
    def streams(self) -> bool:
        """Whether long-form mode is configured at all (a device must still have an audio player)."""
        return bool(self.audio_base_url and self.catalog.tracks)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SkillConfig:
        """Settings from the environment; a damaged track manifest fails here, at load, not mid-routine."""
        env = os.environ if env is None else env
        return cls(use_apla=not _flag(env.get("NRC_SSML_ONLY")), skill_id=env.get("NRC_SKILL_ID") or None,
                   asset_base_url=env.get("NRC_ASSET_BASE_URL") or None,
                   audio_base_url=audio_base_url(env.get("NRC_AUDIO_BASE_URL")),
                   catalog=load_catalog(catalog_path_from_env(env)))


def db_path_from_env(env: Mapping[str, str] | None = None) -> Path:
    """Where the local SQLite store lives: ``NRC_DB_PATH`` or a file in the user's home folder."""
    env = os.environ if env is None else env
    return Path(env["NRC_DB_PATH"]).expanduser() if env.get("NRC_DB_PATH") else DEFAULT_DB_PATH
