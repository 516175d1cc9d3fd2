"""The simulator page as an AudioPlayer device, in headless Chromium, against the real server and skill.

The full routine is rendered once with the local voice; the page plays it as one track. Time is
never waited out: the test moves the audio element's ``currentTime`` and waits on what the page
and the skill then do (events, directives, the saved place), as a person would by listening.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.device import envelopes
from skill.persistence import SqliteAdapter
from skill.profile import Profile
from skill.routine.tracks import Track
from skill.voice.tracks import Renderer
from skill.web.server import make_local_server
from tests.e2e.test_browser import AUDIO_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, say, sync_api

pytestmark = [pytest.mark.e2e, pytest.mark.audio]

CHECK_PAGE_JS = (Path(__file__).resolve().parent / "accessibility_check.js").read_text(encoding="utf-8")
TRACK = "document.getElementById('track')"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("tracks")
    track = Renderer(folder).render_all("en-US", routines=["full"], paces=["normal"]).get("en-US", "full", "normal")
    db = folder / "skill.sqlite3"
    server = make_local_server("127.0.0.1", 0, verify=False, db_path=db, env={}, tracks_dir=folder,
                               render_tracks=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "db": db, "track": track}
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser(served: dict[str, Any]) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
        try:
            yield chromium
        finally:
            chromium.close()


def open_device(browser: Any, url: str) -> Any:
    """A fresh page (a device that has played nothing), once it says its tracks are ready."""
    page = browser.new_page()
    page.goto(f"{url}/")
    page.wait_for_function("() => /routine tracks ready/.test(document.getElementById('tracks-ready').textContent)",
                           timeout=AUDIO_TIMEOUT_MS)
    return page


def saved_profile(db: Path) -> Profile:
    """The profile the skill stored for the local user."""
    body = json.dumps(envelopes.envelope(envelopes.launch_request(), None))
    request = DefaultSerializer().deserialize(payload=body, obj_type=RequestEnvelope)
    return Profile.from_dict(SqliteAdapter(db).get_attributes(request))


def finish_the_answer(page: Any) -> None:
    """Skip to the end of the spoken answer, after which the device starts the track."""
    page.wait_for_function("() => { const p = document.getElementById('player');"
                           " return p.readyState >= 1 && Number.isFinite(p.duration); }", timeout=AUDIO_TIMEOUT_MS)
    page.evaluate("() => { const p = document.getElementById('player'); p.currentTime = p.duration; }")


def wait_playing_past(page: Any, seconds: float) -> None:
    page.wait_for_function(f"s => !{TRACK}.paused && {TRACK}.currentTime > s", arg=seconds, timeout=AUDIO_TIMEOUT_MS)


def wait_note(page: Any, text: str, count: int = 1) -> None:
    page.wait_for_function("([t, n]) => [...document.querySelectorAll('#log li.note')]"
                           ".filter((li) => li.textContent.startsWith(t)).length >= n", arg=[text, count],
                           timeout=AUDIO_TIMEOUT_MS)


def test_full_routine_plays_as_one_track_pauses_by_the_player_and_resumes_at_that_second(
        browser: Any, served: dict[str, Any]) -> None:
    track: Track = served["track"]
    page = open_device(browser, served["url"])
    for text in ("open neck relief coach", "start the full routine"):
        say(page, text)
    reply = say(page, "no")  # no warning signs: the routine starts, as one stream
    play = reply["response"]["response"]["directives"][0]
    assert play["type"] == "AudioPlayer.Play" and play["audioItem"]["stream"]["token"] == track.token
    assert reply["request"]["context"]["System"]["device"]["supportedInterfaces"]["AudioPlayer"] == {}
    finish_the_answer(page)
    wait_note(page, "Player: AudioPlayer.PlaybackStarted")

    # Step four, five seconds in: the page follows the track's own timeline.
    target = track.start_of(3) / 1000 + 5.0
    page.evaluate(f"t => {{ {TRACK}.currentTime = t; }}", target)
    wait_playing_past(page, target + 0.3)
    page.wait_for_function("() => document.getElementById('step').textContent.startsWith('Step 4 of 7')")
    assert page.evaluate(CHECK_PAGE_JS) == {"unnamed": [], "noAlt": [], "low": [], "overflow": 0}

    page.locator("#pause-resume").click()  # the device's own pause button: PlaybackController
    wait_note(page, "Player: AudioPlayer.PlaybackStopped")
    stopped_at = page.evaluate(f"{TRACK}.currentTime")
    assert page.evaluate(f"{TRACK}.paused")
    place = saved_profile(served["db"]).place
    assert place.token == track.token
    assert abs(place.offset_ms / 1000 - stopped_at) <= 1.0
    assert track.step_at(place.offset_ms) == 3
    assert page.locator("#pause-resume").inner_text() == "Resume"
    page.close()

    # Another day, another page: the skill offers the saved place, and the track lands on that second.
    page = open_device(browser, served["url"])
    page.evaluate(f"() => {TRACK}.addEventListener('playing', () => {{ window.resumedAt ??= {TRACK}.currentTime; }})")
    assert "step four" in say(page, "open neck relief coach")["transcript"]
    assert "safety check" in say(page, "resume")["transcript"]  # a new session asks it before playback
    resumed = say(page, "no")
    stream = resumed["response"]["response"]["directives"][0]["audioItem"]["stream"]
    assert stream["offsetInMilliseconds"] == place.offset_ms
    finish_the_answer(page)
    page.wait_for_function("() => window.resumedAt !== undefined", timeout=AUDIO_TIMEOUT_MS)
    assert abs(page.evaluate("window.resumedAt") - place.offset_ms / 1000) < 1.0

    # To the end without a single "continue": the player reports the finish, the skill records it.
    page.evaluate(f"() => {{ {TRACK}.currentTime = {TRACK}.duration - 1; }}")
    wait_note(page, "Player: AudioPlayer.PlaybackFinished")  # noted once the skill has answered the event
    assert saved_profile(served["db"]).completed == {"full": 1}
    assert saved_profile(served["db"]).place is None


def test_a_question_over_the_track_stops_it_first_and_yes_carries_on_from_that_second(
        browser: Any, served: dict[str, Any]) -> None:
    track: Track = served["track"]
    page = open_device(browser, served["url"])
    for text in ("open neck relief coach", "start the full routine", "no"):
        say(page, text)
    finish_the_answer(page)
    target = track.start_of(1) / 1000 + 3.0
    page.evaluate(f"t => {{ {TRACK}.currentTime = t; }}", target)
    wait_playing_past(page, target + 0.3)

    answer = say(page, "should I use heat or ice")  # speaking stops the track before the request goes out
    player = answer["request"]["context"]["AudioPlayer"]
    assert player["token"] == track.token and player["playerActivity"] == "STOPPED"
    wait_note(page, "Player: AudioPlayer.PlaybackStopped")
    stopped_at = page.evaluate(f"{TRACK}.currentTime")
    assert abs(player["offsetInMilliseconds"] / 1000 - stopped_at) < 0.05 and page.evaluate(f"{TRACK}.paused")
    assert "directives" not in answer["response"]["response"]  # answered; the track waits

    page.evaluate(f"() => {TRACK}.addEventListener('playing', () => {{ window.resumedAt ??= {TRACK}.currentTime; }})")
    carry_on = say(page, "yes")
    assert carry_on["response"]["response"]["directives"][0]["type"] == "AudioPlayer.Play"
    finish_the_answer(page)
    page.wait_for_function("() => window.resumedAt !== undefined", timeout=AUDIO_TIMEOUT_MS)
    assert abs(page.evaluate("window.resumedAt") - stopped_at) < 1.0
