"""The Flask shim through its test client: every endpoint, every refusal, and no internals ever leaked.

/alexa is checked with the real verifier against a PKI generated here (so "verified on the raw bytes"
is proven, not assumed) and with injected verifiers; /simulate is driven through a whole conversation.
Audio uses a fake speaker that writes a tiny WAV, so these tests need no espeak-ng.
"""

from __future__ import annotations

import base64
import json
import logging
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.alexa import build_skill
from skill.coach import Coach
from skill.config import SkillConfig
from skill.content import load
from skill.device import envelopes
from skill.local.__main__ import build_parser
from skill.persistence import SqliteAdapter
from skill.speech.plan import Plan, Silence, Speech
from skill.visuals.drawings import load_drawings
from skill.web.server import MAX_BODY_BYTES, MAX_TEXT_CHARS, AudioStore, create_app, timeline
from skill.web.verifier import AlexaRequestVerifier, VerificationError

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-9999-9999-9999-999999999999"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
LEAKS = ("Traceback", 'File "', ".py", "VerificationError", "SignatureCertChainUrl", "Exception")


# --- doubles ---------------------------------------------------------------------------------------


class SpySkill:
    """A real skill that counts how often it is invoked, so a refusal can be shown to stop before it."""

    def __init__(self, inner: Any, error: Exception | None = None) -> None:
        self.inner = inner
        self.skill_id = inner.skill_id
        self.serializer = inner.serializer
        self.error = error
        self.calls = 0

    def invoke(self, request_envelope: Any, context: Any) -> Any:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.inner.invoke(request_envelope=request_envelope, context=context)


class FakeSpeaker:
    """Writes a tenth of a second of silence per plan and records what it was asked to say."""

    def __init__(self) -> None:
        self.plans: list[Plan] = []

    def render_wav(self, plan: Plan, path: Path) -> Path:
        self.plans.append(plan)
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22050)
            wav.writeframes(bytes(2 * 2205))
        return Path(path)


class RecordingVerifier:
    def __init__(self, error: VerificationError | None = None) -> None:
        self.error = error
        self.seen: list[tuple[dict[str, str], bytes]] = []

    def verify(self, headers: Any, body: bytes) -> None:
        self.seen.append((dict(headers), body))
        if self.error is not None:
            raise self.error


@pytest.fixture
def skill(tmp_path: Path) -> SpySkill:
    return SpySkill(build_skill(SqliteAdapter(tmp_path / "skill.sqlite3"), SkillConfig(seed=7)))


@pytest.fixture
def speaker() -> FakeSpeaker:
    return FakeSpeaker()


def app_for(skill: SpySkill, speaker: FakeSpeaker | None = None, **kw: Any) -> Any:
    kw.setdefault("env", {})
    return create_app(skill=skill, speaker=speaker or FakeSpeaker(), **kw).test_client()


def launch_body(application_id: str = envelopes.APPLICATION_ID) -> bytes:
    session = envelopes.new_session(application_id=application_id)
    return json.dumps(envelopes.envelope(envelopes.launch_request(), session)).encode()


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    assert not any(leak in text for leak in LEAKS), text
    body = response.get_json()
    assert set(body) == {"error", "message"}
    return body


def assert_valid_speech(envelope: dict[str, Any]) -> str:
    ssml = envelope["response"]["outputSpeech"]["ssml"]
    ElementTree.fromstring(ssml)
    return ssml


# --- a PKI shaped like Amazon's signing chain, generated per test session -------------------------


def _issue(subject_key: rsa.RSAPrivateKey, issuer_key: rsa.RSAPrivateKey, subject: str, issuer: str, *,
           ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=not ca,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                     encipher_only=False, decipher_only=False), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("echo-api.amazon.com")]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki() -> tuple[x509.Certificate, rsa.RSAPrivateKey, bytes]:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _issue(root_key, root_key, "Test Root", "Test Root", ca=True)
    leaf = _issue(leaf_key, root_key, "echo-api.amazon.com", "Test Root", ca=False)
    return root, leaf_key, leaf.public_bytes(serialization.Encoding.PEM)


def signed_headers(body: bytes, key: rsa.RSAPrivateKey) -> dict[str, str]:
    signature = base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()
    return {"SignatureCertChainUrl": CERT_URL, "Signature-256": signature, "Content-Type": "application/json"}


def real_verifier(pki: Any, skill_id: str | None = SKILL_ID) -> AlexaRequestVerifier:
    root, _, chain = pki
    return AlexaRequestVerifier(skill_id, roots=[root], fetch=lambda url: chain)


# --- /healthz and the page --------------------------------------------------------------------------


def test_healthz(skill: SpySkill) -> None:
    response = app_for(skill).get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_page_is_served_with_its_assets_and_is_accessible(skill: SpySkill) -> None:
    client = app_for(skill)
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<label for="utterance">' in html and 'id="utterance"' in html
    assert 'aria-live="polite"' in html and "<audio" in html
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for asset, kind in (("/static/app.js", "javascript"), ("/static/style.css", "text/css")):
        response = client.get(asset)
        assert response.status_code == 200 and kind in response.mimetype
        response.close()


# --- /alexa: verification ---------------------------------------------------------------------------


def test_unsigned_request_is_refused_before_the_skill_by_default(skill: SpySkill) -> None:
    response = app_for(skill).post("/alexa", data=launch_body(), content_type="application/json")
    assert assert_json_error(response, 400)["error"] == "not_verified"
    assert skill.calls == 0


@pytest.mark.parametrize("value", ["", "0", "false", "no"])
def test_verification_stays_on_unless_switched_off(skill: SpySkill, value: str) -> None:
    response = app_for(skill, env={"NRC_NO_VERIFY": value}).post("/alexa", data=launch_body())
    assert_json_error(response, 400)
    assert skill.calls == 0


def test_request_signed_by_alexa_reaches_the_skill(skill: SpySkill, pki: Any) -> None:
    # Unusual spacing and key order: the signature covers these exact bytes, not a re-encoding.
    body = json.dumps(json.loads(launch_body(SKILL_ID)), indent=3, sort_keys=True).encode()
    client = app_for(skill, verifier=real_verifier(pki))
    response = client.post("/alexa", data=body, headers=signed_headers(body, pki[1]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_valid_speech(response.get_json())
    assert skill.calls == 1


def test_signature_over_other_bytes_is_refused(skill: SpySkill, pki: Any) -> None:
    body = launch_body(SKILL_ID)
    reencoded = json.dumps(json.loads(body), indent=1).encode()  # same JSON, different bytes
    client = app_for(skill, verifier=real_verifier(pki))
    response = client.post("/alexa", data=reencoded, headers=signed_headers(body, pki[1]))
    assert_json_error(response, 400)
    assert skill.calls == 0


def test_signed_request_for_another_skill_is_refused(skill: SpySkill, pki: Any) -> None:
    body = launch_body(OTHER_SKILL_ID)
    client = app_for(skill, verifier=real_verifier(pki, SKILL_ID))
    response = client.post("/alexa", data=body, headers=signed_headers(body, pki[1]))
    assert_json_error(response, 400)
    assert skill.calls == 0


def test_injected_verifier_sees_the_exact_bytes_and_headers(skill: SpySkill) -> None:
    verifier = RecordingVerifier()
    body = b'{"version":"1.0",   ' + launch_body()[len(b'{"version": "1.0", '):]
    response = app_for(skill, verifier=verifier).post("/alexa", data=body, headers={"Signature-256": "c2ln"})
    assert response.status_code == 200
    assert verifier.seen[0][1] == body
    assert verifier.seen[0][0]["Signature-256"] == "c2ln"
    assert skill.calls == 1


def test_verifier_refusal_returns_400_without_its_reason(skill: SpySkill) -> None:
    verifier = RecordingVerifier(VerificationError("signature does not match body"))
    response = app_for(skill, verifier=verifier).post("/alexa", data=launch_body())
    body = assert_json_error(response, 400)
    assert "signature" not in body["message"].lower()
    assert skill.calls == 0


@pytest.mark.parametrize("switch", [{"verify": False}, {"env": {"NRC_NO_VERIFY": "1"}}])
def test_no_verify_serves_unsigned_requests_and_warns(skill: SpySkill, switch: dict[str, Any],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="skill.web.server"):
        client = app_for(skill, **switch)
    assert "verification is OFF" in caplog.text
    response = client.post("/alexa", data=launch_body())
    assert response.status_code == 200
    assert_valid_speech(response.get_json())
    assert skill.calls == 1


@pytest.mark.parametrize("config", [{"skill_id": SKILL_ID}, {"env": {"NRC_SKILL_ID": SKILL_ID}}])
def test_skill_id_is_checked_even_without_verification(tmp_path: Path, config: dict[str, Any]) -> None:
    env = config.get("env", {})
    client = create_app(verify=False, db_path=tmp_path / "db.sqlite3", speaker=FakeSpeaker(),
                        skill_id=config.get("skill_id"), env=env).test_client()
    assert_json_error(client.post("/alexa", data=launch_body(OTHER_SKILL_ID)), 400)
    assert client.post("/alexa", data=launch_body(SKILL_ID)).status_code == 200
    # The simulator speaks as the configured skill, so the SDK's own id check lets it through.
    simulated = client.post("/simulate", json={"text": "", "session": None, "locale": "en-US"})
    assert simulated.status_code == 200
    assert simulated.get_json()["request"]["context"]["System"]["application"]["applicationId"] == SKILL_ID


# --- /alexa: bad input, limits, methods, failures -----------------------------------------------------


@pytest.mark.parametrize("body", [b"not json", b"{", b"[1, 2]", b'"text"', b'{"request": 5}', b'{"request": {}}',
                                  b"\xff\xfe", b'{"version": "1.0", "request": {"type": 7}}'])
def test_alexa_refuses_what_is_not_an_envelope(skill: SpySkill, body: bytes) -> None:
    response = app_for(skill, verify=False).post("/alexa", data=body, content_type="application/json")
    assert assert_json_error(response, 400)["error"] == "bad_request"
    assert skill.calls == 0


def test_oversized_body_is_413(skill: SpySkill) -> None:
    client = app_for(skill, verify=False)
    response = client.post("/alexa", data=b" " * (MAX_BODY_BYTES + 1), content_type="application/json")
    assert_json_error(response, 413)
    assert_json_error(client.post("/simulate", data=b" " * (MAX_BODY_BYTES + 1)), 413)
    assert skill.calls == 0


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("get", "/alexa", "POST"), ("put", "/alexa", "POST"), ("get", "/simulate", "POST"),
    ("post", "/healthz", "GET"), ("delete", "/", "GET"),
])
def test_wrong_method_is_405_json(skill: SpySkill, method: str, path: str, allowed: str) -> None:
    response = getattr(app_for(skill, verify=False), method)(path)
    assert_json_error(response, 405)
    assert allowed in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/nothing", "/audio/0123.wav", "/audio/" + "a" * 32 + ".wav", "/static/nope.js"])
def test_unknown_paths_are_404_json(skill: SpySkill, path: str) -> None:
    assert_json_error(app_for(skill, verify=False).get(path), 404)


def test_exception_inside_the_skill_still_gets_valid_speech(skill: SpySkill, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Coach) -> None:
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(Coach, "help", broken)
    client = app_for(skill, verify=False)
    body = json.dumps(envelopes.envelope(envelopes.intent_request("AMAZON.HelpIntent"), None)).encode()
    response = client.post("/alexa", data=body)
    assert response.status_code == 200
    ssml = assert_valid_speech(response.get_json())
    assert "boom" not in response.get_data(as_text=True) and "Traceback" not in ssml
    assert response.get_json()["response"]["shouldEndSession"] is False  # the catch-all keeps listening

    simulated = client.post("/simulate", json={"text": "help", "session": None, "locale": "en-US"})
    assert simulated.status_code == 200
    assert simulated.get_json()["transcript"] and "boom" not in simulated.get_data(as_text=True)


def test_failure_outside_the_skill_is_a_plain_500(tmp_path: Path) -> None:
    inner = build_skill(SqliteAdapter(tmp_path / "db.sqlite3"), SkillConfig())
    skill = SpySkill(inner, error=RuntimeError("secret detail /srv/app.py"))
    response = app_for(skill, verify=False).post("/alexa", data=launch_body())
    body = assert_json_error(response, 500)
    assert "secret" not in body["message"]


def test_alexa_only_serves_the_endpoint_and_health_alone(skill: SpySkill) -> None:
    client = app_for(skill, verify=False, alexa_only=True)
    assert client.post("/alexa", data=launch_body()).status_code == 200
    assert client.get("/healthz").status_code == 200
    for path in ("/", "/static/app.js"):
        assert_json_error(client.get(path), 404)
    assert_json_error(client.post("/simulate", json={"text": "", "session": None}), 404)


# --- /simulate -------------------------------------------------------------------------------------------


def simulate(client: Any, text: str, session: dict[str, Any] | None, heard: Any = None) -> dict[str, Any]:
    body = {"text": text, "session": session, "locale": "en-US"}
    if heard is not None:
        body["heard"] = heard
    response = client.post("/simulate", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(("payload", "mentions"), [
    (b"not json", "JSON"),
    (b"[]", "object"),
    (b'{"session": null}', "'text'"),
    (b'{"text": 5, "session": null}', "'text'"),
    (b'{"text": null, "session": null}', "'text'"),
    (b'{"text": "x" , "session": "abc"}', "'session'"),
    (b'{"text": "x", "session": {}}', "'session'"),
    (b'{"text": "x", "session": {"sessionId": "s", "application": {"applicationId": "a"}, "user": {"userId": "u"},'
     b' "attributes": []}}', "'session'"),
    (b'{"text": "x", "session": null, "locale": "xx-XX"}', "'locale'"),
    (b'{"text": "x", "session": null, "locale": 5}', "'locale'"),
    (json.dumps({"text": "a" * (MAX_TEXT_CHARS + 1), "session": None}).encode(), str(MAX_TEXT_CHARS)),
])
def test_simulate_refuses_bad_input_clearly(skill: SpySkill, payload: bytes, mentions: str) -> None:
    response = app_for(skill).post("/simulate", data=payload, content_type="application/json")
    assert mentions in assert_json_error(response, 400)["message"]
    assert skill.calls == 0


def test_simulate_answers_a_routine_it_does_not_have_with_the_ones_it_has(skill: SpySkill) -> None:
    data = simulate(app_for(skill), "run the desk routine", None)
    assert (data["intent"], data["slots"]) == ("StartRoutineIntent", {"routine": "desk"})
    speech = assert_valid_speech(data["response"])
    assert "I don't know that routine." in speech and "gentle" in speech.lower()


def test_simulate_accepts_text_at_the_limit(skill: SpySkill) -> None:
    data = simulate(app_for(skill), "why " * (MAX_TEXT_CHARS // 4), None)
    assert data["intent"] == "AskQuestionIntent"


@pytest.mark.parametrize("text", ["", "open neck relief coach", "  Open Neck Relief Coach  "])
def test_launch_phrases_start_a_new_session(skill: SpySkill, text: str) -> None:
    client = app_for(skill)
    first = simulate(client, "", None)
    data = simulate(client, text, first["session"])
    assert data["intent"] == "LaunchRequest"
    assert data["request"]["request"]["type"] == "LaunchRequest"
    assert data["request"]["session"]["new"] is True
    assert data["session"]["sessionId"] != first["session"]["sessionId"]


def test_simulate_carries_the_session_through_a_routine(skill: SpySkill, speaker: FakeSpeaker) -> None:
    """Launch, a question, then a routine with its safety check, pause, resume and stop."""
    client = app_for(skill, speaker)
    launch = simulate(client, "open neck relief coach", None)
    assert launch["intent"] == "LaunchRequest" and launch["transcript"]
    assert launch["response"]["response"]["shouldEndSession"] is False
    assert launch["audio"].startswith("/audio/") and launch["routine"]["state"] is None

    question = simulate(client, "how hard should i press", launch["session"])
    assert question["intent"] == "TopicQuestionIntent"
    assert question["request"]["session"]["sessionId"] == launch["session"]["sessionId"]
    assert question["request"]["session"]["new"] is False

    start = simulate(client, "start the full routine", question["session"])
    assert (start["intent"], start["slots"]) == ("StartRoutineIntent", {"routine": "full"})
    assert start["session"]["attributes"]["pending_routine"]["id"] == "full"  # asked the safety question first

    playing = simulate(client, "no", start["session"])  # no warning signs today
    state = playing["routine"]["state"]
    assert state["id"] == "full" and state["step"] > 0 and state["paused"] is False
    assert playing["session"]["attributes"]["routine"] == state
    steps = [s["step"]["number"] for s in playing["routine"]["segments"] if "step" in s]
    assert steps == list(range(1, state["step"] + 1))
    assert any(s.get("label") == "hold" for s in playing["routine"]["segments"])

    paused = simulate(client, "pause", playing["session"])
    assert paused["intent"] == "AMAZON.PauseIntent"
    place = ("id", "step", "pace")
    assert {k: paused["routine"]["state"][k] for k in place} == {k: state[k] for k in place}
    assert paused["routine"]["state"]["paused"] is True

    resumed = simulate(client, "resume", paused["session"])
    assert resumed["intent"] == "AMAZON.ResumeIntent"
    first_step = next(s["step"]["number"] for s in resumed["routine"]["segments"] if "step" in s)
    assert first_step == state["step"] + 1  # carries on where it paused

    stopped = simulate(client, "stop", resumed["session"])
    assert stopped["intent"] == "AMAZON.StopIntent"
    assert stopped["session"] is None and stopped["response"]["response"]["shouldEndSession"] is True

    again = simulate(client, "help", stopped["session"])
    assert again["request"]["session"]["new"] is True


def test_audio_is_rendered_lazily_once_from_what_alexa_would_say(skill: SpySkill, speaker: FakeSpeaker) -> None:
    client = app_for(skill, speaker)
    data = simulate(client, "", None)
    assert speaker.plans == []  # nothing rendered until the page asks for it
    for _ in range(2):
        response = client.get(data["audio"])
        assert response.status_code == 200 and response.mimetype == "audio/wav"
        assert response.get_data()[:4] == b"RIFF"
        response.close()
    assert len(speaker.plans) == 1
    assert speaker.plans[0].text() == data["transcript"]


def test_audio_render_failure_is_a_plain_500(skill: SpySkill) -> None:
    class BrokenSpeaker(FakeSpeaker):
        def render_wav(self, plan: Plan, path: Path) -> Path:
            raise OSError("espeak exploded at /usr/lib/x.so")

    client = app_for(skill, BrokenSpeaker())
    assert_json_error(client.get(simulate(client, "", None)["audio"]), 500)


def test_audio_store_keeps_a_bounded_number_of_answers(tmp_path: Path) -> None:
    speaker = FakeSpeaker()
    store = AudioStore(lambda: speaker, capacity=2)
    first = store.add(Plan.of("one"))
    rendered = store.wav(first)
    assert rendered is not None and rendered.exists()
    second, third = store.add(Plan.of("two")), store.add(Plan.of("three"))
    assert store.wav(first) is None and not rendered.exists()  # evicted, and its file removed
    assert store.wav(second) is not None and store.wav(third) is not None


def test_timeline_marks_steps_holds_and_breaths() -> None:
    cues = load("en-US").cues
    routine = load("en-US").routines["quick"]
    heading = cues.step_heading.format(number="one", total="two", title=routine.steps[0].title)
    plan = Plan((
        Speech(f"{heading} Sit back."), Silence(1),
        Speech(cues.hold_announce.format(seconds="twenty seconds")), Silence(10), Speech(cues.hold_anchors[0]),
        Silence(10), Speech(cues.release[0]), Speech(cues.breathe_in), Silence(4), Speech(cues.breathe_out),
        Silence(6),
    ))
    segments = timeline(plan, "en-US", ["quick"])
    drawing = load_drawings().for_step(routine.steps[0].id)
    assert segments[0]["step"] == {"routine": "quick", "number": 1, "total": 2, "title": routine.steps[0].title,
                                   "drawing": drawing.id, "drawing_alt": drawing.alt}
    assert [s.get("hold") for s in segments] == [None, None, None, 1, 1, 1, None, None, None, None, None]
    assert [s.get("label") for s in segments if s["kind"] == "silence"] == [
        "", "hold", "hold", "breathe in", "breathe out"]
    assert sum(s["seconds"] for s in segments if s["kind"] == "silence") == 31


# --- command line ------------------------------------------------------------------------------------------


def test_serve_command_passes_its_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr("skill.web.server.run", lambda *a, **kw: calls.append((a, kw)) or 0)
    args = build_parser().parse_args(["serve", "--port", "8123", "--no-verify", "--alexa-only"])
    assert args.func(args) == 0
    assert calls == [(("127.0.0.1", 8123), {"verify": False, "alexa_only": True})]
    defaults = build_parser().parse_args(["serve"])
    defaults.func(defaults)
    assert calls[-1] == (("127.0.0.1", 5000), {"verify": None, "alexa_only": False})


def test_simulate_places_a_command_by_the_pages_player(skill: SpySkill, speaker: FakeSpeaker) -> None:
    """Seconds into the answer's audio from the page's player, not the time since it was sent."""
    client = app_for(skill, speaker)
    launch = simulate(client, "open neck relief coach", None)
    asked = simulate(client, "start the full routine", launch["session"])
    playing = simulate(client, "no", asked["session"])
    routine = playing["session"]["attributes"]["routine"]
    paused = simulate(client, "pause", playing["session"], heard=routine["marks"][0] + 1)
    assert paused["session"]["attributes"]["routine"]["step"] == routine["chunk_start"]
    heard_all = simulate(client, "repeat", playing["session"], heard="all")  # the last step heard, again
    assert heard_all["session"]["attributes"]["routine"]["chunk_start"] == routine["step"] - 1


@pytest.mark.parametrize("heard", [-1, 10**6, "half", True])
def test_simulate_refuses_a_bad_player_position(skill: SpySkill, speaker: FakeSpeaker, heard: Any) -> None:
    client = app_for(skill, speaker)
    response = client.post("/simulate", json={"text": "pause", "heard": heard})
    assert response.status_code == 400 and "heard" in response.get_json()["message"]
