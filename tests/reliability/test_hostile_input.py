"""Issue 11, parts 5 to 7: no input gives HTTP 500, invalid JSON or invalid SSML; every request type
gets the answer Alexa allows; request values cannot forge log lines; tampered stored profiles cannot
lock anyone out or be destroyed."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.alexa import build_skill
from skill.alexa.builder import lambda_handler
from skill.alexa.limits import InputRejected
from skill.config import SkillConfig
from skill.device import envelopes
from skill.persistence import SqliteAdapter
from skill.speech.ssml import problems
from skill.web.server import create_app
from tests.checks import check_response
from tests.reliability.conftest import CONTENT, said_saved, stop_after_two_steps, talk_to

LAST_STEP = len(CONTENT.routines["quick"].steps) - 1


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def body(request: dict[str, Any], attributes: Any = None, **session_changes: Any) -> dict[str, Any]:
    session = {**envelopes.new_session(), "new": False, "attributes": attributes or {}, **session_changes}
    return envelopes.envelope(request, session)


def raw(request: dict[str, Any], attributes_json: str) -> bytes:
    """An envelope whose session attributes are the given JSON text, verbatim (NaN and friends included)."""
    text = json.dumps(body(request, {"PLACEHOLDER": 1}))
    return text.replace('{"PLACEHOLDER": 1}', attributes_json).encode()


def intent(name: str, **slots: Any) -> dict[str, Any]:
    return envelopes.intent_request(name, slots)


def other(request_type: str, **fields: Any) -> dict[str, Any]:
    return {"type": request_type, **fields}


LAUNCH = envelopes.launch_request()
REFUSED, SPOKEN, SILENT = "refused", "spoken", "silent"

HOSTILE: list[tuple[str, bytes | dict[str, Any], str]] = [
    ("attributes nested 500 deep", body(LAUNCH, {"deep": nested(500)}), REFUSED),
    ("body nested 100000 deep", b"[" * 100_000 + b"]" * 100_000, REFUSED),
    ("NaN in attributes", raw(LAUNCH, '{"x": NaN}'), REFUSED),
    ("Infinity in attributes", raw(LAUNCH, '{"x": -Infinity}'), REFUSED),
    ("1e400 in attributes", raw(LAUNCH, '{"routine": {"id": "quick", "step": 1e400}}'), REFUSED),
    ("a huge integer", raw(LAUNCH, '{"routine": {"id": "quick", "step": ' + "9" * 40 + "}}"), REFUSED),
    ("100 KB of attributes", body(LAUNCH, {"junk": "x" * 100_000}), REFUSED),
    ("a body over 256 KB", body(LAUNCH, {"junk": "x" * 300_000}), REFUSED),
    ("not JSON", b"{not json", REFUSED),
    ("a JSON array", b"[1, 2]", REFUSED),
    ("no request type", b'{"version": "1.0", "request": {}}', REFUSED),
    ("attributes that are a list", {**body(LAUNCH), "session": {**envelopes.new_session(), "attributes": [1, 2]}},
     REFUSED),
    ("last_topic is a list", body(intent("MoreIntent"), {"last_topic": ["heat_ice"]}), SPOKEN),
    ("pending_routine is a list", body(intent("AMAZON.YesIntent"),
                                       {"offer": "safety_check", "pending_routine": ["full"]}), SPOKEN),
    ("offer is a number", body(intent("AMAZON.YesIntent"), {"offer": 7}), SPOKEN),
    ("routine is a string", body(intent("AMAZON.ResumeIntent"), {"routine": "quick"}), SPOKEN),
    ("routine step 99", body(intent("AMAZON.ResumeIntent"), {"routine": {"id": "quick", "step": 99}}), SPOKEN),
    ("routine step -1", body(intent("AMAZON.NextIntent"), {"routine": {"id": "quick", "step": -1}}), SPOKEN),
    ("routine step a string", body(intent("AMAZON.ResumeIntent"), {"routine": {"id": "quick", "step": "3"}}), SPOKEN),
    ("routine id a list", body(intent("AMAZON.ResumeIntent"), {"routine": {"id": ["quick"], "step": 1}}), SPOKEN),
    ("marks out of bounds", body(intent("AMAZON.PauseIntent"), {"routine": {
        "id": "quick", "step": LAST_STEP, "chunk_start": 0, "sent_at": 1.0, "marks": [1e300, -5]}}), SPOKEN),
    ("marks not numbers", body(intent("AMAZON.RepeatIntent"), {"routine": {
        "id": "quick", "step": 1, "chunk_start": 0, "sent_at": 1.0, "marks": ["a", None]}}), SPOKEN),
    ("control characters in last_speech", body(intent("AMAZON.RepeatIntent"),
                                               {"last_speech": "hello\x00\x07\x1b[31m\ud800 & <b>there</b>"}), SPOKEN),
    ("10 KB of last_speech", body(intent("AMAZON.RepeatIntent"), {"last_speech": "word " * 2000}), SPOKEN),
    ("a newline in the intent name", body(intent("Fake\nINFO request type=forged")), SPOKEN),
    ("an unknown locale with a newline", body(LAUNCH) | {"request": {**body(LAUNCH)["request"],
                                                                     "locale": "xx\nYY"}}, SPOKEN),
    ("control characters in a question", body(intent("AskQuestionIntent", question="heat\x00 or \x1b ice?")), SPOKEN),
    ("a 5000-character question", body(intent("AskQuestionIntent", question="massage " * 600)), SPOKEN),
    ("an intent without slots or name", body({"type": "IntentRequest", "intent": {}}), SPOKEN),
    ("no user anywhere", {**body(LAUNCH), "context": {"System": {"application": {"applicationId": "x"}}}}, SPOKEN),
    ("an unknown request type", body(other("Alexa.Future.Thing")), SILENT),
    ("System.ExceptionEncountered", body(other("System.ExceptionEncountered", error={
        "type": "INVALID_RESPONSE", "message": "bad\nresponse"}, cause={"requestId": "r"})), SILENT),
    ("Alexa.Presentation.APLA.RuntimeError", body(other("Alexa.Presentation.APLA.RuntimeError", token="t", errors=[
        {"type": "RENDER_ERROR", "message": "could not render"}])), SILENT),
    ("Connections.Response", body(other("Connections.Response", name="Buy", status={"code": "200"})), SILENT),
    ("Messaging.MessageReceived", body(other("Messaging.MessageReceived", message={"a": 1})), SILENT),
]


def strict_json(data: bytes) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in a response is not JSON")

    return json.loads(data, parse_constant=refuse)


@pytest.fixture(scope="module")
def client() -> Any:
    return create_app(skill=build_skill(None, SkillConfig(seed=4)), verify=False, alexa_only=True, env={}) \
        .test_client()


@pytest.mark.parametrize(("name", "payload", "expected"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_input_gets_a_clean_refusal_or_a_valid_answer(client: Any, caplog: pytest.LogCaptureFixture,
                                                              name: str, payload: bytes | dict[str, Any],
                                                              expected: str) -> None:
    caplog.set_level(logging.INFO)
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = client.post("/alexa", data=data, content_type="application/json")
    answer = strict_json(response.data)
    if expected == REFUSED:
        assert 400 <= response.status_code < 500 and answer["error"]
        return
    assert response.status_code == 200, answer
    speech = (answer.get("response") or {}).get("outputSpeech")
    if expected == SILENT:
        assert speech is None and "reprompt" not in answer["response"]
    else:
        check_response(payload, answer)  # type: ignore[arg-type]
        assert problems(speech["ssml"]) == []
        assert not [r for r in caplog.records if r.getMessage().startswith("unhandled")], \
            "answered by the error handler: the skill itself could not cope"
    assert not any("\n" in record.getMessage() for record in caplog.records if record.name.startswith("skill")), \
        "a request value forged a log line"


def test_can_fulfill_intent_says_yes_for_our_questions_and_routines_and_no_otherwise(client: Any) -> None:
    def verdict(name: str, **slots: Any) -> str:
        request = {**intent(name, **slots), "type": "CanFulfillIntentRequest"}
        answer = client.post("/alexa", json=envelopes.envelope(request, envelopes.new_session())).get_json()
        assert "outputSpeech" not in answer["response"]
        return answer["response"]["canFulfillIntent"]["canFulfill"]

    assert verdict("AskQuestionIntent", question="should I use heat or ice on my neck") == "YES"
    assert verdict("StartRoutineIntent") == "YES"
    assert verdict("AskQuestionIntent", question="what is the capital of france") == "NO"
    assert verdict("AskQuestionIntent", question="I have the worst headache of my life") == "NO"
    assert verdict("AMAZON.HelpIntent") == "NO"


# --- Lambda: the same checks, a fresh session where the web service says 400 ----------------------------------

@pytest.fixture(scope="module")
def handler() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    return lambda_handler(None, SkillConfig(seed=4))


@pytest.mark.parametrize("attributes", [{"deep": nested(500)}, {"x": float("nan")}, {"x": float("inf")},
                                        {"junk": "x" * 100_000}], ids=["deep", "nan", "infinity", "big"])
def test_lambda_answers_unusable_attributes_with_a_fresh_session(handler: Any, attributes: dict[str, Any]) -> None:
    event = body(intent("AMAZON.HelpIntent"), attributes)
    answer = handler(event, None)
    json.loads(json.dumps(answer, allow_nan=False))
    check_response(event, answer)
    assert not set(answer.get("sessionAttributes") or {}) & set(attributes)


def test_lambda_gives_unknown_request_types_an_empty_response(handler: Any) -> None:
    assert handler(body(other("Alexa.Future.Thing")), None) == {"version": "1.0", "response": {}}


def test_lambda_refuses_an_envelope_that_is_unsafe_outside_the_attributes(handler: Any) -> None:
    event = body(LAUNCH)
    event["context"]["deep"] = nested(500)
    with pytest.raises(InputRejected, match="deeper"):
        handler(event, None)


# --- tampered stored profiles: treated as new, the row left alone ----------------------------------------------

TAMPERED_ROWS = {
    "step 99": '{"v": 1, "disclaimer_heard": true, "unfinished": {"routine": "full", "step": 99, "when": 1}}',
    "step as text": '{"v": 1, "unfinished": {"routine": "full", "step": "3", "when": 1}}',
    "count 1e400": '{"v": 1, "completed": {"quick": 1e400}}',
    "pace a list": '{"v": 1, "pace": ["slower"]}',
    "a newer schema": '{"v": 2, "disclaimer_heard": true}',
    "nested 100 deep": json.dumps({"v": 1, "extra": nested(100)}),
    "100 KB": json.dumps({"v": 1, "extra": "x" * 100_000}),
}


@pytest.mark.parametrize("row", list(TAMPERED_ROWS.values()), ids=list(TAMPERED_ROWS))
def test_a_tampered_stored_profile_is_treated_as_new_and_kept(db_path: Path, row: str) -> None:
    store = SqliteAdapter(db_path)
    talk = talk_to(store)
    talk.launch()  # creates the row for this user
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE attributes SET attributes = ?", (row,))
    again = talk_to(store)
    assert "Welcome to Neck Relief Coach" in again.launch().transcript  # a first visit, not an error
    assert said_saved(stop_after_two_steps(talk_to(store))) is False  # honest: the row is not overwritten
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT attributes FROM attributes").fetchall() == [(row,)]


# --- the simulator takes typed text and a client-held session: the same guarantees -----------------------------

SIMULATED: list[tuple[str, bytes, int]] = [
    ("control characters in the text", json.dumps({"text": "heat\x00 or \x1b[2J ice\ufffe", "session": None}).encode(),
     200),
    ("control characters in a stored answer", json.dumps({"text": "repeat", "session": {
        **envelopes.new_session(), "attributes": {"last_speech": "say\x07 this \x00 & <that>"}}}).encode(), 200),
    ("session attributes nested 500 deep", json.dumps({"text": "help", "session": {
        **envelopes.new_session(), "attributes": {"deep": nested(500)}}}).encode(), 400),
    ("NaN in the session", json.dumps({"text": "help", "session": {**envelopes.new_session(),
                                                                   "attributes": {"x": 1}}}).replace(
        '"x": 1', '"x": NaN').encode(), 400),
]


@pytest.mark.parametrize(("name", "payload", "status"), SIMULATED, ids=[case[0] for case in SIMULATED])
def test_the_simulator_never_answers_with_a_500_or_invalid_ssml(name: str, payload: bytes, status: int) -> None:
    app = create_app(skill=build_skill(None, SkillConfig(seed=4)), verify=False, speaker=object(), env={})  # type: ignore
    response = app.test_client().post("/simulate", data=payload, content_type="application/json")
    answer = strict_json(response.data)
    assert response.status_code == status, answer
    if status == 200:
        ssml = answer["response"]["response"]["outputSpeech"]["ssml"]
        assert problems(ssml) == [] and "\x00" not in ssml and "\x07" not in ssml
