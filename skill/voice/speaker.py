"""The local voice: speech plans rendered with pyttsx3 (espeak-ng) and real, exact silences.

pyttsx3's espeak driver hangs or fails when driven from several threads or re-entered, drops
property changes and now and then writes empty files (research/voice-toolchain.md). So one worker
thread per process owns the only engine and takes jobs from a queue, waits for espeak's queue to
drain after every call, writes one file per ``runAndWait`` and checks it before use. Everything
else (renders, playbacks, other threads) asks that worker for samples and never touches pyttsx3.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from array import array
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.speech.estimate import estimate_seconds
from skill.speech.plan import Plan, Segment, Silence, Speech
from skill.voice import audio
from skill.voice.interruptible import Interruptible
from skill.voice.mix import SilentSpeechError, Voice, render_parts, speech_gap_after

logger = logging.getLogger("skill.voice.speaker")

VOICE = "gmw/en-us"  # pyttsx3's default voice is British English
# espeak-ng speaks about 30 % faster than its nominal words per minute. At a nominal 135 wpm its
# speech, sentence pauses included, matches skill/speech/estimate.py (150 wpm plus 0.25 s per
# sentence) within about 4 % over every routine and pace; bench/pacing.py measures it.
BASE_WPM = 135
MIN_WPM, MAX_WPM = 80, 450  # the range espeak-ng accepts
# Measured on the first 40 sentences of the full routine: at 80 % espeak took
# 3.9 % longer than the estimate, at 90 % 1.7 %, at 100 % 0.4 %; about 0.19 % per percent below 100.
SLOW_DRAG = 0.0019
MAX_PIECE_CHARS = 800  # longer texts are synthesised in sentence-sized pieces (pyttsx3 re-copies its buffer)
JOB_TIMEOUT = 30.0  # one piece takes well under a second; past this the engine is taken to be hung
DRAIN_TIMEOUT = 10.0
SAVE_ATTEMPTS = 3
CARDS = Path("/proc/asound/cards")
PLAYERS = (("aplay", "-q"), ("paplay",))


class SpeakerError(RuntimeError):
    """The speech engine failed, stopped responding, or was closed."""


def wpm_for(rate: int, base_wpm: float = BASE_WPM) -> int:
    """espeak's words-per-minute setting for a plan's prosody ``rate`` (percent), within espeak's range.

    espeak-ng slows more than its setting below 100 % (its pauses do not shrink with the words), so a
    slower rate is nudged up by SLOW_DRAG per percent, to keep the local voice on the plan's estimate.
    """
    drag = 1 + SLOW_DRAG * max(0, 100 - rate)
    return max(MIN_WPM, min(MAX_WPM, round(base_wpm * rate / 100 * drag)))


def pieces(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """``text`` cut at sentence ends (or, for a runaway sentence, at spaces) into parts of at most ``limit``."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        words = sentence.split(" ")
        while words:
            part = words.pop(0)
            while words and len(part) + 1 + len(words[0]) <= limit:
                part += " " + words.pop(0)
            if out and len(out[-1]) + 1 + len(part) <= limit:
                out[-1] += " " + part
            else:
                out.append(part)
    return [p for p in out if p]


def player_command() -> tuple[str, ...] | None:
    """The first audio player on PATH (``aplay``, then ``paplay``), or ``None``."""
    return next((cmd for cmd in PLAYERS if shutil.which(cmd[0])), None)


def sound_card_available(cards: Path = CARDS) -> bool:
    """Whether ALSA lists a sound card and a player is installed: servers and CI have neither."""
    try:
        listing = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(listing.strip()) and "no soundcards" not in listing and player_command() is not None


def _quiet_print(*args: Any, **_: Any) -> None:
    logger.debug(" ".join(map(str, args)))


class _Engine:
    """The pyttsx3 engine, used only on the worker thread, with the espeak workarounds applied."""

    def __init__(self) -> None:
        import pyttsx3
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers import espeak as driver

        driver.print = _quiet_print  # the driver prints "Audio saved to ..." on stdout for every file
        self._espeak = _espeak
        self.engine = pyttsx3.init()
        self.voices = {v.id for v in self.engine.getProperty("voices")}
        self.voice: str | None = None
        # Removed at interpreter exit, however the program ends (return, Ctrl-C, an uncaught error).
        self._scratch = tempfile.TemporaryDirectory(prefix="nrc-tts-")
        self.folder = Path(self._scratch.name)
        self._names = itertools.count()
        # The first runAndWait returns before its file is written and applies queued setProperty calls
        # late; after one throwaway file, setProperty takes effect at once (then we wait for espeak).
        self.synthesise("Ready.", 175, None)

    def _drain(self) -> None:
        """Wait until espeak's own queue is empty: it applies settings and writes files asynchronously."""
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                raise SpeakerError(f"espeak-ng did not finish within {DRAIN_TIMEOUT:.0f} s")
            time.sleep(0.005)

    def _set(self, name: str, value: object) -> None:
        self.engine.setProperty(name, value)
        self._drain()

    def synthesise(self, text: str, wpm: int, voice: str | None) -> array:
        """Samples of ``text``: one ``save_to_file`` per ``runAndWait``, retried while the file comes out empty."""
        if voice and voice != self.voice:
            if voice in self.voices:
                self._set("voice", voice)
            else:
                logger.warning("voice %s is not installed; keeping voice %s", voice, self.voice or "default")
            self.voice = voice
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            self._set("rate", wpm)
            path = self.folder / f"{next(self._names)}.wav"
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
            self._drain()
            try:
                samples, rate = audio.read_wav(path)
            except (OSError, audio.AudioError):
                samples, rate = array("h"), audio.SAMPLE_RATE
            finally:
                path.unlink(missing_ok=True)
            if rate != audio.SAMPLE_RATE:
                raise SpeakerError(f"pyttsx3 wrote {rate} Hz audio, expected {audio.SAMPLE_RATE} Hz")
            if samples:
                return samples
            logger.debug("pyttsx3 wrote an empty file (attempt %d of %d)", attempt, SAVE_ATTEMPTS)
        raise SpeakerError(f"pyttsx3 wrote no audio for {text[:40]!r} after {SAVE_ATTEMPTS} attempts")


_engine: _Engine | None = None  # kept for the whole process: pyttsx3 unhooks espeak when an engine is collected


class _Worker:
    """The one thread that owns the engine; jobs run in the order they were queued."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[_Engine], Any], Future[Any]] | None] = queue.Queue()
        self.hung = False
        self._thread = threading.Thread(target=self._run, name="speaker-engine", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        global _engine
        while (job := self._jobs.get()) is not None:
            work, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                _engine = _engine or _Engine()
                future.set_result(work(_engine))
            except BaseException as exc:
                future.set_exception(exc)
        while not self._jobs.empty():  # anything queued after close() fails instead of waiting forever
            left = self._jobs.get_nowait()
            if left is not None and left[1].set_running_or_notify_cancel():
                left[1].set_exception(SpeakerError("the speaker was closed"))

    def call(self, work: Callable[[_Engine], Any], timeout: float) -> Any:
        """Run ``work(engine)`` on the worker and return its result; a stuck engine raises instead of hanging."""
        if self.hung:
            raise SpeakerError("the speech engine stopped responding earlier; restart the program")
        if not self._thread.is_alive():
            raise SpeakerError("the speaker was closed")
        future: Future[Any] = Future()
        self._jobs.put((work, future))
        try:
            return future.result(timeout)
        except FutureTimeout as exc:
            self.hung = True
            raise SpeakerError(f"the speech engine did not answer within {timeout:.0f} s") from exc

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)


_worker_lock = threading.Lock()
_worker: _Worker | None = None
_users = 0


def _acquire_worker() -> _Worker:
    global _worker, _users
    with _worker_lock:
        if _worker is None:
            _worker = _Worker()
        _users += 1
        return _worker


def _release_worker() -> None:
    global _worker, _users
    with _worker_lock:
        _users -= 1
        if _users == 0 and _worker is not None:
            _worker.stop()
            _worker = None


@dataclass(frozen=True)
class Rendered:
    """Where one segment of a plan landed in a render: start and length in seconds of real audio."""

    segment: Segment
    start: float
    length: float


class Playback(Interruptible):
    """One plan being played, segment by segment, so it can be stopped at any moment."""

    def __init__(self, speaker: Speaker, plan: Plan, on_segment: Callable[[int, Segment], None] | None,
                 on_done: Callable[[Playback], None] | None) -> None:
        super().__init__()
        self.speaker = speaker
        self.segments = plan.merged().segments
        self.completed = False  # played to the end without being stopped
        self.error: BaseException | None = None
        self.files: list[Path] = []  # speech written to disk when there is no sound card
        self._on_segment = on_segment
        self._on_done = on_done
        self._index = 0  # the segment playing now
        self._thread = threading.Thread(target=self._run, name="speaker-playback", daemon=True)

    def start(self) -> Playback:
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def position(self) -> float:
        """Seconds into the plan at the start of the segment playing now, on the same estimate the
        skill uses for step boundaries; ``inf`` once the whole plan has played."""
        if self.completed:
            return float("inf")
        return estimate_seconds(Plan(self.segments[: self._index]))

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        try:
            spoken = 0.0  # seconds of speech since the last silence, which a hold's silence absorbs
            for index, segment in enumerate(self.segments):
                if self._stop.is_set():
                    break
                self._index = index
                if self._on_segment:
                    self._on_segment(index, segment)
                if isinstance(segment, Silence):
                    self._stop.wait(segment.after(spoken))
                    spoken = 0.0
                else:
                    gap = speech_gap_after(self.segments, index)
                    spoken += self._speak(index, segment) + gap
                    self._stop.wait(gap)
            self.completed = not self._stop.is_set()
        except Exception as exc:
            self.error = exc
            logger.warning("playback failed: %s", exc)
        finally:
            self._done.set()
            if self._on_done:
                self._on_done(self)

    def _speak(self, index: int, segment: Speech) -> float:
        """Say ``segment`` (or write it, without a sound card); returns the seconds of audio it took."""
        samples = self.speaker.synthesise(segment.text, segment.rate)
        length = len(samples) / audio.SAMPLE_RATE
        if self._stop.is_set() or not samples:
            return length
        player = self.speaker.player()
        path = audio.write_wav(self.speaker.next_file(index), samples)
        if player is None:
            self.files.append(path)
            if self.speaker.realtime:  # keep real time, so a routine paces the same with or without a card
                self._stop.wait(length)
            return length
        try:
            process = self._launch([*player, str(path)], stderr=subprocess.PIPE)
            if process is None:
                return length
            _, err = process.communicate()
            if process.returncode and not self._stop.is_set():
                raise SpeakerError(f"{player[0]} failed: {err.decode(errors='replace').strip()}")
        finally:
            path.unlink(missing_ok=True)
        return length


class Speaker:
    """Renders plans to WAV files and plays them; safe to use from any number of threads.

    ``sound_card`` replaces the detection (tests inject ``lambda: False``). Without a sound card,
    :meth:`play` writes each spoken segment to ``output_dir`` (a new temporary folder by default),
    says so once, and (when ``realtime``) still takes as long as the audio would. The temporary
    folder (which also holds the files handed to the player) is removed by :meth:`close`, or at
    exit if the program ends first; an ``output_dir`` the caller named is theirs and stays.
    """

    def __init__(self, *, voice: str = VOICE, base_wpm: float = BASE_WPM, output_dir: str | Path | None = None,
                 sound_card: Callable[[], bool] | None = None, realtime: bool = True,
                 timeout: float = JOB_TIMEOUT) -> None:
        self.voice = voice
        self.base_wpm = base_wpm
        self.realtime = realtime
        self.timeout = timeout
        self._output_dir = Path(output_dir) if output_dir else None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None  # made on first use
        self._scratch_lock = threading.Lock()
        self._sound_card = sound_card or sound_card_available
        self._detected = False
        self._player: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        self._files = itertools.count(1)
        self._playback: Playback | None = None
        self._worker: _Worker | None = _acquire_worker()

    # ----- synthesis -------------------------------------------------------------------------------
    def synthesise(self, text: str, rate: int = 100) -> array:
        """Samples (22050 Hz mono) of ``text`` at prosody ``rate`` percent, without leading or trailing silence."""
        worker = self._worker
        if worker is None:
            raise SpeakerError("the speaker was closed")
        wpm, voice = wpm_for(rate, self.base_wpm), self.voice
        out = array("h")
        for part in pieces(text):
            out.extend(worker.call(lambda engine, part=part: engine.synthesise(part, wpm, voice), self.timeout))
        return audio.trim(out, audio.SAMPLE_RATE)

    def render(self, plan: Plan, path: str | Path,
               progress: Callable[[int, int], None] | None = None) -> list[Rendered]:
        """Write ``plan`` as one WAV (exact silences, trimmed speech); returns where each segment landed.

        A silence that absorbs the speech before it (a hold's reminder) is shortened by what that
        speech really took, so the hold lasts what was announced to the sample.

        ``progress(done, total)`` is called after each spoken segment, for long renders.
        """
        try:
            rendering = render_parts([plan], self.as_voice(), "", progress)
        except SilentSpeechError as exc:
            raise SpeakerError(str(exc)) from exc
        rate = rendering.sample_rate
        placed = [Rendered(p.segment, p.start / rate, p.length / rate) for p in rendering.placed]
        written = audio.write_wav(path, rendering.samples)
        if not audio.has_audio(written):
            raise SpeakerError(f"{written}: the render has no audible speech")
        return placed

    def as_voice(self) -> Voice:
        """This speaker as a track renderer's engine (``skill.voice.mix``); it speaks every locale alike."""
        return Voice(f"pyttsx3:{self.voice}", audio.SAMPLE_RATE,
                     lambda speech, _locale: self.synthesise(speech.text, speech.rate))

    def render_wav(self, plan: Plan, path: str | Path) -> Path:
        """Write ``plan`` as one 22050 Hz mono 16-bit WAV with real silences; returns the path."""
        self.render(plan, path)
        return Path(path)

    # ----- playback --------------------------------------------------------------------------------
    def player(self) -> tuple[str, ...] | None:
        """The player command when there is a sound card; otherwise ``None`` (announced once)."""
        with self._lock:
            if not self._detected:
                self._detected = True
                self._player = player_command() if self._sound_card() else None
                if self._player is None:
                    where = self.output_dir
                    logger.warning("No sound card found: writing audio to %s%s", where,
                                   " (a temporary folder, removed on exit; --audio-dir keeps it)"
                                   if self._output_dir is None else "")
            return self._player

    def _temporary(self) -> Path:
        """This speaker's temporary folder, made on first use."""
        with self._scratch_lock:  # not self._lock: player() holds that while it names the folder
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="neck-relief-audio-")
            return Path(self._scratch.name)

    @property
    def output_dir(self) -> Path:
        if self._output_dir is None:
            return self._temporary()
        self._output_dir.mkdir(parents=True, exist_ok=True)
        return self._output_dir

    def next_file(self, index: int) -> Path:
        """Where the next spoken segment goes: numbered files in the output folder, or a temporary file to play."""
        number = next(self._files)
        if self.player() is None:
            return self.output_dir / f"{number:04d}-segment{index:03d}.wav"
        return self._temporary() / f"play-{number:04d}.wav"

    def play(self, plan: Plan, on_segment: Callable[[int, Segment], None] | None = None,
             on_done: Callable[[Playback], None] | None = None) -> Playback:
        """Start playing ``plan`` in the background (one voice at a time: a playing plan is stopped first).

        ``on_segment(index, segment)`` runs as each segment starts; ``on_done(playback)`` when it ends.
        """
        if self._worker is None:
            raise SpeakerError("the speaker was closed")
        with self._lock:
            previous, self._playback = self._playback, Playback(self, plan, on_segment, on_done)
            playback = self._playback
        if previous is not None:
            previous.stop()
            previous.wait(self.timeout)
        return playback.start()

    def close(self) -> None:
        """Stop any playback, remove the temporary folder and let the engine's worker thread end
        (once no speaker uses it)."""
        with self._lock:
            playback, self._playback = self._playback, None
            worker, self._worker = self._worker, None
        if playback is not None:
            playback.stop()
            playback.wait(self.timeout)
        with self._scratch_lock:
            scratch, self._scratch = self._scratch, None
        if scratch is not None:
            scratch.cleanup()
        if worker is not None:
            _release_worker()

    @property
    def closed(self) -> bool:
        return self._worker is None

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_shared: Speaker | None = None
_shared_lock = threading.Lock()


def shared_speaker(**options: Any) -> Speaker:
    """The process's speaker, made on first use (``options`` apply then) and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.closed:
            _shared = Speaker(**options)
            atexit.register(_shared.close)
        return _shared
