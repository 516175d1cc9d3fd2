"""The terminal chat: type what you would say to Alexa; the skill answers in text (and voice with --voice)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from skill.local.conversation import Conversation, Exchange

if TYPE_CHECKING:
    from skill.local.speaker import Speaker

PROMPT = "you> "


def print_exchange(exchange: Exchange, out: TextIO) -> None:
    body = exchange.response.get("response") or {}
    out.write(f"alexa> {exchange.transcript}\n")
    if body.get("shouldEndSession"):
        out.write("(session ended: type anything to start again)\n")
    out.flush()


def run_chat(conversation: Conversation, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
             speaker: Speaker | None = None) -> int:
    """Read lines until end of input; each line is one utterance. "open neck relief coach" launches.

    With a ``speaker`` every answer is also spoken, and a routine runs on by itself (see runner.py).
    """
    if speaker is not None:
        from skill.local.runner import Runner

        return Runner(conversation, speaker, out).run(stdin)
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
