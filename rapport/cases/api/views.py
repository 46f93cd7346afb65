"""API views of cases."""
