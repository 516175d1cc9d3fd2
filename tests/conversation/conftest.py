"""A built skill with a temporary SQLite store, and conversations that validate every response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.local.conversation import Conversation, Exchange, in_process
from skill.persistence.sqlite_adapter import SqliteAdapter
from tests.checks import check_response


class CheckedConversation(Conversation):
    """A conversation whose every response passes :func:`check_response`."""

    def request(self, request: dict[str, Any], match: Any = None) -> Exchange:
        exchange = super().request(request, match)
        check_response(exchange.request, exchange.response)
        return exchange

    @property
    def routine(self) -> dict[str, Any] | None:
        return self.attributes.get("routine")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "skill.sqlite3"


@pytest.fixture
def make_conversation(db_path: Path):
    """Conversations for one user over one store; call again for a new session (same user)."""

    def make(apla: bool = True, locale: str = "en-US", user: str = "amzn1.ask.account.TEST") -> CheckedConversation:
        skill = build_skill(SqliteAdapter(db_path), SkillConfig(use_apla=apla, seed=3))
        return CheckedConversation(in_process(skill), locale=locale, user_id=user, apla=apla)

    return make


@pytest.fixture
def talk(make_conversation) -> CheckedConversation:
    return make_conversation()
