"""Deployment files: the skill manifest (what certification reads), the skill package the ASK CLI
uploads, the SAM template (checked offline by cfn-lint) and the ASK CLI project file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill.content import available_locales, load
from skill.tools import package, skill_package

ROOT = skill_package.ROOT
DEPLOY = ROOT / "deploy"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
EMERGENCY_NUMBERS = {"en-US": "911", "en-GB": "999", "en-CA": "911", "en-AU": "000", "en-IN": "112"}
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:neck-relief-coach-SkillFunction-AbC123:live"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return json.loads((DEPLOY / "skill.json").read_text(encoding="utf-8"))["manifest"]


def model(locale: str) -> dict[str, Any]:
    path = ROOT / "interaction_models" / f"{locale}.json"
    return json.loads(path.read_text(encoding="utf-8"))["interactionModel"]["languageModel"]


def spoken(text: str) -> str:
    """How a phrase compares with a sample: lower case, no commas or end punctuation."""
    return re.sub(r"[,.?!]", "", text).strip().lower()


# --- the manifest -----------------------------------------------------------------------------------------------

def test_every_english_locale_is_published_and_has_a_model(manifest: dict[str, Any]) -> None:
    assert tuple(manifest["publishingInformation"]["locales"]) == LOCALES
    assert skill_package.model_locales() == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_publishing_information_fits_the_console_limits(manifest: dict[str, Any], locale: str) -> None:
    info = manifest["publishingInformation"]["locales"][locale]
    assert info["name"] == "Neck Relief Coach"
    assert 0 < len(info["summary"]) <= 160
    assert 0 < len(info["description"]) <= 4000
    assert 1 <= len(info["examplePhrases"]) <= 3
    assert 0 < len(info["keywords"]) <= 30 and all(k.strip() for k in info["keywords"])


@pytest.mark.parametrize("locale", LOCALES)
def test_the_description_carries_the_health_disclaimer_with_the_local_emergency_number(
        manifest: dict[str, Any], locale: str) -> None:
    description = manifest["publishingInformation"]["locales"][locale]["description"].lower()
    number = EMERGENCY_NUMBERS[locale]
    assert "not a substitute for professional medical advice" in description
    assert f"if you think you may have a medical emergency, dial {number}" in description
    assert re.findall(r"\bdial (\d+)", description) == [number]
    if locale in available_locales():  # the spoken disclaimer and the listing must agree
        assert load(locale).settings["emergency_number_digits"] == number


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_match_the_locale_model_exactly(manifest: dict[str, Any], locale: str) -> None:
    language_model = model(locale)
    invocation = language_model["invocationName"]
    values = {t["name"]: [n for v in t["values"] for n in [v["name"]["value"], *v["name"].get("synonyms", [])]]
              for t in language_model["types"]}
    samples = set()
    for intent in language_model["intents"]:
        types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            samples.add(spoken(sample))
            slot = re.fullmatch(r"(.*)\{(\w+)\}(.*)", sample)
            if slot and types.get(slot.group(2)) in values:  # a custom slot filled with one of its values
                samples.update(spoken(slot.group(1) + v + slot.group(3)) for v in values[types[slot.group(2)]])
    phrases = [spoken(p) for p in manifest["publishingInformation"]["locales"][locale]["examplePhrases"]]
    assert phrases[0] == f"alexa open {invocation}"
    for phrase in phrases[1:]:
        prefix = f"alexa ask {invocation} "
        assert phrase.startswith(prefix), phrase
        assert phrase.removeprefix(prefix) in samples, f"{phrase!r} is not a sample utterance in {locale}"


def test_privacy_category_and_interfaces(manifest: dict[str, Any]) -> None:
    assert manifest["privacyAndCompliance"] == {
        "allowsPurchases": False, "usesPersonalInfo": False, "isChildDirected": False,
        "isExportCompliant": True, "containsAds": False,
    }
    assert manifest["publishingInformation"]["category"] == "HEALTH_AND_FITNESS"
    interfaces = manifest["apis"]["custom"]["interfaces"]
    assert [i["type"] for i in interfaces] == ["ALEXA_PRESENTATION_APLA", "CAN_FULFILL_INTENT_REQUEST",
                                               "ALEXA_PRESENTATION_APL", "AUDIO_PLAYER"]  # long-form routines
    assert {v["mode"] for v in interfaces[2]["supportedViewports"]} == {"HUB"}  # Echo Show screens
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == "{{LAMBDA_ARN}}"  # filled by skill_package


# --- the skill package ------------------------------------------------------------------------------------------

def test_the_package_has_the_manifest_with_the_arn_and_every_model_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "skill-package"
    assert skill_package.main(["--lambda-arn", LAMBDA_ARN, "--output", str(out)]) == 0
    built = json.loads((out / "skill.json").read_text(encoding="utf-8"))
    assert built["manifest"]["apis"]["custom"]["endpoint"] == {"uri": LAMBDA_ARN}
    assert tuple(built["manifest"]["publishingInformation"]["locales"]) == LOCALES
    models = sorted(p.name for p in (out / "interactionModels" / "custom").iterdir())
    assert models == sorted(p.name for p in (ROOT / "interaction_models").glob("*.json"))
    for name in models:
        assert (out / "interactionModels" / "custom" / name).read_bytes() == \
            (ROOT / "interaction_models" / name).read_bytes()


def test_without_an_endpoint_the_skill_can_be_created_first(tmp_path: Path) -> None:
    out = tmp_path / "skill-package"
    (out / "stale").mkdir(parents=True)
    assert skill_package.main(["--output", str(out)]) == 0
    built = json.loads((out / "skill.json").read_text(encoding="utf-8"))
    assert "endpoint" not in built["manifest"]["apis"]["custom"]
    assert not (out / "stale").exists()


def test_the_web_service_variant_names_its_certificate_type(tmp_path: Path) -> None:
    out = tmp_path / "skill-package"
    assert skill_package.main(["--https-endpoint", "https://coach.example.com/alexa", "--ssl-certificate-type",
                               "Wildcard", "--output", str(out)]) == 0
    built = json.loads((out / "skill.json").read_text(encoding="utf-8"))
    assert built["manifest"]["apis"]["custom"]["endpoint"] == {
        "uri": "https://coach.example.com/alexa", "sslCertificateType": "Wildcard"}


@pytest.mark.parametrize("args", [
    ["--lambda-arn", "arn:aws:s3:::bucket"],
    ["--https-endpoint", "http://coach.example.com/alexa"],
])
def test_a_wrong_endpoint_is_refused_before_anything_is_written(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "skill-package"
    assert skill_package.main([*args, "--output", str(out)]) == 2
    assert not out.exists()


def test_a_manifest_locale_without_a_model_is_left_out_and_a_model_without_one_is_an_error(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "en-US.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "out"
    left_out = skill_package.build(out, None, DEPLOY / "skill.json", models)
    assert left_out == sorted(set(LOCALES) - {"en-US"})
    assert list(json.loads((out / "skill.json").read_text())["manifest"]["publishingInformation"]["locales"]) == \
        ["en-US"]
    (models / "fr-FR.json").write_text("{}", encoding="utf-8")
    with pytest.raises(skill_package.PackageError, match="fr-FR"):
        skill_package.build(out, None, DEPLOY / "skill.json", models)


# --- the ASK CLI project file -----------------------------------------------------------------------------------

def test_ask_resources_point_at_the_assembled_package_only() -> None:
    resources = json.loads((DEPLOY / "ask-resources.json").read_text(encoding="utf-8"))
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    profile = resources["profiles"]["default"]
    assert (DEPLOY / profile["skillMetadata"]["src"]).resolve() == skill_package.DEFAULT_OUTPUT
    # SAM owns the function and table; an ASK deployer here would make a second, unlinked copy.
    assert "code" not in profile and "skillInfrastructure" not in profile


# --- the SAM template -------------------------------------------------------------------------------------------

def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    script = "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)


def test_cfn_lint_passes_the_template_and_catches_a_broken_one(tmp_path: Path) -> None:
    result = cfn_lint(DEPLOY / "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "template.yaml"
    broken.write_text((DEPLOY / "template.yaml").read_text(encoding="utf-8").replace("python3.12", "python2.7"))
    assert cfn_lint(broken).returncode != 0


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    from cfnlint.decode import decode

    parsed, problems = decode(str(DEPLOY / "template.yaml"))
    assert not problems
    return parsed


def test_the_function_is_the_one_the_package_builds(template: dict[str, Any]) -> None:
    function = template["Resources"]["SkillFunction"]
    assert function["Type"] == "AWS::Serverless::Function"
    props = function["Properties"]
    assert (DEPLOY / props["CodeUri"]).resolve() == (ROOT / "build" / "lambda.zip")
    assert props["Handler"] == "lambda_function.lambda_handler" and (ROOT / "lambda" / "lambda_function.py").is_file()
    assert (props["Runtime"], props["MemorySize"], props["Timeout"]) == ("python3.12", 1769, 8)
    assert props["Architectures"] == [{"Ref": "Architecture"}]
    assert template["Parameters"]["Architecture"]["AllowedValues"] == ["arm64", "x86_64"]
    assert template["Parameters"]["Architecture"]["Default"] == package.DEFAULT_ARCH  # the zip built by default
    assert props["Environment"]["Variables"]["NRC_DYNAMODB_TABLE"] == {"Ref": "StateTable"}
    assert props["Environment"]["Variables"]["NRC_DYNAMODB_REGION"] == {"Ref": "AWS::Region"}


def test_the_function_may_touch_only_its_table_and_only_its_skill_may_invoke_it(template: dict[str, Any]) -> None:
    props = template["Resources"]["SkillFunction"]["Properties"]
    [policy] = props["Policies"]
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"]
    assert statement["Resource"] == {"Fn::GetAtt": ["StateTable", "Arn"]}
    [event] = props["Events"].values()
    assert event == {"Type": "AlexaSkill", "Properties": {"SkillId": {"Ref": "SkillId"}}}


def test_the_table_is_on_demand_encrypted_recoverable_and_kept(template: dict[str, Any]) -> None:
    table = template["Resources"]["StateTable"]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_the_sam_transform_yields_a_permission_scoped_to_the_skill(template: dict[str, Any],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """cfn-lint checks SAM resources by schema only; the real transform shows what CloudFormation gets."""
    translator = pytest.importorskip("samtranslator.translator.transform",
                                     reason="aws-sam-translator is not installed")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    source = json.loads(json.dumps(template))
    source["Resources"]["SkillFunction"]["Properties"]["CodeUri"] = "s3://artifacts/lambda.zip"  # as sam deploy does

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    skill_id = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
    resources = translator.transform(source, {"SkillId": skill_id}, NoManagedPolicies())["Resources"]
    [permission] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert permission["Principal"] == "alexa-appkit.amazon.com"
    assert permission["EventSourceToken"] == {"Ref": "SkillId"}
    [alias] = [name for name, r in resources.items() if r["Type"] == "AWS::Lambda::Alias"]
    assert permission["FunctionName"] == {"Ref": alias}
