"""Writes of the performance app, one module per area: measures, success, goals, qa, recognition.

Callers import the module they need: `from rapport.performance.services import goals`.
"""
