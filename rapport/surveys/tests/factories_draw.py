"""Contacts, customers and settings for the draw, invitation, response and page tests."""

import datetime
import itertools

from django.utils import timezone

from rapport.access.models import Queue
from rapport.access.tests.factories import QueueFactory
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.customers.models import Customer
from rapport.customers.tests.factories import ContactPointFactory, CustomerFactory
from rapport.interactions import services as interaction_services
from rapport.interactions.models import Interaction, Message
from rapport.interactions.tests.factories import InteractionFactory
from rapport.surveys.choices import InvitationState, InviteChannel
from rapport.surveys.models import Draw, DrawSettings, Invitation
from rapport.surveys.selectors.design import draw_settings_get

_mobiles = itertools.count(1000)
_threads = itertools.count(1)


def settings_set(**fields) -> DrawSettings:
    row = draw_settings_get()
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def customer_with_email(**kwargs) -> Customer:
    customer: Customer = CustomerFactory(**kwargs)
    ContactPointFactory(customer=customer, kind="email")
    return customer


def customer_with_mobile(*, label: str = "mobile") -> Customer:
    customer: Customer = CustomerFactory()
    number = f"+4477009{next(_mobiles):05d}"
    ContactPointFactory(
        customer=customer, kind="phone", value=number, normalised=number, label=label
    )
    return customer


def agent_in_team():
    return UserFactory(roles=["agent"], team=TeamFactory())


def contact(*, customer=None, agent=None, ago=datetime.timedelta(hours=2), **fields) -> Interaction:
    """A handled inbound call: answered, talked for five minutes, ended."""
    started = timezone.now() - ago
    values = {
        "customer": customer if customer is not None else customer_with_email(),
        "agent": agent,
        "channel": "phone",
        "started_at": started,
        "answered_at": started + datetime.timedelta(seconds=20),
        "ended_at": started + datetime.timedelta(minutes=5),
        "handle_seconds": 280,
    }
    values.update(fields)
    interaction: Interaction = InteractionFactory(**values)
    return interaction


def written_contact(
    *, channel: str, customer=None, ago=datetime.timedelta(hours=2), **fields
) -> Interaction:
    """A customer's chat, SMS or e-mail as the channels record it: started and "ended" at the
    customer's last message, no agent (set at wrap-up), nothing answered on a switch."""
    started = timezone.now() - ago
    values = {
        "customer": customer if customer is not None else customer_with_email(),
        "channel": channel,
        "source": channel,
        "external_id": f"<thread-{next(_threads)}@customer.example>",
        "started_at": started,
        "ended_at": started + datetime.timedelta(minutes=3),
    }
    values.update(fields)
    interaction: Interaction = InteractionFactory(**values)
    Message.objects.create(
        interaction=interaction, side="customer", body_text="Hello?", sent_at=started
    )
    return interaction


def agent_reply(interaction: Interaction, agent, *, after=datetime.timedelta(minutes=10)):
    """An agent's answer: in the transcript of a chat or SMS, as a threaded outbound e-mail (a
    record of its own, as the desk sends it) for an e-mail."""
    at = interaction.started_at + after
    if interaction.channel != "email":
        Message.objects.create(
            interaction=interaction, side="agent", author=agent, body_text="Sorted.", sent_at=at
        )
        return interaction
    reply: Interaction = InteractionFactory(
        customer=interaction.customer,
        direction="outbound",
        channel="email",
        source="email",
        agent=agent,
        started_at=at,
        ended_at=at,
        answered_at=at,
        external_id=f"<reply-{next(_threads)}@rapport.example>",
        thread_refs=[interaction.external_id],
    )
    Message.objects.create(
        interaction=reply, side="agent", author=agent, body_text="Sorted.", sent_at=at
    )
    return reply


def inbound_email(*, customer: Customer, sent_at: datetime.datetime) -> Interaction:
    """An e-mail from the customer, received the way the mail listener receives it."""
    if not Queue.objects.exists():
        QueueFactory()  # an inbound e-mail opens a case, routed to the first queue
    point = customer.contact_points.get(kind="email")
    received = interaction_services.inbound_receive(
        inbound=interaction_services.InboundMessage(
            channel="email",
            source="email",
            conversation_id=f"<mail-{next(_threads)}@customer.example>",
            sender_kind="email",
            sender=point.value,
            sent_at=sent_at,
            subject="My bill",
            text="My bill is wrong again.",
        )
    )
    return received.interaction


def invitation_for(
    *, channel: str = InviteChannel.EMAIL, address: str = "", agent=None, **contact_fields
):
    """A queued invitation for a handled contact (of `agent`, else a new agent in a team), as a
    selected draw makes it."""
    interaction = contact(agent=agent or agent_in_team(), **contact_fields)
    draw = Draw.objects.create(
        interaction=interaction,
        agent=interaction.agent,
        day=timezone.localdate(interaction.started_at),
        stratum="phone/-/-",
        seed="s",
        rate=1,
        ticket=0.5,
        selected=True,
        drawn_at=timezone.now(),
    )
    customer = interaction.customer
    if not address:
        point = customer.contact_points.first()
        address = point.normalised if point else "someone@example.com"
    return Invitation.objects.create(
        draw=draw,
        survey=draw_settings_get().survey,
        interaction=interaction,
        customer=customer,
        agent=interaction.agent,
        team=interaction.agent.team,
        channel=channel,
        address=address,
        state=InvitationState.QUEUED,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )


def sent_invitation(*, agent, customer, address: str) -> Invitation:
    """An invitation whose link went out, for a call of `agent` with `customer`."""
    invitation = invitation_for(agent=agent, customer=customer, address=address)
    invitation.state, invitation.sent_at = InvitationState.SENT, timezone.now()
    invitation.save(update_fields=["state", "sent_at"])
    return invitation
