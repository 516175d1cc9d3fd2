"""Persistent attributes in a local SQLite file, for the Flask server and local runs.

Nothing touches the disk until the first call, so building the adapter (for example in the app
factory) has no side effects.
"""

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

BUSY_TIMEOUT_SECONDS = 0.5  # another process holding the write lock: SQLite's own wait
LOCK_WAIT_SECONDS = 0.5  # another thread of this process using the connection
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

    One connection, used by one thread at a time: calls queue on a lock for at most
    ``LOCK_WAIT_SECONDS``, and writes are read-modify-write transactions (:meth:`update`,
    ``BEGIN IMMEDIATE``, so another process cannot interleave either), so concurrent requests for
    one user never lose a change. Heavy contention fails quickly with :class:`PersistenceError`,
    which the resilient wrapper turns into an honest "not saved", instead of stalling the answer.

    The file is watched, not trusted: one that was deleted (or replaced) is noticed on the next call
    and a fresh one created, folders included; one that is damaged is moved aside, never written to.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None

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

        return self._run(transaction)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        user_id = user_id_of(request_envelope)
        self._run(lambda conn: conn.execute(_DELETE, (user_id,)))

    def close(self) -> None:
        """Let go of the file (tests that remount or replace it; a clean shutdown)."""
        with self._lock:
            self._drop()

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on the connection, one call at a time. A file, folder or table that vanished is
        recreated and a damaged file moved aside, then ``work`` runs once more on the fresh file."""
        if not self._lock.acquire(timeout=LOCK_WAIT_SECONDS):
            raise PersistenceError(f"store busy: waited {LOCK_WAIT_SECONDS:.1f} s for the connection")
        try:
            for attempt in (1, 2):
                try:
                    return work(self._connection())
                except sqlite3.DatabaseError as error:
                    healed = self._heal(error)
                    if attempt == 2 or not healed:
                        raise
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _heal(self, error: sqlite3.DatabaseError) -> bool:
        """Drop the connection (the next call reopens) and say whether a retry may succeed: a missing
        table is recreated on reopening; a damaged file is renamed aside and logged."""
        self._drop()
        if _is_damage(error) and self._path.is_file():
            _move_aside(self._path, "damaged")
            return True
        return "no such table" in str(error)

    def _connection(self) -> sqlite3.Connection:
        """The open connection, if it still points at the file at ``path``; else a fresh one."""
        if self._conn is None or _identity(self._path) != self._identity:
            self._drop()
            self._conn = self._open()
            self._identity = _identity(self._path)
        return self._conn

    def _open(self) -> sqlite3.Connection:
        """Create folders, file and table as needed, and check the file before trusting it.

        ``quick_check`` finds a file damaged anywhere, not just in the pages a request happens to
        read; such a file (or one that is no database at all, or one we may not read) is moved aside
        and a fresh one created. A read-only file stays: loads work, and saves fail honestly.
        """
        self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return _open_checked(self._path)
        except sqlite3.DatabaseError as error:
            if _is_damage(error) and self._path.is_file():
                _move_aside(self._path, "damaged")
            elif self._path.is_file() and not os.access(self._path, os.R_OK):
                _move_aside(self._path, "unreadable")  # its owner may still read it; we never write it
            else:
                raise
            return _open_checked(self._path)

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._identity = None, None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _open_checked(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: safe on a process crash; fsync at checkpoints
        conn.execute(_SCHEMA)
        verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict})")
    except BaseException:
        conn.close()
        raise
    return conn


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
