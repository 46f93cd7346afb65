import pytest
from django.core.management import CommandError, call_command

from rapport.customers.tests.factories import PhoneFactory
from rapport.interactions.models import ScreenPop

pytestmark = pytest.mark.django_db


def test_a_demo_call_pops_the_callers_view_on_the_agents_desktop(make_user):
    agent = make_user("agent", username="deskagent")
    phone = PhoneFactory()

    call_command("demo_call", "deskagent", "--phone", phone.normalised)

    pop = ScreenPop.objects.select_related("interaction").get(agent=agent)
    assert pop.interaction.customer_id == phone.customer_id
    assert pop.interaction.answered_at is not None


def test_a_demo_call_to_nobody_is_refused_clearly():
    with pytest.raises(CommandError, match="No user 'ghost'"):
        call_command("demo_call", "ghost")
