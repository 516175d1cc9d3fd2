"""Persistent attributes in DynamoDB, for the skill on AWS.

Nothing here imports boto3 at module level: a Lambda cold start pays for it on the first request
that touches the store, and a host without DynamoDB configured never pays at all.

Items are ``{"id": user id, "attributes": map, "version": n}``, the ASK SDK adapter's layout plus a
version. Every write is a conditional put on the version it read (``update``), retried on a
conflict, so two requests for one user never silently overwrite each other's change; the SDK's
``DynamoDbAdapter`` has no conditional write, so it is not used. Items it wrote (no version) are
read and updated the same way.

Values follow the same rules as the SQLite store (the :class:`~skill.profile.Profile` dict): plain
JSON with integers only. DynamoDB returns every number as ``Decimal``; they come back as ``int``.
Floats are refused on save rather than rounded, so what is saved is exactly what loads.

Timeouts are short and attempts counted in total (botocore's ``max_attempts`` counts retries
only, so 2 meant three attempts of a 3 s read): one call costs at most about 2.6 s, and the
resilient wrapper's deadline cuts it at 1 s anyway. Off AWS, credentials never come from the EC2
metadata address unless asked for, so a laptop without credentials fails at once instead of probing.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.persistence.sqlite_adapter import PersistenceError, user_id_of

logger = logging.getLogger("skill.persistence")

CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 0.8
TOTAL_MAX_ATTEMPTS = 2  # the first call included
CONFLICT_RETRIES = 8  # conditional puts that lost a race, re-read and tried again
USER_LOCKS = 64  # writes for one user queue within a process instead of racing (striped by user id)
LOCK_WAIT_SECONDS = 1.0
TABLE_ACTIVE_TIMEOUT_SECONDS = 60.0
KEY, ATTRIBUTES, VERSION = "id", "attributes", "version"
Change = Callable[[dict[str, object]], dict[str, object] | None]
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


@dataclass(frozen=True)
class DynamoDbSettings:
    """Where the table is. ``create_table`` is for local or test servers; on AWS the template creates it."""

    table: str
    region: str
    endpoint_url: str | None = None
    create_table: bool = False
    instance_metadata: bool = True  # False: never ask the EC2 metadata address for credentials

    def __post_init__(self) -> None:
        if not _TABLE_NAME.match(self.table):
            raise ValueError(f"invalid DynamoDB table name {self.table!r}: 3-255 of A-Z a-z 0-9 _ . -")
        if not self.region:
            raise ValueError("a DynamoDB table needs a region: set NRC_DYNAMODB_REGION or AWS_REGION")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DynamoDbSettings:
        """``NRC_DYNAMODB_TABLE``, ``NRC_DYNAMODB_REGION`` (else ``AWS_REGION``, which Lambda always sets),
        optional ``NRC_DYNAMODB_ENDPOINT``, ``NRC_DYNAMODB_CREATE=1`` and ``NRC_AWS_INSTANCE_METADATA``
        (default on; the local hosts turn it off unless it is set)."""
        return cls(
            table=env.get("NRC_DYNAMODB_TABLE", "").strip(),
            region=(env.get("NRC_DYNAMODB_REGION") or env.get("AWS_REGION") or "").strip(),
            endpoint_url=(env.get("NRC_DYNAMODB_ENDPOINT") or "").strip() or None,
            create_table=_flag(env.get("NRC_DYNAMODB_CREATE")),
            instance_metadata=_flag(env.get("NRC_AWS_INSTANCE_METADATA", "1")),
        )


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


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
    """One item per Alexa user id, like the SQLite store; the table handle is built on first use."""

    def __init__(self, settings: DynamoDbSettings, active_timeout: float = TABLE_ACTIVE_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self._active_timeout = active_timeout
        self._table: Any = None
        self._lock = threading.Lock()
        self._user_locks = [threading.Lock() for _ in range(USER_LOCKS)]

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        item = self._item(user_id_of(request_envelope))
        return {} if item is None else _attributes_of(item)

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        if not isinstance(attributes, dict):
            raise PersistenceError(f"attributes must be a dict, not {type(attributes).__name__}")
        check_storable(attributes)
        self.update(request_envelope, lambda _stored: attributes)

    def update(self, request_envelope: RequestEnvelope, change: Change) -> bool:
        """Write ``change(stored attributes)`` if nobody wrote in between, else re-read and try again.

        Threads of one process take turns per user first, so the conditional write only has to
        settle races between processes (Lambda containers, several web-service hosts).
        """
        user_id = user_id_of(request_envelope)
        lock = self._user_locks[hash(user_id) % USER_LOCKS]
        if not lock.acquire(timeout=LOCK_WAIT_SECONDS):
            raise PersistenceError(f"store busy: waited {LOCK_WAIT_SECONDS:.1f} s behind other saves for this user")
        try:
            return self._conditional_update(user_id, change)
        finally:
            lock.release()

    def _conditional_update(self, user_id: str, change: Change) -> bool:
        from boto3.dynamodb.conditions import Attr

        for _ in range(CONFLICT_RETRIES):
            item = self._item(user_id)
            new = change({} if item is None else _attributes_of(item))
            if new is None:
                return False
            if not isinstance(new, dict):
                raise PersistenceError(f"attributes must be a dict, not {type(new).__name__}")
            check_storable(new)
            version = None if item is None else item.get(VERSION)
            if item is None:
                condition = Attr(KEY).not_exists()
            elif version is None:
                condition = Attr(VERSION).not_exists()
            else:
                condition = Attr(VERSION).eq(version)
            try:
                self._call("put_item", Item={KEY: user_id, ATTRIBUTES: new, VERSION: int(version or 0) + 1},
                           ConditionExpression=condition)
                return True
            except self._handle().meta.client.exceptions.ConditionalCheckFailedException:
                continue
        raise PersistenceError(f"gave up after {CONFLICT_RETRIES} conflicting writes for one user")

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self._call("delete_item", Key={KEY: user_id_of(request_envelope)})

    def _item(self, user_id: str) -> dict[str, Any] | None:
        return self._call("get_item", Key={KEY: user_id}, ConsistentRead=True).get("Item")

    def _call(self, method: str, **arguments: Any) -> Any:
        """``table.<method>(**arguments)``; when the table has gone (an in-memory server restarted,
        someone deleted it) and this store may create tables, it is recreated and the call made again.
        Failures become :class:`PersistenceError`, except a lost conditional write, which ``update`` retries."""
        from botocore.exceptions import BotoCoreError, ClientError

        table = self._handle()
        errors = table.meta.client.exceptions
        try:
            try:
                return getattr(table, method)(**arguments)
            except errors.ResourceNotFoundException:
                if not self.settings.create_table:
                    raise
                logger.warning("DynamoDB table %s is missing: creating it again", self.settings.table)
                self._create_table(table.meta.client)
                return getattr(table, method)(**arguments)
        except errors.ConditionalCheckFailedException:
            raise
        except (BotoCoreError, ClientError) as error:
            raise PersistenceError(f"DynamoDB {method} failed: {type(error).__name__}: {error}") from error

    def _handle(self) -> Any:
        """Build once; a failure (package missing, no credentials) leaves nothing built, so the next
        request tries again."""
        if self._table is not None:
            return self._table
        with self._lock:
            if self._table is None:
                self._table = self._build()
            return self._table

    def _build(self) -> Any:
        settings = self.settings
        try:
            import boto3
            import botocore.session
            from botocore.config import Config
        except ImportError as error:
            raise PersistenceError(f"DynamoDB is configured but {error.name} is not installed") from error
        core = botocore.session.get_session()
        if not settings.instance_metadata:
            core.get_component("credential_provider").remove("iam-role")
            if core.get_credentials() is None:
                raise PersistenceError("no AWS credentials are configured (environment or ~/.aws), and the EC2 "
                                       "metadata address is not asked off AWS: set NRC_AWS_INSTANCE_METADATA=1 on EC2")
        config = Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS,
                        retries={"total_max_attempts": TOTAL_MAX_ATTEMPTS, "mode": "standard"})
        session = boto3.session.Session(botocore_session=core, region_name=settings.region)
        table = session.resource("dynamodb", endpoint_url=settings.endpoint_url, config=config).Table(settings.table)
        if settings.create_table:
            self._create_table(table.meta.client)
        return table

    def _create_table(self, client: Any) -> None:
        """The SDK adapter's table (a string hash key ``id``, 5/5 capacity), waited for until ACTIVE."""
        with suppress(client.exceptions.ResourceInUseException):  # it exists or is being created: wait all the same
            client.create_table(TableName=self.settings.table,
                                KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
                                ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        wait_until_active(client, self.settings.table, self._active_timeout)


def _attributes_of(item: dict[str, Any]) -> dict[str, object]:
    attributes = from_dynamodb(item.get(ATTRIBUTES, {}))
    if not isinstance(attributes, dict):
        raise PersistenceError("stored attributes are not a map")
    return attributes
