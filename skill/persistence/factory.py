"""Choose the persistence adapter from the environment, importing heavy clients only when used.

Order: DynamoDB when ``NRC_DYNAMODB_TABLE`` is set (the Lambda template sets it), else SQLite when
``NRC_DB_PATH`` is set (the local CLI passes a default path), else none: the skill still works,
it just forgets between sessions. Neither choice touches the network or the disk here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter


def adapter_from_env(env: Mapping[str, str] | None = None) -> AbstractPersistenceAdapter | None:
    """The adapter the environment asks for; a half-configured DynamoDB (no region) raises ``ValueError``."""
    env = os.environ if env is None else env
    if (env.get("NRC_DYNAMODB_TABLE") or "").strip():
        from skill.persistence.dynamodb import DynamoDbSettings, DynamoDbStore

        return DynamoDbStore(DynamoDbSettings.from_env(env))
    if env.get("NRC_DB_PATH"):
        from skill.persistence.sqlite_adapter import SqliteAdapter

        return SqliteAdapter(os.path.expanduser(env["NRC_DB_PATH"]))
    return None


def local_adapter_from_env(env: Mapping[str, str] | None = None) -> AbstractPersistenceAdapter:
    """For the local shim and CLI: DynamoDB when configured, else SQLite at ``NRC_DB_PATH`` or the
    default file in the user's home, so progress is kept with no setup. Off AWS the EC2 metadata
    address is not asked for credentials unless ``NRC_AWS_INSTANCE_METADATA=1`` (a web service on EC2)."""
    from skill.config import db_path_from_env

    env = os.environ if env is None else env
    adapter = adapter_from_env({**env, "NRC_DB_PATH": str(db_path_from_env(env)),
                                "NRC_AWS_INSTANCE_METADATA": env.get("NRC_AWS_INSTANCE_METADATA", "0")})
    assert adapter is not None  # a path is always given
    return adapter
