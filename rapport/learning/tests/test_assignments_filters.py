"""The trainers' assignment list filtered over htmx answers with only the results."""

import pytest
from django.urls import reverse

from rapport.learning.choices import AssignmentStatus
from rapport.learning.tests.factories_learning import AssignmentFactory, ModuleFactory


def test_filtering_over_htmx_swaps_in_the_results(client_for):
    client, _ = client_for("trainer")
    wanted = AssignmentFactory(module=ModuleFactory(title="Refund basics"))
    other = AssignmentFactory(
        module=ModuleFactory(title="Greeting well"), status=AssignmentStatus.COMPLETED
    )
    response = client.get(
        reverse("learning:assignments"),
        {"status": AssignmentStatus.ASSIGNED},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-assignment="{wanted.pk}"' in body
    assert f'data-assignment="{other.pk}"' not in body
    assert "<html" not in body and 'data-testid="assignments"' in body


@pytest.mark.parametrize("query", [{"agent": "nope"}, {"status": "x" * 300}])
def test_a_bad_filter_over_htmx_lists_the_problem_not_a_500(client_for, query):
    client, _ = client_for("trainer")
    response = client.get(reverse("learning:assignments"), query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
