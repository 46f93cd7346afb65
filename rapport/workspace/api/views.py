"""API views of workspace."""
