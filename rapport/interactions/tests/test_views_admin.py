"""The admin site shows the ledger, rejected messages and imports, and changes none of them."""

import pytest
from django.urls import reverse

from rapport.interactions.models import CallRecordImport, RejectedInbound
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

MODELS = ["interaction", "rejectedinbound", "callrecordimport"]


@pytest.fixture
def records():
    return {
        "interaction": InteractionFactory(external_id="call-77", source="phone"),
        "rejectedinbound": RejectedInbound.objects.create(channel="sms", reason="No sender"),
        "callrecordimport": CallRecordImport.objects.create(filename="march.csv"),
    }


@pytest.mark.parametrize("model", MODELS)
def test_admins_read_the_list_and_each_record(client_for, records, model):
    client, _ = client_for("admin")
    record = records[model]

    listed = client.get(reverse(f"admin:interactions_{model}_changelist"))
    shown = client.get(reverse(f"admin:interactions_{model}_change", args=[record.pk]))

    assert listed.status_code == 200 and shown.status_code == 200
    assert (
        reverse(f"admin:interactions_{model}_change", args=[record.pk]) in listed.content.decode()
    )
    assert 'name="_save"' not in shown.content.decode()


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_added_changed_or_deleted(client_for, records, model):
    client, _ = client_for("admin")
    record = records[model]

    added = client.get(reverse(f"admin:interactions_{model}_add"))
    deleted = client.post(
        reverse(f"admin:interactions_{model}_delete", args=[record.pk]), {"post": "yes"}
    )

    assert added.status_code == 403 and deleted.status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


def test_the_ledger_list_filters_by_channel_and_source(client_for, records):
    client, _ = client_for("admin")
    other = InteractionFactory(channel="email", source="email", external_id="<m@x>")

    response = client.get(
        reverse("admin:interactions_interaction_changelist"), {"source__exact": "phone"}
    )

    text = response.content.decode()
    assert f"/{records['interaction'].pk}/change/" in text
    assert f"/{other.pk}/change/" not in text
