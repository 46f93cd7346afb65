"""Hooks for capabilities above the ledger. Cases thread contacts through these, so the ledger never
imports them. Receivers run inside the recording transaction: if one fails, nothing is recorded."""

from django.dispatch import Signal

# Sent after an inbound message is stored: interaction, message, created (a new interaction).
inbound_received = Signal()
