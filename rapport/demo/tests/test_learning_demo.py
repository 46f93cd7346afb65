"""The demo's learning side, loaded once for this module at a small scale: content, briefings in
every state, polls, assignments from the ledger's real gaps, module attempts and review history,
all in the past of the reference time, and each demo login with something waiting."""

import datetime
import random
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from rapport.accounts.models import User
from rapport.briefings.audience import audience_members
from rapport.briefings.checks import check_score
from rapport.briefings.choices import BriefingStatus, PollStatus
from rapport.briefings.models import Briefing, BriefingAttempt, BriefingDelivery, Poll
from rapport.core.roles import Role
from rapport.demo.learning_briefings import check_answers
from rapport.demo.management.commands.seed_demo import REFERENCE_TIME
from rapport.interactions.models import Interaction
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapMode, GapSource
from rapport.learning.models import (
    Assignment,
    GapRule,
    LearningPath,
    Module,
    ModuleAttempt,
    ReviewItem,
    ReviewLog,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_center(django_db_setup, django_db_blocker):
    """Seeded once; each test runs in a savepoint inside this transaction, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", customers=1500, interactions=12_000, seed=5, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_load_reports_the_learning_stage_with_its_time(demo_center):
    assert "  learning … " in demo_center
    assert "Demo center loaded" in demo_center


def test_modules_have_four_to_six_questions_each_with_a_right_answer_and_an_explanation():
    modules = Module.objects.prefetch_related("questions__choices")
    assert 6 <= modules.count() <= 8
    for module in modules:
        questions = list(module.questions.all())
        assert 4 <= len(questions) <= 6, module.title
        for question in questions:
            assert question.explanation
            assert any(choice.is_correct for choice in question.choices.all())
            assert any(not choice.is_correct for choice in question.choices.all())


def test_paths_for_new_agents_and_supervisors_and_gap_rules_of_every_source_and_mode():
    assert set(LearningPath.objects.values_list("role", flat=True)) == {
        Role.AGENT,
        Role.SUPERVISOR,
    }
    rules = GapRule.objects.all()
    assert set(rules.values_list("source", flat=True)) == set(GapSource.values)
    assert set(rules.values_list("mode", flat=True)) == set(GapMode.values)


def test_briefings_in_every_status_one_naming_a_qa_criterion():
    assert set(Briefing.objects.values_list("status", flat=True)) == set(BriefingStatus.values)
    assert Briefing.objects.filter(
        qa_criterion__isnull=False, status=BriefingStatus.PUBLISHED
    ).exists()
    assert not BriefingDelivery.objects.filter(briefing__status=BriefingStatus.DRAFT).exists()


def test_deliveries_show_each_state_a_reader_can_be_in():
    with_check = BriefingDelivery.objects.annotate(q=Count("briefing__questions")).filter(q__gt=0)
    understood = BriefingDelivery.objects.filter(understood_at__isnull=False)
    assert understood.count() > BriefingDelivery.objects.count() / 2
    assert BriefingDelivery.objects.filter(
        opened_at__isnull=False, understood_at__isnull=True, attempts=0
    ).exists()
    assert with_check.filter(attempts__gte=2, understood_at__isnull=False).exists()
    assert with_check.filter(attempts__gte=1, understood_at__isnull=True).exists()
    overdue = BriefingDelivery.objects.filter(
        understood_at__isnull=True,
        briefing__status=BriefingStatus.PUBLISHED,
        briefing__due_at__lt=REFERENCE_TIME,
    )
    assert overdue.filter(escalated_at__isnull=False, reminders_sent__gte=1).exists()
    assert not BriefingDelivery.objects.filter(
        understood_at__isnull=True, escalated_at__isnull=False, briefing__due_at__gt=REFERENCE_TIME
    ).exists()


def test_understood_with_a_check_only_after_a_passing_attempt_all_in_the_past():
    deliveries = BriefingDelivery.objects.annotate(q=Count("briefing__questions")).filter(
        q__gt=0, understood_at__isnull=False
    )
    assert deliveries.exists()
    for delivery in deliveries:
        tries = list(delivery.tries.order_by("created_at", "id"))
        assert tries and tries[-1].passed, delivery
        assert all(not t.passed for t in tries[:-1])
        assert len(tries) == delivery.attempts
    assert BriefingAttempt.objects.filter(passed=False).exists()
    assert not BriefingAttempt.objects.filter(created_at__gt=REFERENCE_TIME).exists()
    assert not BriefingDelivery.objects.filter(understood_at__gt=REFERENCE_TIME).exists()


def test_polls_closed_open_and_draft_each_referencing_an_enhancement_request():
    polls = {poll.status: poll for poll in Poll.objects.all()}
    assert set(polls) == set(PollStatus.values)
    assert all(poll.enhancement_request.startswith("ENH-") for poll in polls.values())
    closed = polls[PollStatus.CLOSED]
    assert closed.responses.count() >= 0.55 * audience_members(closed).count()
    assert closed.responses.filter(answers__text__gt="").exists()
    assert not closed.responses.filter(submitted_at__gt=closed.closes_at).exists()
    assert polls[PollStatus.OPEN].responses.exists()
    assert not polls[PollStatus.DRAFT].responses.exists()


def test_assignments_from_real_gaps_cite_figures_and_come_in_every_state():
    gap = Assignment.objects.filter(source=AssignmentSource.GAP)
    assert gap.exists()
    for assignment in gap:
        assert "n = " in assignment.reason and assignment.evidence["n"] >= 1
        assert assignment.gap_rule is not None
    assert Assignment.objects.filter(source=AssignmentSource.PATH).exists()
    statuses = set(Assignment.objects.values_list("status", flat=True))
    assert {AssignmentStatus.COMPLETED, AssignmentStatus.ASSIGNED} <= statuses
    assert statuses & {AssignmentStatus.PROPOSED, AssignmentStatus.DISMISSED}


def test_completed_assignments_passed_in_the_past_some_after_failing_once():
    completed = Assignment.objects.filter(status=AssignmentStatus.COMPLETED)
    assert completed.exists()
    assert not completed.filter(completed_at__gt=REFERENCE_TIME).exists()
    for assignment in completed:
        assert assignment.tries.filter(passed=True).count() == 1
    failed_first = ModuleAttempt.objects.filter(passed=False).values_list("assignment", flat=True)
    assert completed.filter(pk__in=failed_first).exists()


def test_review_history_follows_completions_and_early_answers_are_wrong_more_often():
    completed = Assignment.objects.filter(status=AssignmentStatus.COMPLETED)
    for assignment in completed[:20]:
        assert (
            ReviewItem.objects.filter(
                agent=assignment.agent, question__module=assignment.module
            ).count()
            == assignment.module.questions.count()
        )
    logs = ReviewLog.objects.order_by("reviewed_at", "id")
    assert logs.exists() and not logs.filter(reviewed_at__gt=REFERENCE_TIME).exists()
    by_item: dict[int, list[bool]] = defaultdict(list)
    for item_id, correct in logs.values_list("item_id", "correct"):
        by_item[item_id].append(correct)
    first = [answers[0] for answers in by_item.values()]
    later = [a for answers in by_item.values() for a in answers[3:]]
    assert later and sum(first) / len(first) < sum(later) / len(later)
    assert ReviewItem.objects.filter(stability__isnull=False).exists()


def test_new_hire_cohorts_start_in_several_recent_months():
    since = REFERENCE_TIME.date() - datetime.timedelta(days=185)
    months = {
        (day.year, day.month)
        for day in User.objects.filter(started_on__gte=since).values_list("started_on", flat=True)
    }
    assert len(months) >= 4
    assert Assignment.objects.filter(
        source=AssignmentSource.PATH, agent__started_on__gte=since
    ).exists()


def test_the_demo_agent_has_an_overdue_briefing_a_module_and_reviews_waiting():
    alex = User.objects.get(username="agent")
    waiting = BriefingDelivery.objects.filter(
        agent=alex, understood_at__isnull=True, briefing__status=BriefingStatus.PUBLISHED
    )
    assert waiting.filter(briefing__due_at__lt=REFERENCE_TIME, attempts__gte=1).exists()
    assert Assignment.objects.filter(
        agent=alex, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS]
    ).exists()
    assert ReviewItem.objects.filter(agent=alex).exists()
    assert not Poll.objects.get(status=PollStatus.OPEN).responses.filter(respondent=alex).exists()


def test_failing_answers_fail_and_right_answers_pass_the_check():
    module = Module.objects.order_by("pk").first()
    questions = list(module.questions.prefetch_related("choices"))
    rng = random.Random(1)
    wrong = check_answers(rng, questions, right=False, pass_mark=module.pass_mark)
    right = check_answers(rng, questions, right=True, pass_mark=module.pass_mark)
    assert not check_score(questions, wrong, pass_mark=module.pass_mark).passed
    assert check_score(questions, right, pass_mark=module.pass_mark).score == 100


def test_demo_logins_says_where_to_find_learning_and_briefings():
    out = StringIO()
    call_command("demo_logins", port="8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/learning/" in text
    assert "http://127.0.0.1:8123/briefings/dashboard/" in text
    assert "Between contacts" in text


def test_new_hires_work_slower_in_their_first_weeks_in_cohorts_of_five():
    since = REFERENCE_TIME.date() - datetime.timedelta(days=180)
    hires = list(User.objects.filter(started_on__gte=since, groups__name=Role.AGENT))
    per_month = Counter(hire.started_on.replace(day=1) for hire in hires)
    assert sum(1 for n in per_month.values() if n >= 5) >= 2
    first_week, later = [], []
    for hire in hires:
        start = timezone.make_aware(datetime.datetime.combine(hire.started_on, datetime.time()))
        rows = Interaction.objects.filter(agent=hire, started_at__gte=start, handle_seconds__gt=0)
        for started_at, handle in rows.values_list("started_at", "handle_seconds"):
            days = (started_at - start).days
            if days < 7:
                first_week.append(handle)
            elif days >= 42:
                later.append(handle)
    assert first_week and later
    # The ramp makes the first week's contacts up to 80 % longer, fading by week six at most.
    assert sum(first_week) / len(first_week) > 1.3 * sum(later) / len(later)
