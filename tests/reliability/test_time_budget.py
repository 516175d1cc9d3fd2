"""Issue 11, part 1: every request is answered within 3 s whatever the store or the network does."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_model import RequestEnvelope

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.device import envelopes
from skill.persistence import PersistenceError, user_id_of
from skill.persistence.dynamodb import TOTAL_MAX_ATTEMPTS, DynamoDbSettings, DynamoDbStore
from skill.web.server import create_app
from skill.web.verifier import AlexaRequestVerifier
from tests.deploy.conftest import REGION
from tests.reliability.conftest import ANSWER_BUDGET_SECONDS, HangingServer, said_saved, stop_after_two_steps, talk_to


def hanging_store(server: HangingServer) -> DynamoDbStore:
    return DynamoDbStore(DynamoDbSettings("nrc-hang", REGION, server.endpoint))


class SlowSaves(AbstractPersistenceAdapter):
    """Loads at once; every save waits until the test releases it, like a store that stalls on writes."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, object]] = {}
        self.release = threading.Event()
        self.writes = 0
        self.calls = self.finished = 0
        self._done = threading.Condition()

    def wait_until_idle(self) -> None:
        """Block until every update that started has finished (a condition, not a clock)."""
        with self._done:
            assert self._done.wait_for(lambda: self.finished == self.calls, timeout=10)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        return dict(self.data.get(user_id_of(request_envelope), {}))

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        raise AssertionError("the skill saves through update()")

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.data.pop(user_id_of(request_envelope), None)

    def update(self, request_envelope: RequestEnvelope, change: Any) -> bool:
        with self._done:
            self.calls += 1
        try:
            self.release.wait()
            new = change(self.get_attributes(request_envelope))
            if new is None:
                return False
            self.data[user_id_of(request_envelope)] = new
            self.writes += 1
            return True
        finally:
            with self._done:
                self.finished += 1
                self._done.notify_all()


@pytest.fixture
def slow_saves() -> Iterator[SlowSaves]:
    store = SlowSaves()
    yield store
    store.release.set()


def test_a_store_that_accepts_and_never_answers_costs_no_answer(aws_env: None, hanging_server: HangingServer) -> None:
    talk = talk_to(hanging_store(hanging_server))  # Budgeted: each answer checked against the 3 s budget
    stopped = stop_after_two_steps(talk)
    assert said_saved(stopped) is False
    assert "step three of the full routine" in stopped.transcript
    assert hanging_server.connections, "the store was really asked"


def test_botocore_attempts_are_counted_in_total(aws_env: None, hanging_server: HangingServer) -> None:
    """``max_attempts`` counts retries only (two meant three attempts of a 3 s read): the store must make
    exactly TOTAL_MAX_ATTEMPTS attempts and give up well inside the budget even without the wrapper."""
    store = hanging_store(hanging_server)
    request = build_skill(None).serializer.deserialize(
        json.dumps(envelopes.envelope(envelopes.launch_request(), envelopes.new_session())), RequestEnvelope)
    store._handle()  # build the client (and import boto3) first: what is timed is the attempts alone
    started = time.monotonic()
    with pytest.raises(PersistenceError, match="ReadTimeout"):
        store.get_attributes(request)
    assert time.monotonic() - started < ANSWER_BUDGET_SECONDS
    assert len(hanging_server.connections) == TOTAL_MAX_ATTEMPTS


def test_a_save_that_stalls_is_reported_as_not_saved_and_never_lands_late(slow_saves: SlowSaves) -> None:
    talk = talk_to(slow_saves)
    talk.launch()  # the disclaimer flag's save stalls too: the answer does not wait for it
    talk.intent("StartRoutineIntent", routine="full")
    talk.intent("AMAZON.NoIntent")  # no warning signs today
    stopped = talk.intent("AMAZON.StopIntent")
    assert said_saved(stopped) is False
    slow_saves.release.set()
    slow_saves.wait_until_idle()  # the abandoned writes now run: each finds its request gone, writes nothing
    assert slow_saves.calls >= 2 and slow_saves.writes == 0 and slow_saves.data == {}


def test_a_certificate_download_that_hangs_is_refused_within_the_budget() -> None:
    """A DNS lookup that never returns ignores socket timeouts; the verifier's own deadline cuts it."""
    release = threading.Event()

    def hanging_fetch(url: str) -> bytes:
        release.wait()
        return b""

    app = create_app(skill=build_skill(None), verify=True, skill_id="amzn1.ask.skill.test",
                     verifier=AlexaRequestVerifier("amzn1.ask.skill.test", fetch=hanging_fetch), env={})
    body = json.dumps(envelopes.envelope(envelopes.launch_request(), envelopes.new_session())).encode()
    headers = {"SignatureCertChainUrl": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
               "Signature-256": base64.b64encode(b"x" * 256).decode()}
    started = time.monotonic()
    try:
        response = app.test_client().post("/alexa", data=body, headers=headers, content_type="application/json")
    finally:
        release.set()
    assert time.monotonic() - started < ANSWER_BUDGET_SECONDS
    assert response.status_code == 400 and response.get_json()["error"] == "not_verified"


def test_the_web_service_answers_within_the_budget_over_a_hanging_store(aws_env: None,
                                                                         hanging_server: HangingServer) -> None:
    app = create_app(skill=build_skill(hanging_store(hanging_server), SkillConfig(seed=1)), verify=False, env={})
    body = envelopes.envelope(envelopes.launch_request(), envelopes.new_session())
    started = time.monotonic()
    response = app.test_client().post("/alexa", json=body)
    assert time.monotonic() - started < ANSWER_BUDGET_SECONDS
    assert response.status_code == 200
    assert "Welcome to Neck Relief Coach" in response.get_json()["response"]["outputSpeech"]["ssml"]  # as new
