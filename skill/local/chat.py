"""The terminal chat: type what you would say to Alexa; the skill answers in text (and voice with --voice)."""

from __future__ import annotations

import sys
from typing import TextIO

from skill.local.conversation import Conversation, Exchange

PROMPT = "you> "


def print_exchange(exchange: Exchange, out: TextIO) -> None:
    body = exchange.response.get("response") or {}
    out.write(f"alexa> {exchange.transcript}\n")
    if body.get("shouldEndSession"):
        out.write("(session ended: type anything to start again)\n")
    out.flush()


def run_chat(conversation: Conversation, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Read lines until end of input; each line is one utterance. "open neck relief coach" launches."""
    print_exchange(conversation.launch(), out)
    while True:
        out.write(PROMPT)
        out.flush()
        line = stdin.readline()
        if not line:
            out.write("\n")
            return 0
        text = line.strip()
        if text in {":q", ":quit"}:
            return 0
        print_exchange(conversation.say(text), out)
