from django.http import HttpResponseBadRequest, JsonResponse

from rapport.core.api import error_body


class RejectNullCharactersMiddleware:
    """A NUL character in the query string is never meaningful, and PostgreSQL refuses it in
    text: answer 400 here instead of a database error later. (Bodies go through forms and
    serializers, whose text fields already refuse NUL.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # lists(), not items(): items() gives only the last value of a repeated key.
        if any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            message = "The query string contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
