"""DynamoDB persistence: choosing it from the environment, what it stores, and how the skill behaves
when the store is slow to appear, restarts, or goes away mid-session (against a real dynalite server)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa import build_skill
from skill.config import SkillConfig
from skill.device import envelopes
from skill.device.conversation import Conversation, Exchange, in_process
from skill.persistence import SqliteAdapter
from skill.persistence.dynamodb import DynamoDbSettings, DynamoDbStore, check_storable
from skill.persistence.factory import adapter_from_env
from skill.profile import SCHEMA_VERSION, Profile, Unfinished
from tests.checks import check_response
from tests.deploy.conftest import REGION, Dynalite, free_port

TABLE = "nrc-test-state"
ALEXA_DEADLINE_SECONDS = 8.0


def request_envelope(user_id: str = envelopes.LOCAL_USER_ID) -> RequestEnvelope:
    body = envelopes.envelope(envelopes.launch_request(), envelopes.new_session(user_id))
    return DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)


def store_for(server: Dynalite | None, create: bool = True, port: int | None = None) -> DynamoDbStore:
    endpoint = server.endpoint if server else f"http://127.0.0.1:{port}"
    return DynamoDbStore(DynamoDbSettings(TABLE, REGION, endpoint, create_table=create))


def raw_client(server: Dynalite) -> Any:
    import boto3

    return boto3.client("dynamodb", region_name=REGION, endpoint_url=server.endpoint)


def raw_resource(server: Dynalite) -> Any:
    import boto3

    return boto3.resource("dynamodb", region_name=REGION, endpoint_url=server.endpoint)


class Checked(Conversation):
    """Every response must be one Alexa accepts, and must arrive within Alexa's deadline."""

    def request(self, request: dict[str, Any], match: Any = None) -> Exchange:
        started = time.monotonic()
        exchange = super().request(request, match)
        assert time.monotonic() - started < ALEXA_DEADLINE_SECONDS
        check_response(exchange.request, exchange.response)
        return exchange


def conversation(store: DynamoDbStore) -> Checked:
    return Checked(in_process(build_skill(store, SkillConfig(seed=5))))


def offer(exchange: Exchange) -> str | None:
    return (exchange.response.get("sessionAttributes") or {}).get("offer")


def routine_step(exchange: Exchange) -> int | None:
    routine = (exchange.response.get("sessionAttributes") or {}).get("routine")
    return routine["step"] if routine else None


def start_full_routine(talk: Checked) -> Exchange:
    """First visit: launch, ask for the full routine, pass the safety check (no warning signs); two steps play."""
    talk.launch()
    talk.intent("StartRoutineIntent", routine="full")
    played = talk.intent("AMAZON.NoIntent")
    assert routine_step(played) == 2
    return played


# --- choosing the store from the environment (no server needed) -------------------------------------------------

def test_no_configuration_means_no_store() -> None:
    assert adapter_from_env({}) is None


def test_sqlite_when_only_a_path_is_given(tmp_path: Path) -> None:
    assert isinstance(adapter_from_env({"NRC_DB_PATH": str(tmp_path / "s.sqlite3")}), SqliteAdapter)


def test_dynamodb_when_a_table_is_named_even_with_a_sqlite_path() -> None:
    store = adapter_from_env({"NRC_DYNAMODB_TABLE": "coach", "NRC_DYNAMODB_REGION": "eu-west-1",
                              "NRC_DYNAMODB_ENDPOINT": "http://127.0.0.1:8000", "NRC_DYNAMODB_CREATE": "1",
                              "NRC_DB_PATH": "/tmp/ignored.sqlite3", "AWS_REGION": "us-east-1"})
    assert isinstance(store, DynamoDbStore)
    assert store.settings == DynamoDbSettings("coach", "eu-west-1", "http://127.0.0.1:8000", create_table=True)


def test_region_falls_back_to_the_one_lambda_sets() -> None:
    store = adapter_from_env({"NRC_DYNAMODB_TABLE": "coach", "AWS_REGION": "us-west-2"})
    assert isinstance(store, DynamoDbStore)
    assert store.settings == DynamoDbSettings("coach", "us-west-2", None, create_table=False)


def test_a_table_without_a_region_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="NRC_DYNAMODB_REGION"):
        adapter_from_env({"NRC_DYNAMODB_TABLE": "coach"})


def test_an_invalid_table_name_is_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match="table name"):
        adapter_from_env({"NRC_DYNAMODB_TABLE": "no spaces allowed", "AWS_REGION": "us-east-1"})


# --- what may be stored --------------------------------------------------------------------------------------

def test_the_profile_is_storable() -> None:
    profile = Profile(True, True, "slower", Unfinished("full", 3, 1_700_000_000), {"quick": 2})
    check_storable(profile.to_dict())


@pytest.mark.parametrize(("attributes", "names"), [
    ({"pace": 0.9}, "attributes.pace"),
    ({"unfinished": {"step": 2.0}}, "attributes.unfinished.step"),
    ({"history": [1, 2.5]}, "attributes.history[1]"),
    ({"steps": (1, 2)}, "tuple"),
    ({"completed": {1: 2}}, "non-string key"),
])
def test_floats_and_non_json_values_are_refused_by_name(attributes: dict[str, Any], names: str) -> None:
    with pytest.raises(PersistenceException, match=names.replace("[", r"\[").replace("]", r"\]")):
        check_storable(attributes)


def test_an_unreachable_store_fails_fast_with_an_exception_the_skill_catches(aws_env: None) -> None:
    store = store_for(None, create=False, port=free_port())  # building it touches nothing
    started = time.monotonic()
    with pytest.raises(PersistenceException):
        store.get_attributes(request_envelope())
    assert time.monotonic() - started < ALEXA_DEADLINE_SECONDS / 2


# --- against a real DynamoDB-compatible server ---------------------------------------------------------------

def test_save_load_and_delete_round_trip_with_integers_back(dynalite: Dynalite) -> None:
    store = store_for(dynalite)
    alice, bob = request_envelope("amzn1.ask.account.ALICE"), request_envelope("amzn1.ask.account.BOB")
    saved = Profile(True, True, "slower", Unfinished("full", 3, 1_700_000_000), {"quick": 2, "gentle": 1}).to_dict()
    store.save_attributes(alice, saved)
    store.save_attributes(bob, Profile().to_dict())

    loaded = store.get_attributes(alice)
    assert loaded == saved
    assert type(loaded["v"]) is int and loaded["v"] == SCHEMA_VERSION
    assert type(loaded["unfinished"]["step"]) is int and type(loaded["completed"]["quick"]) is int
    assert store.get_attributes(bob) == Profile().to_dict()

    item = raw_client(dynalite).get_item(TableName=TABLE, Key={"id": {"S": "amzn1.ask.account.ALICE"}})["Item"]
    assert set(item) == {"id", "attributes", "version"}  # the SDK adapter's layout plus a write version
    assert item["attributes"]["M"]["v"] == {"N": "1"} and item["version"] == {"N": "1"}

    store.delete_attributes(alice)
    assert store.get_attributes(alice) == {}
    assert store.get_attributes(bob) == Profile().to_dict()


def test_a_float_is_refused_and_what_was_saved_stays(dynalite: Dynalite) -> None:
    store = store_for(dynalite)
    envelope = request_envelope()
    store.save_attributes(envelope, {"v": 1, "pace": "normal"})
    with pytest.raises(PersistenceException, match="float"):
        store.save_attributes(envelope, {"v": 1, "pace": 1.5})
    assert store.get_attributes(envelope) == {"v": 1, "pace": "normal"}


def test_a_new_table_is_waited_for_until_active(dynalite_factory, caplog: pytest.LogCaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    server = dynalite_factory(create_table_ms=400)
    caplog.set_level(logging.INFO, logger="skill.persistence")
    store = store_for(server)
    store.save_attributes(request_envelope(), Profile().to_dict())  # the first call creates the table
    assert raw_client(server).describe_table(TableName=TABLE)["Table"]["TableStatus"] == "ACTIVE"
    assert any("waiting for DynamoDB table" in record.getMessage() for record in caplog.records)
    assert store.get_attributes(request_envelope()) == Profile().to_dict()



def test_progress_survives_a_server_restart_and_the_skill_offers_to_resume(dynalite: Dynalite) -> None:
    talk = conversation(store_for(dynalite))
    start_full_routine(talk)
    stopped = talk.intent("AMAZON.StopIntent")
    assert stopped.response["response"]["shouldEndSession"] is True

    dynalite.restart()
    store = store_for(dynalite)  # a new container: nothing cached in memory
    saved = Profile.from_dict(store.get_attributes(request_envelope()))
    assert saved.unfinished is not None and (saved.unfinished.routine, saved.unfinished.step) == ("full", 2)

    again = conversation(store)
    assert offer(again.launch()) == "resume"
    assert offer(again.intent("AMAZON.ResumeIntent")) == "safety_check"  # a new session asks first
    resumed = again.intent("AMAZON.NoIntent")
    assert routine_step(resumed) is not None and routine_step(resumed) > 2


def test_the_store_going_away_mid_session_costs_no_answer_and_no_saved_progress(dynalite: Dynalite) -> None:
    store = store_for(dynalite)
    talk = conversation(store)
    start_full_routine(talk)
    talk.intent("AMAZON.StopIntent")
    assert offer(talk.launch()) == "resume"
    talk.intent("AMAZON.ResumeIntent")
    playing = talk.intent("AMAZON.NoIntent")  # no warning signs today
    step = routine_step(playing)
    assert step is not None
    before = store.get_attributes(request_envelope())

    dynalite.kill()
    moved_on = talk.intent("AMAZON.NextIntent")  # a normal answer: the routine goes on from the session
    assert routine_step(moved_on) is not None and routine_step(moved_on) > step
    question = talk.intent("AskQuestionIntent", question="should I use heat or ice")
    assert question.response["sessionAttributes"]["last_topic"] == "heat_ice"
    talk.intent("AMAZON.StopIntent")  # would save this session's place; the failed load makes it read-only

    dynalite.start()
    assert store.get_attributes(request_envelope()) == before
    assert offer(conversation(store).launch()) == "resume"
