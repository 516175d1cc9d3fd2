"""Alexa Vector Graphics (AVG): check a graphic against the subset we use, and render it as SVG.

AVG is the SVG subset that APL's VectorGraphic component draws. The drawings are kept once, as
AVG, and the web simulator gets SVG made from the same data, so Echo Show and the browser can
never show different pictures. Only the properties the drawings need are accepted: a typo in a
property name would be silently ignored by a device, so it fails here instead.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from skill.errors import ContentError

AVG_VERSION = "1.2"
PATH_PROPERTIES: dict[str, type | tuple[type, ...]] = {
    "type": str, "pathData": str, "fill": str, "fillOpacity": (int, float), "stroke": str,
    "strokeWidth": (int, float), "strokeOpacity": (int, float), "strokeDashArray": list,
    "strokeLineCap": str, "strokeLineJoin": str,
}
GROUP_PROPERTIES: dict[str, type | tuple[type, ...]] = {"type": str, "items": list, "opacity": (int, float)}
GRAPHIC_REQUIRED = ("type", "version", "width", "height")
GRAPHIC_PROPERTIES = (*GRAPHIC_REQUIRED, "viewportWidth", "viewportHeight", "description", "items")
LINE_CAPS = ("butt", "round", "square")
LINE_JOINS = ("miter", "round", "bevel")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PATH_DATA = re.compile(r"^\s*[Mm](?:[\s,]*(?:[MmLlHhVvCcSsQqTtAaZz]|-?\d+(?:\.\d+)?))*\s*$")
# SVG attribute names for the AVG path properties (the rest map to themselves).
_SVG_NAMES = {
    "pathData": "d", "fill": "fill", "fillOpacity": "fill-opacity", "stroke": "stroke", "strokeWidth": "stroke-width",
    "strokeOpacity": "stroke-opacity", "strokeDashArray": "stroke-dasharray", "strokeLineCap": "stroke-linecap",
    "strokeLineJoin": "stroke-linejoin",
}


def _check_item(item: Any, where: str) -> None:
    if not isinstance(item, dict) or item.get("type") not in ("path", "group"):
        raise ContentError(f"{where}: an AVG item must be an object of type 'path' or 'group'")
    allowed = PATH_PROPERTIES if item["type"] == "path" else GROUP_PROPERTIES
    for key, value in item.items():
        if key not in allowed:
            raise ContentError(f"{where}: '{key}' is not an AVG {item['type']} property we use")
        if not isinstance(value, allowed[key]) or isinstance(value, bool):
            raise ContentError(f"{where}: '{key}' has the wrong type")
    if item["type"] == "group":
        for i, child in enumerate(item.get("items", [])):
            _check_item(child, f"{where} item {i}")
        return
    if not _PATH_DATA.match(item.get("pathData", "")):
        raise ContentError(f"{where}: 'pathData' must be SVG path data starting with a move")
    for key in ("fill", "stroke"):
        if key in item and not _COLOR.match(item[key]):
            raise ContentError(f"{where}: '{key}' must be a #rrggbb colour")
    for key in ("fillOpacity", "strokeOpacity"):
        if key in item and not 0 <= item[key] <= 1:
            raise ContentError(f"{where}: '{key}' must be from 0 to 1")
    dashes = item.get("strokeDashArray", [])
    if not all(isinstance(d, (int, float)) and d > 0 for d in dashes):
        raise ContentError(f"{where}: 'strokeDashArray' must be positive numbers")
    if item.get("strokeLineCap", "butt") not in LINE_CAPS or item.get("strokeLineJoin", "miter") not in LINE_JOINS:
        raise ContentError(f"{where}: unknown line cap or join")


def validate_avg(graphic: Any, where: str) -> None:
    """Raise :class:`ContentError` unless ``graphic`` is an AVG object in the subset we draw with."""
    if not isinstance(graphic, dict):
        raise ContentError(f"{where}: a graphic must be an object")
    missing = [key for key in GRAPHIC_REQUIRED if key not in graphic]
    unknown = [key for key in graphic if key not in GRAPHIC_PROPERTIES]
    if missing or unknown:
        raise ContentError(f"{where}: missing {missing}, unknown {unknown}")
    if graphic["type"] != "AVG" or graphic["version"] != AVG_VERSION:
        raise ContentError(f"{where}: must be type AVG, version {AVG_VERSION}")
    for key in ("width", "height", "viewportWidth", "viewportHeight"):
        value = graphic.get(key, 1)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ContentError(f"{where}: '{key}' must be a positive number")
    items = graphic.get("items", [])
    if not isinstance(items, list) or not items:
        raise ContentError(f"{where}: 'items' must be a non-empty list")
    for i, item in enumerate(items):
        _check_item(item, f"{where} item {i}")


def _number(value: float) -> str:
    return f"{value:g}"


def _svg_item(item: dict[str, Any]) -> str:
    if item["type"] == "group":
        opacity = f' opacity="{_number(item["opacity"])}"' if "opacity" in item else ""
        return f"<g{opacity}>{''.join(_svg_item(child) for child in item.get('items', []))}</g>"
    # AVG paths default to no fill and no stroke, SVG's to a black fill: say so explicitly.
    attrs = {"fill": "none", "stroke": "none"}
    for key, value in item.items():
        if key == "type":
            continue
        if key == "strokeDashArray":
            value = " ".join(_number(v) for v in value)
        elif isinstance(value, (int, float)):
            value = _number(value)
        attrs[_SVG_NAMES[key]] = value
    return "<path " + " ".join(f'{name}="{escape(str(value))}"' for name, value in attrs.items()) + "/>"


def to_svg(graphic: dict[str, Any], title: str, description: str) -> str:
    """A standalone SVG document for ``graphic``, titled and described for screen readers."""
    width = graphic.get("viewportWidth", graphic["width"])
    height = graphic.get("viewportHeight", graphic["height"])
    body = "".join(_svg_item(item) for item in graphic["items"])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_number(width)} {_number(height)}" '
            f'width="{_number(graphic["width"])}" height="{_number(graphic["height"])}" role="img" '
            f'aria-labelledby="t d"><title id="t">{escape(title)}</title><desc id="d">{escape(description)}</desc>'
            f"{body}</svg>")
