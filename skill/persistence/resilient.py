"""Keep the skill answering when its store fails or hangs, without ever overwriting a user's saved progress.

A failed load hands the skill empty attributes, so whatever it saves at the end of that request
would be defaults; writing them would replace real progress the moment the store came back (or
overwrite a file that is merely unreadable). So a request whose load failed is read-only.
Every call has a hard deadline (:mod:`skill.deadline`): a late store is treated like a failed one,
so an answer never waits on it for more than a second. Saves report whether they succeeded, so the
skill says "saved" only when it was. Logs name the exception and the request, never attribute
contents or user ids.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.deadline import Deadline

logger = logging.getLogger("skill.persistence")

FAILED_REQUESTS_KEPT = 1024
CALL_DEADLINE_SECONDS = 1.2  # a load and a save together stay inside the 3 s answer budget
Change = Callable[[dict[str, object]], dict[str, object] | None]


def _request_key(request_envelope: RequestEnvelope) -> str:
    """Alexa gives every request a unique id; an envelope without one is tracked by identity instead."""
    request = request_envelope.request
    request_id = request.request_id if request is not None else None
    return request_id or f"envelope-{id(request_envelope)}"


class ResilientAdapter(AbstractPersistenceAdapter):
    """Wraps any persistence adapter: failures and timeouts are logged, never raised to the skill."""

    def __init__(self, inner: AbstractPersistenceAdapter, deadline_seconds: float = CALL_DEADLINE_SECONDS) -> None:
        self._inner = inner
        self._deadline = Deadline(deadline_seconds, "store")
        self._failed_loads: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def available_for(self, request_envelope: RequestEnvelope) -> bool:
        """False once loading failed for this request, so the skill can say progress will not be kept."""
        with self._lock:
            return _request_key(request_envelope) not in self._failed_loads

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        try:
            return self._deadline.call(lambda: self._inner.get_attributes(request_envelope=request_envelope))
        except Exception as error:
            key = _request_key(request_envelope)
            logger.warning(
                "loading attributes failed (%s: %s); request %s continues with none and will not save",
                type(error).__name__, error, key,
            )
            self._remember_failed_load(key)
            return {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        self.update(request_envelope, lambda _stored: attributes)

    def update(self, request_envelope: RequestEnvelope, change: Change) -> bool:
        """Write ``change(stored attributes)`` (``None``: write nothing); True only when it was written.

        Atomic when the inner adapter has its own ``update`` (SQLite, DynamoDB); otherwise a load
        then a save, which is only as safe as that adapter.
        """
        if not self.available_for(request_envelope):
            logger.warning("skipped saving attributes for request %s: its load failed", _request_key(request_envelope))
            return False
        inner_update = getattr(self._inner, "update", None)
        abandoned = threading.Event()

        def change_in_time(stored: dict[str, object]) -> dict[str, object] | None:
            """Once the request has moved on (and said "not saved"), a late transaction writes nothing."""
            return None if abandoned.is_set() else change(stored)

        def write() -> bool:
            if inner_update is not None:
                return bool(inner_update(request_envelope, change_in_time))
            new = change_in_time(self._inner.get_attributes(request_envelope=request_envelope))
            if new is None:
                return False
            self._inner.save_attributes(request_envelope=request_envelope, attributes=new)
            return True

        try:
            return self._deadline.call(write)
        except Exception as error:
            abandoned.set()
            logger.warning(
                "saving attributes failed (%s: %s) for request %s",
                type(error).__name__, error, _request_key(request_envelope),
            )
            return False

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        try:
            self._deadline.call(lambda: self._inner.delete_attributes(request_envelope=request_envelope))
        except Exception as error:
            logger.warning(
                "deleting attributes failed (%s: %s) for request %s",
                type(error).__name__, error, _request_key(request_envelope),
            )

    def _remember_failed_load(self, key: str) -> None:
        with self._lock:
            self._failed_loads[key] = None
            self._failed_loads.move_to_end(key)
            while len(self._failed_loads) > FAILED_REQUESTS_KEPT:
                self._failed_loads.popitem(last=False)
