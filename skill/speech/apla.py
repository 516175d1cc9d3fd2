"""APL for Audio: the same plan as a Sequencer of Speech and Silence components.

APL-A silences are exact to the millisecond and are not capped at 10 s, so timed holds sound the
same on every device; the plan keeps its spoken anchors anyway so SSML and APL-A say the same words.
"""

from __future__ import annotations

from typing import Any

from .plan import Plan, Silence
from .ssml import _speech

APLA_DIRECTIVE_TYPE = "Alexa.Presentation.APLA.RenderDocument"
MAX_APLA_SECONDS = 240.0


def render_apla(plan: Plan) -> dict[str, Any]:
    """An APL-A document for ``plan``. Silence is never the only component (APL-A refuses that)."""
    items: list[dict[str, Any]] = []
    for seg in plan.merged().segments:
        if isinstance(seg, Silence):
            items.append({"type": "Silence", "duration": round(seg.seconds * 1000)})
        else:
            items.append({"type": "Speech", "contentType": "SSML", "content": f"<speak>{_speech(seg)}</speak>"})
    if not any(item["type"] == "Speech" for item in items):
        raise ValueError("an APL-A document needs at least one Speech component")
    return {
        "type": "APLA",
        "version": "0.91",
        "description": "Timed guided self-massage segment",
        "mainTemplate": {"parameters": ["payload"], "item": {"type": "Sequencer", "items": items}},
    }
