"""Hooks for capabilities above insights (performance credits compliments found in conversations)."""

from django.dispatch import Signal

# Sent after the customer's side of an interaction is scored: interaction_signal (InteractionSignal).
# (Not `signal=`: Django passes `signal` to every receiver itself.)
interaction_scored = Signal()
