"""The drawings in real Chromium: each renders, each step matches its stored screenshot at desktop and
phone width, the page follows a routine's steps, and the page passes our accessibility checks.

Set NRC_UPDATE_SCREENSHOTS=1 to rewrite the reference images after a deliberate change to a drawing
(then look at them: tests/e2e/screenshots/).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skill.content import load
from skill.tools.drawing_assets import SIZES, render
from skill.visuals.drawings import load_drawings
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, base_url, place, say, sync_api, wait_for_audio

__all__ = ["base_url"]  # the running server fixture, shared with the simulator's own browser test
pytestmark = [pytest.mark.e2e]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 667}}
STEPS = sorted({(s.id, r.id, i) for r in load("en-US").routines.values() for i, s in enumerate(r.steps)},
               key=lambda t: t[0])
STEP_IDS = sorted({step_id for step_id, _, _ in STEPS})
MAX_DIFFERENT_PIXELS = 0.01  # share of pixels allowed to differ (font hinting, antialiasing)
PIXEL_TOLERANCE = 48  # a channel differing by more than this counts the pixel as different
UPDATE = os.environ.get("NRC_UPDATE_SCREENSHOTS") == "1"

COMPARE_JS = """async ([actual, expected, tolerance]) => {
  const load = (src) => new Promise((ok, fail) => { const i = new Image(); i.onload = () => ok(i); i.onerror = fail;
                                                    i.src = src; });
  const [a, b] = await Promise.all([load(actual), load(expected)]);
  if (a.width !== b.width || a.height !== b.height) return {sizes: [a.width, a.height, b.width, b.height], share: 1};
  const pixels = (img) => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
    const x = c.getContext('2d'); x.drawImage(img, 0, 0); return x.getImageData(0, 0, c.width, c.height).data; };
  const p = pixels(a), q = pixels(b);
  let different = 0;
  for (let k = 0; k < p.length; k += 4) {
    if (Math.abs(p[k] - q[k]) > tolerance || Math.abs(p[k + 1] - q[k + 1]) > tolerance
        || Math.abs(p[k + 2] - q[k + 2]) > tolerance) different += 1;
  }
  return {share: different / (p.length / 4)};
}"""

SHOW_STEP_JS = """async ([id, alt, text]) => {
  document.getElementById('routine').hidden = false;
  document.getElementById('step').textContent = text;
  const figure = document.getElementById('drawing-figure'), img = document.getElementById('drawing');
  img.src = `/drawings/${id}.svg`; img.alt = alt; figure.hidden = false;
  await img.decode();
  return img.naturalWidth;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Any, base_url: str, viewport: str) -> Any:
    page = browser.new_page(viewport=VIEWPORTS[viewport], device_scale_factor=1)
    page.goto(f"{base_url}/")
    return page


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@pytest.mark.parametrize("drawing_id", sorted(load_drawings().drawings))
def test_each_drawing_renders_as_svg(browser: Any, base_url: str, drawing_id: str) -> None:
    page = browser.new_page()
    response = page.goto(f"{base_url}/drawings/{drawing_id}.svg")
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert page.evaluate("document.documentElement.tagName") == "svg"
    drawn = page.evaluate("document.querySelectorAll('path').length")
    assert drawn == len(load_drawings().drawings[drawing_id].avg["items"])
    assert page.goto(f"{base_url}/drawings/nothing_here.svg").status == 404
    page.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("step_id", STEP_IDS)
def test_each_step_matches_its_stored_screenshot(browser: Any, base_url: str, step_id: str, viewport: str) -> None:
    drawing = load_drawings().for_step(step_id)
    page = open_page(browser, base_url, viewport)
    assert page.evaluate(SHOW_STEP_JS, [drawing.id, drawing.alt, drawing.title]) == 200
    actual = page.locator("#drawing-figure").screenshot()
    reference = SCREENSHOTS / f"{step_id}-{viewport}.png"
    if UPDATE or not reference.exists():
        reference.write_bytes(actual)
    page.close()
    blank = browser.new_page()  # compared outside the simulator, whose CSP rightly refuses data: images
    result = blank.evaluate(COMPARE_JS, [data_url(actual), data_url(reference.read_bytes()), PIXEL_TOLERANCE])
    blank.close()
    assert result["share"] <= MAX_DIFFERENT_PIXELS, result


CHECK_PAGE_JS = (Path(__file__).resolve().parent / "accessibility_check.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_page_is_accessible_with_a_drawing_shown(browser: Any, base_url: str, viewport: str) -> None:
    page = open_page(browser, base_url, viewport)
    drawing = load_drawings().for_step("skull_base")
    page.evaluate(SHOW_STEP_JS, [drawing.id, drawing.alt, "Step 2 of 2: Base of the skull"])
    report = page.evaluate(CHECK_PAGE_JS)
    assert report == {"unnamed": [], "noAlt": [], "low": [], "overflow": 0}
    page.evaluate("document.querySelector('#drawing-figure figcaption').style.color = '#c8c8c8'")
    assert len(page.evaluate(CHECK_PAGE_JS)["low"]) == 1  # the check does catch faint text
    page.evaluate("document.querySelector('#drawing-figure figcaption').style.color = ''")

    # Keyboard: Tab reaches every control in reading order, each with a visible focus ring.
    order = page.evaluate("""() => [...document.querySelectorAll('a[href], button, input, audio[controls], summary')]
        .filter((el) => el.offsetParent !== null && !el.hidden).map((el) => el.id || el.textContent.trim())""")
    seen: list[list[str]] = []
    for _ in range(len(order) + 8):  # the audio player's own buttons take a few Tabs of their own
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement;
            return [el.id || el.textContent.trim(), getComputedStyle(el).outlineStyle]; }""")
        if not seen or seen[-1][0] != focused[0]:
            seen.append(focused)
    assert [label for label, _ in seen][:len(order)] == order
    assert all(style != "none" for label, style in seen if label in ("Pause", "Back", "Next", "Stop"))

    # A routine button works from the keyboard and says its command.
    page.locator(".controls button", has_text="Next").focus()
    with page.expect_request("**/simulate") as sent:
        page.keyboard.press("Enter")
    assert sent.value.post_data_json["text"] == "next"
    page.close()


@pytest.mark.audio
def test_the_page_shows_the_drawing_of_the_step_being_played(browser: Any, base_url: str) -> None:
    page = open_page(browser, base_url, "phone")
    say(page, "open neck relief coach")
    reply = say(page, "start the quick routine")
    if reply["session"]["attributes"].get("offer") == "safety_check":  # every session asks first
        reply = say(page, "no")  # no warning signs today
    segments = reply["routine"]["segments"]
    steps = [s["step"] for s in segments if "step" in s]
    assert [s["drawing"] for s in steps] == ["seated_rest", "skull_base"]
    img = page.locator("#drawing")
    assert img.get_attribute("src") == "/drawings/seated_rest.svg"
    assert img.get_attribute("alt") == steps[0]["drawing_alt"]
    duration = wait_for_audio(page, reply["audio"])
    page.evaluate("document.getElementById('player').pause()")
    second = next(s for s in place(segments, duration) if s.get("step", {}).get("number") == 2)
    page.evaluate("t => { document.getElementById('player').currentTime = t; }", second["start"] + 1.0)
    page.wait_for_function("() => document.getElementById('drawing').getAttribute('src').endsWith('/skull_base.svg')")
    assert page.locator("#drawing").evaluate("img => img.complete && img.naturalWidth") == 200
    page.close()


def test_card_images_are_rendered_at_both_card_sizes(browser: Any, tmp_path: Path) -> None:
    written = render(tmp_path, browser)
    assert len(written) == len(SIZES) * len(load_drawings().drawings)
    for path in written:
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        size = (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big"))
        assert size == SIZES[path.stem.rsplit("-", 1)[1]]
