"""Likely duplicate pairs over the API, for identity stewards (admins; 403 for everyone else).

- GET identity/pairs: pairs best first; ?status= (default open, or "all"), ?q= a name or id.
- GET identity/pairs/<id>: one pair with its explanation and the two records side by side.
- POST identity/pairs/<id>/merge: merge them (survivor_id: the record that stays) → the merge.
- POST identity/pairs/<id>/dismiss: not the same customer (an optional note) → the pair.
A decision the pair's state does not allow (already merged, say) is 409."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.core.errors import ValidationFailed
from rapport.identity.api import serializers as s
from rapport.identity.choices import PairStatus
from rapport.identity.selectors import access
from rapport.identity.selectors import pairs as selectors
from rapport.identity.services import pairs as services


class IsIdentitySteward(BasePermission):
    message = "Only admins review duplicate customers."

    def has_permission(self, request, view) -> bool:
        return access.is_steward(request.user)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=[value for value, _ in s.PAIR_FILTERS],
            description="One status, or `all`; waiting for review (`open`) when left out.",
        ),
        OpenApiParameter("q", str, description="A customer id, or the start of a name."),
    ]
)
class PairListApi(generics.ListAPIView):
    """Likely duplicate pairs, most likely first."""

    serializer_class = s.MatchPairSerializer
    permission_classes = [IsIdentitySteward]
    filter_backends: list = []

    def get_queryset(self):
        query = s.PairListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.pairs_for(
            user=self.request.user,
            status=data.get("status") or PairStatus.OPEN,
            search=data.get("q", ""),
        )


class PairDetailApi(APIView):
    permission_classes = [IsIdentitySteward]

    @extend_schema(responses={200: s.MatchPairDetailSerializer})
    def get(self, request: AuthedRequest, pair_id: int) -> Response:
        """One pair: its explanation (every compared field with its level and points) and the
        two records side by side, with counts of their interactions and cases."""
        pair = selectors.pair_get_for(user=request.user, pair_id=pair_id)
        pair.comparison = selectors.pair_comparison(pair)  # type: ignore[attr-defined]
        return Response(s.MatchPairDetailSerializer(pair).data)


class PairMergeApi(APIView):
    permission_classes = [IsIdentitySteward]

    @extend_schema(request=s.PairMergeRequestSerializer, responses={201: s.CustomerMergeSerializer})
    def post(self, request: AuthedRequest, pair_id: int) -> Response:
        """Merge the pair's two customers into the one named by survivor_id (audited; undo it
        at identity/merges/<id>/undo)."""
        pair = selectors.pair_get_for(user=request.user, pair_id=pair_id)
        payload = s.PairMergeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        survivor_id = payload.validated_data.get("survivor_id")
        if survivor_id is not None and survivor_id not in (pair.left_id, pair.right_id):
            raise ValidationFailed(
                "The record that stays must be one of the pair's two customers.",
                fields={"survivor_id": [f"Either {pair.left_id} or {pair.right_id}."]},
            )
        merge = services.pair_merge(pair=pair, by=request.user, survivor_id=survivor_id)
        return Response(s.CustomerMergeSerializer(merge).data, status=status.HTTP_201_CREATED)


class PairDismissApi(APIView):
    permission_classes = [IsIdentitySteward]

    @extend_schema(request=s.PairDismissRequestSerializer, responses={200: s.MatchPairSerializer})
    def post(self, request: AuthedRequest, pair_id: int) -> Response:
        """Not the same customer: the pair is kept apart, and later runs leave it so."""
        pair = selectors.pair_get_for(user=request.user, pair_id=pair_id)
        payload = s.PairDismissRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.pair_dismiss(pair=pair, by=request.user, note=payload.validated_data["note"])
        fresh = selectors.pair_get_for(user=request.user, pair_id=pair_id)
        return Response(s.MatchPairSerializer(fresh).data)


urls = [
    path("identity/pairs", PairListApi.as_view(), name="api-identity-pairs"),
    path("identity/pairs/<int:pair_id>", PairDetailApi.as_view(), name="api-identity-pair"),
    path(
        "identity/pairs/<int:pair_id>/merge",
        PairMergeApi.as_view(),
        name="api-identity-pair-merge",
    ),
    path(
        "identity/pairs/<int:pair_id>/dismiss",
        PairDismissApi.as_view(),
        name="api-identity-pair-dismiss",
    ),
]
