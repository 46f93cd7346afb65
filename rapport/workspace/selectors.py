"""Reads the desktop composes from the ledger, cases and customers."""
