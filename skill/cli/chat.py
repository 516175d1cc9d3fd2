"""The terminal chat: type what you would say to Alexa; the skill answers in text (and voice with --voice)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from skill.cli.terminal import GREETINGS, HINT, PROMPT, QUIT, print_exchange
from skill.device.conversation import Conversation
from skill.understanding.matcher import LAUNCH, matcher_for

if TYPE_CHECKING:
    from skill.voice.speaker import Speaker

def run_chat(conversation: Conversation, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
             speaker: Speaker | None = None, tracks: Path | None = None) -> int:
    """Read lines until end of input; each line is one utterance. "open neck relief coach" launches.

    With a ``speaker`` every answer is also spoken, and a routine runs on by itself (see ``skill.cli.runner``);
    with ``tracks`` too, it streams as one track, as on an Alexa device with an audio player.
    """
    if speaker is not None:
        from skill.cli.runner import Runner

        return Runner(conversation, speaker, out, tracks=tracks).run(stdin)
    if conversation.heard is None:  # text has no audio: every answer counts as read to its end
        conversation.heard = lambda: math.inf
    out.write(HINT)
    print_exchange(conversation.launch(), out)
    while True:
        out.write(PROMPT)
        out.flush()
        line = stdin.readline()
        if not line:
            out.write("\n")
            return 0
        text = line.strip()
        if text.lower() in QUIT:
            return 0
        if conversation.session is None:  # after goodbye, anything opens the skill again, with its welcome
            print_exchange(conversation.launch(), out)
            if not text or text.lower().strip(" .!?,") in GREETINGS \
                    or matcher_for(conversation.locale).match(text).intent == LAUNCH:
                continue
        print_exchange(conversation.say(text), out)
