"""The local AudioPlayer device: its envelopes, the local track render and cache, and the server's
track and event routes. A fake voice (a tone per word) keeps these fast and free of espeak-ng."""

from __future__ import annotations

import json
from array import array
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.content import load
from skill.device import envelopes
from skill.device.conversation import Conversation
from skill.intents import HEARD_TOKEN
from skill.local.__main__ import build_parser
from skill.persistence import SqliteAdapter
from skill.profile import Profile
from skill.routine.tracks import MANIFEST_NAME, Catalog, Track, load_catalog
from skill.voice import audio, tracks
from skill.voice.mix import Voice
from skill.web.server import create_app, make_local_server

TOKEN = "nrc-track:en-US:quick:normal"
BASE = "http://127.0.0.1:5000/tracks"


class FakeVoice:
    """A square-wave "word" per word of text, counting what it was asked to say."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> Voice:
        return Voice("fake", 22050, self.synthesize)

    def synthesize(self, speech: Any, _locale: str) -> array:
        self.calls += 1
        return array("h", [4000, -4000] * (110 * len(speech.text.split())))  # 10 ms a word


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FakeVoice]:
    folder = tmp_path_factory.mktemp("tracks")
    voice = FakeVoice()
    tracks.Renderer(folder, voice).render_all("en-US", routines=["quick"], paces=["normal"])
    return folder, voice


def serialized(body: dict[str, Any]) -> Any:
    return DefaultSerializer().deserialize(payload=json.dumps(body), obj_type=RequestEnvelope)


# --- envelopes ----------------------------------------------------------------------------------------------


def test_an_audio_player_event_has_no_session_and_reads_as_the_sdks_own_request() -> None:
    player = envelopes.player_context(TOKEN, 61_234, "PLAYING")
    body = envelopes.sessionless(envelopes.audio_player_request("PlaybackStarted", TOKEN, 61_234), player)
    assert "session" not in body
    assert body["context"]["AudioPlayer"] == {"token": TOKEN, "offsetInMilliseconds": 61_234,
                                              "playerActivity": "PLAYING"}
    assert body["context"]["System"]["device"]["supportedInterfaces"]["AudioPlayer"] == {}
    parsed = serialized(body)
    assert type(parsed.request).__name__ == "PlaybackStartedRequest"
    assert (parsed.request.token, parsed.request.offset_in_milliseconds) == (TOKEN, 61_234)
    assert parsed.context.audio_player.player_activity.value == "PLAYING"


def test_a_failure_says_why_and_where_and_buttons_are_playback_controller_requests() -> None:
    failed = envelopes.audio_player_request("PlaybackFailed", TOKEN, 5_000, "media error 4")
    parsed = serialized(envelopes.sessionless(failed, envelopes.player_context(TOKEN, 5_000, "STOPPED")))
    assert parsed.request.error.message == "media error 4"
    assert parsed.request.current_playback_state.offset_in_milliseconds == 5_000
    button = serialized(envelopes.sessionless(envelopes.playback_controller_request("Next"),
                                               envelopes.player_context(TOKEN, 1, "PLAYING")))
    assert type(button.request).__name__ == "NextCommandIssuedRequest"
    with pytest.raises(ValueError):
        envelopes.audio_player_request("PlaybackPaused", TOKEN, 0)
    with pytest.raises(ValueError):
        envelopes.playback_controller_request("Shuffle")
    with pytest.raises(ValueError):
        envelopes.player_context(TOKEN, 0, "DANCING")


def test_a_loaded_track_is_the_context_and_an_idle_device_still_says_what_it_heard() -> None:
    playing = envelopes.envelope(envelopes.intent_request("AMAZON.PauseIntent"), None, heard=3.0,
                                 player=envelopes.player_context(TOKEN, 90_000, "PLAYING"))
    assert playing["context"]["AudioPlayer"]["token"] == TOKEN
    assert playing["context"]["AudioPlayer"]["offsetInMilliseconds"] == 90_000
    idle = envelopes.envelope(envelopes.intent_request("AMAZON.PauseIntent"), None, heard=3.0,
                              player=envelopes.player_context())
    assert idle["context"]["AudioPlayer"] == {"token": HEARD_TOKEN, "offsetInMilliseconds": 3000,
                                              "playerActivity": "PLAYING"}
    assert "AudioPlayer" in idle["context"]["System"]["device"]["supportedInterfaces"]
    plain = envelopes.envelope(envelopes.launch_request(), None)
    assert "AudioPlayer" not in plain["context"]["System"]["device"]["supportedInterfaces"]


# --- rendering and the cache --------------------------------------------------------------------------------


def test_tracks_are_wav_with_the_rendered_step_starts_and_a_manifest(rendered: tuple[Path, FakeVoice]) -> None:
    folder, _ = rendered
    track = load_catalog(folder / MANIFEST_NAME).get("en-US", "quick", "normal")
    assert track is not None and track.suffix == ".wav"
    assert (folder / "en-US" / "quick-normal.wav").is_file()
    assert len(track.steps) == len(load("en-US").routines["quick"].steps) and track.steps[0] == 0
    timeline = tracks.Renderer(folder).timeline(track)
    assert [s["title"] for s in timeline["steps"]] == [s.title for s in load("en-US").routines["quick"].steps]
    assert timeline["steps"][1]["start_ms"] == track.steps[1]


def test_countdowns_cover_each_hold_with_its_reminders_and_name_the_breaths(rendered: tuple[Path, FakeVoice]) -> None:
    folder, _ = rendered
    timeline = json.loads((folder / "en-US" / "quick-normal.timeline.json").read_text(encoding="utf-8"))
    holds = [c for c in timeline["countdowns"] if c["label"] == "Hold"]
    plan = tracks.step_plans("en-US", "quick", "normal")
    announced = [s for part in plan for s in part.segments
                 if getattr(s, "label", "").startswith("hold:")]
    totals: list[float] = []
    for piece in announced:  # pieces of one hold add up to the announced seconds
        if totals and totals[-1] < float(piece.label[5:]) - 1e-6:
            totals[-1] += piece.seconds + piece.absorbs
        else:
            totals.append(piece.seconds + piece.absorbs)
    assert len(holds) == len(totals)
    for hold, total in zip(holds, totals, strict=True):
        assert hold["end_ms"] - hold["start_ms"] >= total * 1000  # the hold, and any reminder spoken within it
    breaths = [c["label"] for c in timeline["countdowns"] if c["label"].startswith("Breathe")]
    assert breaths and breaths[::2] == ["Breathe in"] * len(breaths[::2])
    assert breaths[1::2] == ["Breathe out"] * len(breaths[1::2])


def test_a_current_track_is_not_rendered_again_and_a_changed_one_is(rendered: tuple[Path, FakeVoice],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder, voice = rendered
    renderer = tracks.Renderer(folder, voice)
    before = voice.calls
    renderer.render_all("en-US", routines=["quick"], paces=["normal"])
    assert voice.calls == before
    monkeypatch.setattr(tracks.Renderer, "engine", property(lambda self: "another voice"))
    assert not renderer.current("en-US", "quick", "normal")
    renderer.render_all("en-US", routines=["quick"], paces=["normal"])
    assert voice.calls > before


def test_the_background_render_reports_progress_and_hands_over_the_catalog(tmp_path: Path) -> None:
    done: list[Any] = []
    background = tracks.Background(tracks.Renderer(tmp_path, FakeVoice()), on_done=done.append,
                                   routines=["quick"], paces=["faster"]).start()
    assert background.wait(60)
    assert background.status() == {"state": "ready", "done": 1, "total": 1}
    assert done[0].get("en-US", "quick", "faster") is not None


# --- the server's routes ------------------------------------------------------------------------------------


def device_app(folder: Path, db: Path, **options: Any) -> Any:
    skill = build_skill(SqliteAdapter(db), SkillConfig(seed=7, audio_base_url=BASE,
                                                       catalog=load_catalog(folder / MANIFEST_NAME)))
    options.setdefault("env", {})
    return create_app(skill=skill, verify=False, tracks_dir=folder, audio_base_url=BASE, render_tracks=False,
                      **options).test_client()


def test_tracks_manifest_and_timelines_are_served(rendered: tuple[Path, FakeVoice], tmp_path: Path) -> None:
    folder, _ = rendered
    client = device_app(folder, tmp_path / "s.sqlite3")
    manifest = client.get("/tracks/manifest.json")
    assert manifest.status_code == 200 and manifest.get_json() == load_catalog(folder).to_dict()
    whole = client.get("/tracks/en-US/quick-normal.wav")
    assert whole.status_code == 200 and whole.mimetype == "audio/wav" and whole.data[:4] == b"RIFF"
    part = client.get("/tracks/en-US/quick-normal.wav", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and len(part.data) == 100  # the player can seek
    timeline = client.get("/tracks/en-US/quick-normal.timeline.json").get_json()
    assert timeline["token"] == TOKEN and timeline["steps"][0]["number"] == 1
    assert client.get("/tracks/status").get_json() == {"state": "off", "tracks": 1}
    assert client.get("/simulate/device").get_json() == {"audio_player": True}


@pytest.mark.parametrize("path", ["/tracks/en-US/full-normal.wav", "/tracks/en-US/quick-normal.mp3",
                                  "/tracks/en-GB/quick-normal.wav", "/tracks/en-US/..%2Fmanifest.json",
                                  "/tracks/en-US/quick-normal.timeline.json/x", "/tracks/en-US/quick-brisk.wav"])
def test_only_listed_tracks_are_served(rendered: tuple[Path, FakeVoice], tmp_path: Path, path: str) -> None:
    response = device_app(rendered[0], tmp_path / "s.sqlite3").get(path)
    assert response.status_code == 404 and response.mimetype == "application/json"


def test_no_manifest_yet_is_a_clear_404(tmp_path: Path) -> None:
    response = device_app(tmp_path, tmp_path / "s.sqlite3").get("/tracks/manifest.json")
    assert response.status_code == 404 and "python -m skill.local tracks" in response.get_json()["message"]


@pytest.mark.parametrize("path", ["/tracks/manifest.json", "/tracks/en-US/quick-normal.wav", "/simulate/device"])
def test_tracks_and_events_answer_this_machine_only(rendered: tuple[Path, FakeVoice], tmp_path: Path,
                                                    path: str) -> None:
    client = device_app(rendered[0], tmp_path / "s.sqlite3")
    assert client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 403
    event = client.post("/simulate/event", json={"command": "Pause"},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert event.status_code == 403


def stored_profile(db: Path) -> Profile:
    request = serialized(envelopes.envelope(envelopes.launch_request(), None))
    return Profile.from_dict(SqliteAdapter(db).get_attributes(request))


def test_the_page_starts_the_track_and_its_player_events_save_the_place(rendered: tuple[Path, FakeVoice],
                                                                        tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    client = device_app(rendered[0], db)
    idle, session, reply = {"playerActivity": "IDLE"}, None, {}
    for text in ("open neck relief coach", "start the quick routine", "no"):
        reply = client.post("/simulate", json={"text": text, "session": session, "player": idle}).get_json()
        session = reply["session"]
    assert reply["request"]["context"]["AudioPlayer"] == {"playerActivity": "IDLE"}  # nothing loaded yet
    play = reply["response"]["response"]["directives"][0]
    assert play["type"] == "AudioPlayer.Play" and play["playBehavior"] == "REPLACE_ALL"
    assert play["audioItem"]["stream"] == {"token": TOKEN, "url": f"{BASE}/en-US/quick-normal.wav",
                                           "offsetInMilliseconds": 0}

    def event(body: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/simulate/event", json=body)
        assert response.status_code == 200
        return response.get_json()

    started = event({"event": "PlaybackStarted", "player": {"token": TOKEN, "offsetInMilliseconds": 0,
                                                            "playerActivity": "PLAYING"}})
    assert started["request"]["request"]["type"] == "AudioPlayer.PlaybackStarted"
    assert "outputSpeech" not in started["response"]["response"]
    paused = event({"command": "Pause", "player": {"token": TOKEN, "offsetInMilliseconds": 70_400,
                                                                "playerActivity": "PLAYING"}})
    assert paused["response"]["response"]["directives"] == [{"type": "AudioPlayer.Stop"}]
    event({"event": "PlaybackStopped", "player": {"token": TOKEN, "offsetInMilliseconds": 70_450,
                                                  "playerActivity": "STOPPED"}})
    assert stored_profile(db).place.offset_ms == 70_450


@pytest.mark.parametrize(("body", "mentions"), [
    ({"event": "PlaybackPaused", "player": {"token": TOKEN, "offsetInMilliseconds": 0, "playerActivity": "PLAYING"}},
     "event"),
    ({"event": "PlaybackStarted"}, "token"),
    ({"command": "Shuffle"}, "command"),
    ({"command": "Play", "player": {"token": TOKEN, "offsetInMilliseconds": -1,
                                                 "playerActivity": "STOPPED"}}, "player"),
    ({"command": "Play", "player": {"token": TOKEN, "offsetInMilliseconds": 1.5,
                                                 "playerActivity": "STOPPED"}}, "player"),
    ({"command": "Play", "player": {"token": TOKEN, "playerActivity": "ASLEEP"}}, "player"),
    ({"command": "Play", "locale": "fr-FR"}, "locale"),
    ({"event": "PlaybackFailed", "error": 7, "player": {"token": TOKEN, "offsetInMilliseconds": 0,
                                                        "playerActivity": "STOPPED"}}, "error"),
    ([], "JSON object"),
])
def test_bad_device_requests_are_refused_clearly(rendered: tuple[Path, FakeVoice], tmp_path: Path,
                                                 body: Any, mentions: str) -> None:
    response = device_app(rendered[0], tmp_path / "s.sqlite3").post("/simulate/event", json=body)
    assert response.status_code == 400 and mentions in response.get_json()["message"]


def test_the_simulate_player_state_is_checked(rendered: tuple[Path, FakeVoice], tmp_path: Path) -> None:
    client = device_app(rendered[0], tmp_path / "s.sqlite3")
    response = client.post("/simulate", json={"text": "pause", "player": {"token": 5, "playerActivity": "PLAYING"}})
    assert response.status_code == 400 and "player" in response.get_json()["message"]


def test_a_local_server_names_its_own_port_and_renders_then_streams(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    voice = FakeVoice()
    monkeypatch.setattr(tracks, "_local_voice", voice)
    monkeypatch.setattr(tracks, "ROUTINE_IDS", ("quick",))
    monkeypatch.setattr(tracks, "PACE_ORDER", ("normal",))
    server = make_local_server("127.0.0.1", 0, verify=False, env={}, db_path=tmp_path / "s.sqlite3",
                               tracks_dir=tmp_path / "tracks")
    try:
        client = server.app.test_client()
        assert server.app.extensions["nrc_track_render"].wait(60)
        assert client.get("/tracks/status").get_json() == {"state": "ready", "done": 1, "total": 1, "tracks": 1}
        session, reply = None, {}
        for text in ("open neck relief coach", "start the quick routine", "no"):
            reply = client.post("/simulate", json={"text": text, "session": session,
                                                   "player": {"playerActivity": "IDLE"}}).get_json()
            session = reply["session"]
        url = reply["response"]["response"]["directives"][0]["audioItem"]["stream"]["url"]
        assert url == f"http://127.0.0.1:{server.server_port}/tracks/en-US/quick-normal.wav"
        # /alexa keeps the environment's settings (none here): a real device cannot fetch loopback URLs.
        echo = Conversation(lambda body: client.post("/alexa", json=body).get_json(),
                            player=envelopes.player_context)
        for text in ("open neck relief coach", "start the quick routine"):
            echo.say(text)
        chunked = echo.say("no").response["response"]
        assert not [d for d in chunked.get("directives", []) if d["type"].startswith("AudioPlayer.")]
        assert "routine" in echo.attributes  # the chunked mode, in the session
    finally:
        server.server_close()


def test_a_timeline_from_other_content_is_not_served(tmp_path: Path) -> None:
    stale = Track("en-US", "quick", "normal", 90_000, (0,), suffix=".wav")  # the routine has two steps now
    Catalog({("en-US", "quick", "normal"): stale}).write(tmp_path)
    (tmp_path / "en-US").mkdir()
    (tmp_path / "en-US" / "quick-normal.timeline.json").write_text('{"countdowns": []}', encoding="utf-8")
    response = device_app(tmp_path, tmp_path / "s.sqlite3").get("/tracks/en-US/quick-normal.timeline.json")
    assert response.status_code == 404


@pytest.mark.audio
def test_the_tracks_command_renders_with_the_local_voice_once(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["tracks", "--dir", str(tmp_path), "--routine", "quick", "--pace", "faster", "--quiet"]
    parsed = build_parser().parse_args(args)
    assert parsed.func(parsed) == 0
    listed = capsys.readouterr().out
    track = load_catalog(tmp_path).get("en-US", "quick", "faster")
    assert str(tmp_path / "en-US" / "quick-faster.wav") in listed and track is not None
    assert audio.duration(tmp_path / track.file_name) == pytest.approx(track.duration_ms / 1000, abs=0.001)
    timeline = tmp_path / "en-US" / "quick-faster.timeline.json"
    written = timeline.stat().st_mtime_ns
    assert parsed.func(parsed) == 0
    assert timeline.stat().st_mtime_ns == written  # current: not rendered again
