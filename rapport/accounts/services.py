"""Writes about people: accounts, teams, skills, agent state, tokens and security policy."""

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp import match_token

from rapport.accounts import selectors
from rapport.accounts.choices import AgentState, SkillLevel
from rapport.accounts.errors import (
    LOCKED_OUT_MESSAGE,
    InvalidCredentials,
    LockedOut,
    SecondFactorRequired,
)
from rapport.accounts.models import (
    AgentSkill,
    AgentStateChange,
    ApiToken,
    ExternalAccount,
    RoleSecurityPolicy,
    Skill,
    Team,
    User,
)
from rapport.core.audit import audit_record
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.roles import Role

TOKEN_BYTES = 32


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: list[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
) -> User:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationFailed(
            f"Unknown role: {', '.join(sorted(unknown))}.", fields={"roles": ["Unknown role."]}
        )
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email.lower(),
        team=team,
        is_staff=Role.ADMIN in roles,
        is_superuser=Role.ADMIN in roles,
    )
    user_set_roles(user=user, roles=roles)
    return user


def user_set_roles(*, user: User, roles: list[str]) -> None:
    groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
    user.groups.set(groups)
    user.__dict__.pop("_rapport_roles", None)


def team_create(*, name: str, supervisor: User | None = None) -> Team:
    return Team.objects.create(name=name, supervisor=supervisor)


def agent_skill_set(*, agent: User, skill: Skill, level: int = SkillLevel.COMPETENT) -> AgentSkill:
    agent_skill, _ = AgentSkill.objects.update_or_create(
        agent=agent, skill=skill, defaults={"level": level}
    )
    return agent_skill


@transaction.atomic
def agent_state_set(
    *, agent: User, state: str, source: str = "ui", at=None
) -> AgentStateChange | None:
    """Move an agent to a state and record it. Setting the current state again is a no-op."""
    if state not in AgentState.values:
        raise ValidationFailed(
            f"'{state}' is not an agent state. Use one of: {', '.join(AgentState.values)}.",
            fields={"state": ["Unknown state."]},
        )
    agent = User.objects.select_for_update().get(pk=agent.pk)
    at = at or timezone.now()
    if agent.agent_state_since and at < agent.agent_state_since:
        # A late event (e.g. from the phone switch) must not overwrite a newer state.
        raise ValidationFailed(
            "This state change is older than the agent's current state.",
            code="stale_state",
            fields={"at": ["Older than the current state."]},
        )
    if agent.agent_state == state:
        return None
    change = AgentStateChange.objects.create(
        agent=agent, state=state, previous_state=agent.agent_state, changed_at=at, source=source
    )
    User.objects.filter(pk=agent.pk).update(agent_state=state, agent_state_since=at)
    return change


@dataclass(frozen=True)
class StateMove:
    agent_id: int
    state: str
    at: datetime


@transaction.atomic
def agent_states_record(*, moves: Sequence[StateMove], source: str) -> list[AgentStateChange]:
    """Many agents' state changes at once (a batch of phone-switch events), under the rules of
    agent_state_set: each agent's moves apply in time order, setting the current state again is
    a no-op, and a move older than the agent's current state is skipped (a late event must not
    overwrite a newer state). Agents are locked in id order, so concurrent batches do not
    deadlock. Returns the changes recorded."""
    unknown = {move.state for move in moves} - set(AgentState.values)
    if unknown:
        raise ValidationFailed(
            f"'{sorted(unknown)[0]}' is not an agent state. Use one of: {', '.join(AgentState.values)}.",
            fields={"state": ["Unknown state."]},
        )
    if not moves:
        return []
    agents = {
        agent.pk: agent
        for agent in User.objects.select_for_update()
        .filter(pk__in={move.agent_id for move in moves})
        .order_by("pk")
        .only("id", "agent_state", "agent_state_since")
    }
    changes: list[AgentStateChange] = []
    for move in sorted(moves, key=lambda m: (m.agent_id, m.at)):
        agent = agents.get(move.agent_id)
        if agent is None or agent.agent_state == move.state:
            continue
        if agent.agent_state_since and move.at < agent.agent_state_since:
            continue
        changes.append(
            AgentStateChange(
                agent_id=agent.pk,
                state=move.state,
                previous_state=agent.agent_state,
                changed_at=move.at,
                source=source,
            )
        )
        agent.agent_state, agent.agent_state_since = move.state, move.at
    AgentStateChange.objects.bulk_create(changes)
    moved = [agents[agent_id] for agent_id in sorted({change.agent_id for change in changes})]
    if moved:
        # One statement per agent, sent together: a queryset update per agent costs more to
        # build than to run, and bulk_update's CASE per row costs more still.
        state, since = (
            User._meta.get_field("agent_state"),
            User._meta.get_field("agent_state_since"),
        )
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(User._meta.db_table)} SET {quote(state.column)} = %s, "  # noqa: S608 - names from the model
                f"{quote(since.column)} = %s WHERE id = %s",
                [
                    [
                        agent.agent_state,
                        since.get_db_prep_save(agent.agent_state_since, connection),
                        agent.pk,
                    ]
                    for agent in moved
                ],
            )
    return changes


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


def api_token_exchange(
    *, request: HttpRequest, username: str, password: str, otp: str = "", name: str
) -> IssuedToken:
    """Username + password (+ TOTP where the role requires it) for a new API token. Goes through
    django-axes like a page login, so guessing is throttled the same way."""
    try:
        user = authenticate(request, username=username, password=password)
    except AxesBackendPermissionDenied:
        user = None
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(LOCKED_OUT_MESSAGE)
    if user is None:
        raise InvalidCredentials("Username or password is not right.")
    if selectors.second_factor_required(user=user) and (not otp or match_token(user, otp) is None):
        raise SecondFactorRequired(
            "Your role requires a TOTP code: send it as 'otp'.",
            fields={"otp": ["A valid six-digit code is required."]},
        )
    # Clear this person's failures from this address, as a page login does (and no one else's).
    axes_reset(ip=get_client_ip_address(request), username=user.get_username())
    return api_token_issue(user=user, name=name)


@transaction.atomic
def api_token_issue(*, user: User, name: str) -> IssuedToken:
    """Make a new token. The key is returned only here; the database keeps its digest."""
    name = name.strip() or "API token"
    key = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:8], digest=token_digest(key)
    )
    audit_record(actor=user, action="api_token.issued", target=token, detail={"name": token.name})
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=by, action="api_token.revoked", target=token)
    return token


@transaction.atomic
def role_policy_set(*, role: str, require_second_factor: bool, by: User) -> RoleSecurityPolicy:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role: {role}.", fields={"role": ["Unknown role."]})
    policy, _ = RoleSecurityPolicy.objects.update_or_create(
        role=role, defaults={"require_second_factor": require_second_factor}
    )
    revoked = 0
    if require_second_factor:
        # Tokens issued without a second factor would otherwise outlive the new rule.
        holders = Q(user__groups__name=role)
        if role == Role.ADMIN:
            holders |= Q(user__is_superuser=True)  # superusers count as admins
        revoked = ApiToken.objects.filter(holders, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    audit_record(
        actor=by,
        action="role_policy.changed",
        target=policy,
        detail={
            "role": role,
            "require_second_factor": require_second_factor,
            "tokens_revoked": revoked,
        },
    )
    return policy


SYSTEM_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


def external_account_add(*, source: str, external_id: str, user: User, by: User) -> ExternalAccount:
    """Say who `external_id` is in the system `source`, so imported rows naming them find `user`.
    One person per id in a system; a person may have ids in many systems."""
    source, external_id = source.strip().lower(), external_id.strip()
    if not SYSTEM_NAME.fullmatch(source):
        raise ValidationFailed(
            "Name the system in up to 32 lower-case letters, digits, - or _ (e.g. zendesk).",
            fields={"source": ["Up to 32 lower-case letters, digits, - or _."]},
        )
    if not external_id or len(external_id) > 100:
        raise ValidationFailed(
            "Give the person's id in that system (up to 100 characters).",
            fields={"external_id": ["Between 1 and 100 characters."]},
        )
    taken = ExternalAccount.objects.filter(source=source, external_id=external_id).first()
    if taken is not None:
        raise Conflict(f"{external_id} in {source} already names {taken.user.username}.")
    account = ExternalAccount.objects.create(source=source, external_id=external_id, user=user)
    audit_record(
        actor=by,
        action="accounts.external_account_added",
        target=account,
        detail={"source": source, "external_id": external_id, "user": user.username},
    )
    return account


def external_account_remove(*, account: ExternalAccount, by: User) -> None:
    detail = {"source": account.source, "external_id": account.external_id}
    audit_record(
        actor=by,
        action="accounts.external_account_removed",
        target=account,
        detail=detail | {"user": account.user.username},
    )
    account.delete()
