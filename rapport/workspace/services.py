"""Writes started from the desktop; each calls the owning app's services."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.access.models import ContactType
from rapport.accounts import services as account_services
from rapport.accounts.choices import AgentState
from rapport.cases import services as case_services
from rapport.cases.choices import OPEN_STATUSES
from rapport.cases.models import Case
from rapport.core.errors import Conflict, ValidationFailed
from rapport.customers import services as customer_services
from rapport.customers.choices import ContactKind, CustomerStatus
from rapport.customers.models import Customer
from rapport.customers.normalise import normalise_contact
from rapport.customers.services import ContactPointInput
from rapport.interactions import services as interaction_services
from rapport.interactions.choices import OFFER_NONE
from rapport.interactions.models import Interaction

CASE_LINK = "link"
CASE_OPEN = "open"
CASE_NONE = "none"
CASE_ACTIONS = (CASE_LINK, CASE_OPEN, CASE_NONE)


def _phone_of(raw: str) -> str:
    """The number in E.164, or "" when what the switch sent is not a valid number."""
    try:
        return normalise_contact(ContactKind.PHONE, raw, region=settings.RAPPORT_DEFAULT_REGION)
    except ValidationFailed:
        return ""


@transaction.atomic
def caller_identify(
    *, contact: Interaction, by, first_name: str, last_name: str, email: str = "", phone: str = ""
) -> Customer:
    """Name an unknown caller. The prospect made from their number is completed and no longer
    needs review; a contact without a customer gets a new prospect holding the number."""
    customer = contact.customer
    if customer is not None and not customer.needs_review:
        raise Conflict(
            f"This caller is already known as {customer.display_name}.", code="caller_known"
        )
    points = []
    if email.strip():
        points.append(ContactPointInput(kind=ContactKind.EMAIL, value=email.strip()))
    number = _phone_of(phone or contact.sender)
    if customer is None:
        if number:
            points.append(ContactPointInput(kind=ContactKind.PHONE, value=number))
        customer = customer_services.customer_create(
            by=by,
            first_name=first_name,
            last_name=last_name,
            status=CustomerStatus.PROSPECT,
            contact_points=points,
        )
        interaction_services.interaction_customer_set(interaction=contact, customer=customer, by=by)
        return customer
    customer_services.customer_update(
        customer=customer, by=by, first_name=first_name, last_name=last_name, needs_review=False
    )
    held = set(customer.contact_points.values_list("kind", "normalised"))
    if number and (ContactKind.PHONE, number) not in held:
        points.append(ContactPointInput(kind=ContactKind.PHONE, value=number))
    for point in points:
        if point.kind == ContactKind.EMAIL and (point.kind, point.value.lower()) in held:
            continue
        customer_services.contact_point_add(customer=customer, by=by, point=point)
    return customer


def _back_to_available(agent) -> None:
    # The phone switch stamps states with its own clock; a wrap-up right after "ended" must not
    # be refused as older than the state that event set.
    agent.refresh_from_db(fields=["agent_state", "agent_state_since"])
    at = timezone.now()
    if agent.agent_state_since and agent.agent_state_since > at:
        at = agent.agent_state_since
    account_services.agent_state_set(
        agent=agent, state=AgentState.AVAILABLE, source="desktop", at=at
    )
    agent.refresh_from_db(fields=["agent_state", "agent_state_since"])


@transaction.atomic
def contact_wrap_up(
    *,
    contact: Interaction,
    by,
    contact_type: ContactType,
    outcome: str,
    relationship_attempt: bool,
    compliment_received: bool,
    case_action: str,
    case: Case | None = None,
    subject: str = "",
    offer: str = OFFER_NONE,
) -> Interaction:
    """Close a contact from the desktop: why and how it ended, the soft signals, and its case
    (link one of the caller's open cases, open a new one, or none). The agent is available again
    afterwards."""
    if contact.wrapped_up_at is not None:
        raise Conflict("This contact is already wrapped up.", code="wrapped_up")
    if case_action not in CASE_ACTIONS:
        raise ValidationFailed(
            "Choose what happens with the case.", fields={"case_action": ["Required."]}
        )
    if case_action == CASE_LINK:
        if case is None:
            raise ValidationFailed(
                "Choose the case this contact belongs to.", fields={"case": ["Required."]}
            )
        if case.customer_id is None or case.customer_id != contact.customer_id:
            raise ValidationFailed(
                "That case is not this caller's.", fields={"case": ["Not this caller's case."]}
            )
        if case.status not in OPEN_STATUSES:
            raise ValidationFailed("That case is no longer open.", fields={"case": ["Not open."]})
    if case_action == CASE_OPEN and not subject.strip():
        raise ValidationFailed("Give the new case a subject.", fields={"subject": ["Required."]})
    interaction_services.wrap_up(
        interaction=contact,
        by=by,
        contact_type=contact_type,
        outcome=outcome,
        relationship_attempt=relationship_attempt,
        compliment_received=compliment_received,
        offer=offer,
    )
    if case_action == CASE_LINK and case is not None:
        case_services.case_link_interaction(case=case, interaction=contact, by=by)
    elif case_action == CASE_OPEN:
        case_services.case_open(
            by=by,
            customer=contact.customer,
            subject=subject,
            channel=contact.channel,
            contact_type=contact_type,
            # The agent who opened it on the call owns it, so they can work and escalate it.
            assignee=by,
            interaction=contact,
        )
    _back_to_available(by)
    return contact
