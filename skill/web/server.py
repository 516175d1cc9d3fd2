"""The local Flask shim: the skill as a real Alexa web-service endpoint, plus a web simulator.

``POST /alexa`` is what Alexa (or any independent client) calls. Each request is verified on its exact
raw bytes before the skill sees it, because Amazon requires that of every endpoint outside Lambda.
``POST /simulate`` turns typed text into a real request envelope through the same Conversation the
terminal chat uses, and ``GET /audio/<id>.wav`` renders the answer with the local speaker, so the
page can be heard in a browser even when the server has no sound card.
Every error reaches the client as short JSON; details go to the log only.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request, send_file, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from skill.alexa.interceptors import loggable
from skill.alexa.limits import (
    MAX_ENVELOPE_DEPTH,
    attributes_problem,
    envelope_problem,
    json_problem,
    refuse_constant,
)
from skill.alexa.system_handlers import EMPTY_RESPONSE, known_request_type
from skill.config import SkillConfig
from skill.content import LocaleContent, available_locales, load
from skill.device import envelopes
from skill.device.conversation import Conversation, Send, in_process
from skill.intents import MAX_HEARD_SECONDS
from skill.routine.tracks import EMPTY, MANIFEST_NAME, Catalog, load_catalog
from skill.speech.estimate import speech_seconds
from skill.speech.parse import plan_from_response
from skill.speech.plan import Plan, Silence
from skill.text import normalise, number_words
from skill.understanding.matcher import MODELS_DIR
from skill.visuals.web import drawing_svg, step_drawing
from skill.voice.tracks import Background, Renderer, tracks_dir_from_env
from skill.web.verifier import AlexaRequestVerifier, VerificationError

logger = logging.getLogger("skill.web.server")

WEB_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 256 * 1024  # Alexa requests are a few KB; anything near this is not one
MAX_TEXT_CHARS = 500
AUDIO_PLANS_KEPT = 64
DEFAULT_HOST = "127.0.0.1"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 5000
_AUDIO_ID = re.compile(r"^[0-9a-f]{32}$")
TRACKS_PATH = "/tracks"
MAX_TOKEN_CHARS = 200
MAX_OFFSET_MS = 24 * 3600 * 1000  # a day: far longer than any track
_MESSAGES = {
    400: "The request is not valid.",
    404: "Nothing here.",
    405: "This method is not allowed here.",
    413: f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.",
    500: "Something went wrong on the server.",
}
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
}


class RequestVerifier(Protocol):
    def verify(self, headers: Mapping[str, str], body: bytes) -> None: ...


class WavRenderer(Protocol):
    def render_wav(self, plan: Plan, path: Path) -> Path: ...


class BadInput(Exception):
    """Input the client can fix; the message says how and is safe to return."""


def _env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def supported_locales() -> list[str]:
    """Locales with both content and an interaction model, the two things a simulated turn needs."""
    return [locale for locale in available_locales() if (MODELS_DIR / f"{locale}.json").is_file()]


class AudioStore:
    """Plans waiting to be heard, rendered to WAV on first request.

    Bounded, so a long session cannot fill the disk. Rendering is serialised because pyttsx3 drives
    one engine that breaks when two threads use it at once (research/voice-toolchain.md, part 1).
    """

    def __init__(self, speaker: Callable[[], WavRenderer], capacity: int = AUDIO_PLANS_KEPT) -> None:
        self._speaker_factory = speaker
        self._speaker: WavRenderer | None = None
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[Plan, Path | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def add(self, plan: Plan) -> str:
        audio_id = uuid.uuid4().hex
        with self._lock:
            self._entries[audio_id] = (plan, None)
            while len(self._entries) > self._capacity:
                _, (_, old) = self._entries.popitem(last=False)
                if old is not None:
                    old.unlink(missing_ok=True)
        return audio_id

    def wav(self, audio_id: str) -> Path | None:
        """The rendered file, or None when the id is unknown or has been evicted."""
        plan, path = self._lookup(audio_id)
        if plan is None or path is not None:
            return path
        with self._render_lock:
            plan, path = self._lookup(audio_id)  # another request may have rendered it while this one waited
            if plan is None or path is not None:
                return path
            if self._folder is None:
                self._folder = tempfile.TemporaryDirectory(prefix="nrc-audio-")
            if self._speaker is None:
                self._speaker = self._speaker_factory()
            path = self._speaker.render_wav(plan, Path(self._folder.name) / f"{audio_id}.wav")
        with self._lock:
            if audio_id in self._entries:
                self._entries[audio_id] = (plan, path)
        return path

    def _lookup(self, audio_id: str) -> tuple[Plan | None, Path | None]:
        with self._lock:
            return self._entries.get(audio_id, (None, None))


def _default_speaker() -> WavRenderer:
    from skill.voice.speaker import Speaker  # pyttsx3 is imported only when audio is first asked for

    return Speaker()


def _parse_json(body: bytes) -> Any:
    """Strict JSON: no NaN or Infinity, nothing too deep or too large to handle safely."""
    try:
        data = json.loads(body, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise BadInput("The body must be JSON.") from exc
    _within_limits(json_problem(data, MAX_ENVELOPE_DEPTH))
    return data


def _within_limits(problem: str | None) -> None:
    if problem is not None:
        raise BadInput(f"The request breaks a limit: {problem}.")


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def _dig(data: Any, *keys: str) -> Any:
    """Follow nested keys, giving None (not an exception) when a client sent the wrong shape."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _heard_input(value: Any) -> float | None:
    """Where the page's audio player was in the last answer: seconds, "all" (played to its end), or
    absent (the request is then placed by time, as Alexa places a spoken interruption)."""
    if value is None:
        return None
    if value == "all":
        return float("inf")
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_HEARD_SECONDS:
        return float(value)
    raise BadInput(f"'heard' must be seconds into the last answer (0 to {MAX_HEARD_SECONDS}), or \"all\".")


def _player_input(value: Any) -> dict[str, Any] | None:
    """The page's AudioPlayer state (``context.AudioPlayer``), or None when the page is no AudioPlayer device."""
    if value is None:
        return None
    message = ("'player' must be null or {token, offsetInMilliseconds, playerActivity} as Alexa sends in "
               f"context.AudioPlayer (activity one of {', '.join(envelopes.PLAYER_ACTIVITIES)}).")
    if not isinstance(value, dict):
        raise BadInput(message)
    token, offset, activity = value.get("token"), value.get("offsetInMilliseconds", 0), value.get("playerActivity")
    if not (token is None or (isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS)):
        raise BadInput(message)
    if not (isinstance(offset, int) and not isinstance(offset, bool) and 0 <= offset <= MAX_OFFSET_MS):
        raise BadInput(message)
    if activity not in envelopes.PLAYER_ACTIVITIES:
        raise BadInput(message)
    return envelopes.player_context(token, offset, activity)


def _device_request(payload: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(request, player state, locale) from a /simulate/event body: an AudioPlayer event or a transport button."""
    if not isinstance(payload, dict):
        raise BadInput("The body must be a JSON object with 'event' or 'command', 'player' and 'locale'.")
    player = _player_input(payload.get("player")) or envelopes.player_context()
    locale = _locale_input(payload)
    event, command = payload.get("event"), payload.get("command")
    if command is not None:
        if command not in envelopes.PLAYBACK_COMMANDS:
            raise BadInput(f"'command' must be one of: {', '.join(envelopes.PLAYBACK_COMMANDS)}.")
        return envelopes.playback_controller_request(command), player, locale
    if event not in envelopes.AUDIO_PLAYER_EVENTS:
        raise BadInput(f"'event' must be one of: {', '.join(envelopes.AUDIO_PLAYER_EVENTS)}.")
    if "token" not in player:
        raise BadInput("An AudioPlayer event needs the player's 'token'.")
    error = payload.get("error", "")
    if not isinstance(error, str) or len(error) > MAX_TEXT_CHARS:
        raise BadInput(f"'error' must be a string of at most {MAX_TEXT_CHARS} characters.")
    return envelopes.audio_player_request(event, player["token"], player["offsetInMilliseconds"], error), player, locale


def _locale_input(payload: dict[str, Any]) -> str:
    locale = payload.get("locale", "en-US")
    if not isinstance(locale, str) or locale not in supported_locales():
        raise BadInput(f"'locale' must be one of: {', '.join(supported_locales())}.")
    return locale


def _simulate_input(payload: Any) -> tuple[str, dict[str, Any] | None, str]:
    """(text, session, locale) from a /simulate body, or BadInput saying exactly what is wrong."""
    if not isinstance(payload, dict):
        raise BadInput("The body must be a JSON object with 'text', 'session' and 'locale'.")
    text = payload.get("text")
    if not isinstance(text, str):
        raise BadInput("'text' must be a string.")
    if len(text) > MAX_TEXT_CHARS:
        raise BadInput(f"'text' must be at most {MAX_TEXT_CHARS} characters.")
    return text, _session_input(payload.get("session")), _locale_input(payload)


def _session_input(session: Any) -> dict[str, Any] | None:
    """The session returned by the previous call, checked so a hand-edited one cannot crash the skill."""
    if session is None:
        return None
    message = "'session' must be null or the 'session' object returned by the previous call."
    if not isinstance(session, dict) or not isinstance(session.get("sessionId"), str):
        raise BadInput(message)
    application, user = session.get("application"), session.get("user")
    if not (isinstance(application, dict) and isinstance(application.get("applicationId"), str)
            and isinstance(user, dict) and isinstance(user.get("userId"), str)
            and isinstance(session.get("attributes", {}), dict)):
        raise BadInput(message)
    _within_limits(attributes_problem(session.get("attributes", {})))
    return {
        "new": False,
        "sessionId": session["sessionId"],
        "application": {"applicationId": application["applicationId"]},
        "user": {"userId": user["userId"]},
        "attributes": session.get("attributes", {}),
    }


def _as_skill(send: Send, skill_id: str | None) -> Send:
    """Simulated requests carry the configured skill id, or the SDK's own skill-id check refuses them."""
    if not skill_id:
        return send

    def send_as_skill(body: dict[str, Any]) -> dict[str, Any]:
        body["context"]["System"]["application"] = {"applicationId": skill_id}
        if "session" in body:  # AudioPlayer and PlaybackController requests have none
            body["session"]["application"] = {"applicationId": skill_id}
        return send(body)

    return send_as_skill


def _step_headings(content: LocaleContent, routine_ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Spoken step headings ("step two of four: ...") for the routines a turn may be playing, likeliest first."""
    ids = [r for r in dict.fromkeys([*routine_ids, *content.routines]) if r in content.routines]
    headings = []
    for routine_id in ids:
        steps = content.routines[routine_id].steps
        for i, step in enumerate(steps):
            heading = content.cues.step_heading.format(number=number_words(i + 1), total=number_words(len(steps)),
                                                       title=step.title)
            headings.append((normalise(heading), {"routine": routine_id, "number": i + 1, "total": len(steps),
                                                  "title": step.title, **step_drawing(step.id)}))
    return headings


def timeline(plan: Plan, locale: str, routine_ids: list[str]) -> list[dict[str, Any]]:
    """The answer's segments in playing order, so the page can follow the audio it plays.

    Only the response reaches the shim (no side channel from the skill), so the timeline listens for
    the routine's own cue words: a step heading marks the step, everything between "hold for ..."
    and a release phrase is one hold (``hold`` numbers it, for one countdown across its anchors),
    and a silence after "breathe in" or "and out" is a breath. Silences are exact; speech lengths
    are estimates that the page stretches to the real audio length.
    """
    content = load(locale)
    headings = _step_headings(content, routine_ids)
    announce = normalise(content.cues.hold_announce.split("{")[0])
    releases = [normalise(text) for text in content.cues.release]
    breaths = [(normalise(content.cues.breathe_in), "breathe in"), (normalise(content.cues.breathe_out), "breathe out")]
    out: list[dict[str, Any]] = []
    hold: int | None = None
    holds = 0
    said = ""
    for seg in plan.segments:
        if isinstance(seg, Silence):
            label = "hold" if hold is not None else next((name for cue, name in breaths if said.endswith(cue)), "")
            item: dict[str, Any] = {"kind": "silence", "seconds": seg.seconds, "label": label}
        else:
            said = normalise(seg.text)
            if hold is not None and any(release in said for release in releases):
                hold = None
            item = {"kind": "speech", "seconds": round(speech_seconds(seg), 3), "text": seg.text}
            step = next((info for heading, info in headings if heading in said), None)
            if step is not None:
                item["step"] = step
        if hold is not None:
            item["hold"] = hold
        out.append(item)
        if item["kind"] == "speech" and announce and announce in said:
            holds += 1
            hold = holds
    return out


def _routine_view(exchange_request: dict[str, Any], response: dict[str, Any], plan: Plan,
                  locale: str) -> dict[str, Any]:
    """The routine state after this turn, and the timeline of what it plays (for the current step and countdowns)."""
    state = (response.get("sessionAttributes") or {}).get("routine")
    before = _dig(exchange_request, "session", "attributes", "routine")
    ids = [r["id"] for r in (state, before) if isinstance(_dig(r, "id"), str)]
    return {"state": state, "segments": timeline(plan, locale, ids)}


def _error(status: int, code: str, message: str | None = None) -> tuple[Response, int]:
    return jsonify({"error": code, "message": message or _MESSAGES.get(status, _MESSAGES[500])}), status


class _SkillHolder:
    """The simulator's skill. A server that built it builds it again when the rendered tracks change,
    so the skill reads the tracks' manifest with the tracks in place."""

    def __init__(self, skill: Any, build: Callable[[], tuple[Any, Catalog]] | None = None,
                 catalog: Catalog = EMPTY) -> None:
        self.skill = skill
        self._build = build
        self._catalog = catalog  # what the skill was built with

    @classmethod
    def built(cls, build: Callable[[], tuple[Any, Catalog]]) -> _SkillHolder:
        skill, catalog = build()
        return cls(skill, build, catalog)

    def tracks_ready(self, catalog: Catalog) -> None:
        if self._build is not None and catalog != self._catalog:
            self.skill, self._catalog = self._build()
            logger.info("local tracks rendered: the simulator now plays routines as long-form audio")

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        return in_process(self.skill)(body)


def create_app(
    *,
    skill: Any = None,
    verify: bool | None = None,
    alexa_only: bool = False,
    skill_id: str | None = None,
    db_path: str | os.PathLike[str] | None = None,
    verifier: RequestVerifier | None = None,
    speaker: WavRenderer | None = None,
    remote_simulator: bool | None = None,
    env: Mapping[str, str] | None = None,
    tracks_dir: str | os.PathLike[str] | None = None,
    audio_base_url: str | None = None,
    render_tracks: bool = True,
) -> Flask:
    """The app. Arguments win over the environment (``NRC_NO_VERIFY``, ``NRC_SKILL_ID``, ``NRC_DB_PATH``,
    ``NRC_REMOTE_SIMULATOR``, ``NRC_LOCAL_TRACKS``).

    ``alexa_only`` serves ``/alexa`` and ``/healthz`` alone, for running as a deployed web service.
    The simulator has no authentication, so it answers loopback clients only unless
    ``remote_simulator`` is set (behind a reverse proxy on the same machine every client looks
    local: use ``alexa_only`` there).

    With ``audio_base_url`` (this server's own ``/tracks`` URL, see :func:`make_local_server`) the
    simulator is an AudioPlayer device: its skill's ``NRC_AUDIO_BASE_URL`` and ``NRC_TRACKS_MANIFEST``
    point at the local tracks in ``tracks_dir``, which ``render_tracks`` renders in the background
    (only what is missing or out of date). ``/alexa`` keeps the environment's settings: a real
    device cannot fetch this machine's loopback URLs.
    """
    env = os.environ if env is None else env
    folder = Path(tracks_dir) if tracks_dir is not None else tracks_dir_from_env(env)
    simulator_env = env
    if audio_base_url and not alexa_only:
        simulator_env = {**env, "NRC_AUDIO_BASE_URL": audio_base_url,
                         "NRC_TRACKS_MANIFEST": str(folder / MANIFEST_NAME)}

    def configured(source: Mapping[str, str]) -> SkillConfig:
        fresh = SkillConfig.from_env(source)
        return replace(fresh, skill_id=skill_id) if skill_id else fresh

    config = configured(env)
    simulated = _SkillHolder(skill)
    if skill is None:
        from skill.alexa import build_skill
        from skill.persistence.factory import local_adapter_from_env

        store_env = {**env, "NRC_DB_PATH": str(db_path)} if db_path else env
        adapter = local_adapter_from_env(store_env)  # one store for both: one SQLite connection per process
        skill = build_skill(adapter, config)

        def build_simulated() -> tuple[Any, Catalog]:
            simulator_config = configured(simulator_env)
            return build_skill(adapter, simulator_config), simulator_config.catalog

        simulated = _SkillHolder.built(build_simulated)
    if verify is None:
        verify = not _env_flag(env.get("NRC_NO_VERIFY"))
    if verify and verifier is None:
        verifier = AlexaRequestVerifier(config.skill_id or skill.skill_id)
    checker = verifier if verify else None
    if not verify:
        logger.warning("Alexa request verification is OFF: use this only for local development and tests")
    elif not (config.skill_id or skill.skill_id):
        logger.warning("no skill id is configured (NRC_SKILL_ID): signatures are verified, but requests for "
                       "any skill are accepted; set it before exposing the endpoint")
    if remote_simulator is None:
        remote_simulator = _env_flag(env.get("NRC_REMOTE_SIMULATOR"))

    app = Flask(__name__, static_folder=None if alexa_only else str(WEB_DIR), static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, DEBUG=False, PROPAGATE_EXCEPTIONS=False)
    _register_errors(app)

    @app.after_request
    def secure(response: Response) -> Response:
        response.headers.update(_SECURITY_HEADERS)
        return response

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify({"status": "ok"})

    @app.post("/alexa")
    def alexa() -> ResponseReturnValue:
        body = request.get_data(cache=False)  # the exact bytes Alexa signed
        if checker is not None:
            try:
                checker.verify(request.headers, body)
            except VerificationError as error:
                logger.warning("refused an /alexa request: %s", error.reason)
                return _error(400, "not_verified", "The request could not be verified.")
        envelope = _parse_json(body)
        _within_limits(envelope_problem(envelope))
        request_type = _dig(envelope, "request", "type")
        if not isinstance(request_type, str):
            raise BadInput("The body must be an Alexa request envelope.")
        if skill.skill_id and _dig(envelope, "context", "System", "application", "applicationId") != skill.skill_id:
            logger.warning("refused an /alexa request for another skill")
            return _error(400, "not_verified", "The request could not be verified.")
        if not known_request_type(request_type):  # the SDK cannot even read it; Alexa wants a valid reply
            logger.info("request type %s is unknown: empty response", loggable(request_type))
            return jsonify(EMPTY_RESPONSE)
        try:
            parsed = skill.serializer.deserialize(payload=body.decode("utf-8"), obj_type=RequestEnvelope)
        except Exception as exc:
            raise BadInput("The body must be an Alexa request envelope.") from exc
        return jsonify(skill.serializer.serialize(skill.invoke(request_envelope=parsed, context=None)))

    if not alexa_only:
        renderer = Renderer(folder)
        background = Background(renderer, on_done=simulated.tracks_ready) if audio_base_url and render_tracks else None
        _add_simulator(app, _as_skill(simulated.send, skill.skill_id), speaker, remote_simulator,
                       player_device=bool(audio_base_url))
        _add_tracks(app, renderer, background)
        if background is not None:
            app.extensions["nrc_track_render"] = background  # for whoever must wait for it (tests, tools)
            background.start()
    return app


def make_local_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, **options: Any) -> Any:
    """A threaded werkzeug server whose simulator is an AudioPlayer device playing this server's own tracks.

    The port is bound first (``0`` picks a free one), so the audio base URL the skill puts in
    ``AudioPlayer.Play`` names the port actually used.
    """
    from werkzeug.serving import make_server

    server = make_server(host, port, Flask(__name__), threaded=True)
    if not options.get("alexa_only"):
        options.setdefault("audio_base_url", f"{_base_url(host, server.server_port)}{TRACKS_PATH}")
    server.app = create_app(**options)
    return server


def _base_url(host: str, port: int) -> str:
    return f"http://{host if ':' not in host else f'[{host}]'}:{port}"


def alexa_app() -> Flask:
    """The web-service endpoint alone, configured from the environment, for a production WSGI server:
    ``waitress-serve --listen 127.0.0.1:5000 --call skill.web.server:alexa_app``."""
    return create_app(alexa_only=True)


def _add_simulator(app: Flask, send: Send, speaker: WavRenderer | None, remote: bool, player_device: bool) -> None:
    audio = AudioStore((lambda: speaker) if speaker is not None else _default_speaker)

    @app.before_request
    def loopback_only() -> ResponseReturnValue | None:
        if remote or request.path in ("/alexa", "/healthz") or _is_loopback(request.remote_addr):
            return None
        return _error(403, "forbidden", "The simulator answers this machine only: set NRC_REMOTE_SIMULATOR=1 "
                                        "to open it, or serve with --alexa-only.")

    @app.get("/simulate/device")
    def device() -> ResponseReturnValue:
        """Whether the page should act as an AudioPlayer device (declare it, play tracks, send events)."""
        return jsonify({"audio_player": player_device})

    @app.post("/simulate/event")
    def device_event() -> ResponseReturnValue:
        """An AudioPlayer event or a transport button from the page's player, sent as Alexa sends it."""
        request_body, player, locale = _device_request(_parse_json(request.get_data(cache=False)))
        exchange = Conversation(send, locale=locale, player=lambda: player).device_event(request_body)
        return jsonify({"request": exchange.request, "response": exchange.response,
                        "transcript": exchange.transcript})

    @app.get("/")
    def index() -> ResponseReturnValue:
        return send_from_directory(WEB_DIR, "index.html")

    @app.post("/simulate")
    def simulate() -> ResponseReturnValue:
        payload = _parse_json(request.get_data(cache=False))
        text, session, locale = _simulate_input(payload)
        heard = _heard_input(payload.get("heard"))
        player = _player_input(payload.get("player"))
        conversation = Conversation(send, locale=locale, session=session, heard=lambda: heard,
                                    player=(lambda: player) if player is not None else None)
        exchange = conversation.say(text)
        plan = plan_from_response(exchange.response)
        audio_id = audio.add(plan) if plan.text() else None  # silence alone has nothing to render
        return jsonify({
            "intent": exchange.match.intent,
            "slots": exchange.match.slots,
            "matched_by": exchange.match.how,
            "request": exchange.request,
            "response": exchange.response,
            "session": conversation.session,
            "transcript": exchange.transcript,
            "audio": url_for("audio_wav", audio_id=audio_id) if audio_id else None,
            "routine": _routine_view(exchange.request, exchange.response, plan, locale),
        })

    @app.get("/drawings/<drawing_id>.svg")
    def drawing(drawing_id: str) -> ResponseReturnValue:
        svg = drawing_svg(drawing_id)
        return Response(svg, mimetype="image/svg+xml") if svg else _error(404, "not_found", "No such drawing.")

    @app.get("/audio/<audio_id>.wav")
    def audio_wav(audio_id: str) -> ResponseReturnValue:
        path = audio.wav(audio_id) if _AUDIO_ID.match(audio_id) else None
        if path is None:
            return _error(404, "not_found", "That audio is not available (any more): send the utterance again.")
        return send_file(path, mimetype="audio/wav", conditional=True, max_age=0)


_TRACK_FILE = re.compile(r"^(?P<routine>[a-z_]+)-(?P<pace>[a-z]+)(?P<kind>\.wav|\.mp3|\.timeline\.json)$")
_AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}


def _add_tracks(app: Flask, renderer: Renderer, background: Background | None) -> None:
    """The local tracks at ``/tracks``: the manifest, each track's audio (with ranges, so a player can
    seek) and its timeline for the page. Only files the manifest lists are served."""
    manifest = renderer.folder / MANIFEST_NAME

    @app.get(f"{TRACKS_PATH}/{MANIFEST_NAME}")
    def tracks_manifest() -> ResponseReturnValue:
        if not manifest.is_file():
            return _error(404, "not_found", "No tracks are rendered yet: run `python -m skill.local tracks`.")
        return send_file(manifest, mimetype="application/json", max_age=0)

    @app.get(f"{TRACKS_PATH}/status")
    def tracks_status() -> ResponseReturnValue:
        status = background.status() if background is not None else {"state": "off"}
        return jsonify({**status, "tracks": len(load_catalog(manifest).tracks)})

    @app.get(f"{TRACKS_PATH}/<locale>/<name>")
    def track_file(locale: str, name: str) -> ResponseReturnValue:
        match = _TRACK_FILE.match(name)
        track = load_catalog(manifest).get(locale, match["routine"], match["pace"]) if match else None
        if track is None or match is None:
            return _error(404, "not_found", "No such track.")
        if match["kind"] == ".timeline.json":
            timeline = renderer.timeline(track)
            return jsonify(timeline) if timeline else _error(404, "not_found", "That track has no timeline.")
        path = renderer.folder / track.file_name
        if match["kind"] != track.suffix or not path.is_file():
            return _error(404, "not_found", "No such track.")
        return send_file(path, mimetype=_AUDIO_TYPES[track.suffix], conditional=True, max_age=0)


def _register_errors(app: Flask) -> None:
    """JSON for every failure, and never a stack trace: Flask's HTML pages would show a client internals."""

    @app.errorhandler(BadInput)
    def bad_input(error: BadInput) -> ResponseReturnValue:
        return _error(400, "bad_request", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        body, status = _error(status, (error.name or "error").lower().replace(" ", "_"))
        if status == 405 and getattr(error, "valid_methods", None):
            body.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return body, status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        logger.error("unhandled %s on %s %s", type(error).__name__, loggable(request.method), loggable(request.path),
                     exc_info=error)
        return _error(500, "internal_error")


def run(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, verify: bool | None = None,
        alexa_only: bool = False) -> int:
    """Serve until interrupted, on a threaded server so a slow audio render never blocks /alexa."""
    if not alexa_only and host not in LOOPBACK_HOSTS:
        logger.warning("listening beyond this machine: the simulator refuses other machines' requests unless "
                       "NRC_REMOTE_SIMULATOR=1; use --alexa-only when exposing the server")
    server = make_local_server(host, port, verify=verify, alexa_only=alexa_only)
    base = _base_url(host, server.server_port)
    print(f"Alexa endpoint: POST {base}/alexa", flush=True)
    if not alexa_only:
        print(f"Simulator: open {base}/ in a browser (routine tracks render in the background: {base}{TRACKS_PATH}/"
              "status)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
