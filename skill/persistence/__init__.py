"""Persistent attributes for the skill: a local SQLite store and a wrapper that keeps failures quiet and safe.

Names are loaded on first use (PEP 562), so the Lambda function, which only needs the wrapper and
perhaps DynamoDB, never imports sqlite3.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ResilientAdapter": "skill.persistence.resilient",
    "PersistenceError": "skill.persistence.sqlite_adapter",
    "SqliteAdapter": "skill.persistence.sqlite_adapter",
    "user_id_of": "skill.persistence.sqlite_adapter",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'skill.persistence' has no attribute {name!r}")
