"""Turn a pure :class:`~skill.coach.Turn` into an ASK response, through the one SSML builder."""

from __future__ import annotations

import logging
import os

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.alexa.presentation.apla import RenderDocumentDirective
from ask_sdk_model.ui import SimpleCard

from skill.alexa.visuals import add_visuals
from skill.coach import Turn
from skill.config import SkillConfig
from skill.speech.apla import render_apla
from skill.speech.plan import Plan
from skill.speech.ssml import render_ssml

logger = logging.getLogger("skill.alexa")
PROFILE_KEY = "profile"
PROFILE_LOADED_KEY = "profile_loaded"


def respond(handler_input: HandlerInput, turn: Turn, config: SkillConfig) -> Response:
    """Speech, optional APL-A for the timed part, reprompt exactly when the session stays open, card, state."""
    builder = handler_input.response_builder
    speech: Plan = turn.speech
    if turn.timed is not None and not config.use_apla:
        speech = speech + turn.timed
    if speech:
        builder.speak(render_ssml(speech))  # the SDK keeps one <speak>; render_ssml enforces Alexa's limits
    if turn.timed is not None and config.use_apla:
        builder.add_directive(RenderDocumentDirective(token=f"routine-{os.urandom(6).hex()}",
                                                      document=render_apla(turn.timed)))
    if turn.reprompt is not None:
        builder.ask(render_ssml(turn.reprompt))
    else:
        builder.set_should_end_session(True)
    if turn.card is not None:
        builder.set_card(SimpleCard(title=turn.card.title, content=turn.card.text))
    add_visuals(handler_input, turn, config)
    if handler_input.request_envelope.session is not None:
        handler_input.attributes_manager.session_attributes = turn.session
    remember(handler_input, turn)
    return builder.response


def remember(handler_input: HandlerInput, turn: Turn) -> None:
    """Save the profile when the turn changed it; the resilient adapter keeps store failures quiet."""
    attrs = handler_input.attributes_manager
    before = attrs.request_attributes.get(PROFILE_KEY)
    if turn.profile == before or not attrs.request_attributes.get(PROFILE_LOADED_KEY):
        return
    attrs.persistent_attributes = turn.profile.to_dict()
    attrs.save_persistent_attributes()
