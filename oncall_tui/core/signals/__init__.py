"""Signals: the model, and how readings become signals with history and events."""
