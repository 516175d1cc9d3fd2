"""The AWS track build against moto (no network): Polly requests, the S3 upload, the template's
audio bucket and distribution, and the manifest in the Lambda package.

moto's Polly checks each request (voice, format, sample rate, text type and length) but answers
with a few bytes of silence, so the length checks use a stand-in Polly client that speaks each
segment for as long as the plan estimates, from the SSML it is sent.
"""

from __future__ import annotations

import html
import io
import re
import shutil
from array import array
from pathlib import Path
from typing import Any

import pytest

from skill.content import available_locales, load
from skill.routine.compose import Style
from skill.routine.tracks import MANIFEST_NAME, load_catalog
from skill.speech.estimate import estimate_seconds, speech_seconds
from skill.speech.plan import PACE_ORDER, Speech
from skill.tools import package, track_aws, tracks
from skill.tools.track_aws import POLLY_SAMPLE_RATE, POLLY_VOICES, polly_voice, polly_voice_factory, upload
from skill.voice.mix import SilentSpeechError

moto = pytest.importorskip("moto", reason="moto is not installed: pip install -r requirements.txt")
REGION = "us-east-1"
BUCKET = "nrc-tracks-test"
BASE_URL = "https://d111111abcdef8.cloudfront.net"
_PROSODY = re.compile(r'<prosody rate="(\d+)%">(.*)</prosody>')


@pytest.fixture
def aws(aws_env: None) -> Any:
    with moto.mock_aws():
        yield


class Recording:
    """A Polly client that records each request and passes it on (to moto, or to a stand-in)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.requests: list[dict[str, Any]] = []

    def synthesize_speech(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return self.client.synthesize_speech(**request)


class EstimatingPolly:
    """Speaks the SSML's words for exactly the plan's estimate at its prosody rate, as 16 kHz PCM."""

    def synthesize_speech(self, **request: Any) -> dict[str, Any]:
        body = request["Text"].removeprefix("<speak>").removesuffix("</speak>")
        match = _PROSODY.fullmatch(body)
        speech = Speech(html.unescape(match.group(2)), int(match.group(1))) if match else Speech(html.unescape(body))
        count = round(speech_seconds(speech) * int(request["SampleRate"]))
        samples = array("h", [2500, -2500] * (count // 2))
        return {"AudioStream": io.BytesIO(samples.tobytes()), "ContentType": "audio/pcm"}


def test_every_locale_has_a_neural_voice_that_speaks_its_language(aws: None) -> None:
    import boto3

    polly = boto3.client("polly", region_name=REGION)
    assert set(POLLY_VOICES) == set(available_locales())
    for locale, (voice_id, language) in POLLY_VOICES.items():
        [voice] = [v for v in polly.describe_voices(LanguageCode=language)["Voices"] if v["Id"] == voice_id]
        assert "neural" in voice["SupportedEngines"], locale
        assert language in (voice["LanguageCode"], *voice.get("AdditionalLanguageCodes", ())), locale


def test_polly_is_asked_for_16_khz_pcm_from_escaped_ssml_at_the_segment_rate_once_per_text(aws: None) -> None:
    import boto3

    client = Recording(boto3.client("polly", region_name=REGION))
    voice = polly_voice("en-GB", client)
    speech = Speech("Breathe in & <relax>.", 80)
    first = voice.synthesize(speech, "en-GB")
    assert voice.synthesize(speech, "en-GB") == first
    assert isinstance(first, array) and len(first) == 4  # moto answers with 8 bytes of silence
    [request] = client.requests
    assert request == {"Engine": "neural", "VoiceId": "Amy", "LanguageCode": "en-GB", "OutputFormat": "pcm",
                       "SampleRate": "16000", "TextType": "ssml",
                       "Text": '<speak><prosody rate="80%">Breathe in &amp; &lt;relax&gt;.</prosody></speak>'}
    voice.synthesize(Speech("Breathe in & <relax>.", 100), "en-GB")
    assert client.requests[-1]["Text"] == "<speak>Breathe in &amp; &lt;relax&gt;.</speak>"
    assert voice.engine == "polly:Amy" and voice.sample_rate == POLLY_SAMPLE_RATE
    with pytest.raises(ValueError, match="no Polly voice"):
        polly_voice("fr-FR", client)


def test_moto_polly_audio_is_silent_so_the_renderer_refuses_it(aws: None, tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"version": 1, "tracks": []}', encoding="utf-8")  # an earlier build
    voices = polly_voice_factory(region=REGION)
    with pytest.raises(SilentSpeechError):
        tracks.render_catalog(voices, tmp_path, ["en-US"], ["quick"], ["normal"])
    assert not (tmp_path / MANIFEST_NAME).exists()  # no manifest that might not match the audio


@pytest.fixture(scope="module")
def polly_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Recording]:
    """The quick routine in en-IN at every pace, rendered through the Polly voice (stand-in audio)."""
    out = tmp_path_factory.mktemp("tracks")
    client = Recording(EstimatingPolly())
    tracks.render_catalog(polly_voice_factory(client=client), out, ["en-IN"], ["quick"])
    return out, client


@pytest.mark.parametrize("pace", PACE_ORDER)
def test_polly_tracks_last_what_the_plan_says_at_every_pace(polly_build: tuple[Path, Recording], pace: str) -> None:
    out, _ = polly_build
    catalog = load_catalog(out)
    track = catalog.get("en-IN", "quick", pace)
    plan = load("en-IN").composer("quick").whole(Style(pace))
    assert track.duration_ms / 1000 == pytest.approx(estimate_seconds(plan), rel=0.02)
    info = tracks.mp3_info((out / track.file_name).read_bytes())
    assert info.seconds == pytest.approx(track.duration_ms / 1000, abs=0.1)
    assert (info.sample_rate, info.bitrates_kbps) == (tracks.MP3_SAMPLE_RATE, frozenset({tracks.MP3_KBPS}))
    assert catalog.engine == "polly:Kajal"


Build = tuple[Path, Recording]


def test_polly_gets_each_distinct_segment_once_with_the_voice_for_the_locale(polly_build: Build) -> None:
    _, client = polly_build
    texts = [(r["Text"], r["VoiceId"], r["LanguageCode"]) for r in client.requests]
    assert len(texts) == len(set(texts))
    assert {(voice, language) for _, voice, language in texts} == {("Kajal", "en-IN")}
    assert all(len(text) < 3000 for text, _, _ in texts)  # Polly's limit per request


def test_the_upload_puts_every_track_then_the_manifest_with_their_content_types(
        aws: None, polly_build: tuple[Path, Recording]) -> None:
    import boto3

    out, _ = polly_build
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    keys = upload(out, BUCKET, region=REGION)
    catalog = load_catalog(out)
    assert keys[-1] == MANIFEST_NAME
    assert sorted(keys[:-1]) == sorted(t.file_name for t in catalog.tracks.values())
    for key in keys:
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ContentType"] == ("application/json" if key == MANIFEST_NAME else "audio/mpeg")
        assert head["CacheControl"] == track_aws.CACHE_CONTROL
        assert head["ContentLength"] == (out / key).stat().st_size
    for track in catalog.tracks.values():  # every URL the skill sends names an uploaded object
        url = track.url(BASE_URL + "/")
        assert url.startswith("https://") and url == f"{BASE_URL}/{track.file_name}"
        assert url.removeprefix(BASE_URL + "/") in keys


def test_the_command_uploads_a_finished_build_and_refuses_an_unfinished_one(
        aws: None, tmp_path: Path, polly_build: Build, capsys: pytest.CaptureFixture[str]) -> None:
    import boto3

    out, _ = polly_build
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
    assert tracks.main(["--upload-only", "--bucket", BUCKET, "--region", REGION, "--out", str(out)]) == 0
    assert "uploaded 4 files" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="render them first"):
        upload(tmp_path, BUCKET, region=REGION)
    partial = tmp_path / "partial"
    shutil.copytree(out, partial)
    (partial / "en-IN" / "quick-slower.mp3").unlink()
    with pytest.raises(FileNotFoundError, match=r"quick-slower\.mp3"):
        upload(partial, BUCKET, region=REGION)
    with pytest.raises(SystemExit):
        tracks.main(["--upload-only"])


# --- the template ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    from cfnlint.decode import decode

    parsed, problems = decode(str(package.ROOT / "deploy" / "template.yaml"))
    assert not problems
    return parsed


def test_the_audio_bucket_is_private_encrypted_and_read_only_by_its_distribution_over_tls(
        template: dict[str, Any]) -> None:
    resources = template["Resources"]
    bucket = resources["AudioBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True)
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    allow, deny = resources["AudioBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (allow["Effect"], allow["Principal"], allow["Action"]) == (
        "Allow", {"Service": "cloudfront.amazonaws.com"}, "s3:GetObject")
    assert "${AudioDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": False}})
    config = resources["AudioDistribution"]["Properties"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["AudioOriginAccessControl", "Id"]}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    assert config["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]


def test_the_function_gets_the_https_base_and_the_packaged_manifest(template: dict[str, Any]) -> None:
    env = template["Resources"]["SkillFunction"]["Properties"]["Environment"]["Variables"]
    assert env["NRC_AUDIO_BASE_URL"] == {"Fn::Sub": "https://${AudioDistribution.DomainName}"}
    assert env["NRC_TRACKS_MANIFEST"] == f"/var/task/{package.TRACKS_ENTRY}"


def test_the_package_carries_the_manifest_only_when_tracks_were_rendered(tmp_path: Path,
                                                                        polly_build: tuple[Path, Recording]) -> None:
    out, _ = polly_build
    deps = tmp_path / "deps"
    deps.mkdir()
    entries = package.package_entries(deps, tracks=out)
    assert entries[package.TRACKS_ENTRY] == out / MANIFEST_NAME
    assert not [name for name in entries if name.endswith(".mp3")]  # the audio lives in the bucket
    assert package.TRACKS_ENTRY not in package.package_entries(deps, tracks=tmp_path / "none")
