"""/healthz and the audit trail page."""

import pytest

from rapport.core.audit import audit_record
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db


class TestHealthz:
    def test_answers_ok_without_login(self, client):
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json()["status"] == "ok"
        assert response.json()["database"] in ("sqlite", "postgresql")
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]

    def test_only_get(self, client):
        assert client.post("/healthz").status_code == 405


class TestAuditLog:
    def test_admin_reads_the_trail(self, client_for):
        client, admin = client_for("admin")
        audit_record(actor=admin, action="customers.exported", detail={"rows": 3})

        response = client.get("/audit/")

        assert response.status_code == 200
        assert "customers.exported" in response.content.decode()

    @pytest.mark.parametrize("role", ["agent", "supervisor", "marketer", "executive"])
    def test_everyone_else_is_forbidden(self, client_for, role):
        client, _ = client_for(role)
        audit_record(actor=None, action="customer.erased", detail={"contact_points_removed": 1})

        response = client.get("/audit/")

        assert response.status_code == 403
        assert "contact_points_removed" not in response.content.decode()

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get("/audit/")

        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_filter_by_action(self, client_for):
        client, admin = client_for("admin")
        audit_record(actor=admin, action="customers.exported", detail={"query": "marker-export"})
        audit_record(actor=admin, action="customer.erased", detail={"note": "marker-erase"})

        response = client.get("/audit/", {"action": "customer.erased"})

        page = response.context["page"]
        assert [e.action for e in page.object_list] == ["customer.erased"]
        body = response.content.decode()
        assert "marker-erase" in body and "marker-export" not in body
        assert sorted(response.context["actions"]) == ["customer.erased", "customers.exported"]


class TestAuditRecord:
    def test_records_actor_target_and_detail(self, make_user):
        admin = make_user("admin")

        event = audit_record(actor=admin, action="thing.done", target=admin, detail={"n": 1})

        event.refresh_from_db()
        assert event.actor == admin
        assert (event.target_type, event.target_id) == ("accounts.user", str(admin.pk))
        assert event.detail == {"n": 1}

    def test_without_actor_or_target(self):
        event = audit_record(actor=None, action="system.ran")

        assert (event.actor, event.target_type, event.target_id, event.detail) == (None, "", "", {})
        assert AuditEvent.objects.count() == 1
