"""ASK SDK glue: request handlers, interceptors and the skill builder. Hosts import :func:`build_skill`."""

from skill.alexa.builder import build_skill

__all__ = ["build_skill"]
