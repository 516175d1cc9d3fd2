"""Skill settings, from arguments or the environment, so hosts configure without code changes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_PATH = Path.home() / ".neck-relief-coach" / "skill.sqlite3"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SkillConfig:
    """``use_apla``: timed routine parts as APL-A (exact silences); off means SSML only."""

    use_apla: bool = True
    skill_id: str | None = None
    seed: int | None = None  # fixes the choice among prompt variants (tests, benchmarks)
    clock: Callable[[], float] = field(default=time.time)  # places interruptions within routine audio
    asset_base_url: str | None = None  # https base of the drawings' PNGs, for picture cards (NRC_ASSET_BASE_URL)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SkillConfig:
        env = os.environ if env is None else env
        return cls(use_apla=not _flag(env.get("NRC_SSML_ONLY")), skill_id=env.get("NRC_SKILL_ID") or None,
                   asset_base_url=env.get("NRC_ASSET_BASE_URL") or None)


def db_path_from_env(env: Mapping[str, str] | None = None) -> Path:
    """Where the local SQLite store lives: ``NRC_DB_PATH`` or a file in the user's home folder."""
    env = os.environ if env is None else env
    return Path(env["NRC_DB_PATH"]).expanduser() if env.get("NRC_DB_PATH") else DEFAULT_DB_PATH
