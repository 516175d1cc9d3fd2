"""AudioPlayer glue: read the device's player from a request, and send the coach's player commands.

Long-form mode needs three things: a device that lists the ``AudioPlayer`` interface (AudioPlayer
and PlaybackController requests prove it by arriving), a configured audio base URL, and a track
catalog. The coach's :class:`~skill.player.Play` and :class:`~skill.player.Stop` become
``AudioPlayer.Play`` (replacing the queue: one track holds the whole routine) and ``AudioPlayer.Stop``.
"""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_request_type
from ask_sdk_model import Directive
from ask_sdk_model.interfaces.audioplayer import AudioItem, PlayBehavior, PlayDirective, StopDirective, Stream

from skill.player import AudioCommand, PlayerState, Stop

# The player's activity each AudioPlayer request implies (the request carries the token and offset itself).
EVENT_ACTIVITY = {
    "AudioPlayer.PlaybackStarted": "PLAYING",
    "AudioPlayer.PlaybackNearlyFinished": "PLAYING",
    "AudioPlayer.PlaybackStopped": "STOPPED",
    "AudioPlayer.PlaybackFailed": "STOPPED",
    "AudioPlayer.PlaybackFinished": "FINISHED",
}
PLAYER_PREFIXES = ("AudioPlayer.", "PlaybackController.")


def is_player_request(handler_input: HandlerInput) -> bool:
    """An AudioPlayer event or a button press: no session, and no speech allowed in the reply."""
    return get_request_type(handler_input).startswith(PLAYER_PREFIXES)


def has_audio_player(handler_input: HandlerInput) -> bool:
    """Whether the device can stream: it lists ``AudioPlayer``, or this request comes from its player."""
    if is_player_request(handler_input):
        return True
    system = getattr(handler_input.request_envelope.context, "system", None)
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "audio_player", None) is not None


def _offset(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def player_state(handler_input: HandlerInput) -> PlayerState | None:
    """The player as this request reports it: an AudioPlayer request's own token and offset (for a
    failure, the player's current state), or ``context.AudioPlayer`` for any other request."""
    request = handler_input.request_envelope.request
    kind = get_request_type(handler_input)
    if kind in EVENT_ACTIVITY:
        current = getattr(request, "current_playback_state", None) if kind == "AudioPlayer.PlaybackFailed" else None
        offset = _offset(getattr(current or request, "offset_in_milliseconds", None))
        return PlayerState(getattr(request, "token", None), offset, EVENT_ACTIVITY[kind])
    player = getattr(handler_input.request_envelope.context, "audio_player", None)
    if player is None:
        return None
    activity = getattr(getattr(player, "player_activity", None), "value", None)
    return PlayerState(getattr(player, "token", None), _offset(getattr(player, "offset_in_milliseconds", None)),
                       activity)


def audio_directive(command: AudioCommand) -> Directive:
    if isinstance(command, Stop):
        return StopDirective()
    stream = Stream(token=command.token, url=command.url, offset_in_milliseconds=command.offset_ms)
    return PlayDirective(play_behavior=PlayBehavior.REPLACE_ALL, audio_item=AudioItem(stream=stream))
