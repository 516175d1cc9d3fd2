"""Speech plans and their SSML and APL-A renderings, and the routine composer's timing rules."""

from __future__ import annotations

import itertools
from xml.etree import ElementTree

import pytest

from skill.content import load
from skill.routine.compose import CHUNK_SECONDS, Style, fits, hold_pieces, scaled_hold
from skill.routine.model import Hold
from skill.speech.apla import render_apla
from skill.speech.estimate import WORDS_PER_MINUTE_AT_100, estimate_seconds, speech_seconds
from skill.speech.plan import PACE_ORDER, Plan, Silence, Speech
from skill.speech.ssml import SSMLError, problems, render_ssml, to_text

CONTENT = load("en-US")


def test_text_is_escaped_and_parses():
    ssml = render_ssml(Plan.of('Tom & Jerry <3 "quotes"'))
    assert ElementTree.fromstring(ssml).text.startswith("Tom & Jerry <3")
    assert problems(ssml) == []


def test_adjacent_silences_become_one_break():
    ssml = render_ssml(Plan.of("a", Silence(2), Silence(3), "b"))
    assert ssml.count("<break") == 1 and 'time="5000ms"' in ssml


def test_break_over_ten_seconds_is_refused():
    with pytest.raises(SSMLError):
        render_ssml(Plan.of("a", Silence(6), Silence(6)))


def test_oversize_ssml_is_refused():
    with pytest.raises(SSMLError):
        render_ssml(Plan.of("word " * 2000))


def test_rate_outside_alexa_limits_is_refused():
    with pytest.raises(SSMLError):
        render_ssml(Plan((Speech("too slow", 10),)))


@pytest.mark.parametrize("bad", [
    "<speak>unclosed", "<speak><break time=\"11s\"/></speak>",
    "<speak>a<break time=\"1s\"/><break time=\"1s\"/></speak>",
    "<speak><blink>x</blink></speak>", "<voice>x</voice>", '<speak><prosody rate="5%">x</prosody></speak>',
])
def test_problems_finds_what_alexa_rejects(bad):
    assert problems(bad)


def test_prosody_rate_and_text_round_trip():
    ssml = render_ssml(Plan.of("calm words", rate=90))
    assert '<prosody rate="90%">' in ssml and to_text(ssml) == "calm words"


def test_apla_document_shape():
    doc = render_apla(Plan.of("Hold.", Silence(12.5), "Release."))
    items = doc["mainTemplate"]["item"]["items"]
    assert [i["type"] for i in items] == ["Speech", "Silence", "Speech"]
    assert items[1]["duration"] == 12500


def test_apla_refuses_silence_only():
    with pytest.raises(ValueError):
        render_apla(Plan.of(Silence(3)))


def test_estimate_counts_silence_exactly_and_words_at_rate():
    words = " ".join(["word"] * 150)
    assert estimate_seconds(Plan.of(words)) == pytest.approx(60 + 0.25)
    assert estimate_seconds(Plan.of(Silence(4.5))) == 4.5
    assert WORDS_PER_MINUTE_AT_100 == 150


@pytest.mark.parametrize("total", range(3, 61))
def test_hold_pieces_sum_exactly_and_stay_within_ten_seconds(total):
    pieces = hold_pieces(total)
    assert sum(pieces) == total and max(pieces) <= 10
    assert len(pieces) == 1 or pieces[-1] >= 4


@pytest.mark.parametrize("pace", PACE_ORDER)
def test_long_hold_gets_anchors_and_no_adjacent_breaks(pace):
    composer = CONTENT.composer("quick")
    plan = composer.segment(Hold(30, "Rest your head."), Style(pace))
    ssml = render_ssml(plan)
    assert problems(ssml) == []
    assert any("more" in s.text for s in plan.segments if isinstance(s, Speech))
    # From the end of "hold for ..." to the release the plan lasts the announced time, reminders included:
    # each silence after a reminder is shortened by that reminder's estimate, and says so in ``absorbs``.
    segments = plan.segments
    first = next(i for i, s in enumerate(segments) if isinstance(s, Silence))
    inside = Plan(segments[first:-1])
    assert estimate_seconds(inside) == pytest.approx(scaled_hold(30, Style(pace)), abs=0.01)
    for before, silence in itertools.pairwise(segments[first:-1]):
        if isinstance(silence, Silence):
            assert silence.absorbs == pytest.approx(speech_seconds(before), abs=0.001)
            assert silence.seconds >= 2


def test_a_silence_that_absorbs_speech_gives_back_what_the_speech_did_not_take():
    silence = Silence(8.5, "hold:10", absorbs=1.5)
    assert silence.after(1.5) == 8.5 and silence.after(1.1) == 8.9 and silence.after(2.0) == 8.0
    assert silence.after(20.0) == 0.0  # never negative
    assert Silence(3, "breath").after(1.2) == 3  # nothing absorbed: played as planned
    # merging keeps the sum: the speech before the second silence of a pair is none at all
    merged = Plan.of("Ten seconds more.", Silence(2, "hold:10", absorbs=1.0),
                     Silence(6, "hold:10", absorbs=0.5)).merged()
    assert merged.segments[1] == Silence(8, "hold:10", absorbs=1.5)


def test_pace_scales_holds_and_rate():
    assert scaled_hold(20, Style("slower")) > scaled_hold(20, Style("normal")) > scaled_hold(20, Style("faster"))
    assert Style("slower").rate < Style("normal").rate < 100


@pytest.mark.parametrize("routine", ["quick", "full", "gentle"])
@pytest.mark.parametrize("pace", PACE_ORDER)
def test_chunks_hold_whole_steps_within_limits(routine, pace):
    composer = CONTENT.composer(routine)
    start, chunks = 0, 0
    while start < len(composer.routine.steps):
        plan, end, marks = composer.chunk(start, Style(pace), with_intro=start == 0)
        assert len(marks) == end - start + 1 and marks == sorted(marks)
        assert end > start and fits(plan)
        assert estimate_seconds(plan) <= CHUNK_SECONDS
        start, chunks = end, chunks + 1
    assert chunks >= 1


def test_brief_style_varies_setup_wording():
    composer = CONTENT.composer("full")
    texts = {composer.step(1, Style(brief=True, seed=s)).text() for s in range(3)}
    assert len(texts) > 1
