"""Neck relief coach: an Alexa skill about safe massage for occipital neuralgia."""
