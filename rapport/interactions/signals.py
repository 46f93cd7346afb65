"""Hooks for capabilities above the ledger. Cases thread contacts through these, so the ledger never
imports them. Receivers run inside the recording transaction: if one fails, nothing is recorded."""

from django.dispatch import Signal

# Sent after an inbound message is stored: interaction, message, created (a new interaction).
inbound_received = Signal()
# Sent after a contact is wrapped up: interaction, by.
wrapped_up = Signal()
# Sent after rows were written in bulk (imports), without per-row signals: days (set of local dates).
ledger_changed = Signal()
