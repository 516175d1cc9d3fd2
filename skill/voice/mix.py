"""A speech plan as one run of samples, with any speech engine: the core of every track renderer.

The engine is pluggable: a :class:`Voice` is a name, a sample rate and a function from one
:class:`~skill.speech.plan.Speech` segment (and the locale) to 16-bit mono samples. Every planned
silence goes in as exact digital silence, and the sample at which each part (a routine's step) begins
is noted as rendered. The track build (``skill.tools.tracks``, Amazon Polly for AWS), the local
tracks (``skill.voice.tracks``) and the local speaker's WAVs all render through here, so they agree.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skill.routine.compose import Composer, Style
from skill.routine.tracks import Track
from skill.speech.plan import Plan, Segment, Silence, Speech
from skill.voice import audio

SPEECH_GAP_SECONDS = 0.25  # between two speech segments with no silence between them (a change of rate)

Synthesize = Callable[[Speech, str], array]
Progress = Callable[[int, int], None]


class SilentSpeechError(RuntimeError):
    """An engine returned no audible sound for words it was asked to say."""


@dataclass(frozen=True)
class Voice:
    """A speech engine as the renderer sees it.

    ``synthesize(speech, locale)`` returns signed 16-bit mono samples at ``sample_rate`` for the
    words of ``speech`` spoken at ``speech.rate`` percent. Leading and trailing silence is trimmed
    by the renderer, so an engine's own padding never lengthens a planned pause. ``engine`` names
    the voice in the manifest ("polly:Joanna", "pyttsx3:gmw/en-us").
    """

    engine: str
    sample_rate: int
    synthesize: Synthesize


@dataclass(frozen=True)
class Placed:
    """Where one segment landed in a rendering, in samples."""

    segment: Segment
    start: int
    length: int


@dataclass(frozen=True)
class Rendering:
    """A plan as audio: the samples, where each segment went, and where each part (step) begins."""

    samples: array
    sample_rate: int
    placed: tuple[Placed, ...]
    starts: tuple[int, ...]  # the first sample of each part

    def ms(self, sample: int) -> int:
        return round(1000 * sample / self.sample_rate)

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate

    def track(self, locale: str, routine: str, pace: str) -> Track:
        return Track(locale, routine, pace, self.ms(len(self.samples)), tuple(self.ms(s) for s in self.starts))


def speech_gap_after(segments: Sequence[Segment], index: int) -> float:
    """A short natural pause after a speech segment that is followed directly by more speech."""
    following = segments[index + 1] if index + 1 < len(segments) else None
    return SPEECH_GAP_SECONDS if isinstance(segments[index], Speech) and isinstance(following, Speech) else 0.0


def render_parts(parts: Sequence[Plan], voice: Voice, locale: str, progress: Progress | None = None) -> Rendering:
    """Render ``parts`` back to back (each merged to its canonical form) and note where each begins.

    Silences are exact to the sample; speech is the engine's, trimmed. A part that starts with speech
    right after a part that ended with speech gets the same short gap as within a part. A silence that
    absorbs the speech before it (a hold's reminder) is shortened by what that speech really took, so a
    hold lasts what was announced to the sample, whatever the engine's speed.
    """
    flat: list[Segment] = []
    firsts: list[int] = []
    for part in parts:
        firsts.append(len(flat))
        flat.extend(part.merged().segments)
    total = sum(isinstance(s, Speech) for s in flat)
    if not total:
        raise ValueError("nothing to say: the plan has no speech" if flat else "nothing to say: empty plan")
    rate = voice.sample_rate
    samples, placed, done = array("h"), [], 0
    spoken_since = 0  # samples of speech since the last silence
    for index, segment in enumerate(flat):
        start = len(samples)
        if isinstance(segment, Silence):
            samples.extend(audio.silence(segment.after(spoken_since / rate), rate))
            spoken_since = 0
        else:
            spoken = audio.trim(voice.synthesize(segment, locale), rate)
            if not spoken:
                raise SilentSpeechError(f"{voice.engine} produced no audible speech for {segment.text[:40]!r}")
            samples.extend(spoken)
            samples.extend(audio.silence(speech_gap_after(flat, index), rate))
            done += 1
            if progress:
                progress(done, total)
            spoken_since += len(samples) - start
        placed.append(Placed(segment, start, len(samples) - start))
    starts = tuple(placed[i].start if i < len(placed) else len(samples) for i in firsts)
    return Rendering(samples, rate, tuple(placed), starts)


def routine_parts(composer: Composer, style: Style) -> list[Plan]:
    """The routine as one plan per step: the intro opens step one, the closing ends the last step.

    Joined, the parts are exactly ``composer.whole(style)``, the plan the chunked mode speaks.
    """
    count = len(composer.routine.steps)
    parts = [composer.step(i, style) for i in range(count)]
    parts[0] = composer.intro(style) + parts[0]
    parts[-1] = parts[-1] + composer.closing(style)
    return parts
