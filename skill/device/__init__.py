"""Alexa's side of a conversation, in process: request envelopes as Alexa sends them, a conversation
that carries the session between turns, and a device with an audio player. Every local host (the
web simulator, the terminal chat) and the tests drive the skill through this one package, so none
of them imports another and all of them send the skill exactly what Alexa would."""
