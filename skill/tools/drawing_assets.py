"""Render the drawings as PNGs for the Alexa app's picture cards: ``build/assets/drawings/``.

Cards show images from an HTTPS URL, not vector graphics, so each drawing is rendered once by
Debian's Chromium (through playwright, as the browser tests do) at the two card sizes, on the same
light panel the web page uses. Upload the folder to the asset bucket and set
``NRC_ASSET_BASE_URL`` to its HTTPS base (the folder's parent, so URLs end in ``/drawings/<id>-small.png``).

Usage: python -m skill.tools.drawing_assets [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from skill.visuals.avg import to_svg
from skill.visuals.drawings import load_drawings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / "build" / "assets"
CHROMIUM = "/usr/bin/chromium"
SIZES = {"small": (720, 480), "large": (1200, 800)}  # the app card's small and large image


def card_page(svg: str, height: int) -> str:
    """The drawing centred on a light panel, as tall as the card image."""
    sized = svg.replace('width="200" height="200"', f'width="{height}" height="{height}"', 1)
    return ("<!doctype html><body style='margin:0;height:100vh;display:flex;align-items:center;"
            f"justify-content:center;background:#fffdf8'>{sized}</body>")


def render(output: Path, browser: Any = None) -> list[Path]:
    """Write ``<id>-small.png`` and ``<id>-large.png`` for every drawing; returns the files written.

    ``browser`` is a running playwright Chromium (the tests share theirs); without one, one is started.
    """
    if browser is None:
        from playwright.sync_api import sync_playwright  # a build and test tool, never needed by the skill

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                return render(output, chromium)
            finally:
                chromium.close()
    folder = output / "drawings"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (width, height) in SIZES.items():
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        for drawing in load_drawings().drawings.values():
            page.set_content(card_page(to_svg(drawing.avg, drawing.title, drawing.alt), height))
            path = folder / f"{drawing.id}-{name}.png"
            page.screenshot(path=str(path))
            written.append(path)
        page.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    written = render(Path(args[0]) if args else DEFAULT_OUTPUT)
    print(f"wrote {len(written)} images to {written[0].parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
