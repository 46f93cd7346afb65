"""What an agent does on the current contact: note, name an unknown caller, wrap up, reply and
escalate. Each answers htmx with the current-contact area, and a plain post with a redirect."""

import html

import pytest
from django.core import mail

from rapport.accounts import services as account_services
from rapport.cases.models import Case, Escalation
from rapport.cases.tests.factories import CaseFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.interactions.models import Interaction, Message
from rapport.interactions.tests.factories import InteractionFactory
from rapport.workspace.tests.conftest import call_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "current-contact"}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _url(action: str, contact: Interaction) -> str:
    return f"/desk/contacts/{contact.pk}/{action}/"


@pytest.fixture
def on_call(client, desk):
    """Ana is on a call with Ada, logged in on her desktop."""
    call, _ = call_for(desk.agent, customer=desk.customer, queue=desk.tier1)
    account_services.agent_state_set(agent=desk.agent, state="on_contact", source="test")
    client.force_login(desk.agent)
    return call


def _wrap(desk, **overrides) -> dict:
    data = {
        "contact_type": desk.billing.pk,
        "outcome": "resolved",
        "relationship_attempt": "yes",
        "compliment_received": "no",
        "case_action": "none",
    }
    data.update(overrides)
    return data


class TestNote:
    def test_adds_an_internal_note_and_shows_it(self, client, desk, on_call):
        response = client.post(_url("notes", on_call), {"text": "Wants a new card"}, **HTMX)

        assert response.status_code == 200
        note = Message.objects.get(interaction=on_call)
        assert (note.is_note, note.side, note.author, note.body_text) == (
            True,
            "agent",
            desk.agent,
            "Wants a new card",
        )
        assert "Wants a new card" in _text(response) and "Note added." in _text(response)
        assert "<html" not in _text(response).lower()

    def test_an_empty_note_is_refused_with_the_reason(self, client, on_call):
        response = client.post(_url("notes", on_call), {"text": "   "}, **HTMX)

        assert response.status_code == 400
        assert "Write the note first." in _text(response)
        assert 'aria-invalid="true"' in _text(response)
        assert not Message.objects.exists()

    def test_without_htmx_it_redirects_to_the_contact(self, client, on_call):
        response = client.post(_url("notes", on_call), {"text": "Plain post"})

        assert response.status_code == 302
        assert response["Location"] == f"/desk/?contact={on_call.pk}"

    def test_not_on_someone_elses_contact(self, client, desk, on_call):
        theirs, _ = call_for(desk.other_agent, customer=desk.customer, sender="+12125550109")

        response = client.post(_url("notes", theirs), {"text": "Nosy"}, **HTMX)

        assert response.status_code == 404
        assert not Message.objects.filter(interaction=theirs).exists()


class TestQuickCreate:
    def test_names_the_prospect_made_from_the_number(self, client, desk):
        prospect = CustomerFactory(
            first_name="", last_name="+12125550177", status="prospect", needs_review=True
        )
        ContactPointFactory(
            customer=prospect, kind="phone", value="+12125550177", normalised="+12125550177"
        )
        call, _ = call_for(desk.agent, customer=prospect, sender="+12125550177")
        client.force_login(desk.agent)

        response = client.post(
            _url("caller", call),
            {
                "first_name": "Chidi",
                "last_name": "Obi",
                "email": "Chidi@Example.com",
                "phone": "+12125550177",
            },
            **HTMX,
        )

        assert response.status_code == 200
        prospect.refresh_from_db()
        assert (prospect.first_name, prospect.last_name, prospect.needs_review) == (
            "Chidi",
            "Obi",
            False,
        )
        assert sorted(prospect.contact_points.values_list("kind", "normalised")) == [
            ("email", "chidi@example.com"),
            ("phone", "+12125550177"),
        ]
        assert 'data-testid="caller-name">Chidi Obi<' in _text(response)
        assert "Who is calling?" not in _text(response)

    def test_makes_a_customer_when_the_call_has_none(self, client, desk):
        call, _ = call_for(desk.agent, customer=None, sender="+12125550178")
        client.force_login(desk.agent)

        response = client.post(
            _url("caller", call),
            {"first_name": "Dana", "last_name": "Doe", "email": "", "phone": "(212) 555-0178"},
            **HTMX,
        )

        assert response.status_code == 200
        call.refresh_from_db()
        made = call.customer
        assert made is not None
        assert (made.display_name, made.status, made.needs_review) == (
            "Dana Doe",
            "prospect",
            False,
        )
        assert list(made.contact_points.values_list("kind", "normalised")) == [
            ("phone", "+12125550178")
        ]

    def test_needs_a_name(self, client, desk):
        call, _ = call_for(desk.agent, customer=None, sender="+12125550178")
        client.force_login(desk.agent)

        response = client.post(
            _url("caller", call),
            {"first_name": " ", "last_name": "", "phone": "+12125550178"},
            **HTMX,
        )

        assert response.status_code == 400
        assert "Give a first or last name." in _text(response)
        assert Customer.objects.count() == 1  # only the desk's own customer

    def test_an_email_someone_else_has_is_refused_naming_them(self, client, desk):
        ContactPointFactory(customer=desk.customer, value="taken@example.com")
        call, _ = call_for(desk.agent, customer=None, sender="+12125550178")
        client.force_login(desk.agent)

        response = client.post(
            _url("caller", call),
            {"first_name": "Eve", "last_name": "Ng", "email": "taken@example.com"},
            **HTMX,
        )

        assert response.status_code == 409
        assert "Ada Okafor" in _text(response)
        call.refresh_from_db()
        assert call.customer is None

    def test_a_known_caller_is_not_renamed(self, client, desk, on_call):
        response = client.post(
            _url("caller", on_call), {"first_name": "Not", "last_name": "Ada"}, **HTMX
        )

        assert response.status_code == 409
        desk.customer.refresh_from_db()
        assert desk.customer.display_name == "Ada Okafor"


class TestWrapUp:
    def test_without_a_case(self, client, desk, on_call):
        response = client.post(_url("wrap-up", on_call), _wrap(desk), **HTMX)

        assert response.status_code == 200
        on_call.refresh_from_db()
        assert (
            on_call.contact_type,
            on_call.outcome,
            on_call.relationship_attempt,
            on_call.compliment_received,
            on_call.case,
        ) == (desk.billing, "resolved", True, False, None)
        assert on_call.wrapped_up_at is not None
        desk.agent.refresh_from_db()
        assert desk.agent.agent_state == "available"
        text = _text(response)
        assert "Wrapped up. You are available." in text
        assert 'id="desk-state" hx-swap-oob="true"' in text and "Now: Available" in text
        assert 'id="queue"' in text  # the queue is refreshed out of band

    def test_an_accepted_offer_is_recorded(self, client, desk, on_call):
        response = client.post(
            _url("wrap-up", on_call), _wrap(desk, outcome="sale", offer="accepted"), **HTMX
        )

        assert response.status_code == 200
        on_call.refresh_from_db()
        assert (on_call.offer_made, on_call.offer_accepted) == (True, True)

    def test_without_an_offer_answer_no_offer_is_recorded(self, client, desk, on_call):
        client.post(_url("wrap-up", on_call), _wrap(desk), **HTMX)

        on_call.refresh_from_db()
        assert (on_call.offer_made, on_call.offer_accepted) == (False, False)

    def test_linking_one_of_the_callers_open_cases(self, client, desk, on_call):
        case = CaseFactory(customer=desk.customer, queue=desk.tier1, status="open")

        response = client.post(
            _url("wrap-up", on_call), _wrap(desk, case_action="link", case=case.pk), **HTMX
        )

        assert response.status_code == 200
        on_call.refresh_from_db()
        assert on_call.case == case
        assert case.events.filter(kind="contact").exists()

    def test_opening_a_new_case(self, client, desk, on_call):
        response = client.post(
            _url("wrap-up", on_call),
            _wrap(desk, case_action="open", subject="Card never arrived", outcome="follow_up"),
            **HTMX,
        )

        assert response.status_code == 200
        case = Case.objects.get(subject="Card never arrived")
        on_call.refresh_from_db()
        assert on_call.case == case
        assert (case.customer, case.channel, case.contact_type, case.assignee, case.opened_by) == (
            desk.customer,
            "phone",
            desk.billing,
            desk.agent,
            desk.agent,
        )
        assert case.reference in _text(response)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"case_action": "link"}, "Choose the case this contact belongs to."),
            ({"case_action": "open", "subject": "  "}, "Give the new case a subject."),
            ({"case_action": ""}, "Choose what happens with the case."),
            ({"outcome": ""}, "Choose how the contact ended."),
            ({"outcome": "open"}, "Select a valid choice."),
            ({"contact_type": ""}, "Choose why the customer made contact."),
            ({"relationship_attempt": ""}, "Answer yes or no."),
        ],
    )
    def test_refused_answers_come_back_with_the_reason(
        self, client, desk, on_call, change, message
    ):
        response = client.post(_url("wrap-up", on_call), _wrap(desk, **change), **HTMX)

        assert response.status_code == 400
        text = _text(response)
        assert message in text
        assert '<dialog id="wrap-up-dialog"' in text and "data-open" in text
        on_call.refresh_from_db()
        assert on_call.wrapped_up_at is None
        assert not Case.objects.exists()
        desk.agent.refresh_from_db()
        assert desk.agent.agent_state == "on_contact"

    def test_a_case_of_another_customer_is_not_a_choice(self, client, desk, on_call):
        stranger = CaseFactory(customer=CustomerFactory(), queue=desk.tier1, status="open")

        response = client.post(
            _url("wrap-up", on_call), _wrap(desk, case_action="link", case=stranger.pk), **HTMX
        )

        assert response.status_code == 400
        assert "Select a valid choice" in _text(response)
        assert not Interaction.objects.filter(case=stranger).exists()

    def test_twice_is_refused(self, client, desk, on_call):
        client.post(_url("wrap-up", on_call), _wrap(desk), **HTMX)

        again = client.post(
            _url("wrap-up", on_call), _wrap(desk, case_action="open", subject="Again"), **HTMX
        )

        assert again.status_code == 409
        assert not Case.objects.filter(subject="Again").exists()

    def test_a_refused_plain_post_renders_the_desktop_with_the_form_open(
        self, client, desk, on_call
    ):
        response = client.post(_url("wrap-up", on_call), _wrap(desk, outcome=""))

        assert response.status_code == 400
        assert "<html" in _text(response).lower()
        assert "Choose how the contact ended." in _text(response)


class TestEscalate:
    @pytest.fixture
    def case(self, desk, on_call):
        return CaseFactory(
            customer=desk.customer,
            queue=desk.tier1,
            assignee=desk.agent,
            status="open",
            subject="Refund over limit",
        )

    def _escalation(self, desk, case, **overrides) -> dict:
        data = {
            "case": case.pk,
            "to_queue": desk.tier2.pk,
            "reason": desk.reason.pk,
            "customer_needs": "A refund of 900 EUR",
            "tried": "Checked the payment; over my limit",
            "promised": "A call back by Friday",
        }
        data.update(overrides)
        return data

    def test_hands_the_case_to_the_next_tier_with_the_summary(self, client, desk, on_call, case):
        response = client.post(_url("escalate", on_call), self._escalation(desk, case), **HTMX)

        assert response.status_code == 200
        escalation = Escalation.objects.get(case=case)
        assert (
            escalation.to_queue,
            escalation.reason,
            escalation.interaction,
            escalation.escalated_by,
        ) == (
            desk.tier2,
            desk.reason,
            on_call,
            desk.agent,
        )
        assert (escalation.customer_needs, escalation.tried, escalation.promised) == (
            "A refund of 900 EUR",
            "Checked the payment; over my limit",
            "A call back by Friday",
        )
        case.refresh_from_db()
        assert (case.queue, case.tier, case.assignee) == (desk.tier2, 2, None)
        assert "Escalated." in _text(response)

    def test_needs_and_tried_are_required(self, client, desk, on_call, case):
        response = client.post(
            _url("escalate", on_call),
            self._escalation(desk, case, customer_needs="", tried=""),
            **HTMX,
        )

        assert response.status_code == 400
        assert "Say what the customer needs." in _text(response)
        assert "Say what was tried already." in _text(response)
        assert not Escalation.objects.exists()

    def test_the_same_queue_is_refused_by_the_service(self, client, desk, on_call, case):
        response = client.post(
            _url("escalate", on_call), self._escalation(desk, case, to_queue=desk.tier1.pk), **HTMX
        )

        assert response.status_code == 400
        assert "already in that queue" in _text(response)
        assert "escalate-dialog" in _text(response) and "data-open" in _text(response)

    def test_a_case_the_agent_may_not_work_is_refused(self, client, desk, on_call):
        theirs = CaseFactory(customer=desk.customer, queue=desk.tier2, status="open")

        response = client.post(_url("escalate", on_call), self._escalation(desk, theirs), **HTMX)

        assert response.status_code == 403
        assert "Only the case's assignee" in _text(response)
        assert not Escalation.objects.exists()


class TestReply:
    def test_emails_the_customer_on_the_case(self, client, desk, on_call):
        ContactPointFactory(customer=desk.customer, value="ada@example.com")
        case = CaseFactory(
            customer=desk.customer, queue=desk.tier1, status="open", subject="Statement"
        )

        response = client.post(
            _url("reply", on_call), {"case": case.pk, "text": "Your statement is attached."}, **HTMX
        )

        assert response.status_code == 200
        assert len(mail.outbox) == 1
        sent = mail.outbox[0]
        assert sent.to == ["ada@example.com"] and f"[{case.reference}]" in sent.subject
        assert case.interactions.filter(direction="outbound", channel="email").exists()

    def test_without_an_address_says_so(self, client, desk, on_call):
        case = CaseFactory(customer=desk.customer, queue=desk.tier1, status="open")

        response = client.post(_url("reply", on_call), {"case": case.pk, "text": "Hello"}, **HTMX)

        assert response.status_code == 400
        assert "no customer e-mail address" in _text(response)
        assert not mail.outbox

    def test_reply_needs_text(self, client, desk, on_call):
        case = CaseFactory(customer=desk.customer, queue=desk.tier1, status="open")

        response = client.post(_url("reply", on_call), {"case": case.pk, "text": ""}, **HTMX)

        assert response.status_code == 400
        assert "Write the reply first." in _text(response)


def test_the_timeline_shows_other_channels_and_cases(client, desk, on_call):
    case = CaseFactory(customer=desk.customer, queue=desk.tier1)
    InteractionFactory(
        customer=desk.customer, channel="sms", summary="Text about my card", case=case
    )

    response = client.get("/desk/", {"contact": on_call.pk})

    text = _text(response)
    assert "Text about my card" in text and "SMS" in text
    assert f"C-{case.pk}" in text
