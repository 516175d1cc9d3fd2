"""Choose the persistence adapter from the environment, importing heavy clients only when used."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter


def adapter_from_env(env: Mapping[str, str] | None = None) -> AbstractPersistenceAdapter | None:
    """SQLite when ``NRC_DB_PATH`` is set; otherwise no persistence (session only).

    DynamoDB support is added by the deployment issue.
    """
    env = os.environ if env is None else env
    if env.get("NRC_DB_PATH"):
        from skill.persistence.sqlite_adapter import SqliteAdapter

        return SqliteAdapter(env["NRC_DB_PATH"])
    return None
