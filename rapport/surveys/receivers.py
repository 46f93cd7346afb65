def connect() -> None:
    """Hooks on the ledger; filled in by the app."""
