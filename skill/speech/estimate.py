"""Duration estimates for plans: silences exactly, speech from word count at a stated speaking rate.

The rate is an assumption, stated here once: about 150 words per minute at 100 % prosody, Alexa's
usual conversational speed. The bench compares estimates with real espeak-ng renders.
"""

from __future__ import annotations

from .plan import Plan, Silence, Speech

WORDS_PER_MINUTE_AT_100 = 150.0
SENTENCE_GAP_SECONDS = 0.25  # engines pause briefly at sentence ends


def speech_seconds(seg: Speech) -> float:
    """Estimated seconds to say ``seg`` at its rate."""
    words = len(seg.text.split())
    sentences = max(1, sum(seg.text.count(p) for p in ".?!"))
    wpm = WORDS_PER_MINUTE_AT_100 * seg.rate / 100
    return words * 60.0 / wpm + sentences * SENTENCE_GAP_SECONDS


def estimate_seconds(plan: Plan) -> float:
    """Estimated playing time of ``plan`` in seconds."""
    return sum(seg.seconds if isinstance(seg, Silence) else speech_seconds(seg) for seg in plan.segments)
