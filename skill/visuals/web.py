"""The drawings for the web simulator: SVG by drawing id, and the drawing a step's timeline entry names."""

from __future__ import annotations

import re
from typing import Any

from skill.visuals.avg import to_svg
from skill.visuals.drawings import load_drawings

_DRAWING_ID = re.compile(r"^[a-z_]{1,40}$")


def drawing_svg(drawing_id: str) -> str | None:
    """The SVG for ``drawing_id``, or None for an id we do not have."""
    drawing = load_drawings().drawings.get(drawing_id) if _DRAWING_ID.match(drawing_id) else None
    return to_svg(drawing.avg, drawing.title, drawing.alt) if drawing else None


def step_drawing(step_id: str) -> dict[str, Any]:
    """The fields a timeline step carries so the page can show its drawing (none if it has none)."""
    drawing = load_drawings().for_step(step_id)
    return {"drawing": drawing.id, "drawing_alt": drawing.alt} if drawing else {}
