from django.shortcuts import render

from rapport.core.errors import ApplicationError


class ApplicationErrorMiddleware:
    """An ApplicationError raised by a page becomes a readable page with its status, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError):
            return render(request, "ui/error.html", {"error": exception}, status=exception.status)
        return None
