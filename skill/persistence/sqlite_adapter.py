"""Persistent attributes in a local SQLite file, for the Flask server and local runs.

One connection per call: sqlite3 connections cannot be shared across the Flask server's threads,
and opening a local file is cheap next to a voice round trip. Nothing touches the disk until the
first call, so building the adapter (for example in the app factory) has no side effects.
"""

import json
import os
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

BUSY_TIMEOUT_SECONDS = 5.0

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
    """Stores each user's attributes as one JSON row keyed by Alexa user id."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._prepared = False
        self._prepare_lock = threading.Lock()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        user_id = user_id_of(request_envelope)
        with closing(self._connect()) as conn:
            row = conn.execute(_SELECT, (user_id,)).fetchone()
        if row is None:
            return {}
        attributes = json.loads(row[0])
        if not isinstance(attributes, dict):
            raise PersistenceError("stored attributes are not a JSON object")
        return attributes

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        user_id = user_id_of(request_envelope)
        text = _to_json(attributes)
        with closing(self._connect()) as conn, conn:
            conn.execute(_UPSERT, (user_id, text, int(time.time())))

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        user_id = user_id_of(request_envelope)
        with closing(self._connect()) as conn, conn:
            conn.execute(_DELETE, (user_id,))

    def _connect(self) -> sqlite3.Connection:
        if not self._prepared:
            self._prepare()
        return sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS)

    def _prepare(self) -> None:
        """Create folders, file and table on first use, one thread at a time.

        Switching a new file to WAL is not covered by the busy timeout, so threads racing to do it
        get "database is locked". A file that is not a database fails here before anything is written;
        a failure leaves the adapter unprepared, so the next call tries again.
        """
        with self._prepare_lock:
            if self._prepared:
                return
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
            self._prepared = True
