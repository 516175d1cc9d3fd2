"""Long-form routine tracks rendered on this machine, with the local voice, for the local AudioPlayer devices.

The web simulator and ``chat --voice`` behave like an Alexa device with the AudioPlayer interface:
the skill sends them ``AudioPlayer.Play`` with a track URL, and they play one WAV per routine, pace
and locale. The tracks are rendered by the build step's core (``skill.voice.mix``: the same plan,
exact silences, step starts from the rendered samples) with the local pyttsx3 voice, the voice of
every other local answer, and kept as WAV (no encoder needed; ``aplay`` and browsers play it) with
the manifest the skill reads. Each track's content hash (plan and voice) sits in a timeline file
beside it, so a start re-renders only what changed; the timeline file also lists the countdowns
(holds, breaths, pauses) a page shows while the track plays.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from skill.content import ROUTINE_IDS, load
from skill.routine.compose import Style
from skill.routine.tracks import MANIFEST_NAME, Catalog, Track, load_catalog
from skill.speech.plan import PACE_ORDER, Plan, Segment, Speech
from skill.text import normalise
from skill.voice import audio
from skill.voice.mix import SPEECH_GAP_SECONDS, Voice, render_parts, routine_parts

logger = logging.getLogger("skill.voice.tracks")

DEFAULT_TRACKS_DIR = Path.home() / ".neck-relief-coach" / "tracks"
SUFFIX = ".wav"  # no MP3 encoder is needed locally; browsers and aplay play WAV
TIMELINE_SUFFIX = ".timeline.json"
PAUSE_COUNTDOWN_SECONDS = 3.0  # shorter silences are breaths between sentences, not worth a countdown
HOLD_PREFIX = "hold:"

Progress = Callable[[int, int], None]


def tracks_dir_from_env(env: Mapping[str, str] | None = None) -> Path:
    """``NRC_LOCAL_TRACKS``, or a folder beside the local progress store."""
    env = os.environ if env is None else env
    return Path(env["NRC_LOCAL_TRACKS"]).expanduser() if env.get("NRC_LOCAL_TRACKS") else DEFAULT_TRACKS_DIR


def step_plans(locale: str, routine: str, pace: str) -> list[Plan]:
    """The routine as one plan per step, as the build step renders it."""
    return routine_parts(load(locale).composer(routine), Style(pace))


def fingerprint(parts: Iterable[Plan], engine: str) -> str:
    """A hash of everything that decides the audio: the segments, in order, and the voice."""
    digest = hashlib.sha256(engine.encode())
    for part in parts:
        digest.update(b"|part")
        for seg in part.segments:
            digest.update(repr(seg).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Countdown:
    """A timed stretch the page counts down: a hold (across its spoken anchors), a breath, a long pause."""

    label: str
    start_ms: int
    end_ms: int


def countdowns(placed: list[tuple[Segment, float, float]], locale: str) -> list[Countdown]:
    """Countdowns from a rendered plan's segments ``(segment, start s, length s)``.

    Hold pieces carry ``hold:<announced seconds>``; pieces are summed until they reach it, so the
    reminders spoken inside a hold stay inside its countdown.
    """
    cues = load(locale).cues
    breathe_in = normalise(cues.breathe_in)
    out: list[Countdown] = []
    hold_left = 0.0
    said = ""
    for seg, start, length in placed:
        if isinstance(seg, Speech):
            said = normalise(seg.text)
            continue
        end = start + length
        if seg.label.startswith(HOLD_PREFIX):
            if hold_left > 1e-6:  # the next piece of the same hold
                out[-1] = Countdown("Hold", out[-1].start_ms, round(end * 1000))
            else:
                hold_left = float(seg.label[len(HOLD_PREFIX):])
                out.append(Countdown("Hold", round(start * 1000), round(end * 1000)))
            hold_left -= seg.seconds + seg.absorbs  # a piece's reminder is part of the hold
            continue
        if seg.label == "breath":
            label = "Breathe in" if said.endswith(breathe_in) else "Breathe out"
        elif seg.seconds >= PAUSE_COUNTDOWN_SECONDS:
            label = "Pause"
        else:
            continue
        out.append(Countdown(label, round(start * 1000), round(end * 1000)))
    return out


class Renderer:
    """Renders tracks into ``folder`` (``<locale>/<routine>-<pace>.wav``) and keeps its manifest.

    ``voice`` makes the engine (by default the local speaker's, :meth:`Speaker.as_voice`) on first
    use, so that importing this module or checking the cache never starts the speech engine.
    """

    def __init__(self, folder: Path, voice: Callable[[], Voice] | None = None) -> None:
        self.folder = folder
        self._voice_factory = voice or _local_voice
        self._voice: Voice | None = None

    @property
    def engine(self) -> str:
        """What decides how the voice sounds, for the manifest and the cache: engine, speed, gaps."""
        from skill.voice.speaker import BASE_WPM, VOICE

        return f"pyttsx3:{VOICE}:{BASE_WPM}wpm:gap{SPEECH_GAP_SECONDS}"

    def _path(self, track_name: str, suffix: str) -> Path:
        return self.folder / f"{track_name}{suffix}"

    def current(self, locale: str, routine: str, pace: str) -> bool:
        """Whether the track on disk was rendered from today's plan and voice."""
        name = f"{locale}/{routine}-{pace}"
        try:
            timeline = json.loads(self._path(name, TIMELINE_SUFFIX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (isinstance(timeline, dict) and self._path(name, SUFFIX).is_file()
                and timeline.get("hash") == fingerprint(step_plans(locale, routine, pace), self.engine))

    def render(self, locale: str, routine: str, pace: str, progress: Progress | None = None) -> Track:
        """Render one track and its timeline file (not the manifest); returns the track."""
        if self._voice is None:
            self._voice = self._voice_factory()
        parts = step_plans(locale, routine, pace)
        rendering = render_parts(parts, self._voice, locale, progress)
        track = replace(rendering.track(locale, routine, pace), suffix=SUFFIX)
        name = f"{locale}/{routine}-{pace}"
        wav = self._path(name, SUFFIX)
        wav.parent.mkdir(parents=True, exist_ok=True)
        partial = audio.write_wav(wav.with_suffix(".partial.wav"), rendering.samples, rendering.sample_rate)
        rate = rendering.sample_rate
        spans = countdowns([(p.segment, p.start / rate, p.length / rate) for p in rendering.placed], locale)
        timeline = {"token": track.token, "hash": fingerprint(parts, self.engine), "duration_ms": track.duration_ms,
                    "countdowns": [vars(c) for c in spans]}
        partial.replace(wav)
        self._path(name, TIMELINE_SUFFIX).write_text(json.dumps(timeline, indent=1) + "\n", encoding="utf-8")
        return track

    def render_all(self, locale: str = "en-US", routines: Iterable[str] = (), paces: Iterable[str] = (),
                   progress: Progress | None = None) -> Catalog:
        """The routines at the paces asked for (every one by default) for ``locale``: current tracks
        are kept, the rest rendered.

        ``progress(done, total)`` counts tracks. The manifest is rewritten after each track, so a
        stopped render leaves a valid manifest of what is done.
        """
        wanted = [(routine, pace) for routine in tuple(routines) or ROUTINE_IDS for pace in tuple(paces) or PACE_ORDER]
        old = load_catalog(self.folder / MANIFEST_NAME)
        tracks = {key: t for key, t in old.tracks.items() if key[0] != locale or key[1:] in wanted}
        for done, (routine, pace) in enumerate(wanted):
            key = (locale, routine, pace)
            if key not in tracks or not self.current(*key):
                logger.info("rendering the %s track of %s at the %s pace", locale, routine, pace)
                tracks[key] = self.render(*key)
                Catalog(tracks, self.engine).write(self.folder)
            if progress:
                progress(done + 1, len(wanted))
        catalog = Catalog(tracks, self.engine)
        catalog.write(self.folder)
        return catalog

    def timeline(self, track: Track) -> dict[str, Any] | None:
        """The page's view of a track: its steps (titles, drawings) and countdowns; ``None`` if not rendered."""
        try:
            data = json.loads(self._path(track.file_name.removesuffix(track.suffix), TIMELINE_SUFFIX)
                              .read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        from skill.visuals.web import step_drawing

        routine = load(track.locale).routines.get(track.routine)
        if routine is None or len(routine.steps) != len(track.steps):  # rendered from other content
            return None
        steps = routine.steps
        return {
            "token": track.token, "duration_ms": track.duration_ms,
            "steps": [{"start_ms": start, "number": i + 1, "total": len(steps), "title": steps[i].title,
                       **step_drawing(steps[i].id)} for i, start in enumerate(track.steps)],
            "countdowns": data.get("countdowns", []),
        }


def _local_voice() -> Voice:
    from skill.voice.speaker import shared_speaker

    return shared_speaker().as_voice()


class Background:
    """Renders in a background thread, so a server answers its first page at once.

    ``status()`` says how far it has got, for the page; ``on_done(catalog)`` runs when it finishes.
    """

    def __init__(self, renderer: Renderer, locale: str = "en-US",
                 on_done: Callable[[Catalog], None] | None = None, **render_options: Any) -> None:
        self.renderer = renderer
        self._locale = locale
        self._options = render_options
        self._on_done = on_done
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"state": "waiting", "done": 0, "total": 0}
        self._thread = threading.Thread(target=self._run, name="track-render", daemon=True)

    def start(self) -> Background:
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._state = {"state": "rendering", "done": done, "total": total}

    def _run(self) -> None:
        self._progress(0, 0)
        try:
            catalog = self.renderer.render_all(self._locale, progress=self._progress, **self._options)
        except Exception as exc:  # the simulator keeps working in the chunked mode
            logger.warning("rendering the local tracks failed: %s", exc)
            with self._lock:
                self._state = {**self._state, "state": "failed"}
            return
        with self._lock:
            self._state = {**self._state, "state": "ready"}
        if self._on_done:
            self._on_done(catalog)
