"""Screens through the real skill: APL on devices with a screen only, touch buttons as spoken commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skill.alexa import build_skill
from skill.alexa.visuals import MAX_RESPONSE_BYTES
from skill.config import SkillConfig
from skill.content import load
from skill.device.conversation import Send, in_process
from skill.persistence.sqlite_adapter import SqliteAdapter
from skill.visuals.apl import RENDER_DIRECTIVE, USER_EVENT
from tests.conversation.conftest import CheckedConversation, ListeningClock
from tests.unit.test_visuals import check_apl, walk

SCREEN = {"runtime": {"maxVersion": "2024.3"}}


def with_screen(send: Send) -> Send:
    def send_from_a_screen(body: dict[str, Any]) -> dict[str, Any]:
        body["context"]["System"]["device"]["supportedInterfaces"]["Alexa.Presentation.APL"] = SCREEN
        return send(body)
    return send_from_a_screen


def conversation(db: Path, *, screen: bool, **config: Any) -> CheckedConversation:
    clock = ListeningClock()
    skill = build_skill(SqliteAdapter(db), SkillConfig(seed=3, clock=clock, **config))
    send = in_process(skill)
    talk = CheckedConversation(with_screen(send) if screen else send)
    talk.clock = clock
    return talk


def screen_document(response: dict[str, Any]) -> dict[str, Any] | None:
    found = [d for d in response["response"].get("directives") or [] if d["type"] == RENDER_DIRECTIVE]
    assert len(found) <= 1
    return found[0]["document"] if found else None


def press(talk: CheckedConversation, action: str) -> dict[str, Any]:
    request = {"type": USER_EVENT, "token": "nrc-screen", "arguments": ["coach", action],
               "source": {"type": "TouchWrapper", "handler": "Press", "id": ""}}
    return talk.request(request).response


def start(talk: CheckedConversation, routine: str) -> dict[str, Any]:
    talk.launch()
    talk.intent("StartRoutineIntent", routine=routine)
    return talk.intent("AMAZON.NoIntent").response  # no warning signs today


def size(response: dict[str, Any]) -> int:
    return len(json.dumps(response, separators=(",", ":")).encode("utf-8"))


@pytest.mark.parametrize("pace", ["slower", "normal", "faster"])
@pytest.mark.parametrize("routine", ["quick", "full", "gentle"])
def test_a_screen_shows_every_step_of_every_routine_within_the_size_limit(tmp_path: Path, routine: str,
                                                                           pace: str) -> None:
    talk = conversation(tmp_path / "s.db", screen=True)
    talk.launch()
    if pace != "normal":
        talk.intent("SlowerIntent" if pace == "slower" else "FasterIntent")
    talk.intent("StartRoutineIntent", routine=routine)
    response = talk.intent("AMAZON.NoIntent").response
    shown: list[str] = []
    while True:
        document = screen_document(response)
        assert document is not None and size(response) <= MAX_RESPONSE_BYTES
        check_apl(document)
        shown += [n["text"] for n in walk(document) if str(n.get("text", "")).startswith("Step ")]
        shown += [c["value"] for c in walk(document.get("onMount", [])) if str(c.get("value")).startswith("Step ")]
        if not talk.routine:
            break
        response = talk.intent("AMAZON.ResumeIntent").response
    steps = len(load("en-US").routines[routine].steps)
    assert shown == [f"Step {n} of {steps}" for n in range(1, steps + 1)]


def test_devices_without_a_screen_get_no_apl_and_the_plain_card(tmp_path: Path) -> None:
    talk = conversation(tmp_path / "s.db", screen=False)
    response = start(talk, "full")
    assert screen_document(response) is None
    assert response["response"]["card"]["type"] == "Simple"
    assert screen_document(talk.intent("AMAZON.PauseIntent").response) is None


def test_a_screen_too_old_for_the_document_gets_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SCREEN, "runtime", {"maxVersion": "1.4"})
    assert screen_document(start(conversation(tmp_path / "s.db", screen=True), "quick")) is None


def test_same_turns_with_and_without_a_screen_say_the_same(tmp_path: Path) -> None:
    plain, shown = conversation(tmp_path / "a.db", screen=False), conversation(tmp_path / "b.db", screen=True)
    for talk in (plain, shown):
        talk.launch()
    for step in (lambda t: t.intent("StartRoutineIntent", routine="quick"), lambda t: t.intent("AMAZON.NoIntent"),
                 lambda t: t.say("how do i do a ball release")):
        a, b = (step(t).response["response"] for t in (plain, shown))
        assert a.get("outputSpeech") == b.get("outputSpeech") and a.get("card") == b.get("card")
        others = [(d["type"], d["document"]) for d in b.get("directives", []) if d["type"] != RENDER_DIRECTIVE]
        assert others == [(d["type"], d["document"]) for d in a.get("directives", [])]  # tokens are random


@pytest.mark.parametrize(("action", "intent"), [("pause", "AMAZON.PauseIntent"), ("next", "AMAZON.NextIntent"),
                                                ("back", "AMAZON.PreviousIntent"), ("stop", "AMAZON.StopIntent")])
def test_a_button_does_what_the_spoken_command_does(tmp_path: Path, action: str, intent: str) -> None:
    touched, spoken = conversation(tmp_path / "a.db", screen=True), conversation(tmp_path / "b.db", screen=True)
    for talk in (touched, spoken):
        start(talk, "full")
    by_touch, by_voice = press(touched, action), spoken.intent(intent).response
    assert by_touch["response"].get("outputSpeech") == by_voice["response"].get("outputSpeech")
    assert by_touch["sessionAttributes"].get("routine") == by_voice["sessionAttributes"].get("routine")


def test_pause_then_continue_by_touch(tmp_path: Path) -> None:
    talk = conversation(tmp_path / "s.db", screen=True)
    start(talk, "full")
    paused = press(talk, "pause")
    document = screen_document(paused)
    check_apl(document)
    assert "Paused" in [n.get("text") for n in walk(document)]
    assert talk.routine["paused"] is True
    resumed = press(talk, "resume")
    assert "Step 3 of 7" in [n.get("text") for n in walk(screen_document(resumed))]
    unknown = press(talk, "dance")  # an old or unknown button gets the fallback, never an error
    assert unknown["response"]["outputSpeech"] == talk.intent("AMAZON.FallbackIntent").response["response"][
        "outputSpeech"]


def test_an_asset_base_url_puts_the_steps_drawing_on_the_card(tmp_path: Path) -> None:
    talk = conversation(tmp_path / "s.db", screen=False, asset_base_url="https://assets.example.com/nrc/")
    card = start(talk, "quick")["response"]["card"]
    assert card["type"] == "Standard" and card["title"].startswith("Quick release")
    assert card["image"] == {"smallImageUrl": "https://assets.example.com/nrc/drawings/seated_rest-small.png",
                             "largeImageUrl": "https://assets.example.com/nrc/drawings/seated_rest-large.png"}
    plain = conversation(tmp_path / "t.db", screen=False, asset_base_url="http://assets.example.com/nrc")
    assert start(plain, "quick")["response"]["card"]["type"] == "Simple"  # never an image over plain HTTP


def test_a_document_that_cannot_fit_is_coarsened_then_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def counts(response: dict[str, Any]) -> list[int]:
        return [int(c["value"]) for c in walk(screen_document(response)["onMount"]) if str(c.get("value")).isdigit()]

    fine = start(conversation(tmp_path / "a.db", screen=True), "quick")
    monkeypatch.setattr("skill.alexa.visuals.MAX_RESPONSE_BYTES", size(fine) - 200)
    coarse = start(conversation(tmp_path / "b.db", screen=True), "quick")
    assert size(coarse) <= size(fine) - 200
    assert len(counts(coarse)) < len(counts(fine)) and max(counts(coarse)) == max(counts(fine))
    monkeypatch.setattr("skill.alexa.visuals.MAX_RESPONSE_BYTES", 3000)
    assert screen_document(start(conversation(tmp_path / "c.db", screen=True), "quick")) is None
