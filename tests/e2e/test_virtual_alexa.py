"""The real /alexa endpoint on a loopback port, driven by virtual-alexa, an Alexa client we did not write.

virtual-alexa builds its requests from the committed interaction model, resolves slot synonyms the
way Alexa does, and carries session attributes between turns, so this checks the model, the HTTP
host and the skill together. It sends no signature headers, so the server runs with verification off.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from werkzeug.serving import make_server

from bench.longform import BASE_URL, planned_catalog
from skill.content import load
from skill.persistence.sqlite_adapter import SqliteAdapter
from skill.profile import Profile, TrackPlace
from skill.speech.ssml import to_text
from skill.web.server import create_app

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("virtual_alexa_driver.js")
MODEL = ROOT / "interaction_models" / "en-US.json"
REQUEST_TIMEOUT_MS = 15000
RUN_TIMEOUT_SECONDS = 120
CATALOG = planned_catalog()

if shutil.which("node") is None or not (ROOT / "node_modules" / "virtual-alexa").is_dir():
    pytest.skip("virtual-alexa is not installed: run `npm ci` in the repository root", allow_module_level=True)


@contextmanager
def serve(db: Path, env: dict[str, str]) -> Iterator[str]:
    app = create_app(verify=False, alexa_only=True, db_path=db, env=env)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/alexa"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def skill_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No tracks configured: virtual-alexa's device has an audio player, yet routines come in chunks."""
    with serve(tmp_path_factory.mktemp("e2e") / "skill.sqlite3", {}) as url:
        yield url


@pytest.fixture
def streaming(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The server with long-form mode configured (track timelines from the plan), and its store."""
    CATALOG.write(tmp_path / "tracks")
    env = {"NRC_AUDIO_BASE_URL": BASE_URL, "NRC_TRACKS_MANIFEST": str(tmp_path / "tracks")}
    with serve(tmp_path / "skill.sqlite3", env) as url:
        yield url, tmp_path / "skill.sqlite3"


def drive(url: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``steps`` in one virtual-alexa session and return one result per step; fails on any error."""
    done = subprocess.run(["node", str(DRIVER), url, str(MODEL), str(REQUEST_TIMEOUT_MS)], input=json.dumps(steps),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, cwd=ROOT, check=False)
    outcome = json.loads(done.stdout or '{"results": [], "error": "no output"}')
    assert outcome["error"] is None, f"{outcome['error']}\n{done.stderr[-2000:]}"
    assert done.returncode == 0
    assert len(outcome["results"]) == len(steps)
    return outcome["results"]


def speech(result: dict[str, Any]) -> str:
    """The spoken text of a response (outputSpeech and any APL-A speech), after checking the SSML parses."""
    body = result["response"]["response"]
    parts = [body["outputSpeech"]["ssml"]] if "outputSpeech" in body else []  # a routine may be APL-A only
    for directive in body.get("directives") or []:
        if directive["type"] == "Alexa.Presentation.APLA.RenderDocument":
            parts += [item["content"] for item in directive["document"]["mainTemplate"]["item"]["items"]
                      if item["type"] == "Speech"]
    assert parts, "a response with nothing to hear"
    for ssml in parts:
        ElementTree.fromstring(ssml)
    return " ".join(to_text(ssml) for ssml in parts)


def intent_of(result: dict[str, Any]) -> str:
    request = result["request"]["request"]
    return request["intent"]["name"] if request["type"] == "IntentRequest" else request["type"]


def routine_of(result: dict[str, Any]) -> dict[str, Any] | None:
    return (result["response"].get("sessionAttributes") or {}).get("routine")


def ends(result: dict[str, Any]) -> bool:
    return bool(result["response"]["response"].get("shouldEndSession"))


def test_question_routine_pause_resume_stop_and_help(skill_url: str) -> None:
    content = load("en-US")
    launch, question, start, safety_ok, pause, resume, progress, stop, relaunch, helped = drive(skill_url, [
        {"launch": True},
        {"utter": "how hard should i press"},
        {"utter": "start the long routine"},  # a synonym: virtual-alexa resolves it to the id "full"
        {"utter": "no"},  # no warning signs today
        {"utter": "pause"},
        {"utter": "resume"},
        {"utter": "how much longer"},
        {"utter": "stop"},
        {"launch": True},
        {"utter": "help"},
    ])

    assert intent_of(launch) == "LaunchRequest" and not ends(launch)
    assert launch["response"]["response"]["reprompt"]

    assert intent_of(question) == "TopicQuestionIntent"
    assert content.topics["pressure"].answer in speech(question)
    assert question["request"]["session"]["new"] is False

    assert intent_of(start) == "StartRoutineIntent"
    resolution = start["request"]["request"]["intent"]["slots"]["routine"]["resolutions"]["resolutionsPerAuthority"][0]
    assert resolution["values"][0]["value"]["id"] == "full"
    attributes = start["response"]["sessionAttributes"]
    assert (attributes["offer"], attributes["pending_routine"]["id"]) == ("safety_check", "full")

    assert intent_of(safety_ok) == "AMAZON.NoIntent"
    playing = routine_of(safety_ok)
    assert playing is not None and playing["id"] == "full" and playing["paused"] is False
    assert 0 < playing["step"] < len(content.routines["full"].steps)
    assert content.routines["full"].steps[0].title in speech(safety_ok)
    assert any(d["type"] == "Alexa.Presentation.APLA.RenderDocument"
               for d in safety_ok["response"]["response"]["directives"])

    assert intent_of(pause) == "AMAZON.PauseIntent" and not ends(pause)
    place = ("id", "step", "pace")
    paused_state = routine_of(pause)
    assert {k: paused_state[k] for k in place} == {k: playing[k] for k in place} and paused_state["paused"] is True

    assert intent_of(resume) == "AMAZON.ResumeIntent"
    resumed = routine_of(resume)
    next_title = content.routines["full"].steps[playing["step"]].title
    assert next_title in speech(resume)  # carries on at the step it paused before
    assert resumed is None or resumed["step"] > playing["step"]

    assert intent_of(progress) == "ProgressIntent" and not ends(progress)

    assert intent_of(stop) == "AMAZON.StopIntent" and ends(stop)
    assert relaunch["request"]["session"]["new"] is True
    assert relaunch["request"]["session"].get("attributes", {}) == {}

    assert intent_of(helped) == "AMAZON.HelpIntent" and not ends(helped)
    assert helped["response"]["response"]["reprompt"]


def test_questions_reach_the_ranker_through_the_search_query_slot(skill_url: str) -> None:
    # "tell me about ..." would be taken for a launch by virtual-alexa's utter(), hence intend().
    (asked,) = drive(skill_url, [
        {"intend": "AskQuestionIntent", "slots": {"question": "should i use heat or ice"}},
    ])
    assert intent_of(asked) == "AskQuestionIntent"
    assert asked["request"]["session"]["new"] is True
    assert load("en-US").topics["heat_ice"].answer in speech(asked)
    assert asked["response"]["sessionAttributes"]["last_topic"] == "heat_ice"


def test_driver_refuses_utterances_virtual_alexa_would_mistake_for_a_launch(skill_url: str) -> None:
    done = subprocess.run(["node", str(DRIVER), skill_url, str(MODEL)], input=json.dumps([{"utter": "tell me more"}]),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, cwd=ROOT, check=False)
    assert done.returncode == 1
    assert "use intend or launch" in json.loads(done.stdout)["error"]


# ----- long-form mode: virtual-alexa's AudioPlayer against the real server ---------------------------------
def plays(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The Play directives the skill sent during a step, player events' replies included."""
    return [d["audioItem"]["stream"] for exchange in result["exchanges"]
            for d in (exchange["response"].get("response") or {}).get("directives") or []
            if d["type"] == "AudioPlayer.Play"]


def events(result: dict[str, Any]) -> list[str]:
    return [e["request"]["request"]["type"] for e in result["exchanges"]
            if e["request"]["request"]["type"].startswith("AudioPlayer.")]


def stored_profile(db: Path, result: dict[str, Any]) -> Profile:
    request = DefaultSerializer().deserialize(payload=json.dumps(result["exchanges"][-1]["request"]),
                                              obj_type=RequestEnvelope)
    return Profile.from_dict(SqliteAdapter(db).get_attributes(request))


def test_long_form_routine_plays_pauses_resumes_navigates_and_finishes(streaming: tuple[str, Path]) -> None:
    url, db = streaming
    full = CATALOG.get("en-US", "full", "normal")
    slower = CATALOG.get("en-US", "full", "slower")
    into_step_three = full.start_of(2) + 4_000
    (_, start, safety_ok, _, pause, resume, _, nxt, slow, nearly, finished) = drive(url, [
        {"launch": True},
        {"utter": "start the full routine"},
        {"utter": "no"},
        {"offset": 50_000},
        {"utter": "pause"},
        {"utter": "resume"},
        {"offset": into_step_three},
        {"utter": "next"},
        {"utter": "slower"},
        {"event": "nearlyFinished"},
        {"event": "finished"},
    ])
    assert not plays(start) and start["response"]["sessionAttributes"]["offer"] == "safety_check"

    assert plays(safety_ok) == [{"token": full.token, "url": f"{BASE_URL}/en-US/full-normal.mp3",
                                 "offsetInMilliseconds": 0}]
    assert ends(safety_ok) and "reprompt" not in safety_ok["response"]["response"]
    assert events(safety_ok) == ["AudioPlayer.PlaybackStarted"]
    assert safety_ok["player"] == {"activity": "PLAYING", "token": full.token, "offset": 0}
    for exchange in safety_ok["exchanges"][1:]:  # the player's event: no session, and an empty reply
        assert "session" not in exchange["request"] and not exchange["response"]["response"].get("outputSpeech")

    assert intent_of(pause) == "AMAZON.PauseIntent" and ends(pause)
    assert pause["request"]["context"]["AudioPlayer"]["offsetInMilliseconds"] == 50_000
    assert pause["player"]["activity"] == "STOPPED" and events(pause) == ["AudioPlayer.PlaybackStopped"]

    assert [p["offsetInMilliseconds"] for p in plays(resume)] == [50_000]
    assert resume["player"]["activity"] == "PLAYING"

    assert [p["offsetInMilliseconds"] for p in plays(nxt)] == [full.start_of(3)]
    (switched,) = plays(slow)
    assert switched["token"] == slower.token and slower.step_at(switched["offsetInMilliseconds"]) == 3
    assert slow["player"]["token"] == slower.token

    assert events(nearly) == ["AudioPlayer.PlaybackNearlyFinished"] and not plays(nearly)
    assert events(finished) == ["AudioPlayer.PlaybackFinished"] and finished["player"]["activity"] == "FINISHED"
    profile = stored_profile(db, finished)
    assert profile.completed == {"full": 1} and profile.unfinished is None and profile.place is None


def test_long_form_stop_then_launch_resumes_at_the_stopped_second(streaming: tuple[str, Path]) -> None:
    """The store is read once the run is over, so only the final place can be checked there."""
    url, db = streaming
    quick = CATALOG.get("en-US", "quick", "normal")
    _, _, _, _, stop, launch, yes = drive(url, [
        {"launch": True},
        {"utter": "start the quick routine"},
        {"utter": "no"},
        {"offset": 61_250},
        {"utter": "stop"},
        {"launch": True},
        {"utter": "yes"},
    ])
    assert ends(stop) and "saved your place" in speech(stop)
    assert launch["response"]["sessionAttributes"]["offer"] == "resume"
    assert f"step {['one', 'two', 'three'][quick.step_at(61_250)]}" in speech(launch)
    (resumed,) = plays(yes)
    assert abs(resumed["offsetInMilliseconds"] - 61_250) < 1000
    assert stored_profile(db, yes).place == TrackPlace(quick.token, resumed["offsetInMilliseconds"],
                                                       stored_profile(db, yes).place.when)


def test_long_form_question_mid_routine_is_answered_then_yes_carries_on(streaming: tuple[str, Path]) -> None:
    url, _ = streaming
    *_, asked, yes = drive(url, [
        {"launch": True},
        {"utter": "start the quick routine"},
        {"utter": "no"},
        {"offset": 40_000},
        {"intend": "AskQuestionIntent", "slots": {"question": "how hard should i press"}},
        {"utter": "yes"},
    ])
    assert load("en-US").topics["pressure"].answer in speech(asked) and not ends(asked)
    assert "pick up the quick routine" in speech(asked) and not plays(asked)
    assert events(asked)[0] == "AudioPlayer.PlaybackStopped"  # asking stopped the track first
    assert [p["offsetInMilliseconds"] for p in plays(yes)] == [40_000]
    assert ends(yes) and yes["player"]["activity"] == "PLAYING"
