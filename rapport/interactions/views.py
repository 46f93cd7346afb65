"""Pages of interactions."""
