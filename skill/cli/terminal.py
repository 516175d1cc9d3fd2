"""What the terminal hosts (``chat`` and its voice runner) print and accept, in one place, so the
two never disagree and neither imports the other."""

from __future__ import annotations

from typing import TextIO

from skill.device.conversation import Exchange

PROMPT = "you> "
QUIT = frozenset({"quit", "exit", ":q", ":quit"})
HINT = "(type what you would say to Alexa; quit or exit leaves)\n"
# After a goodbye, these only open the skill again: the welcome is the answer to a greeting.
GREETINGS = frozenset({"hello", "hi", "hey", "hiya", "hello there", "hi there", "hey there", "alexa", "good morning",
                       "good afternoon", "good evening", "morning", "hello again", "hi again", "im back", "i'm back"})


def print_exchange(exchange: Exchange, out: TextIO) -> None:
    body = exchange.response.get("response") or {}
    out.write(f"alexa> {exchange.transcript}\n")
    if body.get("shouldEndSession"):
        out.write("(session ended: type anything to open the skill again, or quit to leave)\n")
    out.flush()
