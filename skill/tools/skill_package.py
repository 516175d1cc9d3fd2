"""Assemble the Alexa skill package the ASK CLI deploys: ``build/skill-package/``.

``skill.json`` comes from ``deploy/skill.json`` with its endpoint filled in: the Lambda ARN from the
SAM stack's ``SkillEndpoint`` output, or an HTTPS URL for the web-service variant, or no endpoint at
all (enough to create the skill and learn its id before the function exists). Each locale's model
is copied unchanged from ``interaction_models/`` to ``interactionModels/custom/<locale>.json``.

A manifest locale without a model is left out with a warning (Alexa cannot build a locale without
one); a model without a manifest locale is an error, since it would never be published.

Usage: python -m skill.tools.skill_package [--lambda-arn ARN | --https-endpoint URL [--ssl-certificate-type T]]
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_SOURCE = ROOT / "deploy" / "skill.json"
MODELS_DIR = ROOT / "interaction_models"
DEFAULT_OUTPUT = ROOT / "build" / "skill-package"
SSL_CERTIFICATE_TYPES = ("Trusted", "Wildcard")
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")


class PackageError(ValueError):
    """The manifest, models or endpoint cannot make a deployable skill package."""


def endpoint_for(lambda_arn: str | None, https_endpoint: str | None,
                 ssl_certificate_type: str) -> dict[str, str] | None:
    """The manifest's ``apis.custom.endpoint``: a Lambda ARN, an HTTPS URL with its certificate type, or none."""
    if lambda_arn and https_endpoint:
        raise PackageError("give a Lambda ARN or an HTTPS endpoint, not both")
    if lambda_arn:
        if not _LAMBDA_ARN.match(lambda_arn):
            raise PackageError(f"not a Lambda function ARN: {lambda_arn!r}")
        return {"uri": lambda_arn}
    if https_endpoint:
        if not https_endpoint.startswith("https://"):
            raise PackageError("a web-service endpoint must be an https:// URL (Alexa calls nothing else)")
        if ssl_certificate_type not in SSL_CERTIFICATE_TYPES:
            raise PackageError(f"sslCertificateType must be one of {', '.join(SSL_CERTIFICATE_TYPES)}")
        return {"uri": https_endpoint, "sslCertificateType": ssl_certificate_type}
    return None


def model_locales(models_dir: Path = MODELS_DIR) -> list[str]:
    return sorted(path.stem for path in models_dir.glob("*.json"))


def assemble_manifest(source: dict[str, Any], endpoint: dict[str, str] | None,
                      locales: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The manifest to deploy, and the manifest locales left out for want of a model."""
    manifest = copy.deepcopy(source)
    published = manifest["manifest"]["publishingInformation"]["locales"]
    unpublished = sorted(set(locales) - set(published))
    if unpublished:
        raise PackageError(f"models without publishing information in deploy/skill.json: {', '.join(unpublished)}")
    left_out = sorted(set(published) - set(locales))
    for locale in left_out:
        del published[locale]
    custom = manifest["manifest"]["apis"]["custom"]
    if endpoint is None:
        custom.pop("endpoint", None)
    else:
        custom["endpoint"] = endpoint
    return manifest, left_out


def build(output: Path = DEFAULT_OUTPUT, endpoint: dict[str, str] | None = None,
          manifest_source: Path = MANIFEST_SOURCE, models_dir: Path = MODELS_DIR) -> list[str]:
    """Write the package afresh (nothing stale survives) and return the locales left out."""
    locales = model_locales(models_dir)
    if not locales:
        raise PackageError(f"no interaction models in {models_dir}")
    manifest, left_out = assemble_manifest(json.loads(manifest_source.read_text(encoding="utf-8")), endpoint, locales)
    if output.exists():
        shutil.rmtree(output)
    custom_dir = output / "interactionModels" / "custom"
    custom_dir.mkdir(parents=True)
    (output / "skill.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for locale in locales:
        shutil.copyfile(models_dir / f"{locale}.json", custom_dir / f"{locale}.json")
    return left_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.tools.skill_package", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--lambda-arn", help="the SAM stack's SkillEndpoint output (the function's live alias)")
    target.add_argument("--https-endpoint", help="web-service variant: the public https:// URL of /alexa")
    parser.add_argument("--ssl-certificate-type", choices=SSL_CERTIFICATE_TYPES, default="Trusted",
                        help="with --https-endpoint: Trusted (a CA-signed certificate) or Wildcard")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        endpoint = endpoint_for(args.lambda_arn, args.https_endpoint, args.ssl_certificate_type)
        left_out = build(args.output, endpoint)
    except PackageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for locale in left_out:
        print(f"warning: {locale} is in deploy/skill.json but has no interaction model; left out", file=sys.stderr)
    where = endpoint["uri"] if endpoint else "none (create the skill first, then rerun with --lambda-arn)"
    print(f"{args.output}: locales {', '.join(model_locales())}; endpoint {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
