"""The terminal host: the typed chat, and ``chat --voice``'s runner that speaks every answer and
carries a routine on by itself; what both print and accept is in ``terminal``."""
