"""Turn a pure :class:`~skill.coach.Turn` into an ASK response, through the one SSML builder.

The profile is saved before the speech is chosen: a turn that says "I've saved your place" carries
an ``unsaved`` alternative, spoken instead when the save did not happen (store down, late,
read-only, full, or no store at all), so the skill never claims a save that failed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.alexa.presentation.apla import RenderDocumentDirective
from ask_sdk_model.ui import SimpleCard

from skill.alexa.audio import audio_directive
from skill.alexa.visuals import add_visuals
from skill.coach import Turn
from skill.config import SkillConfig
from skill.persistence.resilient import ResilientAdapter
from skill.profile import Profile, merge_profiles
from skill.speech.apla import render_apla
from skill.speech.plan import Plan
from skill.speech.ssml import render_ssml

logger = logging.getLogger("skill.alexa")
PROFILE_KEY = "profile"
STORE_KEY = "profile_store"  # the store this request may save to; None when it must not write


def respond(handler_input: HandlerInput, turn: Turn, config: SkillConfig) -> Response:
    """Speech, optional APL-A for the timed part, reprompt exactly when the session stays open, card, state."""
    builder = handler_input.response_builder
    if not remember(handler_input, turn) and turn.unsaved is not None:
        turn = _unsaved(turn)
    speech: Plan = turn.speech
    if turn.timed is not None and not config.use_apla:
        speech = speech + turn.timed
    if speech:
        builder.speak(render_ssml(speech))  # the SDK keeps one <speak>; render_ssml enforces Alexa's limits
    if turn.timed is not None and config.use_apla:
        builder.add_directive(RenderDocumentDirective(token=f"routine-{os.urandom(6).hex()}",
                                                      document=render_apla(turn.timed)))
    if turn.audio is not None:
        builder.add_directive(audio_directive(turn.audio))
    if turn.reprompt is not None:
        builder.ask(render_ssml(turn.reprompt))
    else:
        builder.set_should_end_session(True)
    if turn.card is not None:
        builder.set_card(SimpleCard(title=turn.card.title, content=turn.card.text))
    add_visuals(handler_input, turn, config)
    if handler_input.request_envelope.session is not None:
        handler_input.attributes_manager.session_attributes = turn.session
    return builder.response


def respond_player(handler_input: HandlerInput, turn: Turn) -> Response:
    """The reply to an AudioPlayer or PlaybackController request: the place saved, and at most a player
    directive; no speech, card, reprompt or session flag, which Alexa refuses there."""
    if not remember(handler_input, turn):
        logger.warning("the player's place could not be saved")
    if turn.audio is not None:
        handler_input.response_builder.add_directive(audio_directive(turn.audio))
    return handler_input.response_builder.response


def remember(handler_input: HandlerInput, turn: Turn) -> bool:
    """Save the turn's change to the profile; whether what the turn remembers is now stored.

    The change (this request's profile before and after) is merged into the stored profile inside
    the store's transaction, so overlapping requests for one user never lose each other's updates.
    A stored row that has become invalid meanwhile is left alone.
    """
    attrs = handler_input.attributes_manager
    before = attrs.request_attributes.get(PROFILE_KEY) or Profile()
    if turn.profile == before:
        return True
    store: ResilientAdapter | None = attrs.request_attributes.get(STORE_KEY)
    if store is None:
        return False

    def change(stored: dict[str, object]) -> dict[str, object] | None:
        current = Profile.from_stored(stored)
        return None if current is None else merge_profiles(before, turn.profile, current).to_dict()

    return store.update(handler_input.request_envelope, change)


def _unsaved(turn: Turn) -> Turn:
    """The turn with its not-saved speech, also as the text "repeat" says again."""
    assert turn.unsaved is not None
    session = dict(turn.session)
    if session.get("last_speech") == turn.speech.text():
        session["last_speech"] = turn.unsaved.text()
    return replace(turn, speech=turn.unsaved, session=session, unsaved=None)
