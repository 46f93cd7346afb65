"""Building contacts the alert rules read: real messages scored by the real text scorer."""

import datetime as dt

from django.utils import timezone

from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.insights.services import signals as signal_services
from rapport.interactions.models import Interaction
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory

ANGRY = "This is the worst service ever, terrible and useless. I am furious."
CHURN = "I want to cancel my account and leave."
COMPLAINT = "I want to make a formal complaint."
CALM = "Thanks, all good. Have a nice day."
NEUTRAL = "My card number ends in 1234."


def contact(text: str = NEUTRAL, *, at: dt.datetime | None = None, **fields) -> Interaction:
    """An inbound contact with the customer's words, scored as the receivers would."""
    started = at or timezone.now()
    interaction: Interaction = InteractionFactory(started_at=started, **fields)
    if text:
        MessageFactory(interaction=interaction, side="customer", body_text=text, sent_at=started)
    signal_services.interaction_score(interaction=interaction)
    return interaction


def team_with_lead(name: str = "Blue"):
    lead = UserFactory(roles=["supervisor"])
    team = TeamFactory(name=name, supervisor=lead)
    agent = UserFactory(roles=["agent"], team=team)
    return team, lead, agent
