"""Send people whose role requires a second factor to verify it before anything else."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from rapport.accounts import selectors
from rapport.accounts.errors import SecondFactorRequired
from rapport.core.api import error_body

# /s/ is the customers' public survey page: a signed-in colleague opening a link is a customer there.
EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/second-factor/",
    "/static/",
    "/s/",
)
# Exact paths: a prefix would also let /api/v1/auth/tokens through.
EXEMPT_PATHS = ("/healthz", "/api/v1/auth/token")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and request.path not in EXEMPT_PATHS
            and not user.is_verified()
            and selectors.second_factor_required(user=user)
        ):
            if request.path.startswith("/api/"):
                message = "Your role requires a second factor. Verify it on the web first."
                return JsonResponse(error_body(SecondFactorRequired.code, message), status=403)
            return redirect(
                f"{reverse('accounts:second_factor')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
