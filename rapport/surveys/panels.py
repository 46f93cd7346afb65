"""The customer view's "Surveys" panel, registered from SurveysConfig.ready()."""

from rapport.core.roles import CONVERSATION_READERS, SURVEY_ADMINS, has_any_role
from rapport.customers.panels import Panel, register_panel
from rapport.surveys.selectors import customer as selectors


def surveys_context(viewer, customer) -> dict:
    # Admins see every invitation and its state; everyone else the customer's answers only:
    # knowing which contacts were drawn before they answer would let an agent court the score,
    # and who handled each answered contact is a per-agent figure.
    admin = has_any_role(viewer, SURVEY_ADMINS)
    return {
        "invitations": selectors.invitations_of(customer.pk, answered_only=not admin),
        "admin": admin,
    }


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
