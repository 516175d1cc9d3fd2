"""The one place the skill is assembled; hosts pass the persistence adapter they want."""

from __future__ import annotations

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
from skill.alexa.system_handlers import system_handlers
from skill.config import SkillConfig
from skill.persistence.resilient import ResilientAdapter


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
