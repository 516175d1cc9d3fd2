"""APL documents for screens (Echo Show): the drawing, the step, a countdown, and touch buttons.

A routine document carries every drawing its response plays (each AVG once, under ``graphics``)
and one ``onMount`` sequence of SetValue commands, each delayed to the moment the audio reaches
that step, hold, breath or count. The buttons send ``UserEvent``s whose argument names the same
coach action as the spoken command. Documents are plain dicts so tests can check them against
APL's limits without a device.
"""

from __future__ import annotations

import json
from typing import Any

from skill.visuals.screen import Cue, RoutineScreen, TopicScreen

APL_VERSION = "1.7"
RENDER_DIRECTIVE = "Alexa.Presentation.APL.RenderDocument"
USER_EVENT = "Alexa.Presentation.APL.UserEvent"
EVENT_SOURCE = "coach"  # the first SendEvent argument; the second is the action
PLAYING_BUTTONS = (("pause", "Pause"), ("back", "Back"), ("next", "Next"), ("stop", "Stop"))
WAITING_BUTTONS = (("resume", "Continue"), ("back", "Back"), ("next", "Next"), ("stop", "Stop"))
LEGEND = "Shaded: where to work. Red dashes: keep off."
INK, MUTED, ACCENT, PAGE, PANEL = "#26302e", "#4f5a58", "#2f6f68", "#f6f4ef", "#fffdf8"
IDS = {"graphic": "drawing", "step": "stepNumber", "title": "stepTitle", "phase": "phase", "count": "count"}


def _text(text: str, size: int, *, color: str = INK, weight: str = "normal", component_id: str | None = None,
          **extra: Any) -> dict[str, Any]:
    item = {"type": "Text", "text": text, "fontSize": size, "color": color, "fontWeight": weight, **extra}
    if component_id:
        item["id"] = component_id
    return item


def _button(action: str, label: str) -> dict[str, Any]:
    return {
        "type": "TouchWrapper", "accessibilityLabel": label, "role": "button", "spacing": 12,
        "onPress": [{"type": "SendEvent", "arguments": [EVENT_SOURCE, action]}],
        "item": {"type": "Frame", "backgroundColor": ACCENT, "borderRadius": 12, "paddingLeft": 20,
                 "paddingRight": 20, "paddingTop": 10, "paddingBottom": 10,
                 "item": _text(label, 24, color="#ffffff", weight="600")},
    }


def _by_orientation(wide: str, tall: str) -> str:
    """A data-binding expression: ``wide`` on landscape screens, ``tall`` on portrait or round ones."""
    return f"${{viewport.width > viewport.height ? '{wide}' : '{tall}'}}"


def _picture(source: str, alt: str) -> dict[str, Any]:
    return {
        "type": "Frame", "backgroundColor": PANEL, "borderRadius": 16,
        "width": _by_orientation("42vw", "100%"), "height": _by_orientation("100%", "40vh"),
        "item": {"type": "VectorGraphic", "id": IDS["graphic"], "source": source, "accessibilityLabel": alt,
                 "width": "100%", "height": "100%", "scale": "best-fit", "align": "center"},
    }


def _page(picture: dict[str, Any] | None, column: list[dict[str, Any]]) -> dict[str, Any]:
    items = [picture] if picture else []
    items.append({"type": "Container", "grow": 1, "shrink": 1, "justifyContent": "center", "paddingLeft": 32,
                  "paddingRight": 16, "items": column})
    return {"type": "Container", "width": "100vw", "height": "100vh", "backgroundColor": PAGE,
            "direction": _by_orientation("row", "column"), "padding": 24, "items": items}


def _set(component: str, value: str, delay_ms: int, prop: str = "text") -> dict[str, Any]:
    command: dict[str, Any] = {"type": "SetValue", "componentId": IDS[component], "property": prop, "value": value}
    if delay_ms:
        command["delay"] = delay_ms
    return command


def _timeline(screen: RoutineScreen) -> list[dict[str, Any]]:
    """SetValue commands in time order, each delayed by the time since the one before it."""
    events: list[tuple[float, list[tuple[str, str, str]]]] = []
    for step in screen.steps[1:]:
        events.append((step.at, [("graphic", step.drawing.id, "source"),
                                 ("step", f"Step {step.number} of {step.total}", "text"),
                                 ("title", step.title, "text"), ("phase", "", "text"), ("count", "", "text")]))
    for cue in screen.cues:
        events.append((cue.at, _cue_changes(cue)))
    events.sort(key=lambda e: e[0])
    commands: list[dict[str, Any]] = []
    clock_ms = 0
    shown = {"phase": screen.waiting, "count": ""}  # what each component shows now: unchanged values are not re-sent
    for at, changes in events:
        due = round(at * 1000)
        for component, value, prop in changes:
            if prop == "text" and shown.get(component) == value:
                continue
            shown[component] = value
            commands.append(_set(component, value, max(0, due - clock_ms), prop))
            clock_ms = max(clock_ms, due)
    return commands


def _cue_changes(cue: Cue) -> list[tuple[str, str, str]]:
    return [("phase", cue.phase, "text"), ("count", cue.count, "text")]


def routine_document(screen: RoutineScreen) -> dict[str, Any]:
    """The document for a routine response, or for a paused routine when ``screen.waiting`` is set."""
    first = screen.steps[0]
    graphics = {step.drawing.id: step.drawing.avg for step in screen.steps}
    buttons = WAITING_BUTTONS if screen.waiting else PLAYING_BUTTONS
    column = [
        _text(first.routine_title, 22, color=MUTED),
        _text(f"Step {first.number} of {first.total}", 26, component_id=IDS["step"]),
        _text(first.title, 38, weight="600", component_id=IDS["title"], maxLines=2),
        _text(screen.waiting, 28, color=ACCENT, component_id=IDS["phase"], paddingTop=12),
        _text("", 64, color=ACCENT, weight="600", component_id=IDS["count"], minHeight=80),
        _text(LEGEND, 18, color=MUTED, paddingBottom=12),
        {"type": "Container", "direction": "row", "wrap": "wrap",
         "items": [_button(action, label) for action, label in buttons]},
    ]
    document: dict[str, Any] = {
        "type": "APL", "version": APL_VERSION, "theme": "light",
        "description": f"{first.routine_title}: where to put your hands, step by step",
        "graphics": graphics,
        "mainTemplate": {"parameters": [], "item": _page(_picture(first.drawing.id, first.drawing.alt), column)},
    }
    commands = _timeline(screen)
    if commands:
        document["onMount"] = [{"type": "Sequential", "commands": commands}]
    return document


def topic_document(screen: TopicScreen) -> dict[str, Any]:
    """A topic answer: its title, the card text (answer and sources) and, for how-to topics, the drawing."""
    picture = _picture(screen.drawing.id, screen.drawing.alt) if screen.drawing else None
    column = [
        _text(screen.title, 34, weight="600", paddingBottom=12),
        {"type": "ScrollView", "grow": 1, "shrink": 1, "item": _text(screen.text, 22)},
    ]
    if screen.drawing:
        column.append(_text(LEGEND, 18, color=MUTED, paddingTop=12))
    document: dict[str, Any] = {
        "type": "APL", "version": APL_VERSION, "theme": "light", "description": screen.title,
        "mainTemplate": {"parameters": [], "item": _page(picture, column)},
    }
    if screen.drawing:
        document["graphics"] = {screen.drawing.id: screen.drawing.avg}
    return document


def render_directive(document: dict[str, Any], token: str) -> dict[str, Any]:
    return {"type": RENDER_DIRECTIVE, "token": token, "document": document}


def size_bytes(value: Any) -> int:
    """Bytes of ``value`` as compact JSON, as it travels in a response."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
