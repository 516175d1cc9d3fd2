"""Touch buttons on a screen: an APL ``UserEvent`` runs the same coach action as the spoken command.

The buttons send ``["coach", <action>]``; anything else (an old document, a future button) gets the
fallback answer instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.handler_input import HandlerInput

from skill.coach import Coach, Turn
from skill.visuals.apl import EVENT_SOURCE, USER_EVENT

__all__ = ["TOUCH_ACTIONS", "USER_EVENT", "touch_action"]

TOUCH_ACTIONS: dict[str, Callable[[Coach], Turn]] = {  # called on the instance, so a long-form coach's own apply
    "pause": lambda coach: coach.pause(),
    "resume": lambda coach: coach.resume(),
    "next": lambda coach: coach.next_step(),
    "back": lambda coach: coach.previous_step(),
    "stop": lambda coach: coach.stop(),
}


def touch_action(coach: Coach, handler_input: HandlerInput) -> Turn:
    """The turn for a button press, as if its command had been spoken."""
    arguments = getattr(handler_input.request_envelope.request, "arguments", None) or []
    if len(arguments) == 2 and arguments[0] == EVENT_SOURCE and arguments[1] in TOUCH_ACTIONS:
        return TOUCH_ACTIONS[arguments[1]](coach)
    return coach.fallback()
