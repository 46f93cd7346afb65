"""People in other systems: admins say which Rapport user an id in another system stands for,
and imports then find that person by it."""

import pytest
from django.urls import reverse

from rapport.accounts.models import ExternalAccount
from rapport.accounts.tests.factories import UserFactory
from rapport.core.models import AuditEvent
from rapport.imports.sources.base import Context
from rapport.imports.sources.lookups import person_named

pytestmark = pytest.mark.django_db

URL = reverse("imports:people")


@pytest.fixture
def admin(client_for):
    return client_for("admin")


@pytest.fixture
def ben():
    return UserFactory(username="ben", first_name="Ben", last_name="Brown", roles=["agent"])


def add(client, **data):
    return client.post(URL, {"source": "wfm", "external_id": "W-9", "username": "ben"} | data)


def test_an_id_added_on_the_page_is_how_an_import_finds_the_person(admin, ben):
    client, user = admin

    answer = add(client, source=" WFM ", external_id=" W-9 ")

    assert answer.status_code == 302
    account = ExternalAccount.objects.get()
    assert (account.source, account.external_id, account.user) == ("wfm", "W-9", ben)
    event = AuditEvent.objects.get(action="accounts.external_account_added")
    assert event.actor == user and event.detail["user"] == "ben"
    ctx = Context(job_id=1, source_label="wfm")
    assert person_named(ctx, "W-9", source="wfm") == ben.pk
    page = client.get(URL).content.decode()
    assert "<code>W-9</code>" in page and "Ben Brown" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"source": "Zen Desk"}, "source", "Up to 32 lower-case letters, digits, - or _."),
        ({"external_id": "   "}, "external_id", "This field is required."),
        ({"username": "nobody"}, "username", "No active Rapport user is called nobody."),
    ],
)
def test_a_bad_entry_is_refused_on_its_field_and_nothing_is_saved(admin, ben, data, field, message):
    client, _ = admin

    answer = add(client, **data)

    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert answer.context["form"].errors[field]
    assert not ExternalAccount.objects.exists()


def test_an_empty_form_names_every_field(admin):
    client, _ = admin
    answer = client.post(URL, {})
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"source", "external_id", "username"}


def test_an_id_already_given_to_someone_is_refused_with_their_name(admin, ben):
    client, _ = admin
    ExternalAccount.objects.create(source="wfm", external_id="W-9", user=UserFactory(username="al"))

    answer = add(client)

    assert answer.status_code == 400
    assert "W-9 in wfm already names al." in answer.content.decode()
    assert ExternalAccount.objects.get().user.username == "al"


def test_search_and_system_filter_the_list(admin, ben):
    client, _ = admin
    for source, external_id in [("wfm", "W-9"), ("zendesk", "361009"), ("phone", "4711")]:
        ExternalAccount.objects.create(source=source, external_id=external_id, user=ben)

    by_system = client.get(URL, {"system": "zendesk"}).content.decode()
    by_name = client.get(URL, {"q": "brown 47"}).content.decode()
    nothing = client.get(URL, {"q": "nobody"}).content.decode()

    assert "361009" in by_system and "W-9" not in by_system
    assert "4711" in by_name and "361009" not in by_name
    assert "No id matches" in nothing


def test_removing_an_id_is_audited_and_imports_no_longer_find_anyone_by_it(admin, ben):
    client, _ = admin
    account = ExternalAccount.objects.create(source="wfm", external_id="W-9", user=ben)

    answer = client.post(reverse("imports:person_remove", args=[account.pk]))

    assert answer.status_code == 302
    assert not ExternalAccount.objects.exists()
    assert AuditEvent.objects.filter(action="accounts.external_account_removed").exists()
    assert person_named(Context(job_id=1, source_label="wfm"), "W-9", source="wfm") is None
    assert client.post(reverse("imports:person_remove", args=[account.pk])).status_code == 404


def test_an_empty_list_says_what_to_do(admin):
    client, _ = admin
    assert "No ids yet" in client.get(URL).content.decode()
