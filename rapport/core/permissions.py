from collections.abc import Iterable

from rapport.core.errors import PermissionDenied
from rapport.core.roles import has_any_role


def require_roles(user, roles: Iterable[str], *, action: str) -> None:
    """For writes on records the user can see: say plainly which roles may do it."""
    allowed = frozenset(roles)
    if not has_any_role(user, allowed):
        names = ", ".join(sorted(allowed))
        raise PermissionDenied(f"Only {names} may {action}.")
