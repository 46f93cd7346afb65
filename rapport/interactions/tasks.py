"""Background work of the ledger."""
