from typing import cast

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts import selectors, services
from rapport.accounts.api.serializers import (
    AgentStateChangeSerializer,
    AgentStateRequestSerializer,
    ApiTokenSerializer,
    IssuedTokenSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    UserSerializer,
)
from rapport.accounts.http import AuthedRequest
from rapport.accounts.models import Team, User


class TokenCreateApi(APIView):
    """Exchange a username and password (and a TOTP code where required) for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={201: IssuedTokenSerializer})
    def post(self, request: Request) -> Response:
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        issued = services.api_token_exchange(
            request=request._request,
            username=data["username"],
            password=data["password"],
            otp=data.get("otp", ""),
            name=data["name"],
        )
        body = {"id": issued.token.id, "name": issued.token.name, "token": issued.key}
        return Response(IssuedTokenSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenListApi(generics.ListAPIView):
    """Your own API tokens (keys are never shown again)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return selectors.api_tokens_of(user=cast(User, self.request.user))


class TokenRevokeApi(APIView):
    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    def delete(self, request: AuthedRequest, token_id: int) -> Response:
        token = selectors.api_token_get_for(user=request.user, token_id=token_id)
        services.api_token_revoke(token=token, by=request.user)
        return Response(ApiTokenSerializer(token).data)


class MeApi(APIView):
    @extend_schema(responses={200: UserSerializer})
    def get(self, request: AuthedRequest) -> Response:
        return Response(UserSerializer(request.user).data)


@extend_schema(
    parameters=[
        OpenApiParameter("role", str, description="Only people holding this role."),
        OpenApiParameter("q", str, description="Name or username contains."),
    ]
)
class UserListApi(generics.ListAPIView):
    """People the asking user may see: supervisors their teams, admins everyone."""

    serializer_class = UserSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.user_list_for(
            viewer=cast(User, self.request.user),
            role=params.get("role") or None,
            search=params.get("q", ""),
        )


class UserDetailApi(APIView):
    @extend_schema(responses={200: UserSerializer})
    def get(self, request: AuthedRequest, user_id: int) -> Response:
        return Response(
            UserSerializer(selectors.user_get_for(viewer=request.user, user_id=user_id)).data
        )


class TeamListApi(generics.ListAPIView):
    serializer_class = TeamSerializer
    queryset = Team.objects.none()  # for the schema; requests read through the selector

    def get_queryset(self):
        return selectors.team_list_for(viewer=cast(User, self.request.user))


class MyStateApi(APIView):
    """Read or change your own agent state."""

    @extend_schema(responses={200: UserSerializer})
    def get(self, request: AuthedRequest) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=AgentStateRequestSerializer, responses={200: UserSerializer})
    def post(self, request: AuthedRequest) -> Response:
        payload = AgentStateRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.agent_state_set(
            agent=request.user, state=payload.validated_data["state"], source="api"
        )
        request.user.refresh_from_db(fields=["agent_state", "agent_state_since"])
        return Response(UserSerializer(request.user).data)


class AgentStateHistoryApi(APIView):
    @extend_schema(responses={200: AgentStateChangeSerializer(many=True)})
    def get(self, request: AuthedRequest, user_id: int) -> Response:
        agent = selectors.user_get_for(viewer=request.user, user_id=user_id)
        history = selectors.agent_state_history_for(viewer=request.user, agent=agent)
        return Response(AgentStateChangeSerializer(history, many=True).data)
