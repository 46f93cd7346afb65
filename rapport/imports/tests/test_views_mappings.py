"""Saved mappings: listed by source for admins, deleted with a POST (audited by the service)."""

import pytest
from django.urls import reverse

from rapport.core.models import AuditEvent
from rapport.imports.models import SavedMapping
from rapport.imports.tests.factories import SavedMappingFactory


@pytest.fixture
def admin(client_for):
    return client_for("admin")


def test_saved_mappings_are_listed_with_their_columns(admin):
    client, _ = admin
    SavedMappingFactory(name="Old CRM", mapping={"external_id": "HH", "name": "Label"})
    page = client.get(reverse("imports:mappings")).content.decode()
    assert "Old CRM" in page and "HH → external_id" in page and "Households" in page


def test_no_saved_mappings_says_how_to_make_one(admin):
    client, _ = admin
    assert "No saved mappings yet" in client.get(reverse("imports:mappings")).content.decode()


def test_delete_a_saved_mapping(admin):
    client, user = admin
    saved = SavedMappingFactory(name="Old CRM")
    url = reverse("imports:mapping_delete", args=[saved.pk])
    assert client.get(url).status_code == 405
    answer = client.post(url, follow=True)
    assert "Mapping “Old CRM” deleted." in answer.content.decode()
    assert not SavedMapping.objects.exists()
    assert AuditEvent.objects.filter(action="imports.mapping_delete", actor=user).exists()
    assert client.post(url).status_code == 404
    assert client.post(reverse("imports:mapping_delete", args=[2**64])).status_code == 404


@pytest.mark.parametrize("role", ["agent", "supervisor", "marketer"])
def test_saved_mappings_are_for_admins(client_for, role):
    client, _ = client_for(role)
    saved = SavedMappingFactory()
    assert client.get(reverse("imports:mappings")).status_code == 403
    assert client.post(reverse("imports:mapping_delete", args=[saved.pk])).status_code == 403
    assert SavedMapping.objects.filter(pk=saved.pk).exists()
