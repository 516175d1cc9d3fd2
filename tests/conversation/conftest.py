"""A built skill with a temporary SQLite store, and conversations that validate every response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.device.conversation import Conversation, Exchange, in_process
from skill.persistence.sqlite_adapter import SqliteAdapter
from skill.speech.estimate import estimate_seconds
from skill.speech.parse import plan_from_response
from tests.checks import check_response


class ListeningClock:
    """A fake clock. A listener who hears every response to the end: after each response the clock
    moves on by its estimated audio. ``interrupt_after`` makes the next response be cut short."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.interrupt_after: float | None = None

    def __call__(self) -> float:
        return self.now

    def heard(self, response: dict[str, Any]) -> None:
        seconds = estimate_seconds(plan_from_response(response)) + 1.0
        if self.interrupt_after is not None:
            seconds, self.interrupt_after = self.interrupt_after, None
        self.now += seconds


class CheckedConversation(Conversation):
    """A conversation whose every response passes :func:`check_response`, heard on a fake clock."""

    clock: ListeningClock

    def request(self, request: dict[str, Any], match: Any = None) -> Exchange:
        exchange = super().request(request, match)
        check_response(exchange.request, exchange.response)
        self.clock.heard(exchange.response)
        return exchange

    @property
    def routine(self) -> dict[str, Any] | None:
        """The routine in progress; one whose last response is all that is left (its step one past
        the end, kept so commands during that response still work) counts as finished."""
        routine = self.attributes.get("routine")
        return None if routine and routine.get("final") else routine


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "skill.sqlite3"


@pytest.fixture
def make_conversation(db_path: Path):
    """Conversations for one user over one store; call again for a new session (same user)."""

    def make(apla: bool = True, locale: str = "en-US", user: str = "amzn1.ask.account.TEST",
             seed: int = 3) -> CheckedConversation:
        clock = ListeningClock()
        skill = build_skill(SqliteAdapter(db_path), SkillConfig(use_apla=apla, seed=seed, clock=clock))
        talk = CheckedConversation(in_process(skill), locale=locale, user_id=user, apla=apla)
        talk.clock = clock
        return talk

    return make


@pytest.fixture
def talk(make_conversation) -> CheckedConversation:
    return make_conversation()
