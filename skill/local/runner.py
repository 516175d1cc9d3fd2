"""Voice chat on a laptop: responses are spoken, and a routine keeps going without saying "continue".

On Alexa a routine arrives in chunks and the user says "continue" between them. Locally the runner
says it for them when a chunk has finished playing, so the routine runs on in real time through the
same skill code path. Anything typed interrupts the voice at once and becomes the next turn, so
pause, resume, next, back, slower, faster and stop work mid-chunk. Input is read on the calling
(main) thread; audio plays on the speaker's threads; one lock keeps turns in order.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from skill.local.conversation import Conversation, Exchange
from skill.local.speaker import Playback, Speaker
from skill.local.terminal import HINT, PROMPT, QUIT, print_exchange
from skill.speech.parse import plan_from_response

CONTINUE = "continue"


def routine_running(response: dict[str, Any]) -> bool:
    """Whether a response leaves a routine in progress and not paused (so the next chunk should follow)."""
    if (response.get("response") or {}).get("shouldEndSession"):
        return False
    routine = (response.get("sessionAttributes") or {}).get("routine")
    return isinstance(routine, dict) and not routine.get("paused") and not routine.get("final")


class Runner:
    """Plays each response and sends "continue" itself while a routine runs."""

    def __init__(self, conversation: Conversation, speaker: Speaker, out: TextIO = sys.stdout) -> None:
        self.conversation = conversation
        self.speaker = speaker
        self.out = out
        self._lock = threading.RLock()
        self._playback: Playback | None = None
        self._idle = threading.Event()
        self._idle.set()

    def launch(self) -> Exchange:
        return self._turn(self.conversation.launch)

    def say(self, text: str) -> Exchange:
        """A typed turn: stop the voice now, then send ``text`` as the next utterance."""
        return self._turn(lambda: self.conversation.say(text))

    def _turn(self, send: Callable[[], Exchange]) -> Exchange:
        with self._lock:
            # The skill acts on what was actually heard: where this playback had got to, or all of it.
            heard = self._playback.position if self._playback is not None else float("inf")
            self.conversation.heard = lambda: heard
            self._interrupt()
            exchange = send()
            print_exchange(exchange, self.out)
            self._play(exchange)
            return exchange

    def _interrupt(self) -> None:
        playback, self._playback = self._playback, None
        if playback is not None:
            playback.stop()
            playback.wait(self.speaker.timeout)

    def _play(self, exchange: Exchange) -> None:
        self._idle.clear()
        try:
            plan = plan_from_response(exchange.response)
            self._playback = self.speaker.play(plan, on_done=lambda playback: self._finished(playback, exchange))
        except Exception:
            self._idle.set()
            raise

    def _finished(self, playback: Playback, exchange: Exchange) -> None:
        """Runs on the playback thread when a response has been played (or was cut off)."""
        with self._lock:
            if playback is not self._playback:
                return  # a typed turn replaced it; that turn decides what happens next
            self._playback = None
            if playback.completed and routine_running(exchange.response):
                self.out.write(f"\n(you: {CONTINUE})\n")
                self.say(CONTINUE)
                self.out.write(PROMPT)
                self.out.flush()
            else:
                self._idle.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is playing and no chunk is due; ``False`` if ``timeout`` passed first."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        with self._lock:
            self._interrupt()
            self._idle.set()

    def run(self, stdin: TextIO = sys.stdin) -> int:
        """The voice chat loop. At end of input it lets a running routine finish; quit or exit leaves at once."""
        self.out.write(HINT)
        self.launch()
        try:
            while True:
                self.out.write(PROMPT)
                self.out.flush()
                line = stdin.readline()
                if not line:
                    self.out.write("\n")
                    self.wait_idle()
                    return 0
                text = line.strip()
                if text.lower() in QUIT:
                    return 0
                self.say(text)
        finally:
            self.stop()
