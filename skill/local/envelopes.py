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
             apla: bool = True, heard: float | None = None,
             player: dict[str, Any] | None = None) -> dict[str, Any]:
    """Wrap ``request`` with context (and the session, when there is one) as Alexa does.

    ``heard``: seconds of the last response this client's player had played (``inf``: all of it,
    as for a text client with no audio); ``None`` leaves the skill to place the request by time.
    ``player``: this client is an AudioPlayer device, and this is its state (:func:`player_state`);
    a device with no track loaded still reports ``heard`` for the last spoken response.
    """
    session = session or new_session()
    body = _device_envelope(request, session["application"]["applicationId"], session["user"]["userId"], locale,
                            apla, player)
    body["session"] = session
    if heard is not None and not (player or {}).get("token"):
        finished = heard == float("inf")
        body["context"]["AudioPlayer"] = player_state(HEARD_TOKEN, 0 if finished else max(0, int(heard * 1000)),
                                                      "FINISHED" if finished else "PLAYING")
    return body


def device_event(request: dict[str, Any], player: dict[str, Any], locale: str = "en-US",
                 user_id: str = LOCAL_USER_ID, application_id: str = APPLICATION_ID) -> dict[str, Any]:
    """An ``AudioPlayer.*`` or ``PlaybackController.*`` request: Alexa sends these with no session."""
    return _device_envelope(request, application_id, user_id, locale, True, player)


def _device_envelope(request: dict[str, Any], application_id: str, user_id: str, locale: str, apla: bool,
                     player: dict[str, Any] | None) -> dict[str, Any]:
    request = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": _now(), "locale": locale,
               **request}
    interfaces: dict[str, Any] = {"Alexa.Presentation.APLA": {}} if apla else {}
    if player is not None:
        interfaces["AudioPlayer"] = {}
    context: dict[str, Any] = {
        "System": {
            "application": {"applicationId": application_id},
            "user": {"userId": user_id},
            "device": {"deviceId": "amzn1.ask.device.LOCAL", "supportedInterfaces": interfaces},
            "apiEndpoint": "https://api.amazonalexa.com",
        }
    }
    if player is not None:
        context["AudioPlayer"] = dict(player)
    return {"version": "1.0", "context": context, "request": request}


PLAYER_ACTIVITIES = ("IDLE", "PLAYING", "PAUSED", "STOPPED", "FINISHED", "BUFFER_UNDERRUN")


def player_state(token: str | None = None, offset_ms: int = 0, activity: str = "IDLE") -> dict[str, Any]:
    """``context.AudioPlayer`` as a device reports it; an idle player with nothing loaded has no token."""
    if activity not in PLAYER_ACTIVITIES:
        raise ValueError(f"unknown player activity {activity!r}")
    if token is None:
        return {"playerActivity": activity}
    return {"token": token, "offsetInMilliseconds": max(0, int(offset_ms)), "playerActivity": activity}


AUDIO_PLAYER_EVENTS = ("PlaybackStarted", "PlaybackNearlyFinished", "PlaybackFinished", "PlaybackStopped",
                       "PlaybackFailed")
PLAYBACK_COMMANDS = ("PlayCommandIssued", "PauseCommandIssued", "NextCommandIssued", "PreviousCommandIssued")


def audio_player_request(event: str, token: str, offset_ms: int, error: str = "") -> dict[str, Any]:
    """``AudioPlayer.<event>`` for the stream ``token`` at ``offset_ms``; a failure says why in ``error``."""
    if event not in AUDIO_PLAYER_EVENTS:
        raise ValueError(f"unknown AudioPlayer event {event!r}")
    request: dict[str, Any] = {"type": f"AudioPlayer.{event}", "token": token,
                               "offsetInMilliseconds": max(0, int(offset_ms))}
    if event == "PlaybackFailed":
        request["error"] = {"type": "MEDIA_ERROR_UNKNOWN", "message": error or "The track could not be played."}
        request["currentPlaybackState"] = player_state(token, offset_ms, "STOPPED")
    return request


def playback_controller_request(command: str) -> dict[str, Any]:
    """``PlaybackController.<command>``: a device's own transport button (play, pause, next, previous)."""
    if command not in PLAYBACK_COMMANDS:
        raise ValueError(f"unknown PlaybackController command {command!r}")
    return {"type": f"PlaybackController.{command}"}


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
