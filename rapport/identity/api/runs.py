"""Batch runs over the API, for identity stewards (admins; 403 for everyone else).

- GET identity/runs: runs newest first.
- POST identity/runs: start one (engine: splink or scoring) → 201 with the run; 409 while
  another is queued or running.
- GET identity/runs/<id>: one run with its stage and percent, for a progress bar."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.identity.api import serializers as s
from rapport.identity.api.pairs import IsIdentitySteward
from rapport.identity.selectors import runs as selectors
from rapport.identity.services import runs as services


class RunListApi(generics.ListAPIView):
    """Batch runs, newest first."""

    serializer_class = s.MatchRunSerializer
    permission_classes = [IsIdentitySteward]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.runs_for(user=self.request.user)

    @extend_schema(request=s.MatchRunStartSerializer, responses={201: s.MatchRunSerializer})
    def post(self, request: AuthedRequest) -> Response:
        """Start a batch search for duplicates over all customers (one at a time; audited)."""
        payload = s.MatchRunStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = services.run_start(by=request.user, engine=payload.validated_data["engine"])
        return Response(s.MatchRunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    permission_classes = [IsIdentitySteward]

    @extend_schema(responses={200: s.MatchRunSerializer})
    def get(self, request: AuthedRequest, run_id: int) -> Response:
        """One run: its state, stage, percent and counts."""
        run = selectors.run_get_for(user=request.user, run_id=run_id)
        return Response(s.MatchRunSerializer(run).data)


urls = [
    path("identity/runs", RunListApi.as_view(), name="api-identity-runs"),
    path("identity/runs/<int:run_id>", RunDetailApi.as_view(), name="api-identity-run"),
]
