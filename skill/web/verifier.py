"""Prove that a web-service request really comes from Alexa before the skill sees it.

Amazon requires this of any skill hosted outside Lambda. flask-ask-sdk's verifier cannot be imported
here (its certvalidator/oscrypto chain fails on OpenSSL 3), so this one is built on `cryptography`.
Every check works on the exact raw body bytes, because any re-encoding of the JSON breaks the
signature. Failures raise VerificationError with a short fixed reason: callers may log or return it,
so it never carries the skill id, header values or exception text.
"""

import base64
import json
import posixpath
import threading
import urllib.request
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import DNSName, PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as ChainError

from skill.deadline import Deadline

SIGNING_NAME = "echo-api.amazon.com"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
FETCH_TIMEOUT_SECONDS = 1.0  # each socket operation
FETCH_DEADLINE_SECONDS = 1.0  # the whole download, DNS lookup included (which socket timeouts do not cover)
FETCH_MAX_BYTES = 64 * 1024
CACHE_MAX_ENTRIES = 16
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

Fetch = Callable[[str], bytes]
Clock = Callable[[], datetime]


class VerificationError(Exception):
    """The request must be refused (HTTP 400); `reason` is safe to log and to return."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _canonical_cert_url(url: str) -> str:
    """Apply Amazon's URL rules and return the one spelling that is fetched and cached."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate URL malformed") from exc
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL must use https")
    if parts.username is not None or parts.password is not None:
        raise VerificationError("certificate URL has credentials")
    if (parts.hostname or "").lower() != CERT_HOST:
        raise VerificationError("certificate URL host not allowed")
    if port is not None and port != 443:
        raise VerificationError("certificate URL port not allowed")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CERT_PATH_PREFIX):
        raise VerificationError("certificate URL path not allowed")
    return urlunsplit(("https", CERT_HOST, path, parts.query, ""))


def check_cert_url(url: str) -> None:
    """Raise VerificationError unless `url` is a SignatureCertChainUrl Amazon could have sent."""
    _canonical_cert_url(url)


def fetch_pem(url: str) -> bytes:
    """Download a certificate chain over https only, with a timeout and a size cap.

    The cap keeps a hostile or broken response from filling memory; the final-URL check refuses
    a redirect that downgraded to plain http.
    """
    if urlsplit(url).scheme.lower() != "https":
        raise VerificationError("certificate URL must use https")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        if urlsplit(response.geturl()).scheme.lower() != "https":
            raise VerificationError("certificate URL must use https")
        data = response.read(FETCH_MAX_BYTES + 1)
    if len(data) > FETCH_MAX_BYTES:
        raise VerificationError("certificate chain too large")
    return data


def load_default_roots() -> list[x509.Certificate]:
    """Public roots from certifi when installed (same list as pip/requests), else the system bundle.

    Roots are parsed one by one so that a single legacy root which a newer `cryptography` refuses
    (some still have non-positive serial numbers) cannot take the whole trust store down.
    """
    try:
        import certifi

        bundle = Path(certifi.where()).read_bytes()
    except ImportError:
        bundle = SYSTEM_BUNDLE.read_bytes()
    end = b"-----END CERTIFICATE-----"
    roots = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in bundle.split(end)[:-1]:
            try:
                roots.append(x509.load_pem_x509_certificate(block + end))
            except ValueError:
                continue
    return roots


def _header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive lookup: Flask's headers already are, a plain dict from a test or proxy may not be."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted and value:
            return value
    raise VerificationError(f"missing {name} header")


def _dig(data: Any, *keys: str) -> Any:
    """Follow nested keys, giving None (not an exception) when the shape is wrong."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _parse_timestamp(envelope: dict[str, Any]) -> datetime:
    value = _dig(envelope, "request", "timestamp")
    if not isinstance(value, str) or not value:
        raise VerificationError("missing request timestamp")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as exc:
        raise VerificationError("bad request timestamp") from exc
    if stamp.tzinfo is None:
        raise VerificationError("bad request timestamp")
    return stamp


class AlexaRequestVerifier:
    """Checks one request at a time; safe to share between threads (the certificate cache is locked)."""

    def __init__(
        self,
        skill_id: str | None = None,
        *,
        roots: list[x509.Certificate] | None = None,
        fetch: Fetch | None = None,
        clock: Clock | None = None,
        tolerance_seconds: float = 150,
        fetch_deadline_seconds: float = FETCH_DEADLINE_SECONDS,
    ) -> None:
        self._skill_id = skill_id
        self._store = Store(load_default_roots() if roots is None else roots)
        self._fetch = fetch or fetch_pem
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tolerance = timedelta(seconds=tolerance_seconds)
        self._deadline = Deadline(fetch_deadline_seconds, "certificate-download", workers=4)
        self._cache: dict[str, list[x509.Certificate]] = {}
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise VerificationError unless Alexa signed exactly these bytes recently for this skill."""
        cert_url = _canonical_cert_url(_header(headers, "SignatureCertChainUrl"))
        try:
            signature = base64.b64decode(_header(headers, "Signature-256"), validate=True)
        except ValueError as exc:
            raise VerificationError("signature is not base64") from exc
        try:
            envelope = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise VerificationError("body is not valid JSON") from exc
        if not isinstance(envelope, dict):
            raise VerificationError("body is not a JSON object")

        now = self._clock()
        self._check_timestamp(_parse_timestamp(envelope), now)
        leaf = self._signing_certificate(cert_url, now)
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("signing key is not RSA")
        try:
            public_key.verify(signature, body, padding.PKCS1v15(), SHA256())
        except InvalidSignature as exc:
            raise VerificationError("signature does not match body") from exc
        self._check_skill_id(envelope)

    def _check_timestamp(self, stamp: datetime, now: datetime) -> None:
        """Replay protection: Amazon allows 150 s either way; a future stamp is as suspect as a stale one."""
        if now - stamp > self._tolerance:
            raise VerificationError("request timestamp too old")
        if stamp - now > self._tolerance:
            raise VerificationError("request timestamp in the future")

    def _signing_certificate(self, cert_url: str, now: datetime) -> x509.Certificate:
        """The verified leaf. Dates and trust are re-checked on every request, cached or not."""
        with self._lock:
            chain = self._cache.get(cert_url)
        if chain is None:
            chain = self._download(cert_url)
        leaf = chain[0]
        self._check_chain(leaf, chain[1:], now)
        with self._lock:
            # Only chains that verified are kept, so junk cannot crowd out Amazon's.
            if cert_url not in self._cache and len(self._cache) >= CACHE_MAX_ENTRIES:
                self._cache.pop(next(iter(self._cache)))
            self._cache[cert_url] = chain
        return leaf

    def _download(self, cert_url: str) -> list[x509.Certificate]:
        """The chain at ``cert_url`` within the deadline: a late download fails the request (400)
        rather than holding the answer past Alexa's patience."""
        try:
            pem = self._deadline.call(lambda: self._fetch(cert_url))
        except VerificationError:
            raise
        except Exception as exc:
            raise VerificationError("certificate download failed") from exc
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise VerificationError("certificate chain unreadable") from exc
        return chain

    def _check_chain(self, leaf: x509.Certificate, intermediates: list[x509.Certificate], now: datetime) -> None:
        """Amazon's own checks first, for a precise reason; then the full web-PKI path to a trusted root."""
        if now < leaf.not_valid_before_utc:
            raise VerificationError("signing certificate not yet valid")
        if now > leaf.not_valid_after_utc:
            raise VerificationError("signing certificate expired")
        try:
            names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound as exc:
            raise VerificationError("signing certificate not for echo-api.amazon.com") from exc
        if SIGNING_NAME not in (name.lower() for name in names.get_values_for_type(x509.DNSName)):
            raise VerificationError("signing certificate not for echo-api.amazon.com")
        verifier = PolicyBuilder().store(self._store).time(now).build_server_verifier(DNSName(SIGNING_NAME))
        try:
            verifier.verify(leaf, intermediates)
        except ChainError as exc:
            raise VerificationError("untrusted certificate chain") from exc

    def _check_skill_id(self, envelope: dict[str, Any]) -> None:
        if self._skill_id is None:
            return
        application_id = _dig(envelope, "context", "System", "application", "applicationId") or _dig(
            envelope, "session", "application", "applicationId"
        )
        if not application_id:
            raise VerificationError("missing application id")
        if application_id != self._skill_id:
            raise VerificationError("application id mismatch")
