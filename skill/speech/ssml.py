"""The one SSML builder: escapes every text, enforces Alexa's limits, and checks SSML it is handed.

``response_builder.speak()`` in the ASK SDK neither escapes ``&``/``<`` nor checks limits, so every
response the skill sends goes through :func:`render_ssml` instead.
"""

from __future__ import annotations

import re
from html import escape as _html_escape

from .plan import Plan, Silence, Speech

MAX_SSML_CHARS = 8000  # Alexa rejects outputSpeech of 8000 characters or more
MAX_BREAK_SECONDS = 10.0  # the longest single <break> Alexa honours
MIN_RATE, MAX_RATE = 20, 200

ALLOWED_TAGS = {
    "speak", "audio", "break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub",
    "voice", "w", "{http://www.amazon.com/alexa}name",
}


# XML 1.0 forbids C0 controls (but tab, newline, return), lone surrogates, U+FFFE and U+FFFF; C1 controls
# and DEL are allowed but mean nothing in speech. A stored or typed text carrying any of them would
# make the whole response invalid, so they are dropped, and tab, newline and return become spaces.
_UNSPEAKABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\t\n\r]")


def speakable(text: str) -> str:
    """``text`` with every character SSML cannot carry removed (see ``_UNSPEAKABLE``)."""
    return _LINE_BREAKS.sub(" ", _UNSPEAKABLE.sub("", text))


class SSMLError(ValueError):
    """A plan or document that Alexa would refuse or play wrongly."""


def _break(seconds: float) -> str:
    if seconds > MAX_BREAK_SECONDS + 1e-9:
        raise SSMLError(f"silence of {seconds:.2f} s exceeds the {MAX_BREAK_SECONDS:.0f} s break limit")
    return f'<break time="{round(seconds * 1000)}ms"/>'


def _speech(seg: Speech) -> str:
    if not MIN_RATE <= seg.rate <= MAX_RATE:
        raise SSMLError(f"prosody rate {seg.rate}% outside {MIN_RATE}-{MAX_RATE}%")
    body = _html_escape(speakable(seg.text), quote=False)  # &, < and > only: quotes are fine in SSML text
    return body if seg.rate == 100 else f'<prosody rate="{seg.rate}%">{body}</prosody>'


def render_body(plan: Plan) -> str:
    """The SSML inside ``<speak>``: adjacent silences are merged first, so no two breaks ever touch."""
    return " ".join(_break(s.seconds) if isinstance(s, Silence) else _speech(s) for s in plan.merged().segments)


def render_ssml(plan: Plan) -> str:
    """A complete ``<speak>`` document for ``plan``; raises :class:`SSMLError` past Alexa's limits."""
    ssml = f"<speak>{render_body(plan)}</speak>"
    if len(ssml) >= MAX_SSML_CHARS:
        raise SSMLError(f"SSML of {len(ssml)} characters exceeds the {MAX_SSML_CHARS} limit")
    return ssml


_TIME = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


def break_seconds(value: str) -> float:
    """Seconds of a ``<break time=...>`` value such as ``"1500ms"`` or ``"2s"``."""
    match = _TIME.match(value.strip())
    if not match:
        raise SSMLError(f"bad break time {value!r}")
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number


def problems(ssml: str) -> list[str]:
    """Everything Alexa would object to in ``ssml`` (empty when it is fine). Used by tests and logs."""
    from xml.etree import ElementTree  # validation and transcripts only: kept off the request path

    found: list[str] = []
    if len(ssml) >= MAX_SSML_CHARS:
        found.append(f"{len(ssml)} characters (limit {MAX_SSML_CHARS})")
    try:
        root = ElementTree.fromstring(ssml)
    except ElementTree.ParseError as exc:
        return [*found, f"not well-formed XML: {exc}"]
    if root.tag != "speak":
        found.append("root element is not <speak>")
    previous_was_break = False
    for elem in root.iter():
        if elem.tag not in ALLOWED_TAGS:
            found.append(f"unsupported tag <{elem.tag}>")
        if elem.tag == "break":
            try:
                seconds = break_seconds(elem.get("time", "0ms"))
            except SSMLError as exc:
                found.append(str(exc))
                seconds = 0.0
            if seconds > MAX_BREAK_SECONDS:
                found.append(f"break of {seconds} s (limit {MAX_BREAK_SECONDS:.0f} s)")
            between = (elem.tail or "").strip()
            if previous_was_break:
                found.append("two adjacent breaks")
            previous_was_break = not between
        elif (elem.text or "").strip():
            previous_was_break = False
        if elem.tag == "prosody" and elem.get("rate", "").endswith("%"):
            rate = float(elem.get("rate", "100%")[:-1])
            if not MIN_RATE <= rate <= MAX_RATE:
                found.append(f"prosody rate {rate}% out of range")
    return found


def to_text(ssml: str) -> str:
    """The words of an SSML document, for transcripts; tolerant of plain text."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(ssml)
    except ElementTree.ParseError:
        return ssml
    return re.sub(r"\s+", " ", "".join(root.itertext())).strip()
