"""Screens and card pictures for a turn: an APL document on devices with a screen, image cards in the app.

Only a request whose device lists ``Alexa.Presentation.APL`` gets a document, so devices without a
screen get exactly the response they always got. The whole response must stay within Alexa's size
limit, so the countdown is made coarser (every second, then every five, then only the hold's
length) until the document fits; a document that still does not fit is left out and logged.
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.utils import get_supported_interfaces
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective
from ask_sdk_model.ui import Image, StandardCard

from skill.coach import Turn
from skill.config import SkillConfig
from skill.content import DEFAULT_LOCALE, LocaleContent, available_locales, load
from skill.visuals.apl import APL_VERSION, routine_document, size_bytes, topic_document
from skill.visuals.drawings import load_drawings
from skill.visuals.screen import RoutineScreen, screen_for

logger = logging.getLogger("skill.alexa")
MAX_RESPONSE_BYTES = 24_576  # "The total size of your response cannot exceed 24 kilobytes" (Alexa response format)
ENVELOPE_MARGIN_BYTES = 512  # version, user agent and the JSON around the parts measured here
COUNTDOWN_DETAIL = (1, 5, 0)  # seconds between countdown updates, finest first; 0: the hold's length only
SCREEN_TOKEN = "nrc-screen"
_SERIALIZER = DefaultSerializer()


def has_screen(handler_input: HandlerInput) -> bool:
    """Whether the device renders APL visuals (an Echo Show, say; not an Echo Dot) of our document's version."""
    device = getattr(getattr(handler_input.request_envelope.context, "system", None), "device", None)
    if device is None:  # no device at all (a hostile or stripped envelope): no screen
        return False
    apl = get_supported_interfaces(handler_input).alexa_presentation_apl
    if apl is None:
        return False
    runtime = getattr(apl, "runtime", None)
    return _version(getattr(runtime, "max_version", None) or APL_VERSION) >= _version(APL_VERSION)


def _version(text: str) -> tuple[int, ...]:
    """"1.7" or "2024.3" as comparable numbers; APL's year versions all come after 1.x."""
    try:
        return tuple(int(part) for part in str(text).split("."))
    except ValueError:
        return (0,)


def _content(handler_input: HandlerInput) -> LocaleContent:
    locale = getattr(handler_input.request_envelope.request, "locale", None)
    return load(locale if locale in available_locales() else DEFAULT_LOCALE)


def add_visuals(handler_input: HandlerInput, turn: Turn, config: SkillConfig) -> None:
    """Add the screen document (screens only) and the picture card (with an asset base URL only)."""
    if config.asset_base_url and config.asset_base_url.startswith("https://"):  # Alexa fetches card images by HTTPS
        _picture_card(handler_input, turn, config.asset_base_url)
    if has_screen(handler_input):
        _render(handler_input, turn)


def _render(handler_input: HandlerInput, turn: Turn) -> None:
    builder = handler_input.response_builder
    content, drawings = _content(handler_input), load_drawings()
    used = size_bytes(_SERIALIZER.serialize(builder.response)) + size_bytes(turn.session) + ENVELOPE_MARGIN_BYTES
    for every in COUNTDOWN_DETAIL:
        screen = screen_for(turn, content, drawings, every)
        if screen is None:
            return
        document = routine_document(screen) if isinstance(screen, RoutineScreen) else topic_document(screen)
        directive = RenderDocumentDirective(token=SCREEN_TOKEN, document=document)
        if used + size_bytes(_SERIALIZER.serialize(directive)) <= MAX_RESPONSE_BYTES:
            builder.add_directive(directive)
            return
    logger.warning("screen document left out: the response would exceed %d bytes", MAX_RESPONSE_BYTES)


def _picture_card(handler_input: HandlerInput, turn: Turn, base_url: str) -> None:
    """A routine step's card carries the first step's drawing, as PNGs under the asset base URL."""
    if turn.card is None or turn.timed is None:
        return
    screen = screen_for(turn, _content(handler_input), load_drawings(), every=0)
    if not isinstance(screen, RoutineScreen):
        return
    base = f"{base_url.rstrip('/')}/drawings/{screen.steps[0].drawing.id}"
    image = Image(small_image_url=f"{base}-small.png", large_image_url=f"{base}-large.png")
    handler_input.response_builder.set_card(StandardCard(title=turn.card.title, text=turn.card.text, image=image))
