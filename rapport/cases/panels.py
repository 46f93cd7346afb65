"""The customer view's "Conversations" and "Open cases" panels, registered from CasesConfig.ready()."""

from django.utils import timezone

from rapport.cases import selectors
from rapport.core.roles import CASE_WORKERS, CONVERSATION_READERS, has_any_role
from rapport.customers.panels import Panel, register_panel
from rapport.interactions import selectors as interaction_selectors


def conversations_context(viewer, customer) -> dict:
    return {
        "customer": customer,
        "interactions": list(
            interaction_selectors.customer_timeline_for(user=viewer, customer=customer)
        ),
    }


def open_cases_context(viewer, customer) -> dict:
    now = timezone.now()
    cases = list(selectors.open_cases_of(user=viewer, customer=customer).order_by("opened_at"))
    for case in cases:
        case.sla = selectors.sla_clocks(case, now=now)  # type: ignore[attr-defined]
    return {
        "customer": customer,
        "cases": cases,
        "can_open": has_any_role(viewer, CASE_WORKERS),
    }


def register() -> None:
    readers = frozenset(CONVERSATION_READERS)
    register_panel(
        Panel(
            key="conversations",
            title="Conversations",
            template="cases/partials/_panel_conversations.html",
            context=conversations_context,
            order=10,
            roles=readers,
        )
    )
    register_panel(
        Panel(
            key="open-cases",
            title="Open cases",
            template="cases/partials/_panel_open_cases.html",
            context=open_cases_context,
            order=5,
            column="side",
            roles=readers,
        )
    )
