"""The Lambda package: built by ``python -m skill.tools.package``, it must answer on its own.

The zip is unpacked into an empty folder and imported by a fresh interpreter that sees nothing
else (no repository, no site-packages), as on Lambda, then sent a launch, a question and a routine
start. Both builds are tested: the lexical fallback (``--arch any``) and the hybrid one (numpy and
the sentence-embedding model). The tests build offline, from this environment's packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from skill.content import load
from skill.device import envelopes
from skill.device.conversation import transcript
from skill.tools import package
from skill.understanding import embedding
from skill.understanding.semantic import QUESTIONS, load_cache
from tests.checks import check_response
from tests.deploy.conftest import free_port

ROOT = package.ROOT
LAMBDA_ZIP_LIMIT_BYTES = 50 * 1024 * 1024  # direct upload limit
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
PACKAGE_BUDGET_BYTES = 150 * 1000 * 1000  # issue 9: at most 150 MB unpacked per architecture
ALEXA_DEADLINE_SECONDS = 8.0

# Runs inside the unpacked package: events on stdin, results on stdout. A request in the same
# session as the previous one carries that response's session attributes, as Alexa does. It also
# says which ranker answered, how many texts the model embedded, and how long import plus the
# first answer took (the cold start).
ISOLATED_INVOKE = """
import json, os, sys, time
started = time.perf_counter()
sys.path.insert(0, os.getcwd())
import lambda_function
events, responses = json.load(sys.stdin), []
for index, event in enumerate(events):
    if index and event["session"]["sessionId"] == events[index - 1]["session"]["sessionId"]:
        event["session"]["attributes"] = responses[-1].get("sessionAttributes") or {}
    responses.append(lambda_function.lambda_handler(event, None))
    if not index:
        cold_seconds = time.perf_counter() - started
import ask_sdk_core, skill, skill.coach
from skill.understanding import embedding
model = embedding.encoder()
json.dump({"path": sys.path, "responses": responses, "cold_seconds": cold_seconds,
           "files": [m.__file__ for m in (ask_sdk_core, skill, lambda_function, sys.modules.get("numpy")) if m],
           "hybrid": {locale: ranker.semantic is not None for locale, ranker in skill.coach._RANKERS.items()},
           "embedded": model.embed.cache_info().misses if model else 0}, sys.stdout)
"""


def invoke_isolated(folder: Path, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``events`` through the unpacked zip in ``folder`` in a fresh interpreter that sees nothing else."""
    result = subprocess.run([sys.executable, "-I", "-S", "-c", ISOLATED_INVOKE], cwd=folder,
                            input=json.dumps(events), capture_output=True, text=True, timeout=120,
                            env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert str(folder) in output["path"]
    assert not [p for p in output["path"] if p.startswith(str(ROOT)) or "site-packages" in p]
    assert all(Path(file).is_relative_to(folder) for file in output["files"])
    for event, response in zip(events, output["responses"], strict=True):
        check_response(event, response)
    return output


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
    """The lexical fallback, built offline from this environment's installed packages: tests never
    reach the network. ``python -m skill.tools.package`` without --offline downloads the same pins
    for the runtime."""
    return package.build(tmp_path_factory.mktemp("package") / "lambda.zip", arch="any", offline=True)


def unpack(zip_path: Path, folder: Path) -> Path:
    assert not any(folder.iterdir())
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def unpacked(lambda_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(lambda_zip, tmp_path_factory.mktemp("task"))


def names_in(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def test_the_build_is_deterministic(lambda_zip: Path, tmp_path: Path) -> None:
    again = package.build(tmp_path / "again.zip", arch="any", offline=True)
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
    assert not [n for n in names if n.startswith(("numpy", f"{package.MODEL_ENTRY}/"))]  # the lexical fallback
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
    output = invoke_isolated(unpacked, events)
    assert output["hybrid"] == {"en-US": False} and output["embedded"] == 0  # no numpy: the lexical fallback
    launch, question, start, begin = output["responses"]
    assert all(response["response"]["shouldEndSession"] is False for response in output["responses"])
    content = load("en-US")
    assert content.fill(str(content.prompts["disclaimer"])) in transcript(launch)  # first visit: nothing stored
    assert question["sessionAttributes"]["last_topic"] == "pressure"
    assert start["sessionAttributes"]["offer"] == "safety_check"
    assert begin["sessionAttributes"]["routine"]["id"] == "full"


needs_model = pytest.mark.skipif(embedding.encoder() is None,
                                 reason="embedding model not built (python -m skill.tools.embeddings)")


@pytest.fixture(scope="module")
def hybrid_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default build (x86_64: numpy and the model), offline: numpy is this environment's, so the
    zip runs here; ``python -m skill.tools.package`` puts in the manylinux wheel for Python 3.12."""
    return package.build(tmp_path_factory.mktemp("hybrid") / "lambda.zip", arch="x86_64", offline=True)


@needs_model
def test_the_hybrid_zip_carries_numpy_and_the_whole_model_within_budget(hybrid_zip: Path) -> None:
    with zipfile.ZipFile(hybrid_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    assert "numpy/__init__.py" in infos and [n for n in infos if n.startswith("numpy/") and n.endswith(".so")]
    model = embedding.model_dir()
    for name in package.MODEL_FILES:
        assert infos[f"build/minilm/{name}"].file_size == (model / name).stat().st_size
    assert package.MODEL_ENTRY == "build/minilm"  # where model_dir() looks, relative to the package root
    assert "skill/understanding/embedding.py" in infos
    assert sum(info.file_size for info in infos.values()) < PACKAGE_BUDGET_BYTES
    # Above the 50 MB of a direct upload: sam deploy uploads the zip to S3 first (limit: 250 MB unpacked).
    assert hybrid_zip.stat().st_size < LAMBDA_UNZIPPED_LIMIT_BYTES


@needs_model
def test_the_unpacked_hybrid_zip_answers_with_embeddings_in_a_fresh_interpreter(
        hybrid_zip: Path, tmp_path: Path) -> None:
    folder = unpack(hybrid_zip, tmp_path)
    event = envelopes.envelope(
        envelopes.intent_request("AskQuestionIntent", {"question": "is massage good for occipital neuralgia"}), None)
    output = invoke_isolated(folder, [event])
    assert output["hybrid"] == {"en-US": True}
    assert any(Path(file).parts[-2:] == ("numpy", "__init__.py") for file in output["files"])  # the zip's numpy
    # Every sample's vector came from the packaged cache: the model embedded only what was asked.
    assert 1 <= output["embedded"] <= 2
    [answer] = output["responses"]
    assert answer["sessionAttributes"]["last_topic"] == "massage_safety"  # lexically: devices
    assert output["cold_seconds"] < ALEXA_DEADLINE_SECONDS  # about 0.7 s here; the budget of 1 s is in the README


@needs_model
def test_a_hybrid_build_refuses_a_model_whose_sample_vectors_are_stale(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    source = embedding.model_dir()
    for name in (embedding.WEIGHTS, embedding.VOCAB):
        (tmp_path / name).symlink_to(source / name)
    monkeypatch.setenv("NRC_EMBEDDING_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"no questions\.npz: run python -m skill\.tools\.embeddings"):
        package.model_entries()
    cached = load_cache(source, np)
    kept = sorted(cached)[2:]
    np.savez(tmp_path / QUESTIONS, texts=np.array(kept), vectors=np.stack([cached[t] for t in kept]))
    stale = (tmp_path / QUESTIONS).read_bytes()
    with pytest.raises(ValueError, match="lacks 2 sample questions"):
        package.model_entries()
    assert (tmp_path / QUESTIONS).read_bytes() == stale  # the check refreshes a copy, never the model folder


def test_a_hybrid_build_asks_pip_for_numpys_wheel_for_the_runtime(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy 2.4 has only manylinux_2_28 Linux wheels, a tag pip does not reach from manylinux2014."""
    commands: list[list[str]] = []
    monkeypatch.setattr(package, "BUILD_DIR", tmp_path)
    monkeypatch.setattr(package.subprocess, "run", lambda command, check: commands.append(command))
    for arch, machine in (("x86_64", "x86_64"), ("arm64", "aarch64")):
        package.install_dependencies(package.requirement_files(package.DEFAULT_REQUIREMENTS, True), arch)
        command = commands[-1]
        assert {f"--platform=manylinux_2_28_{machine}", f"--platform=manylinux2014_{machine}"} <= set(command)
        assert command[command.index("--python-version") + 1] == package.PYTHON_VERSION
        assert "--only-binary=:all:" in command and f"--requirement={package.EMBEDDING_REQUIREMENTS}" in command
    pins = package.EMBEDDING_REQUIREMENTS.read_text(encoding="utf-8").split()
    assert f"numpy=={metadata.version('numpy')}" in pins  # the zip gets the numpy the tests run with
    package.install_dependencies([package.DEFAULT_REQUIREMENTS], "any")
    assert "--platform=any" in commands[-1] and not [c for c in commands[-1] if "embeddings" in c]


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
