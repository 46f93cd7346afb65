"""Who may see identity resolution at all: stewards (admins)."""

from rapport.core.roles import IDENTITY_STEWARDS, has_any_role


def is_steward(user) -> bool:
    return has_any_role(user, IDENTITY_STEWARDS)
