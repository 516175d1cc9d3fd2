"""Render long-form routine tracks: one MP3 per routine, pace and locale, and the manifest of their timelines.

On a device with the AudioPlayer interface a routine plays as one pre-rendered stream. This build
step turns the composer's plan (the same plan the chunked mode speaks: intro, every step, closing)
into audio with any speech engine, inserts every planned silence as exact digital silence, notes the
millisecond at which each step begins as rendered, and writes the catalog that
``skill.routine.tracks`` reads. The rendering itself is ``skill.voice.mix``, with a pluggable engine
(a :class:`~skill.voice.mix.Voice`): Amazon Polly (``skill.tools.track_aws``) renders the tracks for
AWS; the local pyttsx3 voice (``skill.voice.speaker.Speaker.as_voice``) renders them for the laptop.

Usage: python -m skill.tools.tracks [--engine polly|local] [--out build/tracks] [--bucket NAME]
                                    [--locale en-US ...] [--routine full ...] [--pace normal ...]
                                    [--upload-only]
"""

from __future__ import annotations

import argparse
import sys
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from skill.content import available_locales, load
from skill.routine.compose import Style
from skill.routine.tracks import MANIFEST_NAME, Catalog, Track, load_catalog
from skill.speech.plan import PACE_ORDER
from skill.voice.mix import Progress, Rendering, Voice, render_parts, routine_parts

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "build" / "tracks"
# MP3 as every Alexa device plays it: AudioPlayer streams take MP3 at 16-384 kbps, and Amazon's media
# guide for Alexa devices lists MP3 at 32-256 kbps and 44.1 or 48 kHz. Constant bit rate keeps a byte
# position proportional to time, so the device lands where offsetInMilliseconds says when it seeks.
MP3_SAMPLE_RATE = 44100
MP3_KBPS = 64  # mono speech: clean at 64 kbps, about 0.5 MB a minute
MP3_QUALITY = 2  # LAME's "near best" algorithm setting (0 best and slowest, 9 worst)


def encode_mp3(samples: array, sample_rate: int, kbps: int = MP3_KBPS, out_rate: int = MP3_SAMPLE_RATE) -> bytes:
    """Constant-bit-rate mono MP3 of ``samples``, resampled by LAME to ``out_rate``."""
    import lameenc  # the build's only compiled dependency; the skill never imports this module

    data = samples
    if sys.byteorder == "big":  # LAME takes native-endian samples; keep the bytes the same everywhere
        data = array("h", samples)
        data.byteswap()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(out_rate)
    encoder.set_channels(1)
    encoder.set_quality(MP3_QUALITY)
    return bytes(encoder.encode(data.tobytes()) + encoder.flush())


# ----- MP3 frame headers: enough to check what was encoded without a decoder ---------------------------
_BITRATES_KBPS = {  # layer III, by MPEG version: index 1..14
    1: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class Mp3Info:
    """What the frame headers of an MP3 say: frame count, sample rate, bit rates, and so the length."""

    frames: int
    sample_rate: int
    bitrates_kbps: frozenset[int]
    samples_per_frame: int

    @property
    def seconds(self) -> float:
        return self.frames * self.samples_per_frame / self.sample_rate


def mp3_info(data: bytes) -> Mp3Info:
    """Walk every MPEG audio layer III frame of ``data`` (after an ID3v2 tag, if any).

    Raises ``ValueError`` at the first byte that is not a frame header, so a truncated or foreign
    file is caught rather than measured short.
    """
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        pos = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | data[9] & 0x7F)
    frames, rates, bitrates, per_frame = 0, set(), set(), 0
    while pos + 4 <= len(data):
        b1, b2 = data[pos + 1], data[pos + 2]
        version_bits, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
        if data[pos] != 0xFF or b1 & 0xE0 != 0xE0 or layer_bits != 1 or version_bits == 1:
            raise ValueError(f"no MP3 layer III frame header at byte {pos}")
        bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
        if bitrate_index in (0, 15) or rate_index == 3:
            raise ValueError(f"unsupported bit rate or sample rate in the frame at byte {pos}")
        kbps = _BITRATES_KBPS[1 if version_bits == 3 else 2][bitrate_index - 1]
        rate = _SAMPLE_RATES[version_bits][rate_index]
        per_frame = 1152 if version_bits == 3 else 576
        length = per_frame // 8 * kbps * 1000 // rate + padding
        if pos + length > len(data):
            raise ValueError(f"the frame at byte {pos} is cut short: the file is truncated")
        frames, pos = frames + 1, pos + length
        rates.add(rate)
        bitrates.add(kbps)
    if not frames or len(rates) != 1:
        raise ValueError("no MP3 frames" if not frames else f"mixed sample rates {sorted(rates)}")
    return Mp3Info(frames, rates.pop(), frozenset(bitrates), per_frame)


# ----- whole catalogs ------------------------------------------------------------------------------------
def render_track(locale: str, routine: str, pace: str, voice: Voice, out: Path,
                 progress: Progress | None = None) -> tuple[Track, Rendering]:
    """Render one routine track to ``out/<locale>/<routine>-<pace>.mp3``; returns its timeline and audio."""
    composer = load(locale).composer(routine)
    rendering = render_parts(routine_parts(composer, Style(pace)), voice, locale, progress)
    track = rendering.track(locale, routine, pace)
    mp3 = encode_mp3(rendering.samples, rendering.sample_rate)
    encoded = mp3_info(mp3).seconds
    if abs(encoded - rendering.seconds) > 0.2:  # LAME's delay and padding are a few frames (26 ms each)
        raise RuntimeError(f"{track.file_name}: the MP3 lasts {encoded:.2f} s, the audio {rendering.seconds:.2f} s")
    path = out / track.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mp3)
    return track, rendering


def render_catalog(voice_for: Callable[[str], Voice], out: Path = DEFAULT_OUT, locales: Iterable[str] = (),
                   routines: Iterable[str] = (), paces: Iterable[str] = PACE_ORDER,
                   report: Callable[[str], None] | None = None) -> Catalog:
    """Every routine x pace x locale asked for (all by default), rendered into ``out`` with its manifest.

    ``voice_for(locale)`` picks the engine for a locale. Tracks an earlier build left in ``out``
    and this one did not render stay in the manifest, so a build of one locale keeps the others.
    The manifest is removed first and written last: a build that fails part way leaves none, rather
    than one whose timelines no longer match the audio beside it.
    """
    earlier = load_catalog(out)
    (out / MANIFEST_NAME).unlink(missing_ok=True)
    tracks = dict(earlier.tracks)
    engines = [e for e in earlier.engine.split(", ") if e]
    wanted = tuple(routines)
    for locale in tuple(locales) or available_locales():
        voice = voice_for(locale)
        engines += [voice.engine] if voice.engine not in engines else []
        for routine in wanted or tuple(load(locale).routines):
            for pace in paces:
                track, rendering = render_track(locale, routine, pace, voice, out)
                tracks[(locale, routine, pace)] = track
                if report:
                    report(f"{track.file_name}: {rendering.seconds:.1f} s, {len(track.steps)} steps")
    catalog = Catalog(tracks, ", ".join(engines))
    catalog.write(out)
    return catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.tools.tracks", description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("polly", "local"), default="polly",
                        help="polly: Amazon Polly neural voices (AWS credentials needed); local: pyttsx3/espeak-ng")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the MP3s and manifest.json")
    parser.add_argument("--bucket", help="upload the tracks and manifest to this S3 bucket (the stack's AudioBucket)")
    parser.add_argument("--region", help="AWS region for Polly and S3 (default: the AWS configuration's)")
    parser.add_argument("--locale", action="append", default=[], help="render only this locale (repeatable)")
    parser.add_argument("--routine", action="append", default=[], help="render only this routine (repeatable)")
    parser.add_argument("--pace", action="append", choices=PACE_ORDER, default=[],
                        help="render only this pace (repeatable)")
    parser.add_argument("--upload-only", action="store_true", help="upload what --out already holds; render nothing")
    args = parser.parse_args(argv)
    if args.upload_only and not args.bucket:
        parser.error("--upload-only needs --bucket")
    if not args.upload_only:
        if args.engine == "polly":
            from skill.tools.track_aws import polly_voice_factory

            voice_for = polly_voice_factory(region=args.region)
        else:
            from skill.voice.speaker import shared_speaker

            voice = shared_speaker(realtime=False).as_voice()
            voice_for = lambda _locale: voice  # noqa: E731 - one local voice speaks every locale
        catalog = render_catalog(voice_for, args.out, args.locale, args.routine, args.pace or PACE_ORDER, report=print)
        count = len(catalog.tracks)
        print(f"{count} track{'' if count == 1 else 's'} and {args.out / MANIFEST_NAME} ({catalog.engine})")
    if args.bucket:
        from skill.tools.track_aws import upload

        keys = upload(args.out, args.bucket, region=args.region)
        print(f"uploaded {len(keys)} files to s3://{args.bucket}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
