"""Requests that are not a conversation turn: Alexa's error reports, CanFulfillIntent, and types the
skill has no use for. Each is logged (type and Alexa's own error text, never user data) and gets the
response Alexa allows: none at all for an error report, a yes or no for CanFulfillIntent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_request_type
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)
from ask_sdk_model.request import Request

from skill.alexa.handlers import content_for, resolved_id
from skill.alexa.interceptors import loggable
from skill.coach import ranker_for
from skill.intents import ASK_INTENT, ASK_SLOT, TOPIC_INTENT, TOPIC_SLOT
from skill.understanding.screen import check

logger = logging.getLogger("skill.alexa")
EMPTY_RESPONSE: dict[str, Any] = {"version": "1.0", "response": {}}
MAX_LOGGED_MESSAGE = 200


def known_request_type(request_type: Any) -> bool:
    """Whether the SDK can read this request type at all; others get :data:`EMPTY_RESPONSE` from the host."""
    return isinstance(request_type, str) and request_type in Request.discriminator_value_class_map


def _message(text: Any) -> str:
    """Alexa's error text for the log: quoted and escaped, so it cannot break the log line."""
    return json.dumps(str(text or "")[:MAX_LOGGED_MESSAGE])


class ExceptionEncounteredHandler(AbstractRequestHandler):
    """Alexa reports that our last response failed; it accepts no speech in reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return get_request_type(handler_input) == "System.ExceptionEncountered"

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        logger.error("Alexa reported an error with our response: type=%s message=%s",
                     loggable(getattr(error, "object_type", None)), _message(getattr(error, "message", None)))
        return handler_input.response_builder.response


class AplaRuntimeErrorHandler(AbstractRequestHandler):
    """An APL-A document failed to play on the device: logged, so a broken document is noticed."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return get_request_type(handler_input) == "Alexa.Presentation.APLA.RuntimeError"

    def handle(self, handler_input: HandlerInput) -> Response:
        for error in getattr(handler_input.request_envelope.request, "errors", None) or []:
            logger.error("APL-A runtime error: type=%s message=%s",
                         loggable(getattr(error, "object_type", None)), _message(getattr(error, "message", None)))
        return handler_input.response_builder.response


class CanFulfillIntentHandler(AbstractRequestHandler):
    """Tell Alexa whether a name-free request is ours: YES for a question the skill has an answer to
    and for its routines; NO otherwise, including red-flag symptoms, which Alexa's own answers (and
    emergency services) serve better than a massage skill chosen by a ranking."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return get_request_type(handler_input) == "CanFulfillIntentRequest"

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        name = getattr(intent, "name", None)
        slots = getattr(intent, "slots", None) or {}
        content = content_for(handler_input)
        if name == "StartRoutineIntent":
            ours = _known_routine(slots.get("routine"), set(content.routines))
        elif name in (ASK_INTENT, TOPIC_INTENT):
            slot_name = ASK_SLOT if name == ASK_INTENT else TOPIC_SLOT
            text = (getattr(slots.get(slot_name), "value", None) or "").strip()
            known = resolved_id(handler_input, slot_name) in content.topics or (
                bool(text) and ranker_for(content).best(text) is not None)
            ours = bool(text) and not check(text, content.locale).urgent and known
        else:
            ours = False
        answer = CanFulfillIntentValues.YES if ours else CanFulfillIntentValues.NO
        understood = CanUnderstandSlotValues.YES if ours else CanUnderstandSlotValues.NO
        fulfilled = CanFulfillSlotValues.YES if ours else CanFulfillSlotValues.NO
        verdict = CanFulfillIntent(can_fulfill=answer, slots={
            slot_name: CanFulfillSlot(can_understand=understood, can_fulfill=fulfilled) for slot_name in slots})
        logger.info("can fulfill intent=%s answer=%s", loggable(name), answer.value)
        return handler_input.response_builder.set_can_fulfill_intent(verdict).response


def _known_routine(slot: Any, routine_ids: set[str]) -> bool:
    """No routine named (the skill offers its list), or one Alexa resolved to a routine of ours."""
    if slot is None or not getattr(slot, "value", None):
        return True
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None) or []
    return any(getattr(getattr(a.status, "code", None), "value", "") == "ER_SUCCESS_MATCH"
               and any(v.value.id in routine_ids for v in a.values or []) for a in resolutions)


class OtherRequestHandler(AbstractRequestHandler):
    """Any other request type (Connections.Response, Messaging.MessageReceived, ...): an empty response."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        logger.info("request type %s needs no answer: empty response", loggable(get_request_type(handler_input)))
        return handler_input.response_builder.response


def system_handlers() -> list[AbstractRequestHandler]:
    """In dispatch order, after the conversation's handlers; the last one takes anything left."""
    return [ExceptionEncounteredHandler(), AplaRuntimeErrorHandler(), CanFulfillIntentHandler(),
            OtherRequestHandler()]
