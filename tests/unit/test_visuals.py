"""Drawings (AVG data checked at load), their SVG rendering, the screen timeline and APL documents."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from skill.content import available_locales, load
from skill.errors import ContentError
from skill.routine.compose import Style
from skill.speech.estimate import estimate_seconds, speech_seconds
from skill.speech.plan import PACES, Silence, Speech
from skill.visuals.apl import (
    APL_VERSION,
    EVENT_SOURCE,
    PLAYING_BUTTONS,
    WAITING_BUTTONS,
    routine_document,
    size_bytes,
    topic_document,
)
from skill.visuals.avg import to_svg, validate_avg
from skill.visuals.drawings import DRAWINGS_FILE, HOWTO_TOPICS, check_coverage, load_drawings, parse_drawings
from skill.visuals.screen import TopicScreen, routine_screen, waiting_screen

RAW = json.loads(DRAWINGS_FILE.read_text(encoding="utf-8"))
DRAWINGS = load_drawings()
CONTENT = load("en-US")


def walk(node: Any) -> list[dict[str, Any]]:
    """Every object in a JSON tree, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for value in node:
            found += walk(value)
    return found


def with_item(drawing_id: str, item: Any) -> dict[str, Any]:
    data = copy.deepcopy(RAW)
    data["drawings"][drawing_id]["items"].append(item)
    return data


def test_every_routine_step_and_howto_topic_has_a_drawing() -> None:
    steps = {s.id for locale in available_locales() for r in load(locale).routines.values() for s in r.steps}
    assert steps <= set(DRAWINGS.steps)
    assert set(HOWTO_TOPICS) <= set(DRAWINGS.topics)
    assert all(DRAWINGS.for_step(s) is not None for s in steps)
    with pytest.raises(ContentError, match="no drawing for extra_step"):
        check_coverage(DRAWINGS, steps | {"extra_step"})


def test_every_drawing_marks_the_places_to_avoid_and_has_a_text_alternative() -> None:
    for drawing in DRAWINGS.drawings.values():
        validate_avg(drawing.avg, drawing.id)
        avoid = RAW["styles"]["avoid"]["stroke"]
        assert any(item.get("stroke") == avoid for item in drawing.avg["items"]), drawing.id
        where = "spine" if drawing.view == "back" else "throat"
        assert where in drawing.alt and "avoid" in drawing.alt, drawing.id
        assert drawing.avg["description"] == drawing.alt


@pytest.mark.parametrize(("drawing_id", "pad", "message"), [
    ("skull_base", {"pad": [101, 92], "zone": "under_ridge"}, "on the spine"),
    ("skull_base", {"pad": [88, 110], "zone": "under_ridge"}, "not just under the bony ridge"),
    ("ball_release", {"ball": [95, 94], "r": 7, "zone": "under_ridge"}, "on the spine"),
    ("levator_scapulae", {"pad": [100, 115], "zone": "neck_side"}, "not behind the line of the ear"),
    ("upper_trapezius", {"pad": [88, 120], "zone": "shoulder_top"}, "on the shoulder"),
    ("scalp", {"pad": [86, 90], "zone": "scalp"}, "above the ridge"),
])
def test_a_pad_in_the_wrong_place_fails_at_load(drawing_id: str, pad: dict[str, Any], message: str) -> None:
    with pytest.raises(ContentError, match=message):
        parse_drawings(with_item(drawing_id, pad))


def test_unknown_properties_and_bad_colours_fail_at_load() -> None:
    with pytest.raises(ContentError, match="unknown path property"):
        parse_drawings(with_item("scalp", {"style": "line", "d": "M1,1 L2,2", "strokeWidht": 3}))
    with pytest.raises(ContentError, match="colour"):
        parse_drawings(with_item("scalp", {"style": "line", "d": "M1,1 L2,2", "stroke": "red"}))
    with pytest.raises(ContentError, match="path data"):
        parse_drawings(with_item("scalp", {"style": "line", "d": "L2,2"}))
    data = copy.deepcopy(RAW)
    data["topics"]["posture"] = "no_such_drawing"
    with pytest.raises(ContentError, match="unknown drawing"):
        parse_drawings(data)


def test_svg_has_one_element_per_avg_path_and_says_what_it_shows() -> None:
    for drawing in DRAWINGS.drawings.values():
        svg = ET.fromstring(to_svg(drawing.avg, drawing.title, drawing.alt))
        ns = "{http://www.w3.org/2000/svg}"
        assert svg.get("viewBox") == "0 0 200 200" and svg.get("role") == "img"
        assert svg.find(f"{ns}title").text == drawing.title and svg.find(f"{ns}desc").text == drawing.alt
        paths = svg.findall(f"{ns}path")
        assert [p.get("d") for p in paths] == [i["pathData"] for i in drawing.avg["items"]]
        assert all(p.get("fill") for p in paths)  # AVG's no-fill default made explicit for SVG


def plans(routine_id: str, pace: str) -> list[Any]:
    composer = CONTENT.composer(routine_id)
    return [composer.step(i, Style(pace)) for i in range(len(CONTENT.routines[routine_id].steps))]


@pytest.mark.parametrize("pace", sorted(PACES))
@pytest.mark.parametrize("routine_id", sorted(CONTENT.routines))
def test_the_screen_follows_each_step_and_counts_down_each_hold(routine_id: str, pace: str) -> None:
    routine = CONTENT.routines[routine_id]
    for index, plan in enumerate(plans(routine_id, pace)):
        screen = routine_screen(plan, CONTENT, DRAWINGS)
        assert screen is not None
        assert [(s.number, s.total, s.title, s.at) for s in screen.steps] == [
            (index + 1, len(routine.steps), routine.steps[index].title, 0.0)]
        announced, in_hold = [], False  # each hold's announced seconds, in playing order
        for seg in plan.segments:
            if isinstance(seg, Silence) and seg.label.startswith("hold:") and not in_hold:
                announced.append(int(seg.label.split(":")[1]))
            in_hold = (in_hold or (isinstance(seg, Silence) and seg.label.startswith("hold:"))) and not (
                isinstance(seg, Speech) and seg.text in CONTENT.cues.release)
        shown: list[list[int]] = []  # each hold's countdown as displayed, repeats collapsed
        current: list[int] | None = None
        for cue in screen.cues:
            if cue.phase == "Hold":
                if current is None:
                    current = []
                    shown.append(current)
                if not current or current[-1] != int(cue.count):
                    current.append(int(cue.count))
            else:
                current = None
        assert shown == [list(range(n, 0, -1)) for n in announced]
        breaths = [c for c in screen.cues if c.phase in ("Breathe in", "And out")]
        assert len(breaths) == sum(1 for s in plan.segments if isinstance(s, Silence) and s.label == "breath")
        assert all(0 <= c.at <= estimate_seconds(plan) for c in screen.cues)


def check_apl(document: dict[str, Any]) -> None:
    """A document within the properties APL requires and the limits we hold it to."""
    assert document["type"] == "APL" and document["version"] == APL_VERSION
    assert "item" in document["mainTemplate"] and document["mainTemplate"]["parameters"] == []
    nodes = walk(document["mainTemplate"])
    ids = [n["id"] for n in nodes if "id" in n]
    assert len(ids) == len(set(ids))
    for graphic in document.get("graphics", {}).values():
        validate_avg(graphic, "graphic")
    sources = [n["source"] for n in nodes if n.get("type") == "VectorGraphic"]
    commands = walk(document.get("onMount", []))
    sources += [c["value"] for c in commands if c.get("property") == "source"]
    assert set(sources) <= set(document.get("graphics", {}))
    assert all(n.get("accessibilityLabel") for n in nodes if n.get("type") in ("VectorGraphic", "TouchWrapper"))
    for command in (c for c in commands if c.get("type") == "SetValue"):
        assert command["componentId"] in ids and command.get("delay", 0) >= 0
    for wrapper in (n for n in nodes if n.get("type") == "TouchWrapper"):
        (event,) = wrapper["onPress"]
        assert event["type"] == "SendEvent" and event["arguments"][0] == EVENT_SOURCE
    assert size_bytes(document) < 20_000


@pytest.mark.parametrize("routine_id", sorted(CONTENT.routines))
def test_apl_documents_for_every_step_are_valid(routine_id: str) -> None:
    for pace in PACES:
        for plan in plans(routine_id, pace):
            document = routine_document(routine_screen(plan, CONTENT, DRAWINGS))
            check_apl(document)
            buttons = [n["onPress"][0]["arguments"][1] for n in walk(document) if n.get("type") == "TouchWrapper"]
            assert buttons == [action for action, _ in PLAYING_BUTTONS]
            delays = sum(c.get("delay", 0) for c in walk(document.get("onMount", [])))
            assert delays <= estimate_seconds(plan) * 1000 + 1  # rounding to whole milliseconds


def test_a_waiting_routine_shows_its_resume_step_with_a_continue_button() -> None:
    screen = waiting_screen({"id": "full", "step": 3, "paused": True}, CONTENT, DRAWINGS, "Paused")
    document = routine_document(screen)
    check_apl(document)
    assert "onMount" not in document
    texts = [n.get("text") for n in walk(document)]
    assert "Step 4 of 7" in texts and "Base of the skull" in texts and "Paused" in texts
    assert [n["onPress"][0]["arguments"][1] for n in walk(document) if n.get("type") == "TouchWrapper"] == [
        action for action, _ in WAITING_BUTTONS]
    assert waiting_screen({"id": "full", "step": 99}, CONTENT, DRAWINGS, "Paused") is None


def test_a_topic_document_shows_the_answer_and_sources_and_a_howto_drawing() -> None:
    topic = CONTENT.topics["ball_release"]
    text = f"{topic.card}\n\nSources:\n- {topic.sources[0].title}: {topic.sources[0].url}"
    document = topic_document(TopicScreen(topic.title, text, DRAWINGS.for_topic("ball_release")))
    check_apl(document)
    assert text in [n.get("text") for n in walk(document)]
    assert list(document["graphics"]) == ["ball_release"]
    plain = topic_document(TopicScreen("Heat or ice", "Both may help.", DRAWINGS.for_topic("heat_ice")))
    check_apl(plain)
    assert "graphics" not in plain


def test_the_countdown_shows_what_the_voice_says_is_left() -> None:
    plan = plans("quick", "normal")[1]  # the skull base: twenty-second holds in two ten-second pieces
    screen = routine_screen(plan, CONTENT, DRAWINGS)
    at, said_at = 0.0, []
    for seg in plan.segments:
        if isinstance(seg, Speech) and seg.text == "Ten seconds more.":
            said_at.append(at)
        at += seg.seconds if isinstance(seg, Silence) else speech_seconds(seg)
    assert said_at
    for moment in said_at:
        showing = [c for c in screen.cues if c.at <= moment][-1]
        assert (showing.phase, showing.count) == ("Hold", "10")
