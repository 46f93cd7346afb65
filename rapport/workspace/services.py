"""Writes started from the desktop; each calls the owning app's services."""
