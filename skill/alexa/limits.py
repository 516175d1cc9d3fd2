"""What a request may contain before the ASK SDK sees it: depth, size, number and type limits.

Session attributes make a round trip through the client, so whatever the skill sent can come back
changed. The SDK deep-copies them (a RecursionError when nested a few hundred deep) and echoes them
in the response (NaN or Infinity make that invalid JSON), and the coach trusts their types. So:
the envelope as a whole is checked for depth and non-finite numbers, the attributes for size, and
each attribute the skill itself writes for its type and bounds. The web service answers a failed
check with a clean 400; Lambda, which must answer Alexa, starts a fresh session instead.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from skill.profile import MAX_EPOCH_SECONDS, MAX_STEP

logger = logging.getLogger("skill.alexa")

MAX_ENVELOPE_DEPTH = 32  # a real Alexa envelope is about 8 deep
MAX_ATTRIBUTES_DEPTH = 8  # the skill's own attributes are 3 deep
MAX_ATTRIBUTES_CHARS = 24_000  # as JSON; the skill's own stay under 10,000
MAX_TEXT_CHARS = 4_000
MAX_MARKS = 64
MAX_MARK_SECONDS = 100_000
MAX_INTEGER = 2**53  # beyond this JSON clients disagree about the value
_STRING_ATTRIBUTES = ("last_topic", "offer", "last_speech", "urgent", "finished_routine", "blocked_for")
_FLAG_ATTRIBUTES = ("routine_blocked", "safety_checked")


class InputRejected(ValueError):
    """The request breaks a limit; the message names the rule (never the value) and is safe to return."""


def refuse_constant(name: str) -> Any:
    """For ``json.loads(parse_constant=...)``: NaN and Infinity are not JSON, whatever Python accepts."""
    raise InputRejected(f"{name} is not a JSON number")


def json_problem(value: Any, max_depth: int) -> str | None:
    """Why ``value`` (parsed JSON) is unsafe, or ``None``. Iterative, so no input can exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"nested deeper than {max_depth} levels"
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                return "an object key is not a string"
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float) and not math.isfinite(item):
            return "a number is not finite"
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INTEGER:
            return "a number is too large"
        elif not isinstance(item, str | int | float | bool) and item is not None:
            return "a value is not JSON"
    return None


def envelope_problem(envelope: Any) -> str | None:
    """Why this request envelope must not reach the SDK, or ``None``."""
    problem = json_problem(envelope, MAX_ENVELOPE_DEPTH)
    if problem is not None:
        return problem
    session = envelope.get("session") if isinstance(envelope, dict) else None
    attributes = session.get("attributes") if isinstance(session, dict) else None
    return None if attributes is None else attributes_problem(attributes)


def attributes_problem(attributes: Any, what: str = "session attributes") -> str | None:
    """Why these attributes (session, or a stored profile) are unsafe to hand on, or ``None``."""
    if not isinstance(attributes, dict):
        return f"{what} are not an object"
    problem = json_problem(attributes, MAX_ATTRIBUTES_DEPTH)
    if problem is not None:
        return f"{what}: {problem}"
    if len(json.dumps(attributes)) > MAX_ATTRIBUTES_CHARS:
        return f"{what} are larger than {MAX_ATTRIBUTES_CHARS} characters"
    return None


def clean_session_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes without any the skill writes that came back with the wrong type or out of bounds.

    Other keys pass untouched (they are size-checked already); a dropped key is logged by name only.
    """
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in _STRING_ATTRIBUTES:
            fits = isinstance(value, str) and len(value) <= MAX_TEXT_CHARS
        elif key in _FLAG_ATTRIBUTES:
            fits = isinstance(value, bool)
        elif key == "routine":
            fits = _routine_fits(value)
        elif key == "pending_routine":
            fits = _pending_fits(value)
        else:
            fits = True
        if fits:
            out[key] = value
        else:
            logger.warning("dropped session attribute %s: wrong type or out of bounds", key)
    return out


def _whole(value: Any, high: float) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high


def _number(value: Any, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= high


def _pending_fits(value: Any) -> bool:
    """The routine waiting for the safety check's answer: which, from which step, its lead-in."""
    return (isinstance(value, dict) and isinstance(value.get("id"), str) and len(value["id"]) <= 40
            and _whole(value.get("step", 0), MAX_STEP) and isinstance(value.get("lead", ""), str)
            and len(value.get("lead", "")) <= MAX_TEXT_CHARS and isinstance(value.get("intro", False), bool))


def _routine_fits(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        return False
    marks = value.get("marks", [])
    return (_whole(value.get("step", 0), MAX_STEP) and _whole(value.get("chunk_start", 0), MAX_STEP)
            and isinstance(value.get("pace", ""), str) and isinstance(value.get("paused", False), bool)
            and isinstance(value.get("final", False), bool)
            and _number(value.get("sent_at", 0), MAX_EPOCH_SECONDS)
            and isinstance(marks, list) and len(marks) <= MAX_MARKS
            and all(_number(mark, MAX_MARK_SECONDS) for mark in marks))
