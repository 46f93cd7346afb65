"""Reads the desktop composes from the ledger, cases and customers, scoped to the asking user.

The desktop works on *contacts offered to the agent*: a contact is theirs when they handle it
(`Interaction.agent`) or when the phone switch offered it to them (a ScreenPop). Another agent's
contact is not found, never forbidden."""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from rapport.access import selectors as access_selectors
from rapport.access.models import ContactType
from rapport.cases import selectors as case_selectors
from rapport.cases.models import Case
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.roles import CASE_WORKERS, has_any_role
from rapport.customers import selectors as customer_selectors
from rapport.customers.choices import HoldingStatus
from rapport.customers.models import ContactPoint, Customer, Holding
from rapport.insights.models import ChurnRisk, InteractionSignal
from rapport.insights.selectors import customer as insight_selectors
from rapport.interactions import selectors as interaction_selectors
from rapport.interactions.models import Interaction, Message, ScreenPop

TIMELINE_LENGTH = interaction_selectors.TIMELINE_LENGTH
OPEN_CASES_SHOWN = 50
TIMELINE_PAGE_SIZE = 20
TIMELINE_MAX_PAGE_SIZE = 100

# The columns a screen pop and the timeline API give for each contact: one query, no model objects.
INTERACTION_COLUMNS = (
    "id",
    "channel",
    "direction",
    "started_at",
    "subject",
    "summary",
    "outcome",
    "case_id",
    "agent_id",
    "agent__username",
    "agent__first_name",
    "agent__last_name",
    "contact_type_id",
    "contact_type__code",
    "contact_type__name",
)


def can_use_desktop(user) -> bool:
    return has_any_role(user, CASE_WORKERS)


def _offered_to(user) -> Q:
    return Q(agent=user) | Q(pk__in=ScreenPop.objects.filter(agent=user).values("interaction_id"))


def contact_get_for(*, user, interaction_id) -> Interaction:
    """A contact the user handles or was offered; anyone else's is not found."""
    if not can_use_desktop(user):
        raise NotFound("No such contact.")
    try:
        return (
            interaction_selectors.interactions_for(user=user)
            .filter(_offered_to(user))
            .select_related("touchpoint", "customer__household")
            .get(pk=interaction_id)
        )
    except (Interaction.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such contact.") from None


def pop_newest_for(*, user, after_id: int = 0) -> ScreenPop | None:
    """The newest call offered to this agent after the one their desktop shows."""
    if not can_use_desktop(user):
        return None
    return interaction_selectors.screen_pop_latest_for(agent=user, after_id=after_id)


def current_contact_for(*, user) -> tuple[int, Interaction | None]:
    """(id of the agent's newest pop, its contact while not yet wrapped up) for a fresh desktop."""
    pop = pop_newest_for(user=user)
    if pop is None:
        return 0, None
    contact = pop.interaction if pop.interaction.wrapped_up_at is None else None
    return pop.pk, contact


def my_queue_for(*, user) -> QuerySet[Case]:
    return case_selectors.my_queue_for(user=user)


@dataclass
class ContactView:
    """Everything the current-contact area shows about one contact and its caller."""

    contact: Interaction
    customer: Customer | None
    contact_points: list[ContactPoint] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    timeline: list[Interaction] = field(default_factory=list)
    open_cases: list[Case] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    # How the customer sounded in each timeline contact, and their risk of leaving.
    signals: dict[int, InteractionSignal] = field(default_factory=dict)
    churn_risk: ChurnRisk | None = None

    @property
    def caller_unknown(self) -> bool:
        """No customer, or one made automatically from the caller's number that nobody checked."""
        return self.customer is None or self.customer.needs_review

    @property
    def caller_name(self) -> str:
        if self.customer is not None and not self.customer.needs_review:
            return self.customer.display_name
        return self.contact.sender_name or self.contact.sender or "Unknown caller"


def contact_view_for(*, user, contact: Interaction) -> ContactView:
    """The caller's customer view: profile, household, products, contact points, the last
    conversations on every channel, open cases, and this contact's notes."""
    customer = None
    if contact.customer_id is not None:
        customer = (
            customer_selectors.customers_for(user=user)
            .select_related("household")
            .filter(pk=contact.customer_id)
            .first()
        )
    view = ContactView(contact=contact, customer=customer)
    view.notes = list(interaction_selectors.messages_of(interaction=contact).filter(is_note=True))
    if customer is None:
        return view
    view.contact_points = list(customer.contact_points.all())
    view.holdings = list(
        customer.holdings.filter(status=HoldingStatus.ACTIVE).select_related("product")
    )
    view.timeline = list(interaction_selectors.customer_timeline_for(user=user, customer=customer))
    view.open_cases = list(
        case_selectors.open_cases_of(user=user, customer=customer).order_by(
            "resolution_due", "-opened_at", "-id"
        )[:OPEN_CASES_SHOWN]
    )
    view.signals = insight_selectors.signals_by_interaction([i.pk for i in view.timeline])
    view.churn_risk = insight_selectors.churn_risk_of(customer.pk)
    return view


def open_cases_for_contact(*, user, contact: Interaction) -> QuerySet[Case]:
    """Cases a contact may be linked to or worked from: the caller's open cases."""
    if contact.customer_id is None:
        return Case.objects.none()
    return case_selectors.open_cases_of(user=user, customer=contact.customer_id).order_by(
        "-opened_at", "-id"
    )


def contact_types() -> QuerySet[ContactType]:
    return access_selectors.contact_types_active()


# --- The API's reads: plain rows, a handful of indexed queries ---------------------------------


def _contact_row(row: dict) -> dict:
    agent = None
    if row["agent_id"] is not None:
        name = f"{row['agent__first_name']} {row['agent__last_name']}".strip()
        agent = {
            "id": row["agent_id"],
            "username": row["agent__username"],
            "name": name or row["agent__username"],
        }
    contact_type = None
    if row["contact_type_id"] is not None:
        contact_type = {
            "id": row["contact_type_id"],
            "code": row["contact_type__code"],
            "name": row["contact_type__name"],
        }
    case = None
    if row["case_id"] is not None:
        case = {"id": row["case_id"], "reference": f"C-{row['case_id']}"}
    return {
        "id": row["id"],
        "channel": row["channel"],
        "direction": row["direction"],
        "started_at": row["started_at"],
        "subject": row["subject"],
        "summary": row["summary"],
        "outcome": row["outcome"],
        "agent": agent,
        "contact_type": contact_type,
        "case": case,
    }


def screen_pop_payload_for(*, user, phone: str) -> dict:
    """What a phone system shows when a number calls: the customer summary, their last contacts
    on every channel and their open cases. 404 for an unknown number or a user who may not
    read conversations; 400 for something that is not a phone number."""
    if not interaction_selectors.can_read_interactions(user):
        raise NotFound("No customer has this contact point.")
    if not phone.strip():
        raise ValidationFailed("Give the caller's phone number.", fields={"phone": ["Required."]})
    customer = customer_selectors.customer_lookup_for(user=user, phone=phone)
    timeline = interaction_selectors.customer_timeline_for(user=user, customer=customer).values(
        *INTERACTION_COLUMNS
    )
    cases = list(
        case_selectors.open_cases_of(user=user, customer=customer)
        .order_by("-opened_at", "-id")
        .values("id", "subject", "status", "priority", "resolution_due")[: OPEN_CASES_SHOWN + 1]
    )
    return {
        "customer": customer_selectors.customer_summary(customer=customer),
        "interactions": [_contact_row(row) for row in timeline],
        "open_cases": [
            {**case, "reference": f"C-{case['id']}"} for case in cases[:OPEN_CASES_SHOWN]
        ],
        "open_cases_truncated": len(cases) > OPEN_CASES_SHOWN,
    }


@dataclass(frozen=True)
class TimelinePage:
    results: list[dict]
    before: str | None  # the cursor of the next (older) page; None on the last page


def timeline_cursor(started_at: datetime, interaction_id: int) -> str:
    raw = f"{started_at.isoformat()}|{interaction_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    problem = ValidationFailed(
        "That is not a cursor this API gave.", fields={"before": ["Not a valid cursor."]}
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, pk = raw.rpartition("|")
        started_at = parse_datetime(when)
        interaction_id = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise problem from None
    if started_at is None or started_at.tzinfo is None:
        raise problem
    return started_at, interaction_id


def customer_timeline_page_for(
    *, user, customer_id, before: str = "", size: int = TIMELINE_PAGE_SIZE
) -> TimelinePage:
    """One page of a customer's contacts on every channel, newest first. `before` is the cursor
    on (started_at, id) a previous page gave, so pages never shift when new contacts arrive."""
    customer = customer_selectors.customer_get_for(user=user, customer_id=customer_id)
    size = max(1, min(size, TIMELINE_MAX_PAGE_SIZE))
    contacts = interaction_selectors.interactions_for(user=user).filter(customer=customer)
    if before:
        started_at, interaction_id = _parse_cursor(before)
        contacts = contacts.filter(
            Q(started_at__lt=started_at) | Q(started_at=started_at, id__lt=interaction_id)
        )
    rows = list(contacts.order_by("-started_at", "-id").values(*INTERACTION_COLUMNS)[: size + 1])
    page = rows[:size]
    more = len(rows) > size
    return TimelinePage(
        results=[_contact_row(row) for row in page],
        before=timeline_cursor(page[-1]["started_at"], page[-1]["id"]) if more else None,
    )
