"""Background work on cases."""
