"""Desktop API: the screen pop a phone system shows, and a customer's timeline. Thin: parse,
call one selector, answer."""

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.errors import ValidationFailed
from rapport.workspace import selectors
from rapport.workspace.api.serializers import ScreenPopSerializer, TimelinePageSerializer


@extend_schema(
    parameters=[
        OpenApiParameter(
            "phone",
            str,
            required=True,
            description="The caller's number in any format; read in the default region "
            "when it has no +country.",
        )
    ],
    responses={200: ScreenPopSerializer},
)
class ScreenPopApi(APIView):
    """Who is calling: the customer summary, their last 20 contacts on every channel and their
    open cases. 404 for a number nobody has."""

    def get(self, request: Request) -> Response:
        payload = selectors.screen_pop_payload_for(
            user=request.user, phone=request.query_params.get("phone", "")
        )
        return Response(payload)


def _page_size(params: QueryDict) -> int:
    raw = params.get("page_size", "")
    if not raw:
        return selectors.TIMELINE_PAGE_SIZE
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(
            "page_size must be a whole number.", fields={"page_size": ["Not a whole number."]}
        ) from None


@extend_schema(
    parameters=[
        OpenApiParameter(
            "before", str, description="The cursor a previous page gave; omit for the newest."
        ),
        OpenApiParameter(
            "page_size",
            int,
            description=f"1–{selectors.TIMELINE_MAX_PAGE_SIZE}, "
            f"default {selectors.TIMELINE_PAGE_SIZE}.",
        ),
    ],
    responses={200: TimelinePageSerializer},
)
class CustomerTimelineApi(APIView):
    """A customer's contacts on every channel, newest first, a page at a time."""

    def get(self, request: Request, customer_id: int) -> Response:
        params = request.query_params
        size = _page_size(params)
        page = selectors.customer_timeline_page_for(
            user=request.user, customer_id=customer_id, before=params.get("before", ""), size=size
        )
        next_url = None
        if page.before is not None:
            query = params.copy()
            query["before"] = page.before
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"results": page.results, "before": page.before, "next": next_url})
