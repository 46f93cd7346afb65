"""Hooks for capabilities above cases (insights raises an alert on an escalation)."""

from django.dispatch import Signal

# Sent after a case was escalated, inside its transaction: escalation (cases.Escalation).
case_escalated = Signal()
