"""Touch buttons through the real server: APL UserEvents posted to /alexa on 127.0.0.1, as a device sends them."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from skill.device import envelopes
from skill.visuals.apl import RENDER_DIRECTIVE, USER_EVENT
from skill.web.server import create_app
from tests.unit.test_visuals import check_apl, walk

pytestmark = [pytest.mark.e2e]
SCREEN = {"Alexa.Presentation.APLA": {}, "Alexa.Presentation.APL": {"runtime": {"maxVersion": "2024.3"}}}


@pytest.fixture
def alexa_url(tmp_path: Path) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, create_app(verify=False, alexa_only=True, db_path=tmp_path / "s.db",
                                                    env={}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alexa"
    server.shutdown()
    thread.join(timeout=10)


class Device:
    """An Echo Show talking to the skill over HTTP: it keeps the session and sends what a person says or touches."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session: dict[str, Any] | None = None

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        body = envelopes.envelope(request, self.session)
        body["context"]["System"]["device"]["supportedInterfaces"] = SCREEN
        post = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=30) as reply:
            response = json.loads(reply.read())
        if response["response"].get("shouldEndSession"):
            self.session = None
        else:
            self.session = {**body["session"], "new": False, "attributes": response.get("sessionAttributes", {})}
        return response

    def touch(self, action: str) -> dict[str, Any]:
        return self.send({"type": USER_EVENT, "token": "nrc-screen", "arguments": ["coach", action],
                          "source": {"type": "TouchWrapper", "handler": "Press", "id": ""}})


def document(response: dict[str, Any]) -> dict[str, Any]:
    (found,) = [d["document"] for d in response["response"]["directives"] if d["type"] == RENDER_DIRECTIVE]
    check_apl(found)
    return found


def texts(response: dict[str, Any]) -> list[str]:
    return [n["text"] for n in walk(document(response)) if "text" in n]


def test_touch_buttons_pause_resume_skip_and_stop_a_routine(alexa_url: str) -> None:
    device = Device(alexa_url)
    device.send(envelopes.launch_request())
    device.send(envelopes.intent_request("StartRoutineIntent", {"routine": "full"}))
    started = device.send(envelopes.intent_request("AMAZON.NoIntent"))  # no warning signs: the safety check
    assert "Step 1 of 7" in texts(started)

    paused = device.touch("pause")
    assert "Paused" in texts(paused) and paused["sessionAttributes"]["routine"]["paused"] is True
    resumed = device.touch("resume")
    assert "Step 3 of 7" in texts(resumed)
    skipped = device.touch("next")
    assert skipped["sessionAttributes"]["routine"]["step"] > resumed["sessionAttributes"]["routine"]["step"]
    back = device.touch("back")  # pressed at once, so the whole last response counts as heard
    heard_last = skipped["sessionAttributes"]["routine"]["step"] - 1
    assert back["sessionAttributes"]["routine"]["chunk_start"] == heard_last - 1
    assert f"Step {heard_last} of 7" in texts(back)
    stopped = device.touch("stop")
    assert stopped["response"]["shouldEndSession"] is True and "routine" not in stopped["sessionAttributes"]
