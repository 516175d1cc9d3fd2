"""Which store the hosts use, chosen from the environment."""

from __future__ import annotations

from pathlib import Path

from skill.config import DEFAULT_DB_PATH
from skill.persistence.factory import adapter_from_env, local_adapter_from_env
from skill.persistence.sqlite_adapter import SqliteAdapter


def test_lambda_without_configuration_has_no_store():
    assert adapter_from_env({}) is None


def test_local_hosts_default_to_sqlite_in_the_home_folder_without_creating_it():
    adapter = local_adapter_from_env({})
    assert isinstance(adapter, SqliteAdapter) and adapter._path == DEFAULT_DB_PATH


def test_local_hosts_use_the_configured_path(tmp_path: Path):
    adapter = local_adapter_from_env({"NRC_DB_PATH": str(tmp_path / "x.sqlite3")})
    assert isinstance(adapter, SqliteAdapter) and adapter._path == tmp_path / "x.sqlite3"
    assert not adapter._path.exists()


def test_dynamodb_wins_when_configured():
    from skill.persistence.dynamodb import DynamoDbStore

    env = {"NRC_DYNAMODB_TABLE": "coach-state", "NRC_DYNAMODB_REGION": "eu-west-1", "NRC_DB_PATH": "/tmp/x"}
    assert isinstance(local_adapter_from_env(env), DynamoDbStore)
