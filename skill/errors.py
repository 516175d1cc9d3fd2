"""Errors shared across the pure layer."""


class ContentError(ValueError):
    """Content files that do not match their schema; raised at load so bad data never reaches a user."""
