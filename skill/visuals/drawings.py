"""The drawings: read ``drawings.json``, expand views, parts and pads into AVG, and check them at load.

Correct placement matters more than looks, so every finger pad (or ball) is a point with a zone,
and the loader checks it against the view's landmarks: in the back view, off the spine and, for
the skull base, just under the bony ridge; in the side view, behind the line of the ear, so never
on the front or side of the throat. Each view draws its places to avoid on top of every drawing.
Drawings are referenced from routine steps by step id and from how-to topics by topic id here,
beside the content rather than inside it, so topics and routines stay free of presentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from skill.content import CONTENT_DIR, available_locales, load
from skill.content.overlay import read_json
from skill.errors import ContentError
from skill.visuals.avg import AVG_VERSION, PATH_PROPERTIES, validate_avg

DRAWINGS_FILE = CONTENT_DIR / "drawings.json"
HOWTO_TOPICS: tuple[str, ...] = (
    "self_massage", "suboccipital_release", "ball_release", "acupressure", "scalp_massage", "stretches", "posture",
)
PAD_RADIUS = 4.0
SPINE_CLEARANCE = 7.0  # pad centre to the midline, in drawing units (the head is about 66 wide)
BALL_CLEARANCE = 3.0  # ball edge to the midline
UNDER_RIDGE_DEPTH = 12.0  # how far below the ridge "just under" reaches
EAR_LINE_MARGIN = 4.0


@dataclass(frozen=True)
class Pad:
    x: float
    y: float
    zone: str
    radius: float = PAD_RADIUS


@dataclass(frozen=True)
class Drawing:
    id: str
    view: str
    title: str
    alt: str
    avg: dict[str, Any]
    pads: tuple[Pad, ...]


@dataclass(frozen=True)
class Drawings:
    drawings: dict[str, Drawing]
    steps: dict[str, str]  # routine step id -> drawing id
    topics: dict[str, str]  # how-to topic id -> drawing id

    def for_step(self, step_id: str) -> Drawing | None:
        return self.drawings.get(self.steps.get(step_id, ""))

    def for_topic(self, topic_id: str) -> Drawing | None:
        return self.drawings.get(self.topics.get(topic_id, ""))


def _circle(x: float, y: float, r: float) -> str:
    return f"M{x - r:g},{y:g} A{r:g},{r:g} 0 1,1 {x + r:g},{y:g} A{r:g},{r:g} 0 1,1 {x - r:g},{y:g} Z"


def _ridge_y(view: dict[str, Any], x: float) -> float:
    """Height of the bony ridge (a symmetric quadratic curve) at ``x``."""
    (x0, y0), (_, yc), (x2, y2) = view["ridge"]
    t = min(1.0, max(0.0, (x - x0) / (x2 - x0)))
    return (1 - t) ** 2 * y0 + 2 * t * (1 - t) * yc + t ** 2 * y2


def check_pad(pad: Pad, view_name: str, view: dict[str, Any], where: str) -> None:
    """Raise unless ``pad`` sits where the guidance says hands (or a ball) may go."""
    if view_name == "back":
        off_midline = abs(pad.x - view["midline_x"])
        clearance = SPINE_CLEARANCE if pad.radius == PAD_RADIUS else pad.radius + BALL_CLEARANCE
        if off_midline < clearance:
            raise ContentError(f"{where}: a pad at x={pad.x:g} is on the spine")
        below = pad.y - _ridge_y(view, pad.x)
        if pad.zone == "under_ridge" and not 0 < below <= UNDER_RIDGE_DEPTH:
            raise ContentError(f"{where}: a pad at y={pad.y:g} is not just under the bony ridge")
        if pad.zone == "scalp" and below > -8:
            raise ContentError(f"{where}: a scalp pad must be above the ridge")
        if pad.zone == "shoulder_top" and (off_midline < 20 or pad.y < 115):
            raise ContentError(f"{where}: a shoulder pad must be on the shoulder, away from the neck")
        if pad.zone not in ("under_ridge", "scalp", "shoulder_top"):
            raise ContentError(f"{where}: unknown zone '{pad.zone}' for the back view")
        return
    if pad.x > view["ear_line_x"] - EAR_LINE_MARGIN:
        raise ContentError(f"{where}: a pad at x={pad.x:g} is not behind the line of the ear")
    if pad.zone != "neck_side" or not 100 <= pad.y <= 135:
        raise ContentError(f"{where}: side-view pads belong on the side and back of the neck")


def _path(item: dict[str, Any], styles: dict[str, Any], where: str) -> dict[str, Any]:
    style = item.get("style")
    if style not in styles:
        raise ContentError(f"{where}: unknown style '{style}'")
    overrides = {k: v for k, v in item.items() if k not in ("style", "d")}
    if any(k not in PATH_PROPERTIES for k in overrides):
        raise ContentError(f"{where}: unknown path property in {sorted(overrides)}")
    return {"type": "path", "pathData": item.get("d", ""), **styles[style], **overrides}


def _expand(items: list[Any], data: dict[str, Any], view_name: str, where: str) -> tuple[list[dict], list[Pad]]:
    """AVG paths for ``items`` (part names, styled paths, pads and balls) and the pads found."""
    paths: list[dict[str, Any]] = []
    pads: list[Pad] = []
    for i, item in enumerate(items):
        here = f"{where} item {i}"
        if isinstance(item, str):
            if item not in data["parts"]:
                raise ContentError(f"{here}: unknown part '{item}'")
            paths += [_path(p, data["styles"], f"{here} ({item})") for p in data["parts"][item]]
        elif isinstance(item, dict) and ("pad" in item or "ball" in item):
            kind = "pad" if "pad" in item else "ball"
            x, y = item[kind]
            pad = Pad(float(x), float(y), str(item.get("zone")), float(item.get("r", PAD_RADIUS)))
            check_pad(pad, view_name, data["views"][view_name], here)
            pads.append(pad)
            paths.append({"type": "path", "pathData": _circle(pad.x, pad.y, pad.radius), **data["styles"][kind]})
            if kind == "ball":  # the seam, so it reads as a tennis ball
                seam = f"M{pad.x - pad.radius * 0.7:g},{pad.y - pad.radius * 0.7:g} Q{pad.x:g},{pad.y:g} " \
                       f"{pad.x - pad.radius * 0.7:g},{pad.y + pad.radius * 0.7:g}"
                paths.append({"type": "path", "pathData": seam, "stroke": "#ffffff", "strokeWidth": 1.5})
        elif isinstance(item, dict):
            paths.append(_path(item, data["styles"], here))
        else:
            raise ContentError(f"{here}: an item must be a part name or an object")
    return paths, pads


def parse_drawings(data: Any, where: str = "drawings.json") -> Drawings:
    """All drawings as validated AVG, with their step and topic references."""
    if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in
                                             ("styles", "views", "parts", "drawings", "steps", "topics")):
        raise ContentError(f"{where}: needs styles, views, parts, drawings, steps and topics")
    width, height = data.get("size", (0, 0))
    drawings: dict[str, Drawing] = {}
    for drawing_id, spec in data["drawings"].items():
        here = f"{where}: drawing '{drawing_id}'"
        view_name = spec.get("view")
        if view_name not in data["views"]:
            raise ContentError(f"{here}: unknown view '{view_name}'")
        view = data["views"][view_name]
        base, _ = _expand(view["items"], data, view_name, f"{here} view")
        own, pads = _expand(spec.get("items", []), data, view_name, here)
        avoid, _ = _expand(view["avoid"], data, view_name, f"{here} avoid")
        ridge = [_path({"style": "ridge", "d": "M{},{} Q{},{} {},{}".format(*(c for p in view["ridge"] for c in p))},
                       data["styles"], here)] if "ridge" in view else []
        title, alt = spec.get("title"), spec.get("alt")
        if not (isinstance(title, str) and title and isinstance(alt, str) and 40 <= len(alt) <= 400):
            raise ContentError(f"{here}: needs a title and a text alternative of 40 to 400 characters")
        avg = {"type": "AVG", "version": AVG_VERSION, "width": width, "height": height, "description": alt,
               "items": [*base, *ridge, *own, *avoid]}
        validate_avg(avg, here)
        drawings[drawing_id] = Drawing(drawing_id, view_name, title, alt, avg, tuple(pads))
    for kind in ("steps", "topics"):
        for key, drawing_id in data[kind].items():
            if drawing_id not in drawings:
                raise ContentError(f"{where}: {kind} '{key}' names an unknown drawing '{drawing_id}'")
    return Drawings(drawings, dict(data["steps"]), dict(data["topics"]))


def check_coverage(drawings: Drawings, step_ids: set[str], topic_ids: tuple[str, ...] = HOWTO_TOPICS) -> None:
    """Raise unless every routine step and every how-to topic has a drawing."""
    missing = sorted(step_ids - set(drawings.steps)) + sorted(set(topic_ids) - set(drawings.topics))
    if missing:
        raise ContentError(f"{DRAWINGS_FILE.name}: no drawing for {', '.join(missing)}")


@cache
def load_drawings(path: Path = DRAWINGS_FILE) -> Drawings:
    """The drawings, checked against every locale's routines; loaded on first use (screens and the web only)."""
    drawings = parse_drawings(read_json(path), path.name)
    steps = {step.id for locale in available_locales() for r in load(locale).routines.values() for step in r.steps}
    check_coverage(drawings, steps)
    return drawings
