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
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from werkzeug.serving import make_server

from skill.content import load
from skill.local.server import create_app
from skill.speech.ssml import to_text

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("virtual_alexa_driver.js")
MODEL = ROOT / "interaction_models" / "en-US.json"
REQUEST_TIMEOUT_MS = 15000
RUN_TIMEOUT_SECONDS = 120

if shutil.which("node") is None or not (ROOT / "node_modules" / "virtual-alexa").is_dir():
    pytest.skip("virtual-alexa is not installed: run `npm ci` in the repository root", allow_module_level=True)


@pytest.fixture(scope="module")
def skill_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("e2e") / "skill.sqlite3"
    app = create_app(verify=False, alexa_only=True, db_path=db, env={})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alexa"
    server.shutdown()
    thread.join(timeout=10)


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
