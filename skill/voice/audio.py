"""Measure mono 16-bit WAV files with the standard library only: length, silent runs, whether there is sound.

Tests and the bench use these to check that rendered holds last what the voice announced; keeping them
dependency-free (no numpy, no audioop, which Python 3.13 removed) lets CI run them anywhere.
"""

from __future__ import annotations

import math
import operator
import sys
import wave
from array import array
from collections.abc import Iterator
from pathlib import Path

SAMPLE_RATE = 22050  # what espeak-ng and pyttsx3 write
WINDOW_SECONDS = 0.01
SILENCE_RMS = 100.0  # about -50 dBFS: espeak's pauses are digital zeros, its quietest speech is far above this


class AudioError(ValueError):
    """A file that is not the mono 16-bit PCM WAV these tools expect."""


def read_wav(path: str | Path) -> tuple[array, int]:
    """The samples (signed 16-bit, native byte order) and the sample rate of a mono 16-bit WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise AudioError(f"{path}: need mono 16-bit PCM, got {wav.getnchannels()} channel(s), "
                                 f"{8 * wav.getsampwidth()}-bit")
            rate = wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{path}: not a readable WAV file: {exc}") from exc
    samples = array("h")
    samples.frombytes(raw[: len(raw) - len(raw) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples, rate


def write_wav(path: str | Path, samples: array, rate: int = SAMPLE_RATE) -> Path:
    """Write ``samples`` as a mono 16-bit WAV (WAV data is little-endian on every platform)."""
    data = samples
    if sys.byteorder == "big":
        data = array("h", samples)
        data.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())
    return Path(path)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> array:
    """Exactly ``seconds`` of digital silence, rounded to the nearest sample."""
    return array("h", bytes(2 * max(0, round(seconds * rate))))


def _levels(samples: array, rate: int, window: float) -> Iterator[float]:
    size = max(1, round(rate * window))
    for start in range(0, len(samples), size):
        chunk = samples[start:start + size]
        yield math.sqrt(sum(map(operator.mul, chunk, chunk)) / len(chunk))


def window_rms(samples: array, rate: int, window: float = WINDOW_SECONDS) -> list[float]:
    """RMS of consecutive windows of ``window`` seconds (the last, partial window included)."""
    return list(_levels(samples, rate, window))


def silent_runs_in(samples: array, rate: int, *, min_seconds: float = 0.5, threshold: float = SILENCE_RMS,
                   window: float = WINDOW_SECONDS) -> list[tuple[float, float]]:
    """Runs of quiet windows at least ``min_seconds`` long, as ``(start_s, length_s)``."""
    size = max(1, round(rate * window))
    runs: list[tuple[float, float]] = []
    start: int | None = None
    levels = window_rms(samples, rate, window)
    for i, level in enumerate([*levels, math.inf]):  # the sentinel closes a run that reaches the end
        if level < threshold:
            start = i if start is None else start
        elif start is not None:
            first, end = start * size, min(i * size, len(samples))
            if (end - first) / rate >= min_seconds:
                runs.append((first / rate, (end - first) / rate))
            start = None
    return runs


def silent_runs(path: str | Path, *, min_seconds: float = 0.5, threshold: float = SILENCE_RMS,
                window: float = WINDOW_SECONDS) -> list[tuple[float, float]]:
    """Silent runs of a WAV file, as ``(start_s, length_s)`` in order."""
    samples, rate = read_wav(path)
    return silent_runs_in(samples, rate, min_seconds=min_seconds, threshold=threshold, window=window)


def duration(path: str | Path) -> float:
    """Length of a WAV file in seconds."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{path}: not a readable WAV file: {exc}") from exc


def trim(samples: array, rate: int, threshold: float = SILENCE_RMS, window: float = WINDOW_SECONDS) -> array:
    """``samples`` without leading and trailing quiet windows (empty when it is all quiet)."""
    size = max(1, round(rate * window))
    loud = [i for i, level in enumerate(window_rms(samples, rate, window)) if level >= threshold]
    if not loud:
        return array("h")
    return samples[loud[0] * size:(loud[-1] + 1) * size]


def has_audio(path: str | Path, threshold: float = SILENCE_RMS) -> bool:
    """Whether ``path`` is a WAV with frames that are not all silence (pyttsx3 sometimes writes empty files)."""
    try:
        samples, rate = read_wav(path)
    except (AudioError, OSError):
        return False
    return any(level >= threshold for level in _levels(samples, rate, WINDOW_SECONDS))
