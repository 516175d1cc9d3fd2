"""Guided self-massage routines: the data model, the plan composer and the session state."""
