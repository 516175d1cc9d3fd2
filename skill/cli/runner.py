"""Voice chat on a laptop: responses are spoken, and a routine keeps going without saying "continue".

On Alexa a routine arrives in chunks and the user says "continue" between them. Locally the runner
says it for them when a chunk has finished playing, so the routine runs on in real time through the
same skill code path. Anything typed interrupts the voice at once and becomes the next turn, so
pause, resume, next, back, slower, faster and stop work mid-chunk. Input is read on the calling
(main) thread; audio plays on the speaker's threads; one lock keeps turns in order.

With a tracks folder the runner is an AudioPlayer device (``skill.voice.trackplayer.LocalPlayer``): the skill
streams a routine as one track, every turn tells it the track's real position, and the player's
events go to the skill as Alexa sends them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from skill.cli.terminal import HINT, PROMPT, QUIT, print_exchange
from skill.device.conversation import Conversation, Exchange
from skill.routine.tracks import parse_token
from skill.speech.parse import plan_from_response
from skill.voice.speaker import Playback, Speaker
from skill.voice.trackplayer import FilePlayback, LocalPlayer, StartStream, resolver

CONTINUE = "continue"


def routine_running(response: dict[str, Any]) -> bool:
    """Whether a response leaves a routine in progress and not paused (so the next chunk should follow)."""
    if (response.get("response") or {}).get("shouldEndSession"):
        return False
    routine = (response.get("sessionAttributes") or {}).get("routine")
    return isinstance(routine, dict) and not routine.get("paused") and not routine.get("final")


class Runner:
    """Plays each response and sends "continue" itself while a routine runs."""

    def __init__(self, conversation: Conversation, speaker: Speaker, out: TextIO = sys.stdout,
                 tracks: Path | None = None, start_stream: StartStream | None = None) -> None:
        """``tracks``: the local tracks folder, which makes this an AudioPlayer device; ``start_stream``
        plays one (by default through the speaker's player, or in real time without a sound card)."""
        self.conversation = conversation
        self.speaker = speaker
        self.out = out
        self._lock = threading.RLock()
        self._playback: Playback | None = None
        self._idle = threading.Event()
        self._idle.set()
        self.device: LocalPlayer | None = None
        if tracks is not None:
            start = start_stream or (lambda path, offset, done: FilePlayback(path, offset, done, speaker.player()))
            self.device = LocalPlayer(resolver(tracks), start, self._report)
            conversation.player = self.device.state

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
            if self.device is not None:
                self.device.interrupt()
            exchange = send()
            print_exchange(exchange, self.out)
            self._play(exchange, self._after_speech(exchange.response))
            return exchange

    def _after_speech(self, response: dict[str, Any]) -> Callable[[], None] | None:
        """What the device does once the answer is spoken: start a new track, or carry on with the
        one the typing interrupted when the reply had nothing to say and no player directive."""
        if self.device is None:
            return None
        pending = self.device.apply(response)
        silent = not (response.get("response") or {}).get("outputSpeech")
        return pending or (self.device.carry_on if silent else None)

    def _report(self, request: dict[str, Any]) -> None:
        """An AudioPlayer event from the device, to the skill; its answer's directives go back to the device."""
        with self._lock:
            exchange = self.conversation.device_event(request)
            if request["type"] == "AudioPlayer.PlaybackStarted":
                named = parse_token(request["token"])
                what = f"the {named[1]} routine track" if named else "the track"
                at = request["offsetInMilliseconds"] // 1000
                self.out.write(f"\n(playing {what} from {at // 60}:{at % 60:02d}; "
                               "type pause, next, back, repeat, slower or stop)\n")
                self.out.flush()
            start = self.device.apply(exchange.response) if self.device is not None else None
            if start is not None:
                start()

    def _interrupt(self) -> None:
        playback, self._playback = self._playback, None
        if playback is not None:
            playback.stop()
            playback.wait(self.speaker.timeout)

    def _play(self, exchange: Exchange, after: Callable[[], None] | None = None) -> None:
        self._idle.clear()
        try:
            plan = plan_from_response(exchange.response)
            self._playback = self.speaker.play(plan, on_done=lambda playback: self._finished(playback, exchange, after))
        except Exception:
            self._idle.set()
            raise

    def _finished(self, playback: Playback, exchange: Exchange, after: Callable[[], None] | None = None) -> None:
        """Runs on the playback thread when a response has been played (or was cut off)."""
        with self._lock:
            if playback is not self._playback:
                return  # a typed turn replaced it; that turn decides what happens next
            self._playback = None
            if playback.completed and after is not None:
                after()
            if playback.completed and routine_running(exchange.response):
                self.out.write(f"\n(you: {CONTINUE})\n")
                self.say(CONTINUE)
                self.out.write(PROMPT)
                self.out.flush()
            else:
                self._idle.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is playing (no answer, no track) and no chunk is due; ``False`` if
        ``timeout`` passed first."""
        return self._idle.wait(timeout) and (self.device is None or self.device.wait(timeout))

    def stop(self) -> None:
        with self._lock:
            self._interrupt()
            if self.device is not None:
                self.device.close()
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
