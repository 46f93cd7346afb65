from django.http import HttpResponseBadRequest, JsonResponse

from rapport.core.api import error_body


class RejectNullCharactersMiddleware:
    """A NUL character in the query string is never meaningful, and PostgreSQL refuses it in
    text: answer 400 here instead of a database error later. (Bodies go through forms and
    serializers, whose text fields already refuse NUL.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            message = "The query string contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
