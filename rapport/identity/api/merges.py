"""Merges over the API, for identity stewards (admins; 403 for everyone else).

- GET identity/merges: merges newest first, with what moved; ?undone=true|false.
- POST identity/merges/<id>/undo: put back what moved → the merge. An undo that cannot be done
  (already undone; the record that stayed was merged again since) is 409 saying why."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.identity.api import serializers as s
from rapport.identity.api.pairs import IsIdentitySteward
from rapport.identity.selectors import merges as selectors
from rapport.identity.services import merges as services


class MergeListQuerySerializer(serializers.Serializer):
    undone = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "undone", bool, description="true: only undone merges; false: only standing ones."
        )
    ]
)
class MergeListApi(generics.ListAPIView):
    """Merges, newest first: who (or a batch run), when, the score and what moved."""

    serializer_class = s.CustomerMergeSerializer
    permission_classes = [IsIdentitySteward]
    filter_backends: list = []

    def get_queryset(self):
        query = MergeListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.merges_for(user=self.request.user, undone=query.validated_data["undone"])


class MergeUndoApi(APIView):
    permission_classes = [IsIdentitySteward]

    @extend_schema(request=None, responses={200: s.CustomerMergeSerializer})
    def post(self, request: AuthedRequest, merge_id: int) -> Response:
        """Undo a merge: what moved goes back, and the two customers are separate again."""
        merge = selectors.merge_get_for(user=request.user, merge_id=merge_id)
        services.merge_undo(merge=merge, by=request.user)
        fresh = selectors.merge_get_for(user=request.user, merge_id=merge_id)
        return Response(s.CustomerMergeSerializer(fresh).data)


urls = [
    path("identity/merges", MergeListApi.as_view(), name="api-identity-merges"),
    path(
        "identity/merges/<int:merge_id>/undo",
        MergeUndoApi.as_view(),
        name="api-identity-merge-undo",
    ),
]
