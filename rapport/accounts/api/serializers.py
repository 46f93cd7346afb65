from rest_framework import serializers

from rapport.accounts.choices import AgentState
from rapport.accounts.models import AgentStateChange, ApiToken, Team, User
from rapport.core.roles import roles_of


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, default="API token", max_length=100)
    otp = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="TOTP code, when the user's role requires one."
    )


class IssuedTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    token = serializers.CharField(help_text="Shown once. Send as 'Authorization: Token <token>'.")


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]


class TeamSerializer(serializers.ModelSerializer):
    supervisor = serializers.PrimaryKeyRelatedField[User](read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = ["id", "name", "supervisor"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    team = TeamSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "roles",
            "team",
            "agent_state",
            "agent_state_since",
        ]

    def get_roles(self, user: User) -> list[str]:
        return sorted(roles_of(user))


class AgentStateRequestSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AgentState.choices)


class AgentStateChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentStateChange
        fields = ["state", "previous_state", "changed_at", "source"]
