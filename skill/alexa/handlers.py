"""Request handlers: each reads the request, calls one :class:`~skill.coach.Coach` method, responds.

Intents map to coach actions in one table, so adding an intent is one line and every intent in
the interaction model can be checked to have a handler.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type, get_slot
from ask_sdk_model import Response

from skill.alexa.audio import has_audio_player, is_player_request, player_state
from skill.alexa.interceptors import loggable
from skill.alexa.respond import PROFILE_KEY, respond, respond_player
from skill.alexa.touch import USER_EVENT, touch_action
from skill.coach import Coach, Turn
from skill.config import SkillConfig
from skill.content import DEFAULT_LOCALE, LocaleContent, available_locales, load
from skill.intents import (
    ASK_INTENT,
    ASK_SLOT,
    HEARD_TOKEN,
    MAX_HEARD_SECONDS,
    SYMPTOM_SLOT,
    TOPIC_INTENT,
    TOPIC_SLOT,
    URGENT_INTENT,
)
from skill.longform import LongFormCoach
from skill.profile import Profile
from skill.speech.plan import Plan
from skill.speech.ssml import render_ssml
from skill.text import normalise

logger = logging.getLogger("skill.alexa")
Action = Callable[[Coach, HandlerInput], object]


def content_for(handler_input: HandlerInput) -> LocaleContent:
    """The request's locale content, or the default locale's for a locale we do not ship."""
    locale = getattr(handler_input.request_envelope.request, "locale", None) or DEFAULT_LOCALE
    return load(locale if locale in available_locales() else DEFAULT_LOCALE)


def slot_text(handler_input: HandlerInput, name: str) -> str | None:
    slot = get_slot(handler_input, name) if handler_input.request_envelope.request.object_type == "IntentRequest" \
        else None
    return slot.value if slot is not None and slot.value else None


def resolved_id(handler_input: HandlerInput, name: str) -> str | None:
    """The id entity resolution matched for slot ``name`` (a topic, a red flag's category...), if any."""
    if handler_input.request_envelope.request.object_type != "IntentRequest":
        return None
    slot = get_slot(handler_input, name)
    resolutions = getattr(slot, "resolutions", None) if slot is not None else None
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        if getattr(getattr(authority.status, "code", None), "value", "") == "ER_SUCCESS_MATCH" and authority.values:
            value_id = getattr(authority.values[0].value, "id", None)
            if isinstance(value_id, str):
                return value_id
    return None


def routine_slot(handler_input: HandlerInput, content: LocaleContent) -> tuple[str | None, bool]:
    """The routine id named in the ``routine`` slot: entity resolution first, then our own synonyms.

    Returns (id or None, whether something unrecognised was said).
    """
    slot = get_slot(handler_input, "routine")
    if slot is None or not slot.value:
        return None, False
    routine_id = resolved_id(handler_input, "routine")
    if routine_id in content.routines:
        return routine_id, False
    said = normalise(slot.value)
    for routine in content.routines.values():
        names = {routine.id, normalise(routine.title), *(normalise(s) for s in routine.synonyms)}
        if said in names or any(name and name in said for name in names):
            return routine.id, False
    return None, True


def _start_routine(coach: Coach, handler_input: HandlerInput) -> object:
    routine_id, unknown = routine_slot(handler_input, coach.content)
    return coach.start_routine(routine_id, unknown=unknown)


INTENT_ACTIONS: dict[str, Action] = {
    ASK_INTENT: lambda c, h: c.question(slot_text(h, ASK_SLOT)),
    TOPIC_INTENT: lambda c, h: c.asked_topic(slot_text(h, TOPIC_SLOT), resolved_id(h, TOPIC_SLOT)),
    URGENT_INTENT: lambda c, h: c.described(slot_text(h, SYMPTOM_SLOT), resolved_id(h, SYMPTOM_SLOT)),
    "StartRoutineIntent": _start_routine,
    "MoreIntent": lambda c, h: c.more(),
    "ThanksIntent": lambda c, h: c.thanks(),
    "SlowerIntent": lambda c, h: c.change_pace(-1),
    "FasterIntent": lambda c, h: c.change_pace(+1),
    "ProgressIntent": lambda c, h: c.progress(),
    "AMAZON.HelpIntent": lambda c, h: c.help(),
    "AMAZON.FallbackIntent": lambda c, h: c.fallback(),
    "AMAZON.StopIntent": lambda c, h: c.stop(),
    "AMAZON.CancelIntent": lambda c, h: c.stop(),
    "AMAZON.NavigateHomeIntent": lambda c, h: c.stop(),
    "AMAZON.YesIntent": lambda c, h: c.yes(),
    "AMAZON.NoIntent": lambda c, h: c.no(),
    "AMAZON.RepeatIntent": lambda c, h: c.repeat(),
    "AMAZON.PauseIntent": lambda c, h: c.pause(),
    "AMAZON.ResumeIntent": lambda c, h: c.resume(),
    "AMAZON.NextIntent": lambda c, h: c.next_step(),
    "AMAZON.PreviousIntent": lambda c, h: c.previous_step(),
    "AMAZON.StartOverIntent": lambda c, h: c.start_over(),
}


def make_coach(handler_input: HandlerInput, config: SkillConfig) -> Coach:
    """The coach for this request: long-form when the device can stream and tracks are configured."""
    content = content_for(handler_input)
    attrs = handler_input.attributes_manager
    session = dict(attrs.session_attributes or {}) if handler_input.request_envelope.session else {}
    profile = attrs.request_attributes.get(PROFILE_KEY) or Profile()
    rng = random.Random(config.seed) if config.seed is not None else random.Random()
    now, heard = config.clock(), heard_position(handler_input)
    if config.streams and config.audio_base_url and has_audio_player(handler_input):
        return LongFormCoach(content, profile, session, now=now, heard=heard, rng=rng, catalog=config.catalog,
                             base_url=config.audio_base_url, player=player_state(handler_input))
    return Coach(content, profile, session, now=now, heard=heard, rng=rng)


def heard_position(handler_input: HandlerInput) -> float | None:
    """Seconds of the last response a local client's player had played (``inf``: all of it), when it
    says so in context.AudioPlayer under our token; ``None`` for Alexa, which is placed by time."""
    player = getattr(handler_input.request_envelope.context, "audio_player", None)
    if player is None or getattr(player, "token", None) != HEARD_TOKEN:
        return None
    if getattr(getattr(player, "player_activity", None), "value", None) == "FINISHED":
        return float("inf")
    offset = getattr(player, "offset_in_milliseconds", None)
    return offset / 1000 if isinstance(offset, int) and 0 <= offset <= MAX_HEARD_SECONDS * 1000 else None


class CoachHandler(AbstractRequestHandler):
    """One handler class for every request type and intent the coach knows, keyed by name."""

    def __init__(self, config: SkillConfig, request_type: str, action: Action, intent: str | None = None) -> None:
        self.config = config
        self.request_type = request_type
        self.intent = intent
        self.action = action

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if get_request_type(handler_input) != self.request_type:
            return False
        return self.intent is None or get_intent_name(handler_input) == self.intent

    def handle(self, handler_input: HandlerInput) -> Response:
        coach = make_coach(handler_input, self.config)
        return respond(handler_input, self.action(coach, handler_input), self.config)


PLAYER_ACTIONS: dict[str, Callable[[LongFormCoach], Turn]] = {
    "AudioPlayer.PlaybackStarted": LongFormCoach.playback_started,
    "AudioPlayer.PlaybackNearlyFinished": LongFormCoach.playback_nearly_finished,
    "AudioPlayer.PlaybackFinished": LongFormCoach.playback_finished,
    "AudioPlayer.PlaybackStopped": LongFormCoach.playback_stopped,
    "AudioPlayer.PlaybackFailed": LongFormCoach.playback_failed,
    "PlaybackController.PlayCommandIssued": LongFormCoach.play_command,
    "PlaybackController.PauseCommandIssued": LongFormCoach.pause_command,
    "PlaybackController.NextCommandIssued": LongFormCoach.next_command,
    "PlaybackController.PreviousCommandIssued": LongFormCoach.previous_command,
}


class PlayerHandler(AbstractRequestHandler):
    """AudioPlayer events and the device's buttons: the place is saved from the request itself (there
    is no session), and the reply carries at most a player directive."""

    def __init__(self, config: SkillConfig) -> None:
        self.config = config

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return get_request_type(handler_input) in PLAYER_ACTIONS

    def handle(self, handler_input: HandlerInput) -> Response:
        kind = get_request_type(handler_input)
        if kind == "AudioPlayer.PlaybackFailed":
            error = getattr(handler_input.request_envelope.request, "error", None)
            logger.error("playback failed: type=%s", loggable(getattr(error, "object_type", None)))
        coach = make_coach(handler_input, self.config)
        if not isinstance(coach, LongFormCoach):
            logger.info("%s with long-form mode not configured: empty response", loggable(kind))
            return handler_input.response_builder.response
        return respond_player(handler_input, PLAYER_ACTIONS[kind](coach))


def handlers(config: SkillConfig) -> list[AbstractRequestHandler]:
    """Every handler, most specific first; the last one answers any intent we do not know."""
    out: list[AbstractRequestHandler] = [
        CoachHandler(config, "LaunchRequest", lambda c, h: c.launch()),
        CoachHandler(config, "SessionEndedRequest", lambda c, h: c.session_ended()),
        CoachHandler(config, USER_EVENT, touch_action),
        PlayerHandler(config),
    ]
    out += [CoachHandler(config, "IntentRequest", action, name) for name, action in INTENT_ACTIONS.items()]
    out.append(CoachHandler(config, "IntentRequest", lambda c, h: c.unknown_intent()))
    return out


def handled_intents() -> set[str]:
    """Intent names with a dedicated handler (used by the model-vs-code test)."""
    return set(INTENT_ACTIONS)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Any error still gets valid, calm speech and an open session; the details go to the log only."""

    def __init__(self, config: SkillConfig) -> None:
        self.config = config

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error("unhandled %s while handling %s", type(exception).__name__,
                     get_request_type(handler_input), exc_info=exception)
        if is_player_request(handler_input):  # no speech is allowed in reply to the player
            return handler_input.response_builder.response
        try:
            content = content_for(handler_input)
            speech, reprompt = content.prompt("error"), content.prompt("error_reprompt")
        except Exception:  # the content itself may be what failed
            speech, reprompt = "Sorry, something went wrong. Please try again.", "Please try again."
        builder = handler_input.response_builder
        builder.speak(render_ssml(Plan.of(speech))).ask(render_ssml(Plan.of(reprompt)))
        return builder.response
