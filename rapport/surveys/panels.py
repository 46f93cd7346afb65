"""The customer view's "Surveys" panel, registered from SurveysConfig.ready()."""

from rapport.core.roles import CONVERSATION_READERS
from rapport.customers.panels import Panel, register_panel
from rapport.surveys.selectors import customer as selectors


def surveys_context(viewer, customer) -> dict:
    return {"invitations": selectors.invitations_of(customer.pk)}


def register() -> None:
    # A comment is the customer's own words about a contact: conversation data.
    register_panel(
        Panel(
            key="surveys",
            title="Surveys",
            template="surveys/partials/_customer_panel.html",
            context=surveys_context,
            order=12,
            column="side",
            roles=frozenset(CONVERSATION_READERS),
        )
    )
