"""A conversation with the skill: real envelopes in, responses out, the session carried between turns.

The same driver serves the terminal chat, the Flask ``/simulate`` endpoint and the tests, so they
all exercise the skill exactly as Alexa would, including session attributes and session ends.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skill.device import envelopes
from skill.speech.parse import plan_from_response
from skill.understanding.matcher import LAUNCH, Match, matcher_for

Send = Callable[[dict[str, Any]], dict[str, Any]]


def in_process(skill: Any) -> Send:
    """A ``send`` that invokes an ASK ``CustomSkill`` directly with a deserialised envelope."""
    from ask_sdk_model import RequestEnvelope

    def send(body: dict[str, Any]) -> dict[str, Any]:
        request = skill.serializer.deserialize(payload=json.dumps(body), obj_type=RequestEnvelope)
        return skill.serializer.serialize(skill.invoke(request_envelope=request, context=None))

    return send


@dataclass
class Exchange:
    """One turn: what was matched, the envelope sent, the response received."""

    match: Match
    request: dict[str, Any]
    response: dict[str, Any]

    @property
    def transcript(self) -> str:
        return transcript(self.response)


def transcript(response: dict[str, Any]) -> str:
    """The words a listener hears (outputSpeech, then any APL-A speech), as plain text."""
    return plan_from_response(response).text()


class Conversation:
    """Carries ``session`` across turns; a response that ends the session starts a fresh one next time."""

    def __init__(self, send: Send, locale: str = "en-US", user_id: str = envelopes.LOCAL_USER_ID,
                 apla: bool = True, session: dict[str, Any] | None = None,
                 heard: Callable[[], float | None] | None = None,
                 player: Callable[[], dict[str, Any]] | None = None) -> None:
        self.send = send
        self.locale = locale
        self.user_id = user_id
        self.apla = apla
        self.session: dict[str, Any] | None = session
        # Where this client's player was in the last response when the next request is sent; a
        # client without it is placed by time, as Alexa places a spoken interruption.
        self.heard = heard
        # A device with an audio player reports its state (context.AudioPlayer) with every request.
        self.player = player

    def request(self, request: dict[str, Any], match: Match | None = None) -> Exchange:
        session = self.session or envelopes.new_session(self.user_id)
        body = envelopes.envelope(request, copy.deepcopy(session), self.locale, self.apla,
                                  heard=self.heard() if self.heard else None,
                                  player=self.player() if self.player else None)
        response = self.send(body)
        ends = request["type"] == "SessionEndedRequest" or (response.get("response") or {}).get(
            "shouldEndSession", False)
        if ends:
            self.session = None
        else:
            self.session = {**session, "new": False, "attributes": response.get("sessionAttributes") or {}}
        return Exchange(match or Match(request.get("intent", {}).get("name", request["type"])), body, response)

    def device_event(self, request: dict[str, Any]) -> Exchange:
        """An AudioPlayer or PlaybackController request from this device's player: outside any session,
        so the conversation's session is left as it is."""
        player = self.player() if self.player else envelopes.player_context()
        body = envelopes.sessionless(request, player, self.user_id, self.locale)
        return Exchange(Match(request["type"], how="device"), body, self.send(body))

    def launch(self) -> Exchange:
        return self.request(envelopes.launch_request(), Match(LAUNCH, how="launch"))

    def intent(self, name: str, **slots: Any) -> Exchange:
        return self.request(envelopes.intent_request(name, slots))

    def end(self, reason: str = "USER_INITIATED") -> Exchange:
        return self.request(envelopes.session_ended_request(reason))

    def say(self, text: str) -> Exchange:
        """Match ``text`` against the interaction model and send the matching request."""
        match = matcher_for(self.locale).match(text, routine_running="routine" in self.attributes)
        if match.intent == LAUNCH:
            self.session = None
            return self.launch()
        slots: dict[str, Any] = dict(match.slots)
        for name, (value_id, type_name) in match.resolved.items():
            slots[name] = envelopes.resolved_slot(name, match.slots[name], value_id, type_name)
        return self.request(envelopes.intent_request(match.intent, slots), match)

    @property
    def attributes(self) -> dict[str, Any]:
        return (self.session or {}).get("attributes", {})
