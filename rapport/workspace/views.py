"""Pages of workspace."""
