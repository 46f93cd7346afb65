"""What a locked-out login attempt gets back: JSON for the API, a page for people."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "locked_out",
                "message": "Too many failed attempts. Try again in 15 minutes.",
                "fields": {},
            },
            status=429,
        )
    return render(request, "accounts/locked_out.html", status=429)
