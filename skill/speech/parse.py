"""Read SSML and Alexa responses back into speech plans.

The local speaker plays what the skill actually sent (the response's SSML and APL-A), not a plan
handed over on the side, so what you hear on a laptop is what Alexa would be given.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from .apla import APLA_DIRECTIVE_TYPE
from .plan import Plan, Segment, Silence, Speech
from .ssml import SSMLError, break_seconds

# Alexa's named break strengths, in seconds (used only when a break has no ``time``).
BREAK_STRENGTHS = {"none": 0.0, "x-weak": 0.0, "weak": 0.35, "medium": 0.5, "strong": 0.75, "x-strong": 1.0}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class _Reader:
    """Walks an SSML tree, collecting text per prosody rate and turning breaks into silences."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.words: list[str] = []
        self.rate = 100

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.words)).strip()
        if text:
            self.segments.append(Speech(text, self.rate))
        self.words = []

    def text(self, value: str | None) -> None:
        if value:
            self.words.append(value)

    def element(self, elem: ElementTree.Element) -> None:
        if elem.tag == "break":
            self.flush()
            time = elem.get("time")
            seconds = break_seconds(time) if time else BREAK_STRENGTHS.get(elem.get("strength", "medium"), 0.5)
            self.segments.append(Silence(seconds))
        elif elem.tag == "prosody" and _PERCENT.match(elem.get("rate", "")):
            self.flush()
            outer, self.rate = self.rate, round(float(_PERCENT.match(elem.get("rate", "")).group(1)))
            self.children(elem)
            self.flush()
            self.rate = outer
        elif elem.tag in ("p", "s"):  # paragraphs and sentences are separate words even when written tight
            self.text(" ")
            self.children(elem)
            self.text(" ")
        else:  # <emphasis>, <say-as>, unknown tags: their words are spoken as they stand
            self.children(elem)
        self.text(elem.tail)

    def children(self, elem: ElementTree.Element) -> None:
        self.text(elem.text)
        for child in elem:
            self.element(child)


def plan_from_ssml(ssml: str) -> Plan:
    """The plan an SSML document speaks: text, ``<break>`` as silence, ``<prosody rate="N%">`` as rate N.

    Plain text (no markup at all) is accepted as one speech segment; broken markup raises :class:`SSMLError`.
    """
    if "<" not in ssml:
        return Plan.of(re.sub(r"\s+", " ", ssml))
    try:
        root = ElementTree.fromstring(ssml)
    except ElementTree.ParseError as exc:
        raise SSMLError(f"not well-formed SSML: {exc}") from exc
    reader = _Reader()
    reader.children(root)  # the root's tail is outside the document
    reader.flush()
    return Plan(tuple(reader.segments))


def _apla_items(component: dict[str, Any]) -> list[dict[str, Any]]:
    """The playable components of an APL-A tree, in order (Sequencers are flattened)."""
    kind = component.get("type")
    if kind == "Sequencer":
        children = component.get("items") or ([component["item"]] if "item" in component else [])
        return [leaf for child in children for leaf in _apla_items(child)]
    if kind in ("Speech", "Silence"):
        return [component]
    raise ValueError(f"unsupported APL-A component {kind!r}: only Sequencer, Speech and Silence can be played")


def plan_from_apla(document: dict[str, Any]) -> Plan:
    """The plan an APL-A document plays: Speech items (SSML or plain text) and Silence items (milliseconds)."""
    template = document.get("mainTemplate") or {}
    roots = template.get("items") or ([template["item"]] if "item" in template else [])
    parts: list[Plan | Segment] = []
    for item in (leaf for root in roots for leaf in _apla_items(root)):
        if item["type"] == "Silence":
            parts.append(Silence(float(item.get("duration", 0)) / 1000))
        elif item.get("contentType") == "SSML":
            parts.append(plan_from_ssml(item.get("content", "")))
        else:
            parts.append(Plan.of(item.get("content", "")))
    return Plan.of(*parts)


def plan_from_response(response: dict[str, Any]) -> Plan:
    """Everything a listener hears from a response envelope: ``outputSpeech``, then each APL-A document.

    The reprompt is not included: Alexa plays it only if the user stays silent.
    """
    body = response.get("response") or {}
    speech = body.get("outputSpeech") or {}
    parts: list[Plan] = []
    if speech.get("type") == "PlainText":
        parts.append(Plan.of(speech.get("text", "")))
    elif speech.get("ssml"):
        parts.append(plan_from_ssml(speech["ssml"]))
    for directive in body.get("directives") or []:
        if directive.get("type") == APLA_DIRECTIVE_TYPE:
            parts.append(plan_from_apla(directive.get("document") or {}))
    return Plan.of(*parts)
