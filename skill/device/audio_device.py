"""An Alexa device with an audio player, in process: it follows AudioPlayer directives and sends the
player's events the way an Echo does, so long-form mode can be tested and measured without one.

The session side is a :class:`~skill.device.conversation.Conversation` that reports this player's
state with every request. The player side keeps the stream's token and offset: a ``Play`` directive
starts a stream (``PlaybackStarted``), ``Stop`` stops it (``PlaybackStopped``), :meth:`listen` lets
time pass (``PlaybackNearlyFinished``, then ``PlaybackFinished`` at the end), and :meth:`press`
sends a button. As on a real device, speaking to the skill while a track plays stops the track
first, and it carries on by itself only when the reply has nothing to say and no player directive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skill.device import envelopes
from skill.device.conversation import Conversation, Exchange, Send
from skill.understanding.matcher import Match

NEARLY_FINISHED_MS = 10_000  # how long before the end the player asks for what comes next


@dataclass
class Stream:
    token: str
    url: str
    offset_ms: int
    duration_ms: int
    nearly_sent: bool = False


@dataclass
class AudioDevice:
    """``duration_of`` gives a stream's length from its token (a device knows the length of what it plays)."""

    send: Send
    duration_of: Callable[[str], int]
    user_id: str = envelopes.LOCAL_USER_ID
    locale: str = "en-US"
    stream: Stream | None = None
    activity: str = "IDLE"
    exchanges: list[Exchange] = field(default_factory=list)
    utterances: int = 0  # launches, intents and answers the person gave

    def __post_init__(self) -> None:
        self.talk = Conversation(self.send, self.locale, self.user_id, player=self.context)

    # ----- what the device reports -----------------------------------------------------------------
    def context(self) -> dict[str, Any]:
        if self.stream is None:
            return envelopes.player_context(activity=self.activity)
        return envelopes.player_context(self.stream.token, self.stream.offset_ms, self.activity)

    # ----- the person -------------------------------------------------------------------------------
    def launch(self) -> Exchange:
        return self._spoken(self.talk.launch)

    def say(self, text: str) -> Exchange:
        return self._spoken(lambda: self.talk.say(text))

    def intent(self, name: str, **slots: Any) -> Exchange:
        return self._spoken(lambda: self.talk.intent(name, **slots))

    def _spoken(self, speak: Callable[[], Exchange]) -> Exchange:
        """Speaking stops the track first; an empty reply (no speech, no directive) lets it carry on."""
        self.utterances += 1
        suspended = self.activity == "PLAYING"
        if suspended:
            self._stopped()
        exchange = self._record(speak())
        body = exchange.response.get("response") or {}
        if suspended and not body.get("outputSpeech") and not self._player_directives(exchange.response):
            self._started()
        self._follow(exchange.response)
        return exchange

    def press(self, button: str) -> Exchange:
        """A device button: Play, Pause, Next or Previous."""
        return self._event(envelopes.playback_controller_request(button))

    # ----- the player -------------------------------------------------------------------------------
    def listen(self, seconds: float) -> None:
        """Let ``seconds`` pass; a playing stream moves on, and tells the skill when it nearly ends and ends."""
        stream = self.stream
        if stream is None or self.activity != "PLAYING":
            return
        stream.offset_ms = min(stream.duration_ms, stream.offset_ms + round(seconds * 1000))
        if not stream.nearly_sent and stream.offset_ms >= stream.duration_ms - NEARLY_FINISHED_MS:
            stream.nearly_sent = True
            self._event(envelopes.audio_player_request("PlaybackNearlyFinished", stream.token, stream.offset_ms))
        if stream.offset_ms >= stream.duration_ms and self.stream is stream:
            self.activity = "FINISHED"
            self._event(envelopes.audio_player_request("PlaybackFinished", stream.token, stream.offset_ms))

    def listen_to_end(self) -> None:
        if self.stream is not None:
            self.listen((self.stream.duration_ms - self.stream.offset_ms) / 1000)

    def fail(self) -> Exchange:
        """The stream breaks off (a network error, say) where it is."""
        assert self.stream is not None
        self.activity = "STOPPED"
        return self._event(envelopes.audio_player_request("PlaybackFailed", self.stream.token, self.stream.offset_ms))

    def _started(self) -> None:
        assert self.stream is not None
        self.activity = "PLAYING"
        self._event(envelopes.audio_player_request("PlaybackStarted", self.stream.token, self.stream.offset_ms))

    def _stopped(self) -> None:
        assert self.stream is not None
        self.activity = "STOPPED"
        self._event(envelopes.audio_player_request("PlaybackStopped", self.stream.token, self.stream.offset_ms))

    def _event(self, request: dict[str, Any]) -> Exchange:
        body = envelopes.sessionless(request, self.context(), self.user_id, self.locale)
        exchange = self._record(Exchange(Match(request["type"], how="device"), body, self.send(body)))
        self._follow(exchange.response)
        return exchange

    def _follow(self, response: dict[str, Any]) -> None:
        """Carry out the reply's player directives, sending the events they cause."""
        for directive in self._player_directives(response):
            if directive["type"] == "AudioPlayer.Play":
                if self.activity == "PLAYING":
                    self._stopped()
                stream = directive["audioItem"]["stream"]
                self.stream = Stream(stream["token"], stream["url"], int(stream.get("offsetInMilliseconds", 0)),
                                     self.duration_of(stream["token"]))
                self._started()
            elif directive["type"] == "AudioPlayer.Stop" and self.activity == "PLAYING":
                self._stopped()

    @staticmethod
    def _player_directives(response: dict[str, Any]) -> list[dict[str, Any]]:
        return [d for d in (response.get("response") or {}).get("directives") or []
                if d.get("type", "").startswith("AudioPlayer.")]

    def _record(self, exchange: Exchange) -> Exchange:
        self.exchanges.append(exchange)
        return exchange

