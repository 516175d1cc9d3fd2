"""Interceptors: load the user's profile before handlers run, and log requests without personal data."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type
from ask_sdk_model import Response

from skill.alexa.respond import PROFILE_KEY, PROFILE_LOADED_KEY
from skill.profile import Profile

logger = logging.getLogger("skill.alexa")


class LoadProfileInterceptor(AbstractRequestInterceptor):
    """Read persistent attributes once per request into a :class:`Profile` (defaults if unavailable).

    Without a store (``enabled`` false) every request simply starts from the default profile.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def process(self, handler_input: HandlerInput) -> None:
        attrs = handler_input.attributes_manager
        if not self.enabled:
            attrs.request_attributes[PROFILE_KEY] = Profile()
            return
        try:
            raw = attrs.persistent_attributes
            attrs.request_attributes[PROFILE_LOADED_KEY] = True
        except Exception as exc:  # no adapter, or a user id missing: the request still gets an answer
            logger.warning("persistent attributes unavailable: %s", type(exc).__name__)
            raw = {}
        attrs.request_attributes[PROFILE_KEY] = Profile.from_dict(raw)


class RequestLogInterceptor(AbstractRequestInterceptor):
    """Log what kind of request arrived: never user ids, slot values or free text (health privacy)."""

    def process(self, handler_input: HandlerInput) -> None:
        request_type = get_request_type(handler_input)
        intent = get_intent_name(handler_input) if request_type == "IntentRequest" else "-"
        request = handler_input.request_envelope.request
        logger.info("request type=%s intent=%s locale=%s id=%s", request_type, intent,
                    getattr(request, "locale", None), getattr(request, "request_id", None))


class ResponseLogInterceptor(AbstractResponseInterceptor):
    """Log the shape of the response (ends session or not, topic answered), not its text."""

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        session = handler_input.attributes_manager.session_attributes if handler_input.request_envelope.session \
            else {}
        logger.info("response ends=%s topic=%s routine=%s", getattr(response, "should_end_session", None),
                    (session or {}).get("last_topic"), ((session or {}).get("routine") or {}).get("id"))
