"""The simulator page in headless Chromium: type, see the answer, load its audio, follow a routine's holds.

Runs the real server (real skill, real pyttsx3 speaker) on a loopback port. Chromium is Debian's,
driven by the playwright package; `playwright install` is never needed (it downloads a browser).
"""

from __future__ import annotations

import json
import math
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from skill.web.server import create_app

pytestmark = [pytest.mark.e2e, pytest.mark.audio]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--mute-audio"]
AUDIO_TIMEOUT_MS = 60000  # a first routine chunk is minutes of speech to synthesise

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package", allow_module_level=True)
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is missing: the speaker needs it (apt-get install espeak-ng)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser") / "skill.sqlite3"
    server = make_server("127.0.0.1", 0, create_app(verify=False, db_path=db, env={}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base_url}/")
            yield page
        finally:
            browser.close()


def say(page: Any, text: str) -> dict[str, Any]:
    """Type ``text`` and press Enter, as a keyboard user would; returns the /simulate reply."""
    answers = page.locator("#log li.turn.alexa").count()
    page.get_by_label("What you would say").fill(text)
    with page.expect_response("**/simulate") as reply:
        page.keyboard.press("Enter")
    page.locator("#log li.turn.alexa").nth(answers).wait_for()
    return json.loads(reply.value.text())


def wait_for_audio(page: Any, url: str) -> float:
    """Wait until the <audio> element has the answer's data; returns its duration in seconds."""
    ready = "url => { const p = document.getElementById('player');" \
            " return p.currentSrc.endsWith(url) && p.readyState >= 2; }"
    page.wait_for_function(ready, arg=url, timeout=AUDIO_TIMEOUT_MS)
    return page.evaluate("document.getElementById('player').duration")


def test_answer_appears_and_its_audio_loads(page: Any) -> None:
    reply = say(page, "open neck relief coach")
    assert reply["intent"] == "LaunchRequest"
    assert page.locator("#log li.turn.alexa").last.inner_text().endswith(reply["transcript"])
    assert wait_for_audio(page, reply["audio"]) > 1.0

    fetched = page.evaluate("""async url => {
        const response = await fetch(url);
        const bytes = new Uint8Array(await response.arrayBuffer());
        return {type: response.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 4))};
    }""", reply["audio"])
    assert fetched == {"type": "audio/wav", "head": "RIFF"}


def test_routine_shows_the_step_and_counts_down_a_hold(page: Any) -> None:
    for text in ("open neck relief coach", "start the full routine"):
        say(page, text)
    reply = say(page, "no")  # no warning signs today
    assert reply["routine"]["state"]["id"] == "full"
    assert page.locator("#routine").is_visible()
    assert page.locator("#step").inner_text() == f"Next: step {reply['routine']['state']['step'] + 1}."

    duration = wait_for_audio(page, reply["audio"])
    page.evaluate("document.getElementById('player').pause()")
    segments = place(reply["routine"]["segments"], duration)
    hold = next(s for s in segments if s.get("label") == "hold")
    hold_end = max(s["end"] for s in segments if s.get("hold") == hold["hold"])
    step = [s["step"] for s in segments if "step" in s and s["start"] <= hold["start"]][-1]
    moment = hold["start"] + 2.0

    page.evaluate("t => { document.getElementById('player').currentTime = t; }", moment)
    page.wait_for_function("() => document.getElementById('countdown').textContent.startsWith('Hold: ')")
    seconds_left = int(page.locator("#countdown").inner_text().removeprefix("Hold: ").removesuffix(" s"))
    assert abs(seconds_left - math.ceil(hold_end - moment)) <= 1
    assert page.locator("#step").inner_text() == f"Step {step['number']} of {step['total']}: {step['title']}"

    # "pause" is placed by the audio element's position, not by how long ago the answer arrived.
    paused = say(page, "pause")
    assert paused["session"]["attributes"]["routine"]["step"] == step["number"] - 1


def place(segments: list[dict[str, Any]], audio_seconds: float) -> list[dict[str, Any]]:
    """Segment start and end times, placed as the page places them (speech stretched to the real audio)."""
    silent = sum(s["seconds"] for s in segments if s["kind"] == "silence")
    spoken = sum(s["seconds"] for s in segments if s["kind"] == "speech")
    scale = (audio_seconds - silent) / spoken
    out, start = [], 0.0
    for seg in segments:
        length = seg["seconds"] * scale if seg["kind"] == "speech" else seg["seconds"]
        out.append({**seg, "start": start, "end": start + length})
        start += length
    return out
