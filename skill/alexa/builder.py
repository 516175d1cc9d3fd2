"""The one place the skill is assembled; hosts pass the persistence adapter they want."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.alexa.handlers import CatchAllExceptionHandler, handlers
from skill.alexa.interceptors import (
    LoadProfileInterceptor,
    RequestLogInterceptor,
    ResponseLogInterceptor,
    SessionAttributesInterceptor,
)
from skill.alexa.limits import InputRejected, envelope_problem
from skill.alexa.system_handlers import EMPTY_RESPONSE, known_request_type, system_handlers
from skill.config import SkillConfig
from skill.persistence.resilient import ResilientAdapter

logger = logging.getLogger("skill.alexa")
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def skill_builder(persistence_adapter: AbstractPersistenceAdapter | None = None,
                  config: SkillConfig | None = None) -> CustomSkillBuilder:
    """A configured builder. The adapter is wrapped so a failing store never costs the user an answer."""
    config = config or SkillConfig()
    adapter = ResilientAdapter(persistence_adapter) if persistence_adapter is not None else None
    sb = CustomSkillBuilder(persistence_adapter=adapter)
    sb.skill_id = config.skill_id
    for handler in [*handlers(config), *system_handlers()]:
        sb.add_request_handler(handler)
    sb.add_exception_handler(CatchAllExceptionHandler(config))
    sb.add_global_request_interceptor(RequestLogInterceptor())
    sb.add_global_request_interceptor(SessionAttributesInterceptor())
    sb.add_global_request_interceptor(LoadProfileInterceptor(adapter))
    sb.add_global_response_interceptor(ResponseLogInterceptor())
    return sb


def build_skill(persistence_adapter: AbstractPersistenceAdapter | None = None,
                config: SkillConfig | None = None) -> CustomSkill:
    """A ready skill for hosts that call ``skill.invoke`` themselves (the Flask shim, tests)."""
    return skill_builder(persistence_adapter, config).create()


def lambda_handler(persistence_adapter: AbstractPersistenceAdapter | None = None,
                   config: SkillConfig | None = None) -> LambdaHandler:
    """The Lambda entry point, with the input checks the web service makes before the SDK sees a request.

    Lambda must answer Alexa, so where the web service says 400, an envelope whose session
    attributes break a limit is handled as a fresh session, and a request type the SDK cannot read
    gets an empty response.
    """
    handler = skill_builder(persistence_adapter, config).lambda_handler()

    def checked_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        problem = envelope_problem(event)
        if problem is not None and isinstance(event, dict) and isinstance(event.get("session"), dict):
            logger.warning("session attributes refused (%s): handled as a fresh session", problem)
            event = {**event, "session": {**event["session"], "attributes": {}, "new": True}}
            problem = envelope_problem(event)
        if problem is not None:
            raise InputRejected(problem)
        request = event.get("request") if isinstance(event, dict) else None
        if not known_request_type(request.get("type") if isinstance(request, dict) else None):
            logger.info("unknown request type: empty response")
            return dict(EMPTY_RESPONSE)
        return handler(event, context)

    return checked_handler
