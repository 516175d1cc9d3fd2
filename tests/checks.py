"""Response validators run on every response the tests produce: Alexa's limits and our own rules."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from skill.speech.apla import APLA_DIRECTIVE_TYPE, MAX_APLA_SECONDS
from skill.speech.estimate import estimate_seconds
from skill.speech.parse import plan_from_response
from skill.speech.ssml import MAX_SSML_CHARS, problems


def check_response(request: dict[str, Any], envelope: dict[str, Any]) -> None:
    """Assert ``envelope`` (a serialised response) is one Alexa would accept and play as we intend."""
    request_type = request["request"]["type"]
    response = envelope.get("response") or {}
    if request_type == "SessionEndedRequest":
        assert not response.get("outputSpeech"), "no speech may answer SessionEndedRequest"
        return
    for directive in response.get("directives") or []:
        if directive.get("type") == "AudioPlayer.Play":
            check_play(directive)
    if request_type.startswith(("AudioPlayer.", "PlaybackController.")):
        check_player_reply(envelope)
        return
    speech = response.get("outputSpeech")
    directives = [d for d in response.get("directives") or [] if d.get("type") == APLA_DIRECTIVE_TYPE]
    assert speech or directives, "every response must say something"
    if speech:
        assert speech["type"] == "SSML"
        ssml = speech["ssml"]
        assert problems(ssml) == [], problems(ssml)
        assert len(ssml) < MAX_SSML_CHARS
    for directive in directives:
        check_apla(directive["document"])
    seconds = estimate_seconds(plan_from_response(envelope))
    assert seconds < MAX_APLA_SECONDS, f"{seconds:.0f} s of audio in one response"
    ends = response.get("shouldEndSession")
    reprompt = (response.get("reprompt") or {}).get("outputSpeech")
    if ends is False:
        assert reprompt, "an open session needs a reprompt"
        assert problems(reprompt["ssml"]) == []
    else:
        assert ends is True, "the session must be ended explicitly when there is no reprompt"
        assert not reprompt, "a reprompt only makes sense when the session stays open"
    attrs = envelope.get("sessionAttributes") or {}
    intent = (request["request"].get("intent") or {}).get("name", "")
    answered = attrs.get("last_topic") and (intent.startswith("Topic") or intent in ("AskQuestionIntent",))
    plays_steps = re.search(r"\bStep [a-z ]+ of [a-z ]+:", plan_from_response(envelope).text())
    if answered or plays_steps:
        assert response.get("card"), "an answer or a routine part comes with a card for the Alexa app"


def check_player_reply(envelope: dict[str, Any]) -> None:
    """An AudioPlayer or PlaybackController request gets no speech, card, reprompt or session: at most
    player directives."""
    response = envelope.get("response") or {}
    assert not {"outputSpeech", "reprompt", "card", "shouldEndSession"} & set(response), response
    assert "sessionAttributes" not in envelope or not envelope["sessionAttributes"]
    assert all(d["type"].startswith("AudioPlayer.") for d in response.get("directives") or [])


def check_play(directive: dict[str, Any]) -> None:
    """A Play Alexa accepts: replaces the queue, an HTTPS URL (loopback HTTP for the simulator), a token
    within 1024 characters and a whole, non-negative offset."""
    assert directive["playBehavior"] == "REPLACE_ALL"
    stream = directive["audioItem"]["stream"]
    assert stream["url"].startswith(("https://", "http://127.0.0.1")), stream["url"]
    assert 0 < len(stream["token"]) <= 1024
    offset = stream.get("offsetInMilliseconds", 0)
    assert isinstance(offset, int) and offset >= 0


def check_apla(document: dict[str, Any]) -> None:
    """A well-formed APL-A document: a Sequencer of Speech (valid SSML) and Silence (positive ms)."""
    assert document["type"] == "APLA"
    item = document["mainTemplate"]["item"]
    assert item["type"] == "Sequencer"
    kinds = set()
    for component in item["items"]:
        kinds.add(component["type"])
        if component["type"] == "Speech":
            assert component["contentType"] == "SSML"
            assert problems(component["content"]) == []
            ElementTree.fromstring(component["content"])
        else:
            assert component["type"] == "Silence"
            assert isinstance(component["duration"], int) and component["duration"] > 0
    assert "Speech" in kinds, "silence may not be the only component"
