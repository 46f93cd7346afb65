"""Builders for review and idle-time tests: agents in a state, pending work of every kind, and
calls offered to an agent. Pending work is made with the ORM so these tests do not depend on the
briefings services."""

import datetime

from django.utils import timezone

from rapport.access.choices import Channel
from rapport.accounts.models import User
from rapport.accounts.tests.factories import UserFactory
from rapport.briefings.choices import BriefingStatus, PollQuestionKind, PollStatus
from rapport.briefings.models import (
    Briefing,
    BriefingChoice,
    BriefingDelivery,
    BriefingQuestion,
    Poll,
    PollQuestion,
)
from rapport.interactions.models import Interaction, ScreenPop
from rapport.learning.models import Module, ReviewItem
from rapport.learning.services.reviews import review_items_create
from rapport.learning.tests.factories_learning import AssignmentFactory, module_with_questions

T0 = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


def agent_in(state: str, **fields) -> User:
    agent: User = UserFactory(roles=["agent"], **fields)
    User.objects.filter(pk=agent.pk).update(agent_state=state)
    agent.agent_state = state
    return agent


def set_state(agent: User, state: str) -> None:
    User.objects.filter(pk=agent.pk).update(agent_state=state)
    agent.agent_state = state


def briefing_for(
    agent: User, *, due_at: datetime.datetime, title: str = "New refund rule", check: bool = False
) -> BriefingDelivery:
    """A published mandatory briefing delivered to the agent (with a one-question check)."""
    briefing = Briefing.objects.create(
        title=title,
        body="Refunds over **50** need a second look.",
        status=BriefingStatus.PUBLISHED,
        published_at=due_at - datetime.timedelta(days=7),
        due_at=due_at,
        requires_ack=True,
        pass_mark=100,
    )
    briefing.audience_agents.add(agent)
    if check:
        question = BriefingQuestion.objects.create(
            briefing=briefing, text="Who checks refunds over 50?", explanation="A supervisor."
        )
        BriefingChoice.objects.create(question=question, text="A supervisor", is_correct=True)
        BriefingChoice.objects.create(question=question, text="Nobody", is_correct=False)
    return BriefingDelivery.objects.create(
        briefing=briefing,
        agent=agent,
        team=agent.team,
        delivered_at=due_at - datetime.timedelta(days=7),
    )


def poll_for(agent: User, *, title: str = "New wrap-up screen") -> Poll:
    poll = Poll.objects.create(
        title=title,
        description="Would a shorter wrap-up form help?",
        status=PollStatus.OPEN,
        opened_at=T0 - datetime.timedelta(days=30),
    )
    poll.audience_agents.add(agent)
    PollQuestion.objects.create(poll=poll, kind=PollQuestionKind.RATING, text="How useful?")
    return poll


def assignment_for(agent: User, module: Module | None = None, **fields):
    return AssignmentFactory(agent=agent, module=module or module_with_questions(2), **fields)


def reviews_for(
    agent: User, *, n: int = 3, at: datetime.datetime = T0, module: Module | None = None
) -> list[ReviewItem]:
    """n review items of a module passed at `at` (due a day later)."""
    module = module or module_with_questions(n)
    return review_items_create(agent=agent, module=module, at=at)


def call_offered(
    agent: User,
    *,
    started_at: datetime.datetime,
    answered: bool = False,
    ended: bool = False,
    wrapped: bool = False,
) -> Interaction:
    contact = Interaction.objects.create(
        channel=Channel.PHONE,
        started_at=started_at,
        agent=agent if answered else None,
        answered_at=started_at + datetime.timedelta(seconds=5) if answered else None,
        ended_at=started_at + datetime.timedelta(minutes=3) if ended else None,
        wrapped_up_at=started_at + datetime.timedelta(minutes=4) if wrapped else None,
    )
    ScreenPop.objects.create(agent=agent, interaction=contact)
    return contact


def now() -> datetime.datetime:
    return timezone.now()
