"""Each view adds one layer of what GET /api/v1/customers/lookup does, so the difference
between two rungs over HTTP is what that layer costs."""

from django.http import JsonResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.authentication import ApiTokenAuthentication
from rapport.core.errors import NotFound
from rapport.customers import selectors
from rapport.customers.models import ContactPoint, Customer


def plain(request):
    """Django, no database."""
    return JsonResponse({"ok": True})


class DrfPlain(APIView):
    """DRF, no authentication, no database."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "kind", "first_name", "last_name", "status", "segment", "value_tier"]


def _customer_by_email(email: str) -> Customer:
    point = (
        ContactPoint.objects.filter(kind="email", normalised=email.lower())
        .select_related("customer")
        .first()
    )
    if point is None:
        raise NotFound("No customer has this contact point.")
    return point.customer


class EmailBare(APIView):
    """The PERFORMANCE-NOTES baseline: one indexed query, a 7-field ModelSerializer, no auth."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(CustomerSerializer(_customer_by_email(request.GET["email"])).data)


class EmailToken(EmailBare):
    """+ the API token (one query; an UPDATE of last_used_at at most once a minute)."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]


class EmailTokenRoles(EmailToken):
    """+ the role check (one query on the user's groups)."""

    def get(self, request):
        if not selectors.can_read_customers(request.user):
            raise NotFound("No customer has this contact point.")
        return super().get(request)


class EmailSummary(EmailTokenRoles):
    """+ the real selector and summary (lookup with household, contact points, holdings),
    without the view's own OpenAPI decoration: should equal the real endpoint."""

    def get(self, request):
        customer = selectors.customer_lookup_for(user=request.user, email=request.GET["email"])
        return Response(selectors.customer_summary(customer=customer))
