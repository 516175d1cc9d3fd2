"""Real Alexa request envelopes (as JSON dicts), with fresh timestamps and ids.

Used by the terminal chat, the Flask ``/simulate`` endpoint and the tests, so every local path
sends the skill exactly what Alexa would, including a session that carries attributes forward.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from skill.intents import HEARD_TOKEN

APPLICATION_ID = "amzn1.ask.skill.local-neck-relief-coach"
LOCAL_USER_ID = "amzn1.ask.account.LOCAL-USER"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_session(user_id: str = LOCAL_USER_ID, application_id: str = APPLICATION_ID) -> dict[str, Any]:
    return {
        "new": True,
        "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
        "application": {"applicationId": application_id},
        "user": {"userId": user_id},
        "attributes": {},
    }


def envelope(request: dict[str, Any], session: dict[str, Any] | None, locale: str = "en-US",
             apla: bool = True, heard: float | None = None, player: dict[str, Any] | None = None) -> dict[str, Any]:
    """Wrap ``request`` with context (and the session, when there is one) as Alexa does.

    ``heard``: seconds of the last response this client's player had played (``inf``: all of it,
    as for a text client with no audio); ``None`` leaves the skill to place the request by time.
    ``player``: the device has an audio player, in this state (``context.AudioPlayer``, see
    :func:`player_context`). A track in the player wins over ``heard``: in long-form mode the skill
    places every command by the track's offset; a device with no track still says what it heard.
    """
    session = session or new_session()
    request = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": _now(), "locale": locale,
               **request}
    interfaces: dict[str, Any] = {"Alexa.Presentation.APLA": {}} if apla else {}
    if player is not None:
        interfaces["AudioPlayer"] = {}
    body: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "System": {
                "application": dict(session["application"]),
                "user": dict(session["user"]),
                "device": {"deviceId": "amzn1.ask.device.LOCAL", "supportedInterfaces": interfaces},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "session": session,
        "request": request,
    }
    if heard is not None and not (player or {}).get("token"):
        finished = heard == float("inf")
        body["context"]["AudioPlayer"] = {"token": HEARD_TOKEN, "playerActivity": "FINISHED" if finished else "PLAYING",
                                          "offsetInMilliseconds": 0 if finished else max(0, int(heard * 1000))}
    elif player:
        body["context"]["AudioPlayer"] = dict(player)
    return body


def sessionless(request: dict[str, Any], player: dict[str, Any], user_id: str = LOCAL_USER_ID,
                locale: str = "en-US") -> dict[str, Any]:
    """An envelope with no session, as Alexa sends AudioPlayer and PlaybackController requests."""
    body = envelope(request, new_session(user_id), locale, apla=False, player=player)
    del body["session"]
    return body


PLAYER_ACTIVITIES = ("IDLE", "PLAYING", "PAUSED", "STOPPED", "FINISHED", "BUFFER_UNDERRUN")
AUDIO_PLAYER_EVENTS = ("PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished", "PlaybackStopped",
                       "PlaybackFailed")
PLAYBACK_COMMANDS = ("Play", "Pause", "Next", "Previous")


def player_context(token: str | None = None, offset_ms: int = 0, activity: str = "IDLE") -> dict[str, Any]:
    """``context.AudioPlayer``: an idle player says only its activity."""
    if activity not in PLAYER_ACTIVITIES:
        raise ValueError(f"unknown player activity {activity!r}")
    if token is None:
        return {"playerActivity": activity}
    return {"token": token, "offsetInMilliseconds": max(0, int(offset_ms)), "playerActivity": activity}


def audio_player_request(event: str, token: str, offset_ms: int, error: str = "") -> dict[str, Any]:
    """``AudioPlayer.<event>`` (PlaybackStarted, PlaybackStopped...), carrying the stream's token and
    offset; a failure says why in ``error``."""
    if event not in AUDIO_PLAYER_EVENTS:
        raise ValueError(f"unknown AudioPlayer event {event!r}")
    request: dict[str, Any] = {"type": f"AudioPlayer.{event}", "token": token,
                               "offsetInMilliseconds": max(0, int(offset_ms))}
    if event == "PlaybackFailed":
        request["error"] = {"type": "MEDIA_ERROR_SERVICE_UNAVAILABLE", "message": error or "stream unavailable"}
        request["currentPlaybackState"] = player_context(token, offset_ms, "STOPPED")
    return request


def playback_controller_request(command: str) -> dict[str, Any]:
    """``PlaybackController.<command>CommandIssued``: a button on the device (Play, Pause, Next, Previous)."""
    if command not in PLAYBACK_COMMANDS:
        raise ValueError(f"unknown PlaybackController command {command!r}")
    return {"type": f"PlaybackController.{command}CommandIssued"}


def launch_request() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def intent_request(name: str, slots: dict[str, Any] | None = None) -> dict[str, Any]:
    """An IntentRequest; ``slots`` maps a slot name to its value, or to a full slot dict (resolutions)."""
    slot_objs: dict[str, Any] = {}
    for slot, value in (slots or {}).items():
        slot_objs[slot] = value if isinstance(value, dict) else {"name": slot, "value": value,
                                                                 "confirmationStatus": "NONE"}
    return {"type": "IntentRequest", "dialogState": "COMPLETED",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": slot_objs}}


def resolved_slot(name: str, value: str, value_id: str | None, type_name: str) -> dict[str, Any]:
    """A custom slot with entity resolution filled in, as Alexa sends for a synonym it matched."""
    authority = f"amzn1.er-authority.echo-sdk.{APPLICATION_ID}.{type_name}"
    status = {"code": "ER_SUCCESS_MATCH" if value_id else "ER_SUCCESS_NO_MATCH"}
    entry: dict[str, Any] = {"authority": authority, "status": status}
    if value_id:
        entry["values"] = [{"value": {"name": value_id, "id": value_id}}]
    return {"name": name, "value": value, "confirmationStatus": "NONE",
            "resolutions": {"resolutionsPerAuthority": [entry]}}


def session_ended_request(reason: str = "USER_INITIATED") -> dict[str, Any]:
    return {"type": "SessionEndedRequest", "reason": reason}
