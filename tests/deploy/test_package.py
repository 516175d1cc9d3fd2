"""The Lambda package: built by ``python -m skill.tools.package``, it must answer on its own.

The zip is unpacked into an empty folder and imported by a fresh interpreter that sees nothing
else (no repository, no site-packages), as on Lambda, then sent a launch, a question and a routine
start. Dependencies come from pip (cached under build/), so only the first run downloads.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from skill.content import load
from skill.device import envelopes
from skill.device.conversation import transcript
from skill.tools import package
from tests.checks import check_response
from tests.deploy.conftest import free_port

ROOT = package.ROOT
LAMBDA_ZIP_LIMIT_BYTES = 50 * 1024 * 1024  # direct upload limit
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
ALEXA_DEADLINE_SECONDS = 8.0

# Runs inside the unpacked package: events on stdin, results on stdout. A request in the same
# session as the previous one carries that response's session attributes, as Alexa does.
ISOLATED_INVOKE = """
import json, os, sys
sys.path.insert(0, os.getcwd())
import lambda_function
import ask_sdk_core, skill
events, responses = json.load(sys.stdin), []
for index, event in enumerate(events):
    if index and event["session"]["sessionId"] == events[index - 1]["session"]["sessionId"]:
        event["session"]["attributes"] = responses[-1].get("sessionAttributes") or {}
    responses.append(lambda_function.lambda_handler(event, None))
json.dump({"path": sys.path, "files": [ask_sdk_core.__file__, skill.__file__, lambda_function.__file__],
           "responses": responses}, sys.stdout)
"""

# Runs against the repository: does importing the entry point load boto3, and does a request?
COLD_PATH = """
import json, sys, time
sys.path[:0] = ["lambda", "."]
import lambda_function
imported = "boto3" in sys.modules
event = json.load(sys.stdin)
started = time.monotonic()
response = lambda_function.lambda_handler(event, None)
json.dump({"boto3_at_import": imported, "boto3_after_request": "boto3" in sys.modules,
           "seconds": time.monotonic() - started, "response": response}, sys.stdout)
"""


@pytest.fixture(scope="module")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built offline from this environment's installed packages: tests never reach the network.
    ``python -m skill.tools.package`` without --offline downloads the same pins for the runtime."""
    return package.build(tmp_path_factory.mktemp("package") / "lambda.zip", offline=True)


@pytest.fixture(scope="module")
def unpacked(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("task")
    assert not any(folder.iterdir())
    with zipfile.ZipFile(lambda_zip) as archive:
        archive.extractall(folder)
    return folder


def names_in(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def test_the_build_is_deterministic(lambda_zip: Path, tmp_path: Path) -> None:
    again = package.build(tmp_path / "again.zip", offline=True)
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(lambda_zip.read_bytes()).digest()
    with zipfile.ZipFile(lambda_zip) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {package.ZIP_EPOCH}
    assert {i.external_attr >> 16 for i in infos} == {package.FILE_MODE}


def test_the_zip_holds_what_lambda_needs_and_nothing_from_the_laptop(lambda_zip: Path) -> None:
    names = names_in(lambda_zip)
    assert "lambda_function.py" in names
    assert {f"skill/content/en-US/{f}.json" for f in ("topics", "routines", "prompts", "intents")} <= set(names)
    assert "skill/alexa/builder.py" in names and "ask_sdk_core/skill_builder.py" in names
    laptop_only = tuple(f"skill/{name}/" for name in ("local", "web", "cli", "device", "voice", "tools"))
    assert not [n for n in names if n.startswith((*laptop_only, "tests/", "bin/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.split("/")[0] in ("boto3", "botocore", "s3transfer", "jmespath")]
    with zipfile.ZipFile(lambda_zip) as archive:
        unpacked_size = sum(info.file_size for info in archive.infolist())
    assert lambda_zip.stat().st_size < LAMBDA_ZIP_LIMIT_BYTES and unpacked_size < LAMBDA_UNZIPPED_LIMIT_BYTES


def test_the_zip_can_reach_dynamodb(lambda_zip: Path) -> None:
    """The template sets NRC_DYNAMODB_TABLE: our versioned store ships (boto3 comes with the runtime),
    and the SDK's adapter, which has no conditional write and is not used, does not."""
    names = names_in(lambda_zip)
    assert "skill/persistence/dynamodb.py" in names
    assert not [n for n in names if n.startswith("ask_sdk_dynamodb/")]


def test_the_unpacked_zip_answers_alone_in_a_fresh_interpreter(unpacked: Path) -> None:
    routine_session = envelopes.new_session()
    events = [
        envelopes.envelope(envelopes.launch_request(), None),
        envelopes.envelope(envelopes.intent_request("AskQuestionIntent", {"question": "how hard should I press"}),
                           None),
        envelopes.envelope(envelopes.intent_request("StartRoutineIntent", {"routine": "full"}), routine_session),
        envelopes.envelope(envelopes.intent_request("AMAZON.NoIntent"), {**routine_session, "new": False}),
    ]
    result = subprocess.run([sys.executable, "-I", "-S", "-c", ISOLATED_INVOKE], cwd=unpacked,
                            input=json.dumps(events), capture_output=True, text=True, timeout=120,
                            env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)

    assert str(unpacked) in output["path"]
    assert not [p for p in output["path"] if p.startswith(str(ROOT)) or "site-packages" in p]
    assert all(Path(file).is_relative_to(unpacked) for file in output["files"])

    launch, question, start, begin = output["responses"]
    for event, response in zip(events, output["responses"], strict=True):
        check_response(event, response)
        assert response["response"]["shouldEndSession"] is False
    content = load("en-US")
    assert content.fill(str(content.prompts["disclaimer"])) in transcript(launch)  # first visit: nothing stored
    assert question["sessionAttributes"]["last_topic"] == "pressure"
    assert start["sessionAttributes"]["offer"] == "safety_check"
    assert begin["sessionAttributes"]["routine"]["id"] == "full"


def run_cold_path(env: dict[str, str]) -> dict[str, Any]:
    event = envelopes.envelope(envelopes.launch_request(), None)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NRC_", "AWS_"))}
    result = subprocess.run([sys.executable, "-c", COLD_PATH], cwd=ROOT, input=json.dumps(event),
                            capture_output=True, text=True, timeout=120, env={**clean, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_boto3_stays_off_the_cold_path_without_dynamodb() -> None:
    outcome = run_cold_path({})
    assert not outcome["boto3_at_import"] and not outcome["boto3_after_request"]
    assert outcome["response"]["response"]["outputSpeech"]["ssml"].startswith("<speak>")


def test_with_dynamodb_boto3_waits_for_the_first_request_and_an_unreachable_store_still_answers() -> None:
    outcome = run_cold_path({
        "NRC_DYNAMODB_TABLE": "coach-state", "NRC_DYNAMODB_REGION": "us-east-1",
        "NRC_DYNAMODB_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_EC2_METADATA_DISABLED": "true",
    })
    assert not outcome["boto3_at_import"]
    assert outcome["boto3_after_request"]
    assert outcome["seconds"] < ALEXA_DEADLINE_SECONDS
    event = envelopes.envelope(envelopes.launch_request(), None)
    check_response(event, outcome["response"])
    assert outcome["response"]["response"]["shouldEndSession"] is False


def test_bytecode_is_made_only_by_the_runtime_python_and_never_checked_against_timestamps() -> None:
    entries = {"lambda_function.py": package.ENTRY_POINT}
    with pytest.raises(ValueError, match="bytecode"):
        package.compile_bytecode(entries, sys.executable, f"{sys.version_info.major}.{sys.version_info.minor + 1}")
    compiled = package.compile_bytecode(entries, sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}")
    [(name, path)] = compiled.items()
    assert name == f"__pycache__/lambda_function.{sys.implementation.cache_tag}.pyc"
    assert int.from_bytes(path.read_bytes()[4:8], "little") == 0b01  # hash-based, source not checked
