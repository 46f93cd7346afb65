"""Internal notes on a contact: on the agent's side, never sent to the customer."""

import pytest

from rapport.core.errors import ValidationFailed
from rapport.interactions.models import Message
from rapport.interactions.services import call_note_add
from rapport.interactions.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_a_note_is_an_agent_side_note(make_user):
    agent = make_user("agent")
    call = InteractionFactory()

    note = call_note_add(interaction=call, by=agent, text="  Customer prefers calls after 6 pm.\n")

    assert note.interaction == call
    assert (note.side, note.author, note.is_note) == ("agent", agent, True)
    assert note.body_text == "Customer prefers calls after 6 pm."
    assert note.external_id == ""


def test_notes_stay_apart_from_what_the_customer_said(make_user):
    call = InteractionFactory()
    call.messages.create(side="customer", body_text="I want to cancel.", sent_at=call.started_at)

    call_note_add(interaction=call, by=make_user("agent"), text="Offered the loyalty discount.")

    customer_words = call.messages.filter(side="customer").values_list("body_text", flat=True)
    assert list(customer_words) == ["I want to cancel."]
    assert call.messages.filter(is_note=True).count() == 1


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_note_is_refused(make_user, text):
    with pytest.raises(ValidationFailed) as raised:
        call_note_add(interaction=InteractionFactory(), by=make_user("agent"), text=text)

    assert "text" in raised.value.fields
    assert not Message.objects.exists()
