"""The access strategy has no writes outside the admin yet."""
