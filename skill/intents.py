"""Intent naming shared by the model generator and the handlers (no SDK import, so tools stay light)."""


def topic_intent_name(topic_id: str) -> str:
    """``heat_ice`` -> ``TopicHeatIceIntent``: the generated intent for a knowledge-base topic."""
    return "Topic" + "".join(part.capitalize() for part in topic_id.split("_")) + "Intent"
