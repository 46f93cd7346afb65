"""Who may do what: the role × endpoint access matrix (the policy is written out in docs/access.md).

Every named Rapport route has a row in MATRIX. `test_every_route_has_a_row` reads the URL conf, so
an endpoint added without a row fails here, and so does a row whose endpoint is gone.
`test_access` runs every row for the seven roles and an anonymous visitor and checks the answer;
writes are sent with a valid payload, and where the status alone cannot tell a saved form from a
rejected one (pages redirect either way) the row also checks that the write happened, or did not.
`test_out_of_scope_records_never_listed` checks that list endpoints leave out what the asking user
may not see even when it exists (another team, an erased customer, notes for a marketer).

Expected values are the policy, not whatever the code does today: a case where the code is wrong
stays at the correct value and is marked xfail(strict=True) with the reason, so fixing the bug
turns the xfail into a failure that asks for the mark to be removed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from rapport.accounts import services as account_services
from rapport.accounts.models import ApiToken, RoleSecurityPolicy, User
from rapport.accounts.tests.factories import PASSWORD, TeamFactory, UserFactory
from rapport.core.roles import Role
from rapport.customers.models import Consent, ContactPoint, Customer, Holding, Household, Note
from rapport.customers.tests.factories import (
    ConsentFactory,
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    ProductFactory,
)

ROLES = list(Role.values)  # agent, supervisor, trainer, qa_analyst, marketer, executive, admin
ANONYMOUS = "anonymous"
VISITORS = [*ROLES, ANONYMOUS]

# What a visitor gets back. Numbers are plain status codes; the words check a little more.
OK, MADE, GONE = 200, 201, 204
BAD, UNAUTH, DENY, HIDE = 400, 401, 403, 404
LOGIN = "login"  # 302 to the login page
MOVED = "moved"  # 302 anywhere else (a form that saved, a role's start page)
LISTED = "listed"  # 200, and the world's record is among the results
EMPTY = "empty"  # 200, and no results at all
SUCCESS = {OK, MADE, GONE, MOVED, LISTED}


def row(agent, supervisor, trainer, qa_analyst, marketer, executive, admin, anonymous) -> dict:
    """One line of the matrix, in the column order of the header comments below."""
    values = (agent, supervisor, trainer, qa_analyst, marketer, executive, admin, anonymous)
    return dict(zip(VISITORS, values, strict=True))


@dataclass(frozen=True)
class Case:
    """One request against a route and what each visitor gets back."""

    method: str
    expect: dict[str, Any]
    args: Callable[[Any], list] | None = None  # URL arguments, from the world
    query: str = ""
    data: Callable[[Any], dict] | None = None  # the payload of a write
    listed: Callable[[Any], int] | None = None  # the id LISTED must find among the results
    done: Callable[[Any], bool] | None = None  # has the write happened?
    bugs: dict[str, str] = field(default_factory=dict)  # visitor -> "BUG: ..." (xfail, strict)


# ------------------------------------------------------------------------------------------------
# The world every case runs against
# ------------------------------------------------------------------------------------------------


def build_world() -> SimpleNamespace:
    """One user per role, and what they ask for.

    Blue is led by the supervisor role's user and has one agent with a state history. Red is
    another team, led by another supervisor. One live customer has a contact point, a household,
    a holding, a consent and a note; one erased customer still has all of those rows. Every role's
    user has an API token; so does Red's agent.
    """
    users = {role: UserFactory(roles=[role]) for role in ROLES}
    lead = users[Role.SUPERVISOR]
    blue = TeamFactory(name="Blue", supervisor=lead)
    team_agent = UserFactory(roles=[Role.AGENT], team=blue)
    account_services.agent_state_set(agent=team_agent, state="available", source="test")
    red_lead = UserFactory(roles=[Role.SUPERVISOR])
    red = TeamFactory(name="Red", supervisor=red_lead)
    red_agent = UserFactory(roles=[Role.AGENT], team=red)
    account_services.agent_state_set(agent=red_agent, state="available", source="test")

    household = HouseholdFactory(name="The Okafors")
    customer = CustomerFactory(first_name="Ada", last_name="Okafor", household=household)
    point = ContactPointFactory(customer=customer, value="ada@example.com")
    product = ProductFactory()
    holding = HoldingFactory(customer=customer, product=product)
    consent = ConsentFactory(customer=customer)
    note = NoteFactory(customer=customer, author=team_agent, body="Prefers calls after six.")

    # Erased by marking only, so every child row is still there for the selectors to leave out.
    erased = CustomerFactory(first_name="Gone", last_name="Person", household=household)
    erased_point = ContactPointFactory(customer=erased, value="gone@example.com")
    erased_holding = HoldingFactory(customer=erased, product=product)
    erased_consent = ConsentFactory(customer=erased)
    erased_note = NoteFactory(customer=erased, body="Said something about the erased person.")
    Customer.objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    tokens = {
        user.pk: account_services.api_token_issue(user=user, name="matrix").token
        for user in [*users.values(), team_agent]
    }
    others_token = account_services.api_token_issue(user=red_agent, name="someone else's").token
    return SimpleNamespace(**locals())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at the end; each test runs in
    a savepoint of it (pytest-django's `db`), so a test's writes never reach the next test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world_as(world, db):
    """world_as(user) -> the world seen by `user` (None: an anonymous visitor) as `w.me`,
    with `w.token` their own API token (Blue's agent's for an anonymous visitor)."""

    def view(me: User | None) -> SimpleNamespace:
        token = world.tokens.get((me or world.team_agent).pk)
        return SimpleNamespace(**vars(world), me=me, token=token)

    return view


# ------------------------------------------------------------------------------------------------
# Payloads and checks used by the rows
# ------------------------------------------------------------------------------------------------

CUSTOMER_FORM = {
    "kind": "person", "first_name": "Matrix", "last_name": "Newperson", "language": "en",
    "segment": "consumer", "value_tier": "standard", "lifetime_value": "0", "status": "prospect",
}
TODAY = datetime.date(2025, 1, 2).isoformat()


def customer_id(w) -> list:
    return [w.customer.pk]


def household_id(w) -> list:
    return [w.household.pk]


def team_agent_id(w) -> list:
    return [w.team_agent.pk]


def my_token_id(w) -> list:
    return [w.token.pk]


def point_id(w) -> list:
    return [w.point.pk]


def me_state_is_available(w) -> bool:
    return w.me is not None and User.objects.get(pk=w.me.pk).agent_state == "available"


def customer_named(last_name: str) -> Callable[[Any], bool]:
    return lambda w: Customer.objects.filter(last_name=last_name).exists()


# ------------------------------------------------------------------------------------------------
# The matrix: route name -> the requests it answers
# ------------------------------------------------------------------------------------------------

NOTES_FOR_TWO_ROLES = (
    "BUG: can_read_notes() in rapport/customers/selectors.py tests roles != {marketer}, so a "
    "marketer who also holds a role that may not read customers (trainer, executive) reads notes"
)

MATRIX: dict[str, list[Case]] = {
    # ---------------------------------------------------------------------------- core
    #                                agent   superv. trainer qa      market. exec.   admin   anonymous
    "home": [Case("GET", row(MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, LOGIN))],
    "healthz": [Case("GET", row(OK, OK, OK, OK, OK, OK, OK, OK))],
    "audit": [Case("GET", row(DENY, DENY, DENY, DENY, DENY, DENY, OK, LOGIN))],
    # ---------------------------------------------------------------------------- accounts pages
    #                                agent   superv. trainer qa      market. exec.   admin   anonymous
    "accounts:login": [Case("GET", row(MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, OK))],
    "accounts:logout": [Case("POST", row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN))],
    "accounts:second_factor": [Case("GET", row(OK, OK, OK, OK, OK, OK, OK, LOGIN))],
    "accounts:me": [Case("GET", row(OK, OK, OK, OK, OK, OK, OK, LOGIN))],
    "accounts:set_state": [
        Case("POST", row(MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, LOGIN),
             data=lambda w: {"state": "available"}, done=me_state_is_available),
    ],
    "accounts:token_create": [
        Case("POST", row(MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, LOGIN),
             data=lambda w: {"name": "phone system"},
             done=lambda w: ApiToken.objects.filter(name="phone system").exists()),
    ],
    "accounts:token_revoke": [
        Case("POST", row(MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, LOGIN), args=my_token_id,
             done=lambda w: ApiToken.objects.filter(pk=w.token.pk, revoked_at__isnull=False).exists()),
    ],
    "accounts:people": [Case("GET", row(DENY, OK, DENY, DENY, DENY, DENY, OK, LOGIN))],
    "accounts:person": [
        Case("GET", row(DENY, OK, DENY, DENY, DENY, DENY, OK, LOGIN), args=team_agent_id),
    ],
    "accounts:security": [
        Case("GET", row(DENY, DENY, DENY, DENY, DENY, DENY, OK, LOGIN)),
        Case("POST", row(DENY, DENY, DENY, DENY, DENY, DENY, MOVED, LOGIN),
             data=lambda w: {"trainer": "on"},
             done=lambda w: RoleSecurityPolicy.objects.filter(role="trainer", require_second_factor=True).exists()),
    ],
    # ---------------------------------------------------------------------------- customer pages
    #                                agent   superv. trainer qa      market. exec.   admin   anonymous
    "customers:search": [Case("GET", row(OK, OK, DENY, OK, OK, DENY, OK, LOGIN), query="?q=okafor")],
    "customers:export_csv": [Case("GET", row(DENY, DENY, DENY, DENY, OK, DENY, OK, LOGIN))],
    "customers:create": [
        Case("GET", row(OK, OK, DENY, DENY, DENY, DENY, OK, LOGIN)),
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN),
             data=lambda w: CUSTOMER_FORM, done=customer_named("Newperson")),
    ],
    "customers:detail": [Case("GET", row(OK, OK, DENY, OK, OK, DENY, OK, LOGIN), args=customer_id)],
    "customers:edit": [
        Case("GET", row(OK, OK, DENY, DENY, DENY, DENY, OK, LOGIN), args=customer_id),
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN), args=customer_id,
             data=lambda w: CUSTOMER_FORM | {"last_name": "Edited", "household": w.household.pk},
             done=customer_named("Edited")),
    ],
    "customers:add_contact_point": [
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN), args=customer_id,
             data=lambda w: {"kind": "email", "value": "new@example.com"},
             done=lambda w: ContactPoint.objects.filter(normalised="new@example.com").exists()),
    ],
    "customers:remove_contact_point": [
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN),
             args=lambda w: [w.customer.pk, w.point.pk],
             done=lambda w: not ContactPoint.objects.filter(pk=w.point.pk).exists()),
    ],
    "customers:record_consent": [
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN), args=customer_id,
             data=lambda w: {"channel": "sms", "purpose": "surveys", "granted": "true", "source": "call"},
             done=lambda w: Consent.objects.filter(customer=w.customer, channel="sms").exists()),
    ],
    "customers:add_holding": [
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN), args=customer_id,
             data=lambda w: {"product": w.product.pk, "since": TODAY, "value": "10"},
             done=lambda w: Holding.objects.filter(customer=w.customer).count() == 2),
    ],
    "customers:add_note": [
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN), args=customer_id,
             data=lambda w: {"body": "Called about the card."},
             done=lambda w: Note.objects.filter(body="Called about the card.").exists()),
    ],
    "customers:data_export": [
        Case("GET", row(DENY, DENY, DENY, DENY, DENY, DENY, OK, LOGIN), args=customer_id),
    ],
    "customers:erase": [
        Case("GET", row(DENY, DENY, DENY, DENY, DENY, DENY, OK, LOGIN), args=customer_id),
        Case("POST", row(DENY, DENY, DENY, DENY, DENY, DENY, MOVED, LOGIN), args=customer_id,
             data=lambda w: {"confirm": str(w.customer.pk)},
             done=lambda w: Customer.objects.filter(pk=w.customer.pk, erased_at__isnull=False).exists()),
    ],
    "customers:households": [Case("GET", row(OK, OK, DENY, OK, OK, DENY, OK, LOGIN))],
    "customers:household_create": [
        Case("GET", row(OK, OK, DENY, DENY, DENY, DENY, OK, LOGIN)),
        Case("POST", row(MOVED, MOVED, DENY, DENY, DENY, DENY, MOVED, LOGIN),
             data=lambda w: {"name": "The Newcomers", "country": "US"},
             done=lambda w: Household.objects.filter(name="The Newcomers").exists()),
    ],
    "customers:household": [
        Case("GET", row(OK, OK, DENY, OK, OK, DENY, OK, LOGIN), args=household_id),
    ],
    "customers:products": [Case("GET", row(OK, OK, DENY, OK, OK, DENY, OK, LOGIN))],
    # ---------------------------------------------------------------------------- accounts API
    #                                agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-auth-token": [
        # Anonymous by design (it is how a client logs in); the anonymous visitor sends nothing.
        Case("POST", row(MADE, MADE, MADE, MADE, MADE, MADE, MADE, BAD),
             data=lambda w: {"username": w.me.username, "password": PASSWORD} if w.me else {}),
    ],
    "api-auth-tokens": [
        Case("GET", row(LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, UNAUTH),
             listed=lambda w: w.token.pk),
    ],
    "api-auth-token-revoke": [
        Case("DELETE", row(OK, OK, OK, OK, OK, OK, OK, UNAUTH), args=my_token_id),
    ],
    "api-auth-me": [Case("GET", row(OK, OK, OK, OK, OK, OK, OK, UNAUTH))],
    "api-users": [
        Case("GET", row(EMPTY, LISTED, EMPTY, EMPTY, EMPTY, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.team_agent.pk),
    ],
    "api-user": [
        Case("GET", row(HIDE, OK, HIDE, HIDE, HIDE, HIDE, OK, UNAUTH), args=team_agent_id),
    ],
    "api-user-states": [
        Case("GET", row(HIDE, OK, HIDE, HIDE, HIDE, HIDE, OK, UNAUTH), args=team_agent_id),
    ],
    "api-teams": [
        Case("GET", row(EMPTY, LISTED, EMPTY, EMPTY, EMPTY, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.blue.pk),
    ],
    "api-agent-state": [
        Case("GET", row(OK, OK, OK, OK, OK, OK, OK, UNAUTH)),
        Case("POST", row(OK, OK, OK, OK, OK, OK, OK, UNAUTH),
             data=lambda w: {"state": "available"}, done=me_state_is_available),
    ],
    # ---------------------------------------------------------------------------- customers API
    #                                agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-customers": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, LISTED, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.customer.pk),
        Case("POST", row(MADE, MADE, DENY, DENY, DENY, DENY, MADE, UNAUTH),
             data=lambda w: {"first_name": "Api", "last_name": "Newperson"}),
    ],
    "api-customer-lookup": [
        Case("GET", row(OK, OK, HIDE, OK, OK, HIDE, OK, UNAUTH), query="?email=ADA@example.com"),
    ],
    "api-customer": [
        Case("GET", row(OK, OK, HIDE, OK, OK, HIDE, OK, UNAUTH), args=customer_id),
        Case("PATCH", row(OK, OK, HIDE, DENY, DENY, HIDE, OK, UNAUTH), args=customer_id,
             data=lambda w: {"last_name": "Patched"}),
    ],
    "api-customer-export": [
        Case("GET", row(DENY, DENY, HIDE, DENY, DENY, HIDE, OK, UNAUTH), args=customer_id),
    ],
    "api-customer-erase": [
        Case("POST", row(DENY, DENY, HIDE, DENY, DENY, HIDE, OK, UNAUTH), args=customer_id),
    ],
    "api-households": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, LISTED, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.household.pk),
        Case("POST", row(MADE, MADE, DENY, DENY, DENY, DENY, MADE, UNAUTH),
             data=lambda w: {"name": "The Apis"}),
    ],
    "api-household": [
        Case("GET", row(OK, OK, HIDE, OK, OK, HIDE, OK, UNAUTH), args=household_id),
        Case("PATCH", row(OK, OK, HIDE, DENY, DENY, HIDE, OK, UNAUTH), args=household_id,
             data=lambda w: {"city": "Lagos"}),
    ],
    "api-contact-points": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, LISTED, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.point.pk),
        Case("POST", row(MADE, MADE, HIDE, DENY, DENY, HIDE, MADE, UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "kind": "email", "value": "api@example.com"}),
    ],
    "api-contact-point": [
        Case("GET", row(OK, OK, HIDE, OK, OK, HIDE, OK, UNAUTH), args=point_id),
        Case("PATCH", row(OK, OK, HIDE, DENY, DENY, HIDE, OK, UNAUTH), args=point_id,
             data=lambda w: {"label": "work"}),
        Case("DELETE", row(GONE, GONE, HIDE, DENY, DENY, HIDE, GONE, UNAUTH), args=point_id),
    ],
    "api-products": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, LISTED, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.product.pk),
        Case("POST", row(DENY, DENY, DENY, DENY, DENY, DENY, MADE, UNAUTH),
             data=lambda w: {"code": "gold-card", "name": "Gold card", "category": "card"}),
    ],
    "api-product": [
        Case("GET", row(OK, OK, HIDE, OK, OK, HIDE, OK, UNAUTH), args=lambda w: [w.product.pk]),
    ],
    "api-holdings": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, LISTED, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.holding.pk),
        Case("POST", row(MADE, MADE, HIDE, DENY, DENY, HIDE, MADE, UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "product": w.product.pk, "since": TODAY}),
    ],
    "api-consents": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, LISTED, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.consent.pk),
        Case("POST", row(MADE, MADE, HIDE, DENY, DENY, HIDE, MADE, UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "channel": "sms", "purpose": "surveys",
                             "granted": False, "source": "call"}),
    ],
    "api-notes": [
        Case("GET", row(LISTED, LISTED, EMPTY, LISTED, EMPTY, EMPTY, LISTED, UNAUTH),
             listed=lambda w: w.note.pk),
        Case("POST", row(MADE, MADE, HIDE, DENY, DENY, HIDE, MADE, UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "body": "Asked for a callback."}),
    ],
    # ---------------------------------------------------------------------------- API description
    # Public: it describes the endpoints and holds no data (drf-spectacular's SERVE_PERMISSIONS).
    "api-schema": [Case("GET", row(OK, OK, OK, OK, OK, OK, OK, OK))],
    "api-docs": [Case("GET", row(OK, OK, OK, OK, OK, OK, OK, OK))],
}


# ------------------------------------------------------------------------------------------------
# Every route has a row
# ------------------------------------------------------------------------------------------------

SKIPPED_NAMESPACES = ("admin",)  # Django's admin checks is_staff itself


def walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str | None, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from walk(entry, inner)
        elif entry.name is None:
            yield None, entry
        else:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def rapport_routes() -> dict[str, URLPattern]:
    """Every named route outside Django's admin (and static files, if they are ever routed)."""
    return {name: p for name, p in walk(get_resolver()) if name and name != "static"}


def test_every_route_has_a_row():
    unnamed = [str(p.pattern) for name, p in walk(get_resolver()) if name is None]
    assert not unnamed, f"routes without a name cannot have a matrix row: {unnamed}"
    routes = set(rapport_routes())
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"endpoints without a row in MATRIX (add one, and a line in docs/access.md): {missing}"
    assert not stale, f"rows in MATRIX for endpoints that no longer exist: {stale}"


def test_every_api_method_has_a_row():
    """An API view that grows a method (a DELETE, a PUT) needs a case for it too."""
    ignored = {"options", "head", "trace"}
    for name, pattern in rapport_routes().items():
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, APIView):
            continue
        served = {m.upper() for m in view_class.http_method_names if m not in ignored and hasattr(view_class, m)}
        covered = {case.method for case in MATRIX.get(name, [])}
        assert served == covered, f"{name}: the view answers {sorted(served)}, MATRIX covers {sorted(covered)}"


def test_every_row_names_every_visitor():
    for name, cases in MATRIX.items():
        for case in cases:
            assert set(case.expect) == set(VISITORS), name
            assert set(case.bugs) <= set(VISITORS), name
            if LISTED in case.expect.values():
                assert case.listed is not None, f"{name}: LISTED needs `listed`"


# ------------------------------------------------------------------------------------------------
# Each row, for each visitor
# ------------------------------------------------------------------------------------------------


def send(name: str, case: Case, w) -> Any:
    url = reverse(name, args=case.args(w) if case.args else None) + case.query
    data = case.data(w) if case.data else {}
    if url.startswith("/api/"):
        client = APIClient()
        if w.me is not None:
            client.force_authenticate(user=w.me)
        if case.method == "GET":
            return client.get(url)
        return getattr(client, case.method.lower())(url, data, format="json")
    client = Client()
    if w.me is not None:
        client.force_login(w.me)
    if case.method == "GET":
        return client.get(url)
    return getattr(client, case.method.lower())(url, data)


def check(name: str, case: Case, who: str, response, w) -> None:
    expected = case.expect[who]
    where = f"{who} {case.method} {name}"
    status = response.status_code
    if expected in (LOGIN, MOVED):
        assert status == 302, f"{where}: expected a redirect ({expected}), got {status}"
        to_login = response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        assert to_login is (expected == LOGIN), f"{where}: redirected to {response['Location']}"
    elif expected in (LISTED, EMPTY):
        assert status == 200, f"{where}: expected 200, got {status} {response.content[:200]!r}"
        ids = [item["id"] for item in response.json()["results"]]
        if expected == LISTED:
            assert case.listed(w) in ids, f"{where}: expected id {case.listed(w)} among {ids}"
        else:
            assert ids == [], f"{where}: expected no results, got ids {ids}"
    else:
        assert status == expected, f"{where}: expected {expected}, got {status} {response.content[:200]!r}"
    if case.done is not None:
        assert case.done(w) is (expected in SUCCESS), f"{where}: the write {'did not happen' if expected in SUCCESS else 'happened'}"


def matrix_params() -> Iterator:
    for name, cases in MATRIX.items():
        for index, case in enumerate(cases):
            for who in VISITORS:
                marks = [pytest.mark.xfail(strict=True, reason=case.bugs[who])] if who in case.bugs else []
                yield pytest.param(name, index, who, id=f"{name}-{case.method}-{who}", marks=marks)


@pytest.mark.parametrize(("name", "index", "who"), list(matrix_params()))
def test_access(world, world_as, name, index, who):
    case = MATRIX[name][index]
    w = world_as(None if who == ANONYMOUS else world.users[who])
    response = send(name, case, w)
    check(name, case, who, response, w)


# ------------------------------------------------------------------------------------------------
# Lists leave out what the asking user may not see
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """`viewer` (roles, or "team_agent": Blue's agent) lists `route`; `hidden` ids never appear,
    `shown` ids do (so an empty list cannot pass for a scoped one)."""

    route: str
    viewer: tuple[str, ...] | str
    hidden: Callable[[Any], list[int]]
    shown: Callable[[Any], list[int]] = lambda w: []
    bug: str = ""


def _erased(kind: str) -> Callable[[Any], list[int]]:
    return lambda w: [getattr(w, f"erased_{kind}").pk]


READER_SETS = [(r,) for r in ("agent", "supervisor", "qa_analyst", "marketer", "admin")]

SCOPES = [
    # People: a supervisor sees their own team, not another team, not other supervisors.
    Scope("api-users", ("supervisor",),
          hidden=lambda w: [w.red_agent.pk, w.red_lead.pk, *(u.pk for u in w.users.values() if u != w.me)],
          shown=lambda w: [w.team_agent.pk, w.me.pk]),
    Scope("api-teams", ("supervisor",), hidden=lambda w: [w.red.pk], shown=lambda w: [w.blue.pk]),
    Scope("api-teams", "team_agent", hidden=lambda w: [w.red.pk], shown=lambda w: [w.blue.pk]),
    Scope("api-users", "team_agent", hidden=lambda w: [w.team_agent.pk, w.red_agent.pk, w.lead.pk]),
    # Tokens: only your own.
    *[Scope("api-auth-tokens", (r,), hidden=lambda w: [w.others_token.pk], shown=lambda w: [w.token.pk])
      for r in ROLES],
    # Customer data: an erased customer is gone for everyone, admins included.
    *[Scope("api-customers", rs, hidden=lambda w: [w.erased.pk],
            shown=lambda w: [w.customer.pk]) for rs in READER_SETS],
    *[Scope("api-contact-points", rs, hidden=_erased("point"), shown=lambda w: [w.point.pk]) for rs in READER_SETS],
    *[Scope("api-holdings", rs, hidden=_erased("holding"), shown=lambda w: [w.holding.pk]) for rs in READER_SETS],
    *[Scope("api-consents", rs, hidden=_erased("consent"), shown=lambda w: [w.consent.pk]) for rs in READER_SETS],
    *[Scope("api-notes", rs, hidden=_erased("note"), shown=lambda w: [w.note.pk])
      for rs in READER_SETS if rs != ("marketer",)],
    # Notes carry what was said in service: never for a marketer, whatever else they hold,
    # unless another role they hold reads notes in its own right.
    Scope("api-notes", ("marketer",), hidden=lambda w: [w.note.pk, w.erased_note.pk]),
    Scope("api-notes", ("marketer", "agent"), hidden=lambda w: [w.erased_note.pk], shown=lambda w: [w.note.pk]),
    Scope("api-notes", ("marketer", "trainer"), hidden=lambda w: [w.note.pk], bug=NOTES_FOR_TWO_ROLES),
    Scope("api-notes", ("marketer", "executive"), hidden=lambda w: [w.note.pk], bug=NOTES_FOR_TWO_ROLES),
    # Trainers and executives work from aggregates.
    *[Scope(route, (r,), hidden=lambda w, a=attr: [getattr(w, a).pk])
      for r in ("trainer", "executive")
      for route, attr in (("api-customers", "customer"), ("api-contact-points", "point"),
                          ("api-holdings", "holding"), ("api-consents", "consent"),
                          ("api-notes", "note"), ("api-households", "household"), ("api-products", "product"))],
]


def scope_params() -> Iterator:
    for scope in SCOPES:
        viewer = scope.viewer if isinstance(scope.viewer, str) else "+".join(scope.viewer)
        marks = [pytest.mark.xfail(strict=True, reason=scope.bug)] if scope.bug else []
        yield pytest.param(scope, id=f"{scope.route}-{viewer}", marks=marks)


@pytest.mark.parametrize("scope", list(scope_params()))
def test_out_of_scope_records_never_listed(world, world_as, scope):
    if scope.viewer == "team_agent":
        w = world_as(world.team_agent)
    elif len(scope.viewer) == 1:
        w = world_as(world.users[scope.viewer[0]])
    else:
        w = world_as(UserFactory(roles=list(scope.viewer)))
    client = APIClient()
    client.force_authenticate(user=w.me)
    response = client.get(reverse(scope.route), {"page_size": 200})
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    assert not ids & set(scope.hidden(w)), f"{scope.route} as {scope.viewer} lists {ids & set(scope.hidden(w))}"
    assert set(scope.shown(w)) <= ids, f"{scope.route} as {scope.viewer} leaves out {set(scope.shown(w)) - ids}"
