from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.core.roles import has_any_role


def role_required(roles: Iterable[str]) -> Callable:
    """Log in first; then only the named roles see the page (403 with a readable page otherwise)."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_any_role(request.user, allowed):
                return render(request, "ui/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
