"""``chat --voice`` as an Alexa device with the AudioPlayer interface, like the web simulator's page.

The skill answers a routine start with ``AudioPlayer.Play``; this player plays that stream from the
local tracks folder through the speaker's player (``aplay``), or in real time with no sound card,
reports the ``AudioPlayer.Playback*`` events a device sends, and tells every request where it is
(``context.AudioPlayer``), from the time the stream has actually played since it started at its
offset. The stream URLs name ``LOCAL_BASE_URL``: nothing listens there; the player reads the file
below it from the folder, so no server is needed in a terminal.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from skill.device import envelopes
from skill.voice import audio
from skill.voice.interruptible import Interruptible

logger = logging.getLogger("skill.voice.trackplayer")

LOCAL_BASE_URL = "http://127.0.0.1/local-tracks"  # loopback HTTP: the skill accepts it only for local devices

Report = Callable[[dict[str, Any]], None]


def resolver(folder: Path, base_url: str = LOCAL_BASE_URL) -> Callable[[str], Path | None]:
    """Stream URLs below ``base_url`` as files in ``folder`` (nothing outside it, nothing missing)."""
    root = folder.resolve()

    def resolve(url: str) -> Path | None:
        if not url.startswith(base_url.rstrip("/") + "/"):
            return None
        path = (root / url[len(base_url.rstrip("/")) + 1:]).resolve()
        return path if path.is_relative_to(root) and path.is_file() else None

    return resolve


class Stream(Protocol):
    """A track playing: where it is, and a way to stop it (see :class:`FilePlayback`)."""

    @property
    def position(self) -> float: ...
    @property
    def completed(self) -> bool: ...
    def stop(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


StartStream = Callable[[Path, float, Callable[[Stream], None]], Stream]


class FilePlayback(Interruptible):
    """One track file from ``offset`` seconds: through ``player`` (a command such as ``aplay -q``),
    or, with none, by waiting as long as it would play. The position is the offset plus the time
    played, frozen when it stops."""

    def __init__(self, path: Path, offset: float, on_done: Callable[[Stream], None],
                 player: tuple[str, ...] | None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.path = path
        self.length = audio.duration(path)
        self.offset = max(0.0, min(offset, self.length))
        self.completed = False
        self._on_done = on_done
        self._player = player
        self._clock = clock
        self._started = clock()
        self._ended: float | None = None
        threading.Thread(target=self._run, name="track-playback", daemon=True).start()

    @property
    def position(self) -> float:
        now = self._ended if self._ended is not None else self._clock()
        return min(self.length, self.offset + now - self._started)

    def _run(self) -> None:
        try:
            if self._player is None:
                self._stop.wait(self.length - self.offset)
            else:
                self._play()
            self.completed = not self._stop.is_set()
        except Exception as exc:  # a failed player is reported like a device's failed stream
            logger.warning("track playback failed: %s", exc)
        finally:
            self._ended = self._clock()
            self._done.set()
            self._on_done(self)

    def _play(self) -> None:
        samples, rate = audio.read_wav(self.path)
        with tempfile.TemporaryDirectory(prefix="nrc-track-") as folder:
            part = audio.write_wav(Path(folder) / "from-offset.wav", samples[round(self.offset * rate):], rate)
            process = self._launch([*self._player, str(part)], on_start=self._mark_started)
            if process is not None:
                process.wait()

    def _mark_started(self) -> None:
        """The sound starts now: the position counts from here, not from when the file was cut."""
        self._started = self._clock()


class LocalPlayer:
    """The device's audio player: follows the skill's AudioPlayer directives and reports its events.

    ``resolve(url)`` finds a stream's file (``None``: not ours, reported as a failure); ``start``
    begins playing one; ``report(request)`` sends an AudioPlayer request to the skill (the caller
    applies the directives of its answer through :meth:`apply`).
    """

    def __init__(self, resolve: Callable[[str], Path | None], start: StartStream, report: Report) -> None:
        self._resolve = resolve
        self._start = start
        self._report = report
        self._lock = threading.RLock()
        self.token: str | None = None
        self._url = ""
        self.activity = "IDLE"
        self._stream: Stream | None = None
        self._offset = 0.0  # the position when nothing is playing
        self._interrupted = False  # stopped because the person spoke, not by the skill

    def state(self) -> dict[str, Any]:
        """``context.AudioPlayer``: the stream's real position, never the time since a response."""
        with self._lock:
            if self.token is None:
                return envelopes.player_context(activity=self.activity)
            position = self._stream.position if self._stream is not None else self._offset
            return envelopes.player_context(self.token, round(position * 1000), self.activity)

    def apply(self, response: dict[str, Any]) -> Callable[[], None] | None:
        """Act on a response's AudioPlayer directives now, except starting a new stream: that is
        returned, to run once the response's speech has played. Without any directive: ``None``."""
        pending: Callable[[], None] | None = None
        handled = False
        for directive in (response.get("response") or {}).get("directives") or ():
            kind = directive.get("type")
            if kind == "AudioPlayer.Play" and directive.get("playBehavior") != "ENQUEUE":
                handled = True
                if directive.get("playBehavior") == "REPLACE_ALL":
                    self.stop_now()
                stream = (directive.get("audioItem") or {}).get("stream") or {}
                pending = self._starter(stream)
            elif kind == "AudioPlayer.Stop" or (kind == "AudioPlayer.ClearQueue"
                                                and directive.get("clearBehavior") == "CLEAR_ALL"):
                handled = True
                self.stop_now()
        if handled:
            self._interrupted = False
        return pending if pending is not None else ((lambda: None) if handled else None)

    def _starter(self, stream: dict[str, Any]) -> Callable[[], None]:
        def start() -> None:
            with self._lock:
                self.token, self._url = stream.get("token"), str(stream.get("url") or "")
                self._offset = (stream.get("offsetInMilliseconds") or 0) / 1000
                self._begin()

        return start

    def _begin(self) -> None:
        """Play the loaded token from the held offset (the lock is held)."""
        path = self._resolve(self._url)
        if path is None:
            self.activity = "STOPPED"
            self._report(envelopes.audio_player_request("PlaybackFailed", self.token or "", round(self._offset * 1000),
                                                        "The track is not in the local tracks folder."))
            return
        self.activity = "PLAYING"
        self._stream = self._start(path, self._offset, self._ended)
        self._report(envelopes.audio_player_request("PlaybackStarted", self.token or "", round(self._offset * 1000)))
        # The whole file is at hand at once: a device says so as soon as the stream is buffered.
        self._report(envelopes.audio_player_request("PlaybackNearlyFinished", self.token or "",
                                                    round(self._offset * 1000)))

    def stop_now(self) -> None:
        """Stop a playing stream and report where it stopped."""
        with self._lock:
            if self.activity != "PLAYING":
                return
            self._halt()
            self.activity = "STOPPED"
            self._report(envelopes.audio_player_request("PlaybackStopped", self.token or "",
                                                        round(self._offset * 1000)))

    def interrupt(self) -> None:
        """Speaking to the skill stops the stream first, as on an Echo (``PlaybackStopped``)."""
        with self._lock:
            self._interrupted = self.activity == "PLAYING"
            self.stop_now()

    def carry_on(self) -> None:
        """After a reply with nothing to say and no player directive, the interrupted stream plays on."""
        with self._lock:
            if self._interrupted and self.activity == "STOPPED":
                self._begin()
            self._interrupted = False

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the stream playing now to end; ``False`` if ``timeout`` passed first."""
        stream = self._stream
        return stream is None or stream.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._halt()

    def _halt(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.wait(5.0)
            self._offset = stream.position

    def _ended(self, stream: Stream) -> None:
        """Runs on the playback thread when a stream ends, stopped or not. The event is reported
        outside this player's lock: the caller's turn may hold its own lock and be waiting for ours."""
        with self._lock:
            if stream is not self._stream:
                return  # stopped on purpose: whoever stopped it reports it
            self._stream = None
            self._offset = stream.position
            self.activity = "FINISHED" if stream.completed else "STOPPED"
            event = "PlaybackFinished" if stream.completed else "PlaybackFailed"
            request = envelopes.audio_player_request(event, self.token or "", round(self._offset * 1000))
        self._report(request)
