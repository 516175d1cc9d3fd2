"""Shared pieces for the fault, concurrency and hostile-input tests: the answer budget, a store that
hangs, conversations whose every answer is checked, and dynalite (from the deploy tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.content import load
from skill.device.conversation import Conversation, Exchange, in_process
from tests.checks import check_response
from tests.deploy.conftest import aws_env, dynalite, dynalite_factory  # noqa: F401  (fixtures used here)

ANSWER_BUDGET_SECONDS = 3.0
CONTENT = load("en-US")


class Budgeted(Conversation):
    """Every answer must be one Alexa accepts, and must come within the 3 s budget."""

    def request(self, request: dict[str, Any], match: Any = None) -> Exchange:
        started = time.monotonic()
        exchange = super().request(request, match)
        elapsed = time.monotonic() - started
        assert elapsed < ANSWER_BUDGET_SECONDS, f"answered in {elapsed:.2f} s"
        check_response(exchange.request, exchange.response)
        return exchange


def talk_to(adapter: AbstractPersistenceAdapter | None, user_id: str = "amzn1.ask.account.RELIABILITY") -> Budgeted:
    return Budgeted(in_process(build_skill(adapter, SkillConfig(seed=3))), user_id=user_id)


def stop_after_two_steps(talk: Budgeted) -> Exchange:
    """A first visit: launch, the full routine, the safety check, one response of steps, then stop."""
    talk.launch()
    talk.intent("StartRoutineIntent", routine="full")
    talk.intent("AMAZON.NoIntent")  # no warning signs today
    return talk.intent("AMAZON.StopIntent")


def said_saved(exchange: Exchange) -> bool | None:
    """True for "I've saved your place", False for "I couldn't save your place", None for neither."""
    text = exchange.transcript
    if "I've saved your place" in text:
        return True
    if "couldn't save your place" in text:
        return False
    return None


class HangingServer:
    """Accepts TCP connections on loopback and never answers: a store that is up but silent."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        self._thread.join(timeout=5)
        for connection in self.connections:
            connection.close()


@pytest.fixture
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "skill.sqlite3"
