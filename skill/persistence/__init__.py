"""Persistent attributes for the skill: a local SQLite store and a wrapper that keeps failures quiet and safe."""

from skill.persistence.resilient import ResilientAdapter
from skill.persistence.sqlite_adapter import PersistenceError, SqliteAdapter, user_id_of

__all__ = ["PersistenceError", "ResilientAdapter", "SqliteAdapter", "user_id_of"]
