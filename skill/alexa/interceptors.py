"""Interceptors: check session attributes and load the user's profile before handlers run, and log
requests without personal data."""

from __future__ import annotations

import logging
import re
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type
from ask_sdk_model import Response

from skill.alexa.limits import attributes_problem, clean_session_attributes
from skill.alexa.respond import PROFILE_KEY, STORE_KEY
from skill.persistence.resilient import ResilientAdapter
from skill.profile import Profile, schema_problem

logger = logging.getLogger("skill.alexa")
_LOGGABLE = re.compile(r"[^A-Za-z0-9._:-]")
MAX_LOGGED_CHARS = 80


def loggable(value: Any) -> str:
    """A request value fit for one log line: names and ids keep their characters, anything else
    (a newline that would forge a line, quotes, spaces) becomes ``?``, and the length is capped."""
    if value is None:
        return "-"
    text = str(getattr(value, "value", value))
    return _LOGGABLE.sub("?", text[:MAX_LOGGED_CHARS]) + ("..." if len(text) > MAX_LOGGED_CHARS else "")


class SessionAttributesInterceptor(AbstractRequestInterceptor):
    """Drop session attributes the skill wrote that came back with the wrong type or out of bounds,
    so a tampered or stale client cannot crash a handler or lock a user into an error."""

    def process(self, handler_input: HandlerInput) -> None:
        if handler_input.request_envelope.session is None:
            return
        attrs = handler_input.attributes_manager
        attrs.session_attributes = clean_session_attributes(attrs.session_attributes or {})


class LoadProfileInterceptor(AbstractRequestInterceptor):
    """Read the stored profile once per request (defaults if unavailable) and note where saves may go.

    Without a store every request starts from the default profile and nothing is saved. A stored
    profile that breaks the schema is treated as new and its row is left alone (no store for this
    request), as is every row whose load failed.
    """

    def __init__(self, store: ResilientAdapter | None) -> None:
        self.store = store

    def process(self, handler_input: HandlerInput) -> None:
        attrs = handler_input.attributes_manager
        attrs.request_attributes[PROFILE_KEY] = Profile()
        attrs.request_attributes[STORE_KEY] = None
        if self.store is None:
            return
        envelope = handler_input.request_envelope
        raw = self.store.get_attributes(envelope)
        if not self.store.available_for(envelope):
            return
        problem = attributes_problem(raw, "stored attributes") or schema_problem(raw)
        if problem is not None:
            logger.warning("stored profile ignored (%s): treated as a new user; the stored row is kept", problem)
            return
        attrs.request_attributes[PROFILE_KEY] = Profile.from_dict(raw)
        attrs.request_attributes[STORE_KEY] = self.store


class RequestLogInterceptor(AbstractRequestInterceptor):
    """Log what kind of request arrived: never user ids, slot values or free text (health privacy)."""

    def process(self, handler_input: HandlerInput) -> None:
        request_type = get_request_type(handler_input)
        intent = get_intent_name(handler_input) if request_type == "IntentRequest" else None
        request = handler_input.request_envelope.request
        logger.info("request type=%s intent=%s locale=%s id=%s", loggable(request_type), loggable(intent),
                    loggable(getattr(request, "locale", None)), loggable(getattr(request, "request_id", None)))


class ResponseLogInterceptor(AbstractResponseInterceptor):
    """Log the shape of the response (ends session or not, topic answered), not its text."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        session = handler_input.attributes_manager.session_attributes if handler_input.request_envelope.session \
            else {}
        routine = (session or {}).get("routine")
        logger.info("response ends=%s topic=%s routine=%s", getattr(response, "should_end_session", None),
                    loggable((session or {}).get("last_topic")),
                    loggable(routine.get("id") if isinstance(routine, dict) else None))
