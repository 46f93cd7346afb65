"""What a locked-out login attempt gets back: JSON for the API, a page for people."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rapport.accounts.errors import LOCKED_OUT_MESSAGE, LockedOut
from rapport.core.api import error_body


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(LockedOut.code, LOCKED_OUT_MESSAGE), status=LockedOut.status)
    return render(request, "accounts/locked_out.html", status=429)
