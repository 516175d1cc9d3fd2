"""Persistence: the SQLite store and the wrapper that must never lose a user's saved progress."""

import itertools
import logging
import random
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Application, Context, LaunchRequest, RequestEnvelope, Response, Session, User
from ask_sdk_model.interfaces.system import SystemState

from skill.persistence import PersistenceError, ResilientAdapter, SqliteAdapter
from skill.persistence import resilient as resilient_module

_request_ids = itertools.count(1)


def envelope(user_id: str | None = "user-a", *, session_user_id: str | None = None) -> RequestEnvelope:
    """A launch request for one user; every call is a new request with its own id."""
    application = Application(application_id="amzn1.ask.skill.test")
    session = None
    if session_user_id is not None:
        session = Session(new=True, session_id="session-1", user=User(user_id=session_user_id),
                          application=application, attributes={})
    return RequestEnvelope(
        version="1.0",
        session=session,
        context=Context(system=SystemState(application=application, user=User(user_id=user_id))),
        request=LaunchRequest(request_id=f"req-{next(_request_ids)}", locale="en-US"),
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "nested" / "attributes.sqlite3"


@pytest.fixture
def store(db_path: Path) -> SqliteAdapter:
    return SqliteAdapter(db_path)


def corrupt_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    content = random.Random(1234).randbytes(8192)
    path.write_bytes(content)
    return content


def persistence_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "skill.persistence" and r.levelno == logging.WARNING]


class MemoryAdapter(AbstractPersistenceAdapter):
    """A fake inner adapter whose failures the test switches on."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, object]] = {}
        self.fail_get = self.fail_save = self.fail_delete = False

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        if self.fail_get:
            raise sqlite3.OperationalError("disk I/O error")
        return dict(self.data.get(request_envelope.context.system.user.user_id, {}))

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        if self.fail_save:
            raise sqlite3.OperationalError("database is locked")
        self.data[request_envelope.context.system.user.user_id] = dict(attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        if self.fail_delete:
            raise sqlite3.OperationalError("database is locked")
        self.data.pop(request_envelope.context.system.user.user_id, None)


# SqliteAdapter


def test_round_trip(store: SqliteAdapter) -> None:
    attributes = {"routine": "gentle", "step": 3, "done": [1, 2], "quiet": True, "pace": 0.8, "note": None}
    store.save_attributes(envelope(), attributes)
    assert store.get_attributes(envelope()) == attributes


def test_unknown_user_gets_empty_attributes(store: SqliteAdapter) -> None:
    assert store.get_attributes(envelope("nobody")) == {}


def test_save_replaces_previous_value(store: SqliteAdapter) -> None:
    store.save_attributes(envelope(), {"step": 1, "old": True})
    store.save_attributes(envelope(), {"step": 2})
    assert store.get_attributes(envelope()) == {"step": 2}


def test_users_are_isolated(store: SqliteAdapter) -> None:
    store.save_attributes(envelope("user-a"), {"step": 1})
    store.save_attributes(envelope("user-b"), {"step": 5})
    assert store.get_attributes(envelope("user-a")) == {"step": 1}
    assert store.get_attributes(envelope("user-b")) == {"step": 5}
    store.delete_attributes(envelope("user-a"))
    assert store.get_attributes(envelope("user-b")) == {"step": 5}


def test_delete(store: SqliteAdapter) -> None:
    store.save_attributes(envelope(), {"step": 4})
    store.delete_attributes(envelope())
    assert store.get_attributes(envelope()) == {}
    store.delete_attributes(envelope())  # deleting nothing is not an error


def test_construction_touches_nothing_and_first_use_creates_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "attributes.sqlite3"
    store = SqliteAdapter(path)
    assert not (tmp_path / "a").exists()
    store.save_attributes(envelope(), {"step": 1})
    assert path.is_file()
    with closing(sqlite3.connect(path)) as conn:
        columns = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(attributes)")}
        updated_at = conn.execute("SELECT updated_at FROM attributes").fetchone()[0]
    assert columns == {"id": "TEXT", "attributes": "TEXT", "updated_at": "INTEGER"}
    assert isinstance(updated_at, int) and updated_at > 0


def test_persists_across_adapter_instances(db_path: Path) -> None:
    SqliteAdapter(db_path).save_attributes(envelope(), {"step": 6})
    assert SqliteAdapter(str(db_path)).get_attributes(envelope()) == {"step": 6}


@pytest.mark.parametrize(
    "bad",
    [
        {"when": object()},
        {"steps": {1, 2}},
        {"pace": float("nan")},
        {"pair": (1, 2)},  # would come back as a list
        {1: "int key"},  # would come back as "1"
    ],
    ids=["object", "set", "nan", "tuple", "int-key"],
)
def test_failed_save_leaves_previous_value(store: SqliteAdapter, bad: dict) -> None:
    store.save_attributes(envelope(), {"step": 2})
    with pytest.raises(PersistenceError):
        store.save_attributes(envelope(), bad)
    assert store.get_attributes(envelope()) == {"step": 2}


def test_failure_inside_transaction_rolls_back(store: SqliteAdapter, db_path: Path) -> None:
    """A write the database itself refuses half way leaves the old row in place."""
    store.save_attributes(envelope(), {"step": 2})
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute(
            "CREATE TRIGGER refuse AFTER UPDATE ON attributes BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(sqlite3.IntegrityError):
        store.save_attributes(envelope(), {"step": 3})
    assert store.get_attributes(envelope()) == {"step": 2}


def test_stored_value_that_is_not_an_object_is_rejected(store: SqliteAdapter, db_path: Path) -> None:
    store.save_attributes(envelope(), {"step": 1})
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE attributes SET attributes = '[1, 2]'")
    with pytest.raises(PersistenceError):
        store.get_attributes(envelope())


def test_concurrent_saves_from_threads(store: SqliteAdapter) -> None:
    threads_count, saves_each = 8, 25
    barrier = threading.Barrier(threads_count, timeout=10)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(saves_each):
                store.save_attributes(envelope(f"user-{n}"), {"count": i + 1})
                store.save_attributes(envelope("shared"), {"last": [n, i]})
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    for n in range(threads_count):
        assert store.get_attributes(envelope(f"user-{n}")) == {"count": saves_each}
    last = store.get_attributes(envelope("shared"))["last"]
    assert last[1] == saves_each - 1 and 0 <= last[0] < threads_count


def damaged_copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.damaged-*"))


def test_corrupt_file_is_moved_aside_intact_and_a_fresh_one_used(db_path: Path) -> None:
    content = corrupt_file(db_path)
    store = SqliteAdapter(db_path)
    assert store.get_attributes(envelope()) == {}
    (aside,) = damaged_copies(db_path)
    assert aside.read_bytes() == content
    store.save_attributes(envelope(), {"step": 1})
    assert store.get_attributes(envelope()) == {"step": 1}
    assert aside.read_bytes() == content


def test_directory_as_path_raises(tmp_path: Path) -> None:
    store = SqliteAdapter(tmp_path)
    with pytest.raises(sqlite3.OperationalError):
        store.get_attributes(envelope())


def test_missing_user_id_is_a_clear_error(store: SqliteAdapter) -> None:
    for call in (
        lambda: store.get_attributes(envelope(None)),
        lambda: store.save_attributes(envelope(None), {"step": 1}),
        lambda: store.delete_attributes(envelope(None)),
    ):
        with pytest.raises(PersistenceError, match="user id"):
            call()


def test_user_id_falls_back_to_session(store: SqliteAdapter) -> None:
    store.save_attributes(envelope(None, session_user_id="user-s"), {"step": 9})
    assert store.get_attributes(envelope("user-s")) == {"step": 9}


# ResilientAdapter


def test_resilient_passes_through_when_healthy() -> None:
    inner = MemoryAdapter()
    adapter = ResilientAdapter(inner)
    adapter.save_attributes(envelope(), {"step": 2})
    request = envelope()
    assert adapter.get_attributes(request) == {"step": 2}
    assert adapter.available_for(request)
    adapter.delete_attributes(envelope())
    assert inner.data == {}


def test_failed_load_returns_empty_and_blocks_save_for_that_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = MemoryAdapter()
    inner.data["user-a"] = {"step": 5}
    adapter = ResilientAdapter(inner)
    caplog.set_level(logging.WARNING, logger="skill.persistence")

    inner.fail_get = True
    failed = envelope()
    assert adapter.get_attributes(failed) == {}
    assert not adapter.available_for(failed)
    inner.fail_get = False  # the store recovers before the response is saved
    adapter.save_attributes(failed, {"step": 0})
    assert inner.data["user-a"] == {"step": 5}

    messages = [r.getMessage() for r in persistence_warnings(caplog)]
    assert len(messages) == 2
    assert "OperationalError" in messages[0] and "disk I/O error" in messages[0]
    assert "skipped" in messages[1] and failed.request.request_id in messages[1]

    later = envelope()
    assert adapter.available_for(later)
    adapter.save_attributes(later, {"step": 6})
    assert inner.data["user-a"] == {"step": 6}


def test_save_errors_are_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    inner = MemoryAdapter()
    inner.fail_save = True
    adapter = ResilientAdapter(inner)
    caplog.set_level(logging.WARNING, logger="skill.persistence")

    adapter.save_attributes(envelope(), {"secret-note": "private words"})

    (record,) = persistence_warnings(caplog)
    message = record.getMessage()
    assert "OperationalError" in message and "database is locked" in message
    assert "private words" not in message and "secret-note" not in message and "user-a" not in message


def test_delete_errors_are_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    inner = MemoryAdapter()
    inner.data["user-a"] = {"step": 1}
    inner.fail_delete = True
    adapter = ResilientAdapter(inner)
    caplog.set_level(logging.WARNING, logger="skill.persistence")

    adapter.delete_attributes(envelope())

    (record,) = persistence_warnings(caplog)
    assert "deleting" in record.getMessage() and "OperationalError" in record.getMessage()
    assert inner.data["user-a"] == {"step": 1}


def test_failed_request_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resilient_module, "FAILED_REQUESTS_KEPT", 3)
    inner = MemoryAdapter()
    inner.fail_get = True
    adapter = ResilientAdapter(inner)
    requests = [envelope() for _ in range(4)]
    for request in requests:
        adapter.get_attributes(request)
    assert adapter.available_for(requests[0])  # the oldest was forgotten
    assert not any(adapter.available_for(r) for r in requests[1:])


def test_resilient_over_corrupt_file_never_overwrites_it(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    content = corrupt_file(db_path)
    adapter = ResilientAdapter(SqliteAdapter(db_path))
    caplog.set_level(logging.WARNING, logger="skill.persistence")

    request = envelope()
    assert adapter.get_attributes(request) == {}
    assert adapter.update(request, lambda _stored: {"step": 0})

    (aside,) = damaged_copies(db_path)
    assert aside.read_bytes() == content
    (warning,) = persistence_warnings(caplog)
    assert "moved it aside" in warning.getMessage() and aside.name in warning.getMessage()


def test_resilient_over_directory_path(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    adapter = ResilientAdapter(SqliteAdapter(tmp_path))
    caplog.set_level(logging.WARNING, logger="skill.persistence")
    assert adapter.get_attributes(envelope()) == {}
    adapter.save_attributes(envelope(), {"step": 1})
    assert tmp_path.is_dir()
    assert "OperationalError" in persistence_warnings(caplog)[0].getMessage()


# Through the SDK: the skill keeps answering


class CountVisits(AbstractRequestHandler):
    """Loads, changes and saves persistent attributes the way real handlers will."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        manager = handler_input.attributes_manager
        visits = int(manager.persistent_attributes.get("visits", 0)) + 1
        manager.persistent_attributes["visits"] = visits
        manager.save_persistent_attributes()
        return handler_input.response_builder.speak(f"Visit {visits}.").response


def run_skill(path: Path) -> str:
    builder = CustomSkillBuilder(persistence_adapter=ResilientAdapter(SqliteAdapter(path)))
    builder.add_request_handler(CountVisits())
    response = builder.create().invoke(request_envelope=envelope(), context=None)
    return response.response.output_speech.ssml


def test_skill_remembers_visits(db_path: Path) -> None:
    assert run_skill(db_path) == "<speak>Visit 1.</speak>"
    assert run_skill(db_path) == "<speak>Visit 2.</speak>"


def test_skill_answers_over_corrupt_file_and_leaves_it(db_path: Path) -> None:
    content = corrupt_file(db_path)
    assert run_skill(db_path) == "<speak>Visit 1.</speak>"
    assert run_skill(db_path) == "<speak>Visit 2.</speak>"
    (aside,) = damaged_copies(db_path)
    assert aside.read_bytes() == content
