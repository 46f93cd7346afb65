"""Fuzz the imports API from our own OpenAPI schema, with jobs in every state in the database
so the fuzzer's small ids reach real rows: nothing a client sends (a file of any bytes, any
mapping or options text, any filter) may cause a 500, and every response must match the
published schema. A second test sends the same operations as every other role: each is
refused (403) whatever it asks for, and nothing is written."""

from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, resolve
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from rapport.accounts import services as account_services
from rapport.core.roles import Role
from rapport.imports.choices import JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError
from rapport.imports.tests.factories import (
    ImportJobFactory,
    SavedMappingFactory,
    csv_bytes,
    household_rows,
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex="^/api/v1/imports"
)
NOT_IMPORTERS = [role for role in Role.values if role != Role.ADMIN]
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
# Schemathesis calls the WSGI application directly, past the test client.
pytestmark = pytest.mark.usefixtures("keep_the_test_connection")


def refused(job: ImportJob, phase: str, *lines: int) -> None:
    for line in lines:
        ImportRowError.objects.create(
            job=job, phase=phase, line=line, reason=f"Line {line} is refused.", raw=f"HH-{line},"
        )


def jobs_in_every_state(by) -> None:
    """Uploaded (its mapping to check), checking and running part way (a live progress bar),
    checked with refused rows, queued, done, cancelled while running, failed part way through
    the run (it may run again from its checkpoint), and one of a source this installation no
    longer has."""
    now = timezone.now()
    data = csv_bytes(household_rows(3))
    ImportJobFactory(created_by=by)
    ImportJobFactory(
        created_by=by,
        state=JobState.CHECKING,
        phase=Phase.DRY_RUN,
        started_at=now,
        heartbeat_at=now,
        bytes_total=len(data),
        bytes_done=len(data) // 2,
        rows_seen=1,
        dry_run_summary={"samples": ["add household HH-000001"]},
    )
    checked = ImportJobFactory(
        created_by=by,
        state=JobState.CHECKED,
        phase=Phase.DRY_RUN,
        rows_seen=3,
        rows_failed=2,
        dry_run_summary={
            "rows": 3,
            "added": 1,
            "updated": 0,
            "unchanged": 0,
            "failed": 2,
            "samples": ["add household HH-000001"],
        },
    )
    refused(checked, Phase.DRY_RUN, 2, 3)
    ImportJobFactory(created_by=by, state=JobState.QUEUED, phase=Phase.RUN)
    ImportJobFactory(
        created_by=by,
        state=JobState.RUNNING,
        phase=Phase.RUN,
        started_at=now,
        heartbeat_at=now,
        bytes_total=len(data),
        bytes_done=len(data) // 3,
        rows_seen=1,
        rows_added=1,
        checkpoint_line=2,
    )
    done = ImportJobFactory(
        created_by=by,
        state=JobState.DONE,
        phase=Phase.RUN,
        rows_seen=3,
        rows_added=2,
        rows_failed=1,
        finished_at=now,
    )
    refused(done, Phase.DRY_RUN, 4)
    refused(done, Phase.RUN, 4)
    ImportJobFactory(
        created_by=by,
        state=JobState.CANCELLED,
        phase=Phase.RUN,
        cancel_requested_at=now,
        finished_at=now,
    )
    ImportJobFactory(
        created_by=by,
        state=JobState.FAILED,
        phase=Phase.RUN,
        failure="The database went away.",
        checkpoint_line=2,
        finished_at=now,
    )
    ImportJobFactory(created_by=by, source_type="retired_source", filename="retired.csv")
    SavedMappingFactory(created_by=by)


@pytest.fixture
def importer_token(make_user) -> str:
    """An admin's token, and jobs in every state for it to reach."""
    admin = make_user(Role.ADMIN)
    jobs_in_every_state(admin)
    return account_services.api_token_issue(user=admin, name="imports fuzz").key


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_the_imports_api_never_fails_and_matches_its_schema(case, importer_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {importer_token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )


def state_of_the_jobs() -> list[tuple]:
    return list(ImportJob.objects.order_by("pk").values_list("pk", "state", "phase"))


@pytest.fixture
def outsider_tokens(make_user) -> dict[str, str]:
    """A token for every role but admin (and for one person holding all of them), with an
    admin's jobs in every state for them not to reach."""
    jobs_in_every_state(make_user(Role.ADMIN))
    people = {role: make_user(role) for role in NOT_IMPORTERS}
    people["all but admin"] = make_user(*NOT_IMPORTERS)
    return {
        who: account_services.api_token_issue(user=person, name="imports fuzz").key
        for who, person in people.items()
    }


def carries_nul(query: dict | None) -> bool:
    """Whether the query string sent holds a NUL (a key with an empty list is not sent)."""
    for key, value in (query or {}).items():
        sent = value if isinstance(value, list) else [value]
        if sent and any("\x00" in str(part) for part in (key, *sent)):
            return True
    return False


def expected_refusal(path: str, query: dict | None) -> int:
    """403 for every route of the area; 404 for a path no route has (a negative id, say), as
    for anyone; 400 for a NUL in the query string, refused before anyone is asked who they are."""
    if carries_nul(query):
        return 400
    try:
        resolve(unquote(urlsplit(path).path))
    except Resolver404:
        return 404
    return 403


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_no_other_role_reaches_the_imports_api(case, outsider_tokens):
    before = (state_of_the_jobs(), ImportRowError.objects.count())
    expected = expected_refusal(case.formatted_path, case.query)
    for who, token in outsider_tokens.items():
        answer = case.call(headers={"Authorization": f"Token {token}"})
        assert answer.status_code == expected, f"{who}: {answer.status_code} {answer.text[:300]}"
    assert (state_of_the_jobs(), ImportRowError.objects.count()) == before
