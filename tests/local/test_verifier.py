"""The Alexa request verifier against a PKI generated here: every rule must reject on its own.

Each rejection case starts from a request that passes and breaks exactly one thing, and asserts the
exact reason, so a case cannot pass because some other check happened to fire first.
"""

import base64
import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.web.verifier import (
    FETCH_MAX_BYTES,
    FETCH_TIMEOUT_SECONDS,
    AlexaRequestVerifier,
    VerificationError,
    check_cert_url,
    fetch_pem,
)

NOW = datetime.now(UTC).replace(microsecond=0)
GOOD_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000001"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-9999-9999-9999-999999999999"
DAY = timedelta(days=1)


# --- a small PKI shaped like Amazon's: root -> intermediate -> echo-api.amazon.com -----------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> rsa.RSAPrivateKey:
    # 2048 is the smallest modulus the web-PKI policy accepts, so it is also the fastest realistic one.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _issue(
    subject: str,
    subject_key: rsa.RSAPrivateKey,
    issuer: str,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    not_before: datetime = NOW - 30 * DAY,
    not_after: datetime = NOW + 90 * DAY,
    san: str = "echo-api.amazon.com",
) -> x509.Certificate:
    public_key = subject_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = (
            builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey
    chains: dict[str, bytes]


@pytest.fixture(scope="session")
def pki() -> Pki:
    root_key, inter_key, leaf_key, rogue_key = _key(), _key(), _key(), _key()
    root = _issue("Test Root CA", root_key, "Test Root CA", root_key, ca=True, not_after=NOW + 3650 * DAY)
    inter = _issue("Test RSA 2048 M01", inter_key, "Test Root CA", root_key, ca=True)
    rogue_root = _issue("Rogue Root CA", rogue_key, "Rogue Root CA", rogue_key, ca=True)

    def leaf(issuer: str = "Test RSA 2048 M01", issuer_key: rsa.RSAPrivateKey = inter_key, **kw: Any):
        # Every leaf holds the same key, so a signature made with it is valid whatever the certificate:
        # a rejection can then only come from the certificate itself.
        return _issue("echo-api.amazon.com", leaf_key, issuer, issuer_key, ca=False, **kw)

    chains = {
        "good": _pem(leaf(), inter),
        "expired": _pem(leaf(not_before=NOW - 60 * DAY, not_after=NOW - DAY), inter),
        "not_yet_valid": _pem(leaf(not_before=NOW + DAY), inter),
        "wrong_san": _pem(leaf(san="echo-api.amazon.com.evil.example"), inter),
        "untrusted": _pem(leaf("Rogue Root CA", rogue_key), rogue_root),
        "no_intermediate": _pem(leaf()),
    }
    return Pki(root=root, leaf_key=leaf_key, other_key=rogue_key, chains=chains)


# --- requests --------------------------------------------------------------------------------------


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    timestamp: str | None = None, context_app: str | None = SKILL_ID, session_app: str | None = SKILL_ID
) -> dict[str, Any]:
    request: dict[str, Any] = {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.1", "locale": "en-US"}
    request["timestamp"] = _stamp(NOW) if timestamp is None else timestamp
    body: dict[str, Any] = {"version": "1.0", "request": request}
    if session_app is not None:
        body["session"] = {"new": True, "application": {"applicationId": session_app}}
    if context_app is not None:
        body["context"] = {"System": {"application": {"applicationId": context_app}}}
    return body


def sign(body: bytes, key: rsa.RSAPrivateKey, algorithm: hashes.HashAlgorithm | None = None) -> str:
    signature = key.sign(body, padding.PKCS1v15(), algorithm or hashes.SHA256())
    return base64.b64encode(signature).decode()


class FakeS3:
    """Stands in for the certificate download: serves one PEM and records each URL asked for."""

    def __init__(self, pem: bytes, error: Exception | None = None) -> None:
        self.pem = pem
        self.error = error
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if self.error is not None:
            raise self.error
        return self.pem


@dataclass
class Scenario:
    """A request that passes as built; a case changes one thing before it is verified."""

    pki: Pki
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    skill_id: str | None = None
    served: bytes | None = None
    fetch_error: Exception | None = None

    def __post_init__(self) -> None:
        self.served = self.pki.chains["good"]
        self.headers["SignatureCertChainUrl"] = GOOD_URL
        self.resign(envelope())

    def resign(self, payload: dict[str, Any] | bytes, key: rsa.RSAPrivateKey | None = None) -> None:
        self.body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.headers["Signature-256"] = sign(self.body, key or self.pki.leaf_key)

    def run(self, clock: Callable[[], datetime] = lambda: NOW) -> FakeS3:
        assert self.served is not None
        s3 = FakeS3(self.served, self.fetch_error)
        verifier = AlexaRequestVerifier(self.skill_id, roots=[self.pki.root], fetch=s3, clock=clock)
        verifier.verify(self.headers, self.body)
        return s3


# --- the rejection matrix --------------------------------------------------------------------------

Change = Callable[[Scenario], None]


def url(value: str) -> Change:
    return lambda s: s.headers.__setitem__("SignatureCertChainUrl", value)


def drop(header: str) -> Change:
    return lambda s: s.headers.pop(header)


def serve(chain: str) -> Change:
    return lambda s: setattr(s, "served", s.pki.chains[chain])


def body(payload: dict[str, Any] | bytes) -> Change:
    return lambda s: s.resign(payload)


def skill(configured: str, payload: dict[str, Any]) -> Change:
    def change(s: Scenario) -> None:
        s.skill_id = configured
        s.resign(payload)

    return change


def flip_one_byte(s: Scenario) -> None:
    s.body = s.body.replace(b"LaunchRequest", b"LaunchRequesT")


def legacy_sha1_only(s: Scenario) -> None:
    del s.headers["Signature-256"]
    s.headers["Signature"] = sign(s.body, s.pki.leaf_key, hashes.SHA1())


BAD_HOST = "certificate URL host not allowed"
BAD_PATH = "certificate URL path not allowed"
MISMATCH = "signature does not match body"

REJECTIONS = [
    pytest.param(
        url("http://s3.amazonaws.com/echo.api/echo-api-cert.pem"), "certificate URL must use https", id="http-scheme"
    ),
    pytest.param(url("https://notamazon.com/echo.api/echo-api-cert.pem"), BAD_HOST, id="wrong-host"),
    pytest.param(url("https://s3.amazonaws.com.evil.example/echo.api/c.pem"), BAD_HOST, id="look-alike-host"),
    pytest.param(url("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem"), BAD_PATH, id="wrong-path"),
    pytest.param(url("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem"), BAD_PATH, id="path-case"),
    pytest.param(url("https://s3.amazonaws.com/echo.api/../invalid.path/c.pem"), BAD_PATH, id="dotdot-escape"),
    pytest.param(
        url("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem"),
        "certificate URL port not allowed",
        id="port-563",
    ),
    pytest.param(
        url("https://me@s3.amazonaws.com/echo.api/echo-api-cert.pem"),
        "certificate URL has credentials",
        id="url-credentials",
    ),
    pytest.param(drop("SignatureCertChainUrl"), "missing SignatureCertChainUrl header", id="missing-url"),
    pytest.param(url(""), "missing SignatureCertChainUrl header", id="empty-url"),
    pytest.param(serve("expired"), "signing certificate expired", id="expired-cert"),
    pytest.param(serve("not_yet_valid"), "signing certificate not yet valid", id="not-yet-valid-cert"),
    pytest.param(serve("wrong_san"), "signing certificate not for echo-api.amazon.com", id="wrong-san"),
    pytest.param(serve("untrusted"), "untrusted certificate chain", id="untrusted-root"),
    pytest.param(serve("no_intermediate"), "untrusted certificate chain", id="intermediate-missing"),
    pytest.param(
        lambda s: setattr(s, "served", b"-----BEGIN CERTIFICATE-----\ngarbage\n"),
        "certificate chain unreadable",
        id="garbage-pem",
    ),
    pytest.param(
        lambda s: setattr(s, "fetch_error", OSError("connection reset")),
        "certificate download failed",
        id="fetch-error",
    ),
    pytest.param(flip_one_byte, MISMATCH, id="body-changed-one-byte"),
    pytest.param(lambda s: s.resign(envelope(), s.pki.other_key), MISMATCH, id="signed-by-other-key"),
    pytest.param(
        lambda s: s.headers.__setitem__("Signature-256", "not*base64!"),
        "signature is not base64",
        id="signature-not-base64",
    ),
    pytest.param(drop("Signature-256"), "missing Signature-256 header", id="missing-signature"),
    pytest.param(legacy_sha1_only, "missing Signature-256 header", id="legacy-sha1-header-only"),
    pytest.param(
        body(envelope(timestamp=_stamp(NOW - timedelta(seconds=151)))), "request timestamp too old", id="stale-151s"
    ),
    pytest.param(
        body(envelope(timestamp=_stamp(NOW + timedelta(seconds=151)))),
        "request timestamp in the future",
        id="future-151s",
    ),
    pytest.param(body(envelope(timestamp="")), "missing request timestamp", id="missing-timestamp"),
    pytest.param(body(envelope(timestamp="last Tuesday")), "bad request timestamp", id="garbled-timestamp"),
    pytest.param(body(envelope(timestamp="2026-01-01T00:00:00")), "bad request timestamp", id="timestamp-no-zone"),
    pytest.param(body(b'{"version": "1.0", "request": {'), "body is not valid JSON", id="malformed-json"),
    pytest.param(body(b"[]"), "body is not a JSON object", id="json-not-object"),
    pytest.param(
        skill(SKILL_ID, envelope(context_app=OTHER_SKILL_ID, session_app=OTHER_SKILL_ID)),
        "application id mismatch",
        id="wrong-skill-id",
    ),
    pytest.param(
        skill(SKILL_ID, envelope(context_app=OTHER_SKILL_ID)),
        "application id mismatch",
        id="context-id-wins-over-session",
    ),
    pytest.param(
        skill(SKILL_ID, envelope(context_app=None, session_app=None)), "missing application id", id="skill-id-absent"
    ),
]


@pytest.mark.parametrize(("change", "reason"), REJECTIONS)
def test_rejects(pki: Pki, change: Change, reason: str) -> None:
    scenario = Scenario(pki)
    change(scenario)
    with pytest.raises(VerificationError) as caught:
        scenario.run()
    assert caught.value.reason == reason


def test_rejection_matrix_is_wide_enough() -> None:
    assert len(REJECTIONS) >= 20


def test_reason_does_not_reveal_the_configured_skill_id(pki: Pki) -> None:
    scenario = Scenario(pki)
    skill(SKILL_ID, envelope(context_app=OTHER_SKILL_ID))(scenario)
    with pytest.raises(VerificationError) as caught:
        scenario.run()
    assert SKILL_ID not in str(caught.value)
    assert OTHER_SKILL_ID not in str(caught.value)


# --- accepted requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cert_url", "fetched"),
    [
        (GOOD_URL, GOOD_URL),
        ("https://S3.AMAZONAWS.COM/echo.api/echo-api-cert-12.pem", GOOD_URL),
        ("HTTPS://s3.amazonaws.com/echo.api/echo-api-cert-12.pem", GOOD_URL),
        ("https://s3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert-12.pem", GOOD_URL),
    ],
    ids=["canonical", "upper-case-host", "upper-case-scheme", "port-443-and-dotdot"],
)
def test_accepts_and_fetches_the_normalised_url(pki: Pki, cert_url: str, fetched: str) -> None:
    scenario = Scenario(pki)
    url(cert_url)(scenario)
    assert scenario.run().calls == [fetched]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: None, id="no-skill-id-configured"),
        pytest.param(skill(SKILL_ID, envelope()), id="skill-id-matches"),
        pytest.param(skill(SKILL_ID, envelope(context_app=None)), id="skill-id-from-session-only"),
        pytest.param(body(envelope(timestamp=_stamp(NOW - timedelta(seconds=150)))), id="150s-old"),
        pytest.param(body(envelope(timestamp=_stamp(NOW + timedelta(seconds=150)))), id="150s-ahead"),
        pytest.param(body(envelope(timestamp=_stamp(NOW)[:-1] + ".250Z")), id="fractional-seconds"),
    ],
)
def test_accepts(pki: Pki, change: Change) -> None:
    scenario = Scenario(pki)
    change(scenario)
    assert scenario.run().calls == [GOOD_URL]


def test_header_names_are_case_insensitive(pki: Pki) -> None:
    scenario = Scenario(pki)
    scenario.headers = {name.lower(): value for name, value in scenario.headers.items()}
    assert scenario.run().calls == [GOOD_URL]


def test_default_clock_is_the_real_time(pki: Pki) -> None:
    scenario = Scenario(pki)
    real_now = datetime.now(UTC)
    verifier = AlexaRequestVerifier(roots=[pki.root], fetch=FakeS3(pki.chains["good"]))
    scenario.resign(envelope(timestamp=_stamp(real_now)))
    verifier.verify(scenario.headers, scenario.body)
    scenario.resign(envelope(timestamp=_stamp(real_now - timedelta(seconds=400))))
    with pytest.raises(VerificationError, match="too old"):
        verifier.verify(scenario.headers, scenario.body)


# --- certificate cache -----------------------------------------------------------------------------


def test_chain_is_fetched_once_per_url(pki: Pki) -> None:
    scenario = Scenario(pki)
    s3 = FakeS3(pki.chains["good"])
    verifier = AlexaRequestVerifier(roots=[pki.root], fetch=s3, clock=lambda: NOW)
    verifier.verify(scenario.headers, scenario.body)
    verifier.verify(scenario.headers, scenario.body)
    # Another spelling of the same URL is the same cache entry.
    url("https://S3.amazonaws.com:443/echo.api/./echo-api-cert-12.pem")(scenario)
    verifier.verify(scenario.headers, scenario.body)
    assert s3.calls == [GOOD_URL]


def test_cached_chain_is_still_checked_for_expiry(pki: Pki) -> None:
    scenario = Scenario(pki)
    s3 = FakeS3(pki.chains["good"])
    now = [NOW]
    verifier = AlexaRequestVerifier(roots=[pki.root], fetch=s3, clock=lambda: now[0])
    verifier.verify(scenario.headers, scenario.body)
    now[0] = NOW + 365 * DAY
    scenario.resign(envelope(timestamp=_stamp(now[0])))
    with pytest.raises(VerificationError, match="signing certificate expired"):
        verifier.verify(scenario.headers, scenario.body)
    assert len(s3.calls) == 1


def test_rejected_chain_is_not_cached(pki: Pki) -> None:
    scenario = Scenario(pki)
    s3 = FakeS3(pki.chains["untrusted"])
    verifier = AlexaRequestVerifier(roots=[pki.root], fetch=s3, clock=lambda: NOW)
    for _ in range(2):
        with pytest.raises(VerificationError, match="untrusted"):
            verifier.verify(scenario.headers, scenario.body)
    assert len(s3.calls) == 2


# --- check_cert_url on its own ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_check_cert_url_accepts(cert_url: str) -> None:
    check_cert_url(cert_url)


@pytest.mark.parametrize(
    ("cert_url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "certificate URL must use https"),
        ("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", "certificate URL must use https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", BAD_HOST),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", BAD_PATH),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", BAD_PATH),
        ("https://s3.amazonaws.com/echo.api/../../echo.api.evil/c.pem", BAD_PATH),
        ("https://s3.amazonaws.com//echo.api/echo-api-cert.pem", BAD_PATH),
        ("https://s3.amazonaws.com", BAD_PATH),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "certificate URL port not allowed"),
        ("https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem", "certificate URL malformed"),
        ("not a url", "certificate URL must use https"),
    ],
)
def test_check_cert_url_rejects(cert_url: str, reason: str) -> None:
    with pytest.raises(VerificationError) as caught:
        check_cert_url(cert_url)
    assert caught.value.reason == reason


# --- the default fetcher, with urlopen replaced (no network) ---------------------------------------


class FakeResponse:
    def __init__(self, data: bytes, final_url: str) -> None:
        self._data = data
        self._final_url = final_url

    def __enter__(self) -> "FakeResponse":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def geturl(self) -> str:
        return self._final_url

    def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


@pytest.fixture
def fake_urlopen(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[tuple[str, float]]]:
    """Install a fake urlopen serving `data`; returns the list of (url, timeout) it was called with."""

    def install(data: bytes, final_url: str | None = None) -> list[tuple[str, float]]:
        calls: list[tuple[str, float]] = []

        def urlopen(request_url: str, timeout: float) -> FakeResponse:
            calls.append((request_url, timeout))
            return FakeResponse(data, final_url or request_url)

        monkeypatch.setattr(urllib.request, "urlopen", urlopen)
        return calls

    return install


def test_fetch_pem_reads_up_to_the_limit_with_a_timeout(fake_urlopen: Callable[..., Any]) -> None:
    calls = fake_urlopen(b"x" * FETCH_MAX_BYTES)
    assert fetch_pem(GOOD_URL) == b"x" * FETCH_MAX_BYTES
    assert calls == [(GOOD_URL, FETCH_TIMEOUT_SECONDS)]


def test_fetch_pem_refuses_more_than_64_kib(fake_urlopen: Callable[..., Any]) -> None:
    fake_urlopen(b"x" * (64 * 1024 + 1))
    with pytest.raises(VerificationError, match="too large"):
        fetch_pem(GOOD_URL)


def test_fetch_pem_refuses_plain_http_without_connecting(fake_urlopen: Callable[..., Any]) -> None:
    calls = fake_urlopen(b"unused")
    with pytest.raises(VerificationError, match="https"):
        fetch_pem("http://s3.amazonaws.com/echo.api/echo-api-cert.pem")
    assert calls == []


def test_fetch_pem_refuses_a_redirect_to_http(fake_urlopen: Callable[..., Any]) -> None:
    fake_urlopen(b"pem", final_url="http://s3.amazonaws.com/echo.api/echo-api-cert.pem")
    with pytest.raises(VerificationError, match="https"):
        fetch_pem(GOOD_URL)


def test_verifier_uses_the_default_fetcher(pki: Pki, fake_urlopen: Callable[..., Any]) -> None:
    scenario = Scenario(pki)
    calls = fake_urlopen(pki.chains["good"])
    AlexaRequestVerifier(roots=[pki.root], clock=lambda: NOW).verify(scenario.headers, scenario.body)
    assert calls == [(GOOD_URL, FETCH_TIMEOUT_SECONDS)]


def test_oversized_download_reason_reaches_the_caller(pki: Pki, fake_urlopen: Callable[..., Any]) -> None:
    scenario = Scenario(pki)
    fake_urlopen(b"x" * (FETCH_MAX_BYTES + 1))
    verifier = AlexaRequestVerifier(roots=[pki.root], clock=lambda: NOW)
    with pytest.raises(VerificationError) as caught:
        verifier.verify(scenario.headers, scenario.body)
    assert caught.value.reason == "certificate chain too large"


# --- Amazon's real chain passes the web-PKI server policy ------------------------------------------

# Amazon's public signing chain for echo-api.amazon.com (leaf valid 2026-07-28 .. 2027-02-10, issued by
# Amazon RSA 2048 M01 under Amazon Root CA 1, plus the Starfield cross-certificate), as published under
# s3.amazonaws.com/echo.api/. Public data; it chains by signature to Amazon Root CA 1 in certifi, which
# is what this test checks, at a fixed time so it keeps working after the leaf expires.
AMAZON_CHAIN = b"""-----BEGIN CERTIFICATE-----
MIIFxzCCBK+gAwIBAgIQD4h7C+HbtXhZNwE7PpuCJzANBgkqhkiG9w0BAQsFADA8
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRwwGgYDVQQDExNBbWF6b24g
UlNBIDIwNDggTTAxMB4XDTI2MDcyODAwMDAwMFoXDTI3MDIxMDIzNTk1OVowHjEc
MBoGA1UEAxMTZWNoby1hcGkuYW1hem9uLmNvbTCCASIwDQYJKoZIhvcNAQEBBQAD
ggEPADCCAQoCggEBALto22k1FHbDHjmTqOvjHLSraECZ+AqIUOFZdky2f2TTBkFv
pLaG/TbZ6M+tgoIfScGK3lzBzSg2q0fYMi1dlWVrnyXHrpUNrOeEYdoG18EMPy/8
mZDMlCAzI+uRQ7Q5HW6mNhtw2ioLOfROGr4y8HR2wZf42Gxz9d3nOc5kVMLafXaA
7y6ZjdY5creh6PueLf+uyqNXaTifR9xGYt/SC0zqAlQuK4y54uLh+7LZ+cTGG6oo
dsR5Tae9kr3Xk9UGoGGsNht6ORFQAszOe16IJ3+97SjSVINisacu7dG1rmA0GcXX
6JME+1JGww0uXfXl3diDE26Rlx1cW5pjEOpikXsCAwEAAaOCAuEwggLdMB8GA1Ud
IwQYMBaAFIG4DmOKiRIY5fo7O1CVn+blkBOFMB0GA1UdDgQWBBSS3TDoKzEY/MG3
ilqLpvGMd8r7mzAeBgNVHREEFzAVghNlY2hvLWFwaS5hbWF6b24uY29tMBMGA1Ud
IAQMMAowCAYGZ4EMAQIBMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEF
BQcDATA7BgNVHR8ENDAyMDCgLqAshipodHRwOi8vY3JsLnIybTAxLmFtYXpvbnRy
dXN0LmNvbS9yMm0wMS5jcmwwdQYIKwYBBQUHAQEEaTBnMC0GCCsGAQUFBzABhiFo
dHRwOi8vb2NzcC5yMm0wMS5hbWF6b250cnVzdC5jb20wNgYIKwYBBQUHMAKGKmh0
dHA6Ly9jcnQucjJtMDEuYW1hem9udHJ1c3QuY29tL3IybTAxLmNlcjAMBgNVHRMB
Af8EAjAAMIIBfQYKKwYBBAHWeQIEAgSCAW0EggFpAWcAdwBMY9yY5Zwdq4j2Hoo9
3q6Pq0SjN3tfm5TD+6Gc/MG+JgAAAZ+mtyKkAAAEAwBIMEYCIQDo1nW9CNKmcwFW
1BoSi+yva6OdMkJvi68XWswhoUswEgIhAIcB6bxA3R+1JY3F97Rbcil698hfQa3q
sn4xuolwOYchAHUA1tWNqdAXU/NqSqDHV0kCr+vH3CzTjNn3ZMgMiRkenwIAAAGf
prciuAAABAMARjBEAiAx9GLJFXrRSbPLRNoLBH5X3z0eXo+MFY3yxuJ64YVlZAIg
fs18u2hHBKh+q6zuofY2g0plVmQXcjQ+0/LYjbCrRZwAdQAcn2gs6frwRWlQ+BuW
iofd2zIQ2EzmyLLjglJKxM9ZnwAAAZ+mtyL7AAAEAwBGMEQCIHZFiZ1K8hJHwo8A
VM509myfAmp20SkiX+zyYfUYMtDnAiAub0yq8H2Kp/hQgksJ8J5mlIlQ5atO0unH
d90X9zPevDANBgkqhkiG9w0BAQsFAAOCAQEAZXtQdsFhcI86RDY/3kjY0BvkSpX1
ZjUBWnwEGyItlaQ85ABTVgvxg5Z2Gt3+w2835kCSOmfSWU478UMcxNDn1o1mrQ3Q
NanoZxNABcqP6qm0yr4FmsA+brzLcyT3nNK5CsE7ZbG8uUzzyDODug8/kaHnYqBU
4doEocgSNIyjXulQDLmMuavT+eJx3DDqqfZdXZeKz7trBcqeyZDAICc3w9LPwCpd
UuiJjGPwQBqO+927qirMKs4xajarNTOHRvoHnI4wGZBOtAi8BY6VI6iyD/MPlXji
SjNjM2hKIJsXebx1xK1ee0IBQVcGL677hWpjYv/aiuY47uVoqlrZpzy3iw==
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIEXjCCA0agAwIBAgITB3MSOAudZoijOx7Zv5zNpo4ODzANBgkqhkiG9w0BAQsF
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6
b24gUm9vdCBDQSAxMB4XDTIyMDgyMzIyMjEyOFoXDTMwMDgyMzIyMjEyOFowPDEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEcMBoGA1UEAxMTQW1hem9uIFJT
QSAyMDQ4IE0wMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAOtxLKnL
H4gokjIwr4pXD3i3NyWVVYesZ1yX0yLI2qIUZ2t88Gfa4gMqs1YSXca1R/lnCKeT
epWSGA+0+fkQNpp/L4C2T7oTTsddUx7g3ZYzByDTlrwS5HRQQqEFE3O1T5tEJP4t
f+28IoXsNiEzl3UGzicYgtzj2cWCB41eJgEmJmcf2T8TzzK6a614ZPyq/w4CPAff
nAV4coz96nW3AyiE2uhuB4zQUIXvgVSycW7sbWLvj5TDXunEpNCRwC4kkZjK7rol
jtT2cbb7W2s4Bkg3R42G3PLqBvt2N32e/0JOTViCk8/iccJ4sXqrS1uUN4iB5Nmv
JK74csVl+0u0UecCAwEAAaOCAVowggFWMBIGA1UdEwEB/wQIMAYBAf8CAQAwDgYD
VR0PAQH/BAQDAgGGMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAdBgNV
HQ4EFgQUgbgOY4qJEhjl+js7UJWf5uWQE4UwHwYDVR0jBBgwFoAUhBjMhTTsvAyU
lC4IWZzHshBOCggwewYIKwYBBQUHAQEEbzBtMC8GCCsGAQUFBzABhiNodHRwOi8v
b2NzcC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbTA6BggrBgEFBQcwAoYuaHR0cDov
L2NydC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbS9yb290Y2ExLmNlcjA/BgNVHR8E
ODA2MDSgMqAwhi5odHRwOi8vY3JsLnJvb3RjYTEuYW1hem9udHJ1c3QuY29tL3Jv
b3RjYTEuY3JsMBMGA1UdIAQMMAowCAYGZ4EMAQIBMA0GCSqGSIb3DQEBCwUAA4IB
AQCtAN4CBSMuBjJitGuxlBbkEUDeK/pZwTXv4KqPK0G50fOHOQAd8j21p0cMBgbG
kfMHVwLU7b0XwZCav0h1ogdPMN1KakK1DT0VwA/+hFvGPJnMV1Kx2G4S1ZaSk0uU
5QfoiYIIano01J5k4T2HapKQmmOhS/iPtuo00wW+IMLeBuKMn3OLn005hcrOGTad
hcmeyfhQP7Z+iKHvyoQGi1C0ClymHETx/chhQGDyYSWqB/THwnN15AwLQo0E5V9E
SJlbe4mBlqeInUsNYugExNf+tOiybcrswBy8OFsd34XOW3rjSUtsuafd9AWySa3h
xRRrwszrzX/WWGm6wyB+f7C4
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIEkjCCA3qgAwIBAgITBn+USionzfP6wq4rAfkI7rnExjANBgkqhkiG9w0BAQsF
ADCBmDELMAkGA1UEBhMCVVMxEDAOBgNVBAgTB0FyaXpvbmExEzARBgNVBAcTClNj
b3R0c2RhbGUxJTAjBgNVBAoTHFN0YXJmaWVsZCBUZWNobm9sb2dpZXMsIEluYy4x
OzA5BgNVBAMTMlN0YXJmaWVsZCBTZXJ2aWNlcyBSb290IENlcnRpZmljYXRlIEF1
dGhvcml0eSAtIEcyMB4XDTE1MDUyNTEyMDAwMFoXDTM3MTIzMTAxMDAwMFowOTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv
b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj
ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM
9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw
IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6
VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L
93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm
jgSubJrIqg0CAwEAAaOCATEwggEtMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/
BAQDAgGGMB0GA1UdDgQWBBSEGMyFNOy8DJSULghZnMeyEE4KCDAfBgNVHSMEGDAW
gBScXwDfqgHXMCs4iKK4bUqc8hGRgzB4BggrBgEFBQcBAQRsMGowLgYIKwYBBQUH
MAGGImh0dHA6Ly9vY3NwLnJvb3RnMi5hbWF6b250cnVzdC5jb20wOAYIKwYBBQUH
MAKGLGh0dHA6Ly9jcnQucm9vdGcyLmFtYXpvbnRydXN0LmNvbS9yb290ZzIuY2Vy
MD0GA1UdHwQ2MDQwMqAwoC6GLGh0dHA6Ly9jcmwucm9vdGcyLmFtYXpvbnRydXN0
LmNvbS9yb290ZzIuY3JsMBEGA1UdIAQKMAgwBgYEVR0gADANBgkqhkiG9w0BAQsF
AAOCAQEAYjdCXLwQtT6LLOkMm2xF4gcAevnFWAu5CIw+7bMlPLVvUOTNNWqnkzSW
MiGpSESrnO09tKpzbeR/FoCJbM8oAxiDR3mjEH4wW6w7sGDgd9QIpuEdfF7Au/ma
eyKdpwAJfqxGF4PcnCZXmTA5YpaP7dreqsXMGz7KQ2hsVxa81Q4gLv7/wmpdLqBK
bRRYh5TmOTFffHPLkIhqhBGWJ6bt2YFGpn6jcgAKUj6DiAdjd4lpFw85hdKrCEVN
0FE6/V1dN2RMfjCyVSRCnTawXZwXgWHxyvkQAiSr6w10kY17RSlQOYiypok1JR4U
akcjMS9cmvqtmg5iUaQqqcT5NJ0hGA==
-----END CERTIFICATE-----
"""


def test_amazon_chain_is_trusted_by_default_roots(pki: Pki) -> None:
    """Amazon's key is not ours, so the request cannot be signed; getting as far as the signature
    check proves the URL, dates, SAN and the server-verifier chain to a certifi root all passed."""
    when = datetime(2026, 12, 1, tzinfo=UTC)
    scenario = Scenario(pki)
    scenario.resign(envelope(timestamp=_stamp(when)))
    verifier = AlexaRequestVerifier(fetch=FakeS3(AMAZON_CHAIN), clock=lambda: when)
    with pytest.raises(VerificationError) as caught:
        verifier.verify(scenario.headers, scenario.body)
    assert caught.value.reason == MISMATCH


def test_amazon_chain_is_refused_once_expired(pki: Pki) -> None:
    when = datetime(2027, 3, 1, tzinfo=UTC)
    scenario = Scenario(pki)
    scenario.resign(envelope(timestamp=_stamp(when)))
    verifier = AlexaRequestVerifier(fetch=FakeS3(AMAZON_CHAIN), clock=lambda: when)
    with pytest.raises(VerificationError, match="signing certificate expired"):
        verifier.verify(scenario.headers, scenario.body)
