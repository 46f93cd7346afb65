"""Fuzz the identity API from our own OpenAPI schema, with pairs, a merge and runs in the
database so the fuzzer's small ids reach real rows: nothing a client sends may cause a 500, and
every response must match the published schema."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from rapport.accounts import services as account_services
from rapport.identity.choices import PairStatus, RunState
from rapport.identity.services.pairs import pair_merge
from rapport.identity.tests.factories import MatchPairFactory, MatchRunFactory
from rapport.identity.tests.test_views_pairs import planted

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex="^/api/v1/identity/"
)
# Schemathesis calls the WSGI application directly, past the test client.
pytestmark = pytest.mark.usefixtures("keep_the_test_connection")


@pytest.fixture
def steward_token(make_user) -> str:
    """An admin's token; an open pair with its explanation and history, pairs in every other
    state, a standing merge, and a finished and a failed run."""
    admin = make_user("admin")
    planted()
    for state in (PairStatus.DISMISSED, PairStatus.UNDONE):
        MatchPairFactory(status=state, explanation=[{"field": "odd"}, "not an item"])
    pair_merge(pair=MatchPairFactory(), by=admin)
    MatchRunFactory(state=RunState.DONE, pairs_found=3)
    MatchRunFactory(state=RunState.FAILED, failure="The splink engine could not be loaded")
    return account_services.api_token_issue(user=admin, name="identity fuzz").key


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_the_identity_api_never_fails_and_matches_its_schema(case, steward_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {steward_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
