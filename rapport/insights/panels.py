"""The customer view's "How they sound" panel, registered from InsightsConfig.ready()."""

from rapport.core.roles import CONVERSATION_READERS
from rapport.customers.panels import Panel, register_panel
from rapport.insights.choices import Intent
from rapport.insights.selectors import customer as selectors


def sound_context(viewer, customer) -> dict:
    labels = dict(Intent.choices)
    return {
        "risk": selectors.churn_risk_of(customer.pk),
        "rows": [
            (signal, [labels.get(intent, intent) for intent in signal.intents])
            for signal in selectors.recent_signals_of(customer.pk)
        ],
    }


def register() -> None:
    # Sentiment and intents are read from what the customer said: conversation data.
    register_panel(
        Panel(
            key="sound",
            title="How they sound",
            template="insights/partials/_customer_panel.html",
            context=sound_context,
            order=8,
            column="side",
            roles=frozenset(CONVERSATION_READERS),
        )
    )
