"""Hooks for capabilities above surveys (performance credits scores and compliments)."""

from django.dispatch import Signal

# Sent after a customer's answers are stored: response.
survey_answered = Signal()
