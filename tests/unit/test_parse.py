"""SSML and APL-A read back into plans: what the local speaker plays must be what Alexa was sent."""

from __future__ import annotations

import pytest

from skill.content import load
from skill.routine.compose import Style
from skill.speech.apla import APLA_DIRECTIVE_TYPE, render_apla
from skill.speech.parse import plan_from_apla, plan_from_response, plan_from_ssml
from skill.speech.plan import PACE_ORDER, Plan, Silence, Speech
from skill.speech.ssml import SSMLError, render_body, render_ssml

CONTENT = load("en-US")


def unlabelled(plan: Plan) -> Plan:
    """``plan`` as markup can carry it: merged, with silence labels (timeline-only) dropped."""
    return Plan(tuple(Silence(s.seconds) if isinstance(s, Silence) else s for s in plan.merged().segments))


MIXED = Plan.of(Speech("Tom & Jerry say <hello> \"hi\" it's", 100), Silence(1.5, "hold:2"), Silence(0.5),
                Speech("Slower now.", 80), Speech("Still slow.", 80), Silence(2.25, "breath"),
                Speech("Back to normal.", 100), Speech("A little fast.", 120))


def test_ssml_round_trip_keeps_text_rates_and_silences() -> None:
    parsed = plan_from_ssml(render_ssml(MIXED))
    assert parsed == unlabelled(MIXED)
    assert parsed.segments[0] == Speech("Tom & Jerry say <hello> \"hi\" it's", 100)
    assert parsed.segments[1] == Silence(2.0)  # two silences merged into one break, as Alexa hears them


def test_apla_round_trip_keeps_text_rates_and_silences() -> None:
    assert plan_from_apla(render_apla(MIXED)) == unlabelled(MIXED)


@pytest.mark.parametrize("pace", PACE_ORDER)
@pytest.mark.parametrize("routine_id", sorted(CONTENT.routines))
def test_whole_routines_round_trip(routine_id: str, pace: str) -> None:
    plan = CONTENT.composer(routine_id).whole(Style(pace))
    assert plan_from_ssml(f"<speak>{render_body(plan)}</speak>") == unlabelled(plan)
    assert plan_from_apla(render_apla(plan)) == unlabelled(plan)


def test_unknown_tags_keep_their_words_and_break_strengths_become_silence() -> None:
    ssml = ('<speak><p><s>Press <emphasis level="strong">gently</emphasis>.</s><s>Slowly.</s></p>'
            '<break strength="strong"/><say-as interpret-as="digits">911</say-as> <break/> end</speak>')
    assert plan_from_ssml(ssml) == Plan.of(Speech("Press gently. Slowly."), Silence(0.75), Speech("911"),
                                           Silence(0.5), Speech("end"))


def test_prosody_rates_nest_and_restore() -> None:
    ssml = '<speak>a <prosody rate="80%">b <prosody rate="120%">c</prosody> d</prosody> e</speak>'
    assert plan_from_ssml(ssml) == Plan.of(Speech("a"), Speech("b", 80), Speech("c", 120), Speech("d", 80),
                                           Speech("e"))


def test_named_prosody_rate_keeps_the_current_rate() -> None:
    assert plan_from_ssml('<speak><prosody rate="slow" volume="loud">calm</prosody></speak>') == Plan.of("calm")


def test_plain_text_and_broken_markup() -> None:
    assert plan_from_ssml("just  words") == Plan.of(Speech("just words"))
    assert plan_from_ssml("") == Plan()
    with pytest.raises(SSMLError, match="not well-formed"):
        plan_from_ssml("<speak>unclosed")
    with pytest.raises(SSMLError, match="bad break time"):
        plan_from_ssml('<speak><break time="soon"/></speak>')


def envelope(speech: Plan | None, timed: Plan | None = None, reprompt: str = "Anything else?") -> dict:
    """A response envelope shaped like the skill's (ASK serialisation)."""
    body: dict = {"reprompt": {"outputSpeech": {"type": "SSML", "ssml": f"<speak>{reprompt}</speak>"}},
                  "shouldEndSession": False}
    if speech is not None:
        body["outputSpeech"] = {"type": "SSML", "ssml": render_ssml(speech)}
    if timed is not None:
        body["directives"] = [{"type": "Alexa.Presentation.APL.RenderDocument", "document": {}},
                              {"type": APLA_DIRECTIVE_TYPE, "token": "t", "document": render_apla(timed)}]
    return {"version": "1.0", "sessionAttributes": {"routine": {"id": "quick"}}, "response": body}


def test_response_plays_output_speech_then_apla_and_never_the_reprompt() -> None:
    lead = Plan.of("Okay, slower.", rate=80)
    timed = CONTENT.composer("quick").chunk(0, Style("slower"))[0]
    plan = plan_from_response(envelope(lead, timed))
    assert plan == Plan.of(unlabelled(lead), unlabelled(timed))
    assert "Anything else" not in plan.text()


def test_response_with_only_apla_or_only_text() -> None:
    timed = Plan.of(Speech("Hold."), Silence(3), Speech("Release."))
    assert plan_from_response(envelope(None, timed)) == timed
    plain = {"response": {"outputSpeech": {"type": "PlainText", "text": "Hello there."}}}
    assert plan_from_response(plain) == Plan.of("Hello there.")
    assert plan_from_response({"version": "1.0", "response": {"shouldEndSession": True}}) == Plan()


def test_unplayable_apla_component_is_a_clear_error() -> None:
    document = render_apla(Plan.of("Hi."))
    document["mainTemplate"]["item"]["items"].append({"type": "Mixer", "items": []})
    with pytest.raises(ValueError, match="Mixer"):
        plan_from_apla(document)
