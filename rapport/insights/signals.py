"""Hooks for capabilities above insights (performance credits compliments found in conversations)."""

from django.dispatch import Signal

# Sent after the customer's side of an interaction is scored: signal (InteractionSignal).
interaction_scored = Signal()
