"""``python -m skill.local listen``: one turn spoken in a WAV file, recognised offline, then sent to the
skill like ``say``. The recognition is ``skill.voice.listen``; this is what the terminal shows of it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from skill.device.conversation import Conversation
from skill.voice import listen


def run_listen(wav_path: str | Path, conversation: Callable[[], Conversation], locale: str = "en-US",
               out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """``listen`` on the command line: recognise, then send the words to the skill like ``say``.

    Problems with the input are one line on ``err`` and exit code 2; the skill is only built once
    there is something to send it.
    """
    try:
        pcm = listen.read_audio(wav_path)
        if listen.is_silent(pcm):
            raise listen.ListenError(f"no speech in {wav_path}: the recording is silent")
        text = listen.recogniser_for(locale).decode(pcm)
        if not text:
            raise listen.ListenError(f"nothing recognised in {wav_path}: say one of the skill's phrases, clearly")
    except listen.ListenError as error:
        err.write(f"listen: {error}\n")
        return 2
    out.write(f"heard: {text}\n")
    exchange = conversation().say(text)
    slots = "".join(f" {name}={value!r}" for name, value in exchange.match.slots.items())
    out.write(f"intent: {exchange.match.intent}{slots}\n")
    out.write(f"alexa> {exchange.transcript}\n")
    return 0
