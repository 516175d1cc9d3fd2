"""Persistent attributes in a local SQLite file, for the Flask server and local runs.

One connection per call: sqlite3 connections cannot be shared across the Flask server's threads,
opening a local file is cheap next to a voice round trip, and a file deleted under a running server
is noticed and recreated on the next call. Nothing touches the disk until the
first call, so building the adapter (for example in the app factory) has no side effects.
"""

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

BUSY_TIMEOUT_SECONDS = 0.5  # another process holding the write lock; SQLite's own wait
WRITE_WAIT_SECONDS = 0.5  # another thread of this process writing
T = TypeVar("T")
Change = Callable[[dict[str, object]], dict[str, object] | None]
logger = logging.getLogger("skill.persistence")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS attributes "
    "(id TEXT PRIMARY KEY, attributes TEXT NOT NULL, updated_at INTEGER NOT NULL)"
)
_SELECT = "SELECT attributes FROM attributes WHERE id = ?"
_UPSERT = (
    "INSERT INTO attributes (id, attributes, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at"
)
_DELETE = "DELETE FROM attributes WHERE id = ?"


class PersistenceError(PersistenceException):
    """A request or value the store cannot handle; subclasses the SDK's own persistence error."""


def user_id_of(request_envelope: RequestEnvelope) -> str:
    """The Alexa user id that keys a user's saved state; the session copy covers envelopes without context."""
    context = request_envelope.context
    user = context.system.user if context and context.system else None
    if user is None or not user.user_id:
        session = request_envelope.session
        user = session.user if session else None
    if user is None or not user.user_id:
        raise PersistenceError("request has no user id, so there is nothing to key saved attributes by")
    return user.user_id


def _to_json(attributes: dict[str, object]) -> str:
    """Serialise, refusing anything that would not come back unchanged (tuples, non-string keys, NaN).

    Silent conversion would hand the skill different data on the next visit, and the DynamoDB
    adapter rejects such values anyway, so a local run should fail the same way.
    """
    if not isinstance(attributes, dict):
        raise PersistenceError(f"attributes must be a dict, not {type(attributes).__name__}")
    try:
        text = json.dumps(attributes, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise PersistenceError(f"attributes are not plain JSON: {error}") from error
    if json.loads(text) != attributes:
        raise PersistenceError("attributes are not plain JSON: tuples or non-string keys would change on reload")
    return text


class SqliteAdapter(AbstractPersistenceAdapter):
    """Stores each user's attributes as one JSON row keyed by Alexa user id.

    Writes are read-modify-write transactions (:meth:`update`), one at a time within the process and
    ``BEGIN IMMEDIATE`` across processes, so concurrent requests for one user never lose a change.
    Every wait is bounded: heavy contention fails quickly with :class:`PersistenceError`, which the
    resilient wrapper turns into an honest "not saved", instead of stalling the answer.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._prepared = False
        self._prepare_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        user_id = user_id_of(request_envelope)
        row = self._run(lambda conn: conn.execute(_SELECT, (user_id,)).fetchone())
        return {} if row is None else _from_json(row[0])

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        _to_json(attributes)  # refuse bad values before taking any lock
        self.update(request_envelope, lambda _stored: attributes)

    def update(self, request_envelope: RequestEnvelope, change: Change) -> bool:
        """Replace the user's attributes with ``change(stored)`` in one transaction; ``None`` from
        ``change`` writes nothing. Returns whether a row was written."""
        user_id = user_id_of(request_envelope)

        def transaction(conn: sqlite3.Connection) -> bool:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(_SELECT, (user_id,)).fetchone()
                new = change({} if row is None else _from_json(row[0]))
                if new is not None:
                    conn.execute(_UPSERT, (user_id, _to_json(new), int(time.time())))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return new is not None

        if not self._write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise PersistenceError(f"store busy: no write slot within {WRITE_WAIT_SECONDS:.1f} s")
        try:
            return self._run(transaction)
        finally:
            self._write_lock.release()

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        user_id = user_id_of(request_envelope)
        self._run(lambda conn: conn.execute(_DELETE, (user_id,)))

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on a fresh connection. A file, folder or table that vanished is recreated and a
        damaged file moved aside, then ``work`` runs once more on the fresh file."""
        for attempt in (1, 2):
            try:
                with closing(self._connect()) as conn:
                    return work(conn)
            except sqlite3.DatabaseError as error:
                if attempt == 2 or not self._heal(error):
                    raise
        raise AssertionError("unreachable")

    def _heal(self, error: sqlite3.DatabaseError) -> bool:
        """Whether ``error`` was repaired (so a retry may succeed): a missing table is recreated on
        the next connect; a damaged file is renamed aside, never written to, and logged."""
        with self._prepare_lock:
            self._prepared = False
            if _is_damage(error) and self._path.is_file():
                _move_aside(self._path, "damaged")
                return True
        return "no such table" in str(error)

    def _connect(self) -> sqlite3.Connection:
        if not self._prepared or not self._path.exists():
            self._prepare()
        conn = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable on process crash, one fsync per checkpoint
        return conn

    def _prepare(self) -> None:
        """Create folders, file and table on first use and whenever the file vanished, one thread at a time.

        Switching a new file to WAL is not covered by the busy timeout, so threads racing to do it
        get "database is locked". ``quick_check`` finds a file damaged anywhere, not just in the pages
        a request happens to read; such a file (or one that is no database at all) is moved aside and
        replaced by a fresh one. A failure leaves the adapter unprepared, so the next call tries again.
        """
        with self._prepare_lock:
            if self._prepared and self._path.exists():
                return
            self._prepared = False
            self._path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._create()
            except sqlite3.DatabaseError as error:
                if not (_is_damage(error) and self._path.is_file()):
                    raise
                _move_aside(self._path, "damaged")
                self._create()
            self._prepared = True

    def _create(self) -> None:
        with closing(sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict})")


def _from_json(text: str) -> dict[str, object]:
    try:
        attributes = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise PersistenceError("stored attributes are not valid JSON") from error
    if not isinstance(attributes, dict):
        raise PersistenceError("stored attributes are not a JSON object")
    return attributes


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(error) or "not a database" in str(error)


def _move_aside(path: Path, why: str) -> Path:
    """Rename ``path`` (and its WAL sidecars) to a new name beside it, so nothing in it is lost."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    aside = path.with_name(f"{path.name}.{why}-{stamp}-{os.urandom(3).hex()}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            os.replace(sidecar, aside.with_name(aside.name + suffix))
    logger.warning("the store file was %s: moved it aside to %s and started a fresh one", why, aside)
    return aside
