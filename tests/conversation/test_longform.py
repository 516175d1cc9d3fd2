"""Long-form mode in process: a device with an audio player plays a routine as one track, every
AudioPlayer and PlaybackController request is handled without a session, and every command works
from the player's offset and the track's timeline."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from bench.longform import BASE_URL, DAY_SECONDS, Clock, planned_catalog
from skill.alexa import build_skill
from skill.alexa.builder import lambda_handler
from skill.config import SkillConfig, audio_base_url
from skill.content import load
from skill.device import envelopes
from skill.device.audio_device import AudioDevice
from skill.device.conversation import Conversation, in_process
from skill.persistence.sqlite_adapter import SqliteAdapter
from skill.profile import Profile
from skill.routine.tracks import Catalog, Track
from skill.text import number_words
from tests.checks import check_response

CATALOG = planned_catalog()
CONTENT = load("en-US")
QUICK = CATALOG.get("en-US", "quick", "normal")
FULL = CATALOG.get("en-US", "full", "normal")
assert QUICK is not None and FULL is not None


class Rig:
    """One user's skill over one store, with a clock; devices and plain conversations talk to it."""

    def __init__(self, db: Path, catalog: Catalog = CATALOG, base: str | None = BASE_URL) -> None:
        self.clock = Clock()
        self.db = db
        config = SkillConfig(seed=3, clock=self.clock, audio_base_url=base, catalog=catalog)
        skill = build_skill(SqliteAdapter(db), config)
        inner = in_process(skill)
        self.sent: list[tuple[dict[str, Any], dict[str, Any]]] = []

        def send(body: dict[str, Any]) -> dict[str, Any]:
            response = inner(body)
            check_response(body, response)
            self.sent.append((body, response))
            return response

        self.send = send
        self.catalog = catalog

    def device(self) -> AudioDevice:
        return AudioDevice(self.send, lambda token: self.catalog.by_token(token).duration_ms)

    def listen(self, device: AudioDevice, seconds: float) -> None:
        device.listen(seconds)
        self.clock.now += seconds

    def profile(self) -> Profile:
        body = envelopes.sessionless({"type": "LaunchRequest"}, {})
        request = DefaultSerializer().deserialize(payload=json.dumps(body), obj_type=RequestEnvelope)
        return Profile.from_dict(SqliteAdapter(self.db).get_attributes(request))

    def started(self, routine: str = "quick") -> AudioDevice:
        device = self.device()
        device.launch()
        device.say(f"start the {routine} routine")
        exchange = device.say("no")
        assert play_of(exchange.response) is not None
        return device


def play_of(response: dict[str, Any]) -> dict[str, Any] | None:
    plays = [d for d in (response.get("response") or {}).get("directives") or [] if d["type"] == "AudioPlayer.Play"]
    return plays[0]["audioItem"]["stream"] if plays else None


def stops(response: dict[str, Any]) -> bool:
    return any(d["type"] == "AudioPlayer.Stop" for d in (response.get("response") or {}).get("directives") or [])


def speech(exchange: Any) -> str:
    return exchange.transcript


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path / "skill.sqlite3")


# ----- starting ---------------------------------------------------------------------------------------
def test_a_routine_starts_as_one_stream_after_the_safety_check_and_ends_the_session(rig: Rig) -> None:
    device = rig.device()
    device.launch()
    asked = device.say("start the quick routine")
    assert asked.response["sessionAttributes"]["offer"] == "safety_check" and play_of(asked.response) is None
    started = device.say("no")
    stream = play_of(started.response)
    assert stream == {"token": "nrc-track:en-US:quick:normal", "url": f"{BASE_URL}/en-US/quick-normal.mp3",
                      "offsetInMilliseconds": 0}
    body = started.response["response"]
    assert body["shouldEndSession"] is True and "reprompt" not in body
    assert "no need to say continue" in speech(started)
    assert not any(d["type"].startswith("Alexa.Presentation.APLA") for d in body["directives"])
    kinds = [b["request"]["type"] for b, _ in rig.sent]
    assert kinds[-1] == "AudioPlayer.PlaybackStarted" and "session" not in rig.sent[-1][0]
    assert rig.profile().place.token == QUICK.token and rig.profile().unfinished.step == 0


@pytest.mark.parametrize("setup", ["no audio player", "no base url", "no track at this pace", "bad base url"])
def test_without_all_three_the_chunked_mode_is_unchanged(tmp_path: Path, setup: str) -> None:
    catalog = Catalog({k: t for k, t in CATALOG.tracks.items() if k[2] != "normal"}) \
        if setup == "no track at this pace" else CATALOG
    base = {"no base url": None, "bad base url": audio_base_url("http://coach.example.com")}.get(setup, BASE_URL)
    rig = Rig(tmp_path / "db.sqlite3", catalog, base)
    talk: Any = Conversation(rig.send) if setup == "no audio player" else rig.device()
    talk.launch()
    talk.say("start the full routine")
    exchange = talk.say("no")
    assert play_of(exchange.response) is None
    directives = exchange.response["response"]["directives"]
    assert any(d["type"] == "Alexa.Presentation.APLA.RenderDocument" for d in directives)
    assert exchange.response["sessionAttributes"]["routine"]["id"] == "full"


def test_base_urls_must_be_https_or_loopback() -> None:
    assert audio_base_url("https://coach.example.com/tracks/") == "https://coach.example.com/tracks"
    assert audio_base_url("http://127.0.0.1:5000/tracks") == "http://127.0.0.1:5000/tracks"
    assert audio_base_url("http://coach.example.com") is None and audio_base_url("ftp://x") is None
    assert SkillConfig.from_env({"NRC_AUDIO_BASE_URL": "https://coach.example.com"}).streams is False  # no manifest


def test_configuration_from_the_environment(tmp_path: Path) -> None:
    CATALOG.write(tmp_path)
    config = SkillConfig.from_env({"NRC_AUDIO_BASE_URL": BASE_URL, "NRC_TRACKS_MANIFEST": str(tmp_path)})
    assert config.streams and config.catalog == CATALOG and config.audio_base_url == BASE_URL


# ----- the player's events ------------------------------------------------------------------------------
def test_progress_lives_in_the_profile_across_events_without_a_session(rig: Rig) -> None:
    device = rig.started("full")
    rig.listen(device, 100.0)
    device.press("Pause")  # the button: no session, no speech
    place = rig.profile().place
    assert place is not None and place.offset_ms == 100_000 and rig.profile().unfinished.step == FULL.step_at(100_000)
    fresh = rig.device()  # another request, another device object: only the store remembers
    fresh.stream, fresh.activity = device.stream, "STOPPED"
    fresh.press("Play")
    assert play_of(rig.sent[-2][1])["offsetInMilliseconds"] == 100_000


def test_playback_finished_counts_the_routine_as_done(rig: Rig) -> None:
    device = rig.started("quick")
    device.listen_to_end()
    kinds = [b["request"]["type"] for b, _ in rig.sent[-2:]]
    assert kinds == ["AudioPlayer.PlaybackNearlyFinished", "AudioPlayer.PlaybackFinished"]
    profile = rig.profile()
    assert profile.completed == {"quick": 1} and profile.unfinished is None and profile.place is None
    assert "step" not in speech(device.launch())  # no resume offered: it is done


@pytest.mark.parametrize(("command", "step"), [("start over", 0), ("repeat", -1)])
def test_start_over_and_repeat_right_after_the_track_finished_act_on_it(rig: Rig, command: str, step: int) -> None:
    device = rig.started("quick")
    device.listen_to_end()
    exchange = device.say(command)
    if play_of(exchange.response) is None:  # a new session: the safety check comes first
        exchange = device.say("no")
    stream = play_of(exchange.response)
    assert stream is not None and stream["token"] == QUICK.token
    assert stream["offsetInMilliseconds"] == QUICK.steps[step]


def test_playback_failed_saves_the_place_and_logs(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    device = rig.started("quick")
    rig.listen(device, 42.5)
    with caplog.at_level(logging.ERROR, logger="skill.alexa"):
        device.fail()
    assert rig.profile().place.offset_ms == 42_500
    assert "playback failed: type=MEDIA_ERROR_SERVICE_UNAVAILABLE" in caplog.text


@pytest.mark.parametrize("token", ["nrc-track:en-US:nonsense:normal", "somebody-elses-stream", "nrc-track:en-GB:quick",
                                   "nrc-track:en-US:quick:brisk"])
def test_damaged_or_foreign_tokens_change_nothing(rig: Rig, token: str) -> None:
    for event in ("PlaybackStarted", "PlaybackStopped", "PlaybackFinished", "PlaybackFailed"):
        rig.send(envelopes.sessionless(envelopes.audio_player_request(event, token, 5_000), {}))
    for button in ("Play", "Pause", "Next", "Previous"):
        response = rig.send(envelopes.sessionless(envelopes.playback_controller_request(button),
                                                  envelopes.player_context(token, 5_000, "STOPPED")))
        assert not response["response"].get("directives")
    assert rig.profile() == Profile()
    talk = Conversation(rig.send, player=lambda: envelopes.player_context(token, 5_000, "STOPPED"))
    paused = talk.intent("AMAZON.PauseIntent")
    assert play_of(paused.response) is None and not stops(paused.response)
    assert "no routine running" in speech(paused)


def test_offsets_beyond_the_track_are_clamped(rig: Rig) -> None:
    rig.send(envelopes.sessionless(envelopes.audio_player_request("PlaybackStopped", QUICK.token, 10**9), {}))
    assert rig.profile().place.offset_ms == QUICK.duration_ms
    assert rig.profile().unfinished.step == len(QUICK.steps) - 1
    talk = Conversation(rig.send, player=lambda: envelopes.player_context(QUICK.token, 10**9, "STOPPED"))
    assert play_of(talk.intent("AMAZON.ResumeIntent").response)["offsetInMilliseconds"] == QUICK.duration_ms


# ----- commands while the track plays -------------------------------------------------------------------
def test_pause_stops_and_saves_and_resume_plays_from_there(rig: Rig) -> None:
    device = rig.started("full")
    rig.listen(device, 71.3)
    paused = device.say("pause")
    assert stops(paused.response) and paused.response["response"]["shouldEndSession"] is True
    step = FULL.step_at(71_300)
    assert f"step {number_words(step + 1)} of seven" in speech(paused).lower()
    assert rig.profile().place.offset_ms == 71_300
    rig.clock.now += 60
    resumed = device.say("resume")
    assert play_of(resumed.response)["offsetInMilliseconds"] == 71_300
    assert device.activity == "PLAYING"


@pytest.mark.parametrize(("command", "target"), [
    ("next", lambda t, s: t.start_of(s + 1)),
    ("back", lambda t, s: t.start_of(s - 1)),
    ("repeat", lambda t, s: t.start_of(s)),
    ("start over", lambda t, s: 0),
])
def test_navigation_jumps_to_step_boundaries_of_the_timeline(rig: Rig, command: str, target: Any) -> None:
    device = rig.started("full")
    at = (FULL.start_of(2) + FULL.start_of(3)) // 2  # half way through step three
    rig.listen(device, at / 1000)
    exchange = device.say(command)
    assert play_of(exchange.response)["offsetInMilliseconds"] == target(FULL, 2)
    assert play_of(exchange.response)["token"] == FULL.token
    assert exchange.response["response"]["shouldEndSession"] is True


def test_back_in_the_first_step_and_next_in_the_last(rig: Rig) -> None:
    device = rig.started("quick")
    rig.listen(device, 2)
    back = device.say("back")
    assert play_of(back.response)["offsetInMilliseconds"] == 0 and "already at the first step" in speech(back)
    rig.listen(device, QUICK.start_of(len(QUICK.steps) - 1) / 1000 + 1)
    last = device.say("next")
    assert stops(last.response) and "last step" in speech(last)
    assert last.response["response"]["shouldEndSession"] is False
    assert rig.profile().completed == {"quick": 1}


@pytest.mark.parametrize(("command", "pace"), [("slower", "slower"), ("faster", "faster")])
def test_pace_switch_lands_at_the_same_step_and_fraction(rig: Rig, command: str, pace: str) -> None:
    device = rig.started("full")
    at = FULL.start_of(3) + round(0.4 * (FULL.end_of(3) - FULL.start_of(3)))
    rig.listen(device, at / 1000)
    stream = play_of(device.say(command).response)
    other = CATALOG.get("en-US", "full", pace)
    assert stream["token"] == other.token and stream["url"].endswith(f"full-{pace}.mp3")
    assert other.step_at(stream["offsetInMilliseconds"]) == 3
    assert other.into_step(stream["offsetInMilliseconds"]) == pytest.approx(0.4, abs=0.001)
    assert rig.profile().pace == pace


def test_pace_at_its_limit_keeps_the_track_where_it_was(rig: Rig) -> None:
    device = rig.started("quick")
    rig.listen(device, 30)
    device.say("faster")
    rig.listen(device, 10)
    exchange = device.say("faster")
    assert "quickest" in speech(exchange)
    assert play_of(exchange.response)["token"].endswith(":faster")


def test_how_much_longer_answers_from_the_track_and_carries_on(rig: Rig) -> None:
    device = rig.started("full")
    rig.listen(device, 120)
    exchange = device.say("how much longer")
    minutes = (FULL.duration_ms - 120_000) / 60_000
    assert "left" in speech(exchange) and "Carrying on" in speech(exchange)
    assert play_of(exchange.response)["offsetInMilliseconds"] == 120_000
    assert 5 <= minutes <= 9


def test_stop_saves_to_the_second_and_says_goodbye(rig: Rig) -> None:
    device = rig.started("gentle")
    rig.listen(device, 33.4)
    stopped = device.say("stop")
    assert stops(stopped.response) and stopped.response["response"]["shouldEndSession"] is True
    assert "saved your place" in speech(stopped)
    assert rig.profile().place.offset_ms == 33_400


@pytest.mark.parametrize("next_day", [False, True])
def test_stop_launch_resume_lands_within_a_second_of_the_stop(rig: Rig, next_day: bool) -> None:
    device = rig.started("full")
    rig.listen(device, 187.65)
    device.say("stop")
    rig.clock.now += DAY_SECONDS if next_day else 300
    launched = device.launch()
    step = FULL.step_at(187_650)
    assert launched.response["sessionAttributes"]["offer"] == "resume"
    assert f"step {number_words(step + 1)} of the full routine" in speech(launched)
    answer = device.say("yes")
    if next_day:  # a new day: the safety check is asked again before the track plays
        assert answer.response["sessionAttributes"]["offer"] == "safety_check" and play_of(answer.response) is None
        answer = device.say("no")
    stream = play_of(answer.response)
    assert abs(stream["offsetInMilliseconds"] - 187_650) < 1000
    assert device.activity == "PLAYING"


def test_a_resume_the_next_day_asks_the_safety_check_first(rig: Rig) -> None:
    device = rig.started("quick")
    rig.listen(device, 50)
    device.say("pause")
    rig.clock.now += DAY_SECONDS
    asked = device.say("resume")
    assert play_of(asked.response) is None and asked.response["sessionAttributes"]["offer"] == "safety_check"
    assert play_of(device.say("no").response)["offsetInMilliseconds"] == 50_000


def test_a_question_mid_routine_is_answered_then_yes_resumes(rig: Rig) -> None:
    device = rig.started("full")
    rig.listen(device, 95)
    answered = device.intent("AskQuestionIntent", question="how hard should I press")
    assert CONTENT.topics["pressure"].answer[:40] in speech(answered)
    assert "pick up the full routine" in speech(answered) and answered.response["response"]["shouldEndSession"] is False
    assert device.activity == "STOPPED" and rig.profile().place.offset_ms == 95_000
    rig.clock.now += 20
    resumed = device.say("yes")
    assert play_of(resumed.response)["offsetInMilliseconds"] == 95_000


def test_an_urgent_answer_stops_playback_and_no_routine_starts_again(rig: Rig) -> None:
    device = rig.started("full")
    rig.listen(device, 40)
    urgent = device.intent("AskQuestionIntent", question="I have the worst headache of my life")
    assert stops(urgent.response) and urgent.response["sessionAttributes"]["urgent"] == "sudden_onset"
    assert "nine one one" in speech(urgent)
    for again in ("resume", "start the quick routine"):
        exchange = device.say(again)
        assert play_of(exchange.response) is None and "won't start a massage" in speech(exchange)


# ----- the device's buttons -------------------------------------------------------------------------------
def test_buttons_pause_play_next_and_previous(rig: Rig) -> None:
    device = rig.started("full")
    at = FULL.start_of(2) + 5_000
    rig.listen(device, at / 1000)
    device.press("Pause")
    assert device.activity == "STOPPED" and rig.profile().place.offset_ms == at
    device.press("Play")
    assert device.stream.offset_ms == at and device.activity == "PLAYING"
    device.press("Next")
    assert device.stream.offset_ms == FULL.start_of(3)
    device.press("Previous")
    assert device.stream.offset_ms == FULL.start_of(2)
    controller = [r for b, r in rig.sent if b["request"]["type"].startswith("PlaybackController.")]
    assert len(controller) == 4 and all("outputSpeech" not in r["response"] for r in controller)


def test_a_button_cannot_start_the_track_the_next_day(rig: Rig) -> None:
    device = rig.started("quick")
    rig.listen(device, 20)
    device.press("Pause")
    rig.clock.now += DAY_SECONDS
    response = device.press("Play").response
    assert play_of(response) is None and device.activity == "STOPPED"


def test_next_button_in_the_last_step_lets_it_play_on(rig: Rig) -> None:
    device = rig.started("quick")
    rig.listen(device, QUICK.start_of(len(QUICK.steps) - 1) / 1000 + 2)
    assert not device.press("Next").response["response"].get("directives")
    assert device.activity == "PLAYING"


# ----- hosts ---------------------------------------------------------------------------------------------
def test_the_lambda_entry_point_handles_player_requests() -> None:
    handler = lambda_handler(None, SkillConfig(seed=1, audio_base_url=BASE_URL, catalog=CATALOG))
    for request in (envelopes.audio_player_request("PlaybackStopped", QUICK.token, 9_000),
                    envelopes.audio_player_request("PlaybackNearlyFinished", QUICK.token, 9_000),
                    envelopes.playback_controller_request("Pause")):
        body = envelopes.sessionless(request, envelopes.player_context(QUICK.token, 9_000, "PLAYING"))
        response = handler(body, None)
        check_response(body, response)
    assert response["response"]["directives"] == [{"type": "AudioPlayer.Stop"}]


def test_a_chunked_routine_in_the_session_wins_over_an_old_track_in_the_player(tmp_path: Path) -> None:
    catalog = Catalog({k: t for k, t in CATALOG.tracks.items() if k[1] != "gentle"})
    rig = Rig(tmp_path / "db.sqlite3", catalog)
    talk = Conversation(rig.send, player=lambda: envelopes.player_context(QUICK.token, 30_000, "STOPPED"))
    talk.launch()
    talk.say("start the gentle routine")
    assert play_of(talk.say("no").response) is None  # no gentle track: chunks
    paused = talk.intent("AMAZON.PauseIntent")
    assert not stops(paused.response) and paused.response["sessionAttributes"]["routine"]["id"] == "gentle"


def test_a_track_built_from_other_content_is_not_used(tmp_path: Path) -> None:
    wrong = Track("en-US", "quick", "normal", QUICK.duration_ms, QUICK.steps[:-1])
    rig = Rig(tmp_path / "db.sqlite3", Catalog({("en-US", "quick", "normal"): wrong}))
    device = rig.device()
    device.launch()
    device.say("start the quick routine")
    assert play_of(device.say("no").response) is None
