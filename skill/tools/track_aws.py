"""The AWS side of the track build: Amazon Polly as the renderer's voice, and the upload to S3.

Polly speaks one segment per request, as SSML from the project's one SSML builder (so the text is
escaped and the segment's prosody rate applied), with a neural voice chosen per locale, as 16 kHz
16-bit mono PCM; ``skill.tools.tracks`` adds the silences and encodes the MP3. The upload puts each
MP3 and the manifest in the stack's private audio bucket, which a CloudFront distribution serves
over HTTPS (``NRC_AUDIO_BASE_URL``, see deploy/template.yaml).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skill.routine.tracks import AUDIO_SUFFIX, MANIFEST_NAME, load_catalog
from skill.speech.plan import Plan, Speech
from skill.speech.ssml import render_ssml
from skill.voice.mix import Voice

POLLY_ENGINE = "neural"
POLLY_SAMPLE_RATE = 16000  # PCM output is 8000 or 16000 Hz
# One neural voice per locale: (voice id, language code). Polly has no Canadian English voice, so
# en-CA uses the US English one. Kajal is bilingual (en-IN and hi-IN): the language code says which.
POLLY_VOICES: dict[str, tuple[str, str]] = {
    "en-US": ("Joanna", "en-US"),
    "en-CA": ("Joanna", "en-US"),
    "en-GB": ("Amy", "en-GB"),
    "en-AU": ("Olivia", "en-AU"),
    "en-IN": ("Kajal", "en-IN"),
}
CONTENT_TYPES = {AUDIO_SUFFIX: "audio/mpeg", ".json": "application/json"}
# Tracks keep their names when re-rendered, so edge caches must not keep an old one for long.
CACHE_CONTROL = "max-age=3600"


def _client(service: str, region: str | None) -> Any:
    import boto3  # the build needs boto3; the skill's Lambda has its own copy

    return boto3.client(service, region_name=region) if region else boto3.client(service)


def polly_voice(locale: str, client: Any) -> Voice:
    """Polly's neural voice for ``locale`` as a renderer voice (each distinct segment synthesised once)."""
    if locale not in POLLY_VOICES:
        raise ValueError(f"no Polly voice chosen for {locale}; add it to POLLY_VOICES")
    voice_id, language = POLLY_VOICES[locale]
    said: dict[tuple[str, int], array] = {}

    def synthesize(speech: Speech, _locale: str) -> array:
        key = (speech.text, speech.rate)
        if key not in said:
            reply = client.synthesize_speech(
                Engine=POLLY_ENGINE, VoiceId=voice_id, LanguageCode=language, OutputFormat="pcm",
                SampleRate=str(POLLY_SAMPLE_RATE), TextType="ssml", Text=render_ssml(Plan.of(speech)))
            samples = array("h")
            raw = reply["AudioStream"].read()
            samples.frombytes(raw[: len(raw) - len(raw) % 2])
            if sys.byteorder == "big":  # Polly's PCM is little-endian
                samples.byteswap()
            said[key] = samples
        return said[key]

    return Voice(f"polly:{voice_id}", POLLY_SAMPLE_RATE, synthesize)


def polly_voice_factory(region: str | None = None, client: Any = None) -> Callable[[str], Voice]:
    """``locale -> Voice`` for ``render_catalog``, sharing one Polly client."""
    polly = client or _client("polly", region)
    return lambda locale: polly_voice(locale, polly)


def upload(folder: Path, bucket: str, region: str | None = None, client: Any = None) -> list[str]:
    """Upload the tracks the manifest in ``folder`` lists, then the manifest; returns the keys in order.

    Keys are the tracks' file names (``<locale>/<routine>-<pace>.mp3``), so the skill's URL for a
    track is the distribution's base URL and ``Track.file_name``. The manifest goes last, so a
    reader of the bucket never sees a manifest naming audio that is not there yet.
    """
    catalog = load_catalog(folder)
    if not catalog.tracks:
        raise FileNotFoundError(f"{folder / MANIFEST_NAME}: no tracks; render them first")
    files = [folder / name for name in sorted(t.file_name for t in catalog.tracks.values())]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"the manifest names audio that is not there: {', '.join(missing)}")
    s3 = client or _client("s3", region)
    keys = []
    for path in [*files, folder / MANIFEST_NAME]:
        key = path.relative_to(folder).as_posix()
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": CONTENT_TYPES[path.suffix],
                                                          "CacheControl": CACHE_CONTROL})
        keys.append(key)
    return keys
