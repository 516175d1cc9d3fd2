"""Persistent attributes in DynamoDB, through the ASK SDK's ``DynamoDbAdapter``, for the skill on AWS.

Nothing here imports boto3 at module level: a Lambda cold start pays for it on the first request
that touches the store, and a host without DynamoDB configured never pays at all. The adapter
module itself builds a default ``boto3.resource("dynamodb")`` when imported (and fails without a
region), so it is imported late, with a region in place, and handed an explicit resource.

Values follow the same rules as the SQLite store (the :class:`~skill.profile.Profile` dict): plain
JSON with integers only. DynamoDB returns every number as ``Decimal``; they come back as ``int``.
Floats are refused on save rather than rounded, so what is saved is exactly what loads.

Timeouts are short and retries few: an unreachable store must fail well inside Alexa's ~8 s, so the
resilient wrapper can still answer (and skip the save that would overwrite real progress).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.persistence.sqlite_adapter import PersistenceError, user_id_of

logger = logging.getLogger("skill.persistence")

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3
MAX_ATTEMPTS = 2  # the first call included ("standard" retry mode)
TABLE_ACTIVE_TIMEOUT_SECONDS = 60.0
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


@dataclass(frozen=True)
class DynamoDbSettings:
    """Where the table is. ``create_table`` is for local or test servers; on AWS the template creates it."""

    table: str
    region: str
    endpoint_url: str | None = None
    create_table: bool = False

    def __post_init__(self) -> None:
        if not _TABLE_NAME.match(self.table):
            raise ValueError(f"invalid DynamoDB table name {self.table!r}: 3-255 of A-Z a-z 0-9 _ . -")
        if not self.region:
            raise ValueError("a DynamoDB table needs a region: set NRC_DYNAMODB_REGION or AWS_REGION")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DynamoDbSettings:
        """``NRC_DYNAMODB_TABLE``, ``NRC_DYNAMODB_REGION`` (else ``AWS_REGION``, which Lambda always sets),
        optional ``NRC_DYNAMODB_ENDPOINT`` and ``NRC_DYNAMODB_CREATE=1``."""
        return cls(
            table=env.get("NRC_DYNAMODB_TABLE", "").strip(),
            region=(env.get("NRC_DYNAMODB_REGION") or env.get("AWS_REGION") or "").strip(),
            endpoint_url=(env.get("NRC_DYNAMODB_ENDPOINT") or "").strip() or None,
            create_table=(env.get("NRC_DYNAMODB_CREATE") or "").strip().lower() in ("1", "true", "yes", "on"),
        )


def check_storable(value: Any, path: str = "attributes") -> None:
    """Refuse what DynamoDB would store differently from the SQLite store: floats, tuples, odd keys."""
    if isinstance(value, bool | int | str) or value is None:
        return
    if isinstance(value, float):
        raise PersistenceError(f"{path} is a float ({value!r}); the store keeps integers only, so round it first")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PersistenceError(f"{path} has a non-string key {key!r}")
            check_storable(item, f"{path}.{key}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_storable(item, f"{path}[{index}]")
        return
    raise PersistenceError(f"{path} is a {type(value).__name__}, which is not plain JSON")


def from_dynamodb(value: Any) -> Any:
    """Numbers come back as ``Decimal``: whole ones become ``int``; anything else is left as a ``float``
    for the tolerant profile reader rather than failing the whole load."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: from_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_dynamodb(item) for item in value]
    return value


@contextmanager
def _region_for_import(region: str) -> Iterator[None]:
    """``ask_sdk_dynamodb.adapter`` calls ``boto3.resource("dynamodb")`` as a default argument at import."""
    if os.environ.get("AWS_DEFAULT_REGION"):
        yield
        return
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        os.environ.pop("AWS_DEFAULT_REGION", None)


def wait_until_active(client: Any, table: str, timeout: float = TABLE_ACTIVE_TIMEOUT_SECONDS) -> None:
    """Poll ``DescribeTable`` until the table is ACTIVE: the SDK adapter creates tables but never waits,
    and a save to a table still CREATING fails."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            status = client.describe_table(TableName=table)["Table"]["TableStatus"]
        except client.exceptions.ResourceNotFoundException:
            status = "NOT YET VISIBLE"
        if status == "ACTIVE":
            return
        if time.monotonic() + delay > deadline:
            raise PersistenceError(f"DynamoDB table {table} is still {status} after {timeout:.0f} s")
        logger.info("waiting for DynamoDB table %s to become ACTIVE (now %s)", table, status)
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


class DynamoDbStore(AbstractPersistenceAdapter):
    """The SDK's ``DynamoDbAdapter``, built on first use, keyed by Alexa user id like the SQLite store."""

    def __init__(self, settings: DynamoDbSettings, active_timeout: float = TABLE_ACTIVE_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self._active_timeout = active_timeout
        self._inner: AbstractPersistenceAdapter | None = None
        self._lock = threading.Lock()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        attributes = from_dynamodb(self._adapter().get_attributes(request_envelope=request_envelope))
        if not isinstance(attributes, dict):
            raise PersistenceError("stored attributes are not a map")
        return attributes

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        if not isinstance(attributes, dict):
            raise PersistenceError(f"attributes must be a dict, not {type(attributes).__name__}")
        check_storable(attributes)
        self._adapter().save_attributes(request_envelope=request_envelope, attributes=attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._adapter().delete_attributes(request_envelope=request_envelope)

    def _adapter(self) -> AbstractPersistenceAdapter:
        """Build once; a failure (store unreachable, package missing) leaves nothing built, so the next
        request tries again."""
        if self._inner is not None:
            return self._inner
        with self._lock:
            if self._inner is None:
                self._inner = self._build()
            return self._inner

    def _build(self) -> AbstractPersistenceAdapter:
        settings = self.settings
        try:
            import boto3
            from botocore.config import Config

            with _region_for_import(settings.region):
                from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        except ImportError as error:
            raise PersistenceError(
                f"DynamoDB is configured but {error.name} is not installed: "
                "add ask-sdk-dynamodb-persistence-adapter to lambda/requirements.txt"
            ) from error
        config = Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS,
                        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"})
        resource = boto3.resource("dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url,
                                  config=config)
        adapter = DynamoDbAdapter(table_name=settings.table, create_table=settings.create_table,
                                  partition_keygen=user_id_of, dynamodb_resource=resource)
        if settings.create_table:
            wait_until_active(resource.meta.client, settings.table, self._active_timeout)
        return adapter
