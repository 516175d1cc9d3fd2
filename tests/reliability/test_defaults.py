"""Issue 11, part 7: safe defaults. No EC2 metadata probe without credentials off AWS, a warning when
verification runs without a skill id, and a simulator that answers only this machine unless opened."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import pytest
from ask_sdk_model import RequestEnvelope

from skill.alexa import build_skill
from skill.device import envelopes
from skill.persistence import PersistenceError
from skill.persistence.dynamodb import DynamoDbStore
from skill.persistence.factory import local_adapter_from_env
from skill.web.server import create_app

NO_CREDENTIALS = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


def launch_envelope() -> RequestEnvelope:
    return build_skill(None).serializer.deserialize(
        json.dumps(envelopes.envelope(envelopes.launch_request(), envelopes.new_session())), RequestEnvelope)


def test_local_dynamodb_without_credentials_fails_at_once_without_asking_the_metadata_address(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_EC2_METADATA_DISABLED", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in NO_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    from botocore.utils import InstanceMetadataFetcher

    probed: list[str] = []
    monkeypatch.setattr(InstanceMetadataFetcher, "retrieve_iam_role_credentials",
                        lambda self: probed.append("metadata") or {})
    store = local_adapter_from_env({"NRC_DYNAMODB_TABLE": "coach", "NRC_DYNAMODB_REGION": "us-east-1",
                                    "NRC_DYNAMODB_ENDPOINT": "http://127.0.0.1:9"})
    assert isinstance(store, DynamoDbStore) and store.settings.instance_metadata is False
    started = time.monotonic()
    with pytest.raises(PersistenceError, match="no AWS credentials"):
        store.get_attributes(launch_envelope())
    assert time.monotonic() - started < 1.0 and probed == []


def test_lambda_and_ec2_hosts_keep_the_metadata_credentials() -> None:
    from skill.persistence.factory import adapter_from_env

    store = adapter_from_env({"NRC_DYNAMODB_TABLE": "coach", "AWS_REGION": "us-east-1"})
    assert isinstance(store, DynamoDbStore) and store.settings.instance_metadata is True
    opted_in = local_adapter_from_env({"NRC_DYNAMODB_TABLE": "coach", "AWS_REGION": "us-east-1",
                                       "NRC_AWS_INSTANCE_METADATA": "1"})
    assert isinstance(opted_in, DynamoDbStore) and opted_in.settings.instance_metadata is True


@pytest.mark.parametrize(("skill_id", "warned"), [(None, True), ("amzn1.ask.skill.mine", False)])
def test_verification_without_a_skill_id_is_warned_about(caplog: pytest.LogCaptureFixture, skill_id: str | None,
                                                          warned: bool) -> None:
    caplog.set_level(logging.WARNING, logger="skill.web.server")
    create_app(skill=build_skill(None), verify=True, skill_id=skill_id, verifier=object(), env={})  # type: ignore
    assert any("no skill id" in r.getMessage() for r in caplog.records) is warned


def simulate(app: Any, remote_addr: str) -> Any:
    return app.test_client().post("/simulate", json={"text": "help", "session": None},
                                  environ_base={"REMOTE_ADDR": remote_addr})


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "127.8.9.10"])
def test_the_simulator_answers_this_machine(address: str) -> None:
    app = create_app(skill=build_skill(None), verify=False, env={})
    assert simulate(app, address).status_code == 200


def test_the_simulator_refuses_other_machines_unless_opened() -> None:
    closed = create_app(skill=build_skill(None), verify=False, env={})
    refused = simulate(closed, "203.0.113.7")
    assert refused.status_code == 403 and "NRC_REMOTE_SIMULATOR" in refused.get_json()["message"]
    assert closed.test_client().get("/", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 403
    alexa = closed.test_client().post("/alexa", json=envelopes.envelope(envelopes.launch_request(), None),
                                      environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert alexa.status_code == 200, "the Alexa endpoint is for everyone (it is verified)"
    opened = create_app(skill=build_skill(None), verify=False, env={"NRC_REMOTE_SIMULATOR": "1"})
    assert simulate(opened, "203.0.113.7").status_code == 200
