"""API views of interactions."""
