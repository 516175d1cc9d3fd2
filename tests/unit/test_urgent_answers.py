"""Urgent answers: the emergency number first and last, the situation named, short enough to hear.

Every category the screen reports has its own answer in every locale; the crisis answer gives the
locale's crisis line as well as the emergency number, calmly, and never the headache list.
"""

from __future__ import annotations

import re

import pytest

from skill.coach import URGENT_RATE
from skill.content import available_locales, load
from skill.speech.estimate import estimate_seconds
from skill.speech.plan import Plan
from skill.understanding.screen import categories

CRISIS_LINES = {"en-US": "nine eight eight", "en-CA": "nine eight eight", "en-GB": "one one six, one two three",
                "en-AU": "thirteen eleven fourteen", "en-IN": "one four four one six"}
ADVICE_LINES = {"en-GB": "one one one", "en-CA": "eight one one", "en-AU": "healthdirect", "en-IN": "one zero eight"}
LIMIT_SECONDS = 15.0


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text) if s]


@pytest.mark.parametrize("locale", available_locales())
@pytest.mark.parametrize("category", [*(c for c in categories() if c != "crisis"), "general"])
def test_urgent_answer_says_the_number_first_and_last_and_fits_fifteen_seconds(locale: str, category: str) -> None:
    content = load(locale)
    text = content.prompt(f"urgent_{category}")
    number = content.settings["emergency_number"]
    assert number in sentences(text)[0] and number in sentences(text)[-1], text
    assert "{" not in text
    assert estimate_seconds(Plan.of(text, rate=URGENT_RATE)) < LIMIT_SECONDS, text


@pytest.mark.parametrize("locale", available_locales())
def test_crisis_answer_gives_the_crisis_line_and_the_emergency_number(locale: str) -> None:
    content = load(locale)
    for key in ("urgent_crisis", "urgent_crisis_someone"):  # the speaker's own, and someone else's
        text = content.prompt(key)
        assert CRISIS_LINES[locale] in text and content.settings["emergency_number"] in text
        assert "headache" not in text.lower() and "massage" not in text.lower()
        assert estimate_seconds(Plan.of(text, rate=URGENT_RATE)) < LIMIT_SECONDS, text
    assert CRISIS_LINES[locale] in content.prompt("crisis_reprompt")


@pytest.mark.parametrize("locale", sorted(ADVICE_LINES))
def test_each_locale_offers_its_urgent_advice_line(locale: str) -> None:
    content = load(locale)
    heard = " ".join(content.prompt(k) for k in ("urgent_head_injury", "urgent_reprompt"))
    assert ADVICE_LINES[locale] in heard.lower()


@pytest.mark.parametrize("locale", available_locales())
def test_the_unnamed_urgent_answer_also_gives_the_crisis_line(locale: str) -> None:
    """The learned second opinion cannot tell a crisis from a medical emergency, so its answer covers both."""
    assert CRISIS_LINES[locale] in load(locale).prompt("urgent_general")


def test_every_category_has_an_answer_and_a_red_flag_sample() -> None:
    content = load("en-US")
    assert {f"urgent_{c}" for c in categories()} <= set(content.prompts)
