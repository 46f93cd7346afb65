"""Who may do what: the role × endpoint access matrix. The policy, with its reasons, is
docs/access.md; this file is its executable form.

* `test_every_route_has_a_row` walks the URL conf: an endpoint added without a row in MATRIX fails
  here, and so does a row whose endpoint is gone. `test_every_api_method_has_a_row` does the same
  for the methods an API view answers.
* `test_access` sends every row's request as each of the seven roles and as an anonymous visitor.
  Writes carry a valid payload; where a status cannot tell a saved form from a rejected one (a
  page redirects either way) the row also checks that the write happened, or that it did not.
* The `*_scope*` tests check that what exists but is out of the asker's reach (another team, an
  erased customer, notes for a marketer, someone else's token) never shows up, and that working
  a case is narrower than reading it (its queue's team, that team's lead, its assignee, admins).
* The signed endpoints (channel webhooks, phone-switch events) answer to a signature, not to a
  user: their rows expect UNSIGNED from every visitor, whatever they are logged in as, and
  `test_signed_endpoints_admit_a_signature_not_a_user` shows that a valid signature is what
  admits a delivery. The public survey page answers to its signed token in the same way: a valid
  one opens it for every visitor, an altered one is not found whoever is logged in.

Expected values are the policy, not what the code happens to do: a case where the code is wrong
keeps the correct value and is marked xfail(strict=True, reason="BUG: ..."), so the fix turns the
xfail into a failure that asks for the mark to be removed.

Speed: the world is built once per module inside a transaction that is rolled back at the end;
each test runs in a savepoint (pytest-django's `db`), so its writes never reach the next test.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from rapport.access.choices import Channel
from rapport.access.tests.factories import ContactTypeFactory, QueueFactory
from rapport.accounts import services as account_services
from rapport.accounts.models import AgentSkill, ApiToken, ExternalAccount, RoleSecurityPolicy, User
from rapport.accounts.tests.factories import PASSWORD, SkillFactory, TeamFactory, UserFactory
from rapport.briefings.choices import BriefingStatus, PollStatus
from rapport.briefings.models import (
    Briefing,
    BriefingAttachment,
    BriefingDelivery,
    BriefingQuestion,
    Poll,
    PollQuestion,
    PollResponse,
)
from rapport.briefings.services import briefings as briefing_services
from rapport.briefings.services import polls as poll_services
from rapport.briefings.tests.factories_briefings import (
    BriefingFactory,
    add_question,
    png_upload,
    published,
    right_answers,
)
from rapport.briefings.tests.factories_polls import answers_for, open_poll
from rapport.cases import models as case_models
from rapport.cases import services as case_services
from rapport.cases.tests.factories import EscalationReasonFactory
from rapport.core.models import AuditEvent
from rapport.core.roles import Role
from rapport.customers.models import (
    Consent,
    ContactPoint,
    Customer,
    CustomerExport,
    Holding,
    Household,
    Note,
)
from rapport.customers.tests.factories import (
    ConsentFactory,
    ContactPointFactory,
    CustomerFactory,
    HoldingFactory,
    HouseholdFactory,
    NoteFactory,
    PhoneFactory,
    ProductFactory,
)
from rapport.identity.choices import PairStatus, RunState
from rapport.identity.models import CustomerMerge, IdentitySettings, MatchPair, MatchRun
from rapport.identity.services.pairs import pair_merge
from rapport.identity.tests.factories import MatchPairFactory, MatchRunFactory
from rapport.imports.choices import JobState, Phase
from rapport.imports.models import ImportJob, ImportRowError, SavedMapping
from rapport.imports.tests.factories import (
    ImportJobFactory,
    SavedMappingFactory,
    csv_bytes,
    household_rows,
)
from rapport.insights import catalog as insights_catalog
from rapport.insights.choices import AlertState, RecoveryOutcome
from rapport.insights.models import Alert, RootCause
from rapport.insights.services import alerts as alert_services
from rapport.insights.services import signals as signal_services
from rapport.interactions import webhooks
from rapport.interactions.models import (
    Attachment,
    CallEvent,
    CallRecordImport,
    Interaction,
    Message,
    RejectedInbound,
    ScreenPop,
)
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory
from rapport.learning import proficiency
from rapport.learning.models import (
    Activity,
    Assignment,
    GapRule,
    LearningPath,
    Module,
    ModuleQuestion,
    PathStep,
    ReviewLog,
)
from rapport.learning.services import reviews as review_services
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    LearningPathFactory,
    ModuleChoiceFactory,
    ModuleQuestionFactory,
    PathStepFactory,
    correct_answers,
    module_with_questions,
)
from rapport.performance import catalog
from rapport.performance.choices import DisputeStatus, EvaluationStatus, GoalStatus, Grain
from rapport.performance.models import (
    DailyRollup,
    Dispute,
    Evaluation,
    Goal,
    GoalEvent,
    Kpi,
    Kudos,
    MeasurementSettings,
    SuccessDefinition,
)
from rapport.performance.tests.factories_goals import GoalFactory, KudosFactory, agreed
from rapport.performance.tests.factories_qa import (
    calibration_session,
    contact_of,
    evaluation,
    form_with,
    open_dispute,
)
from rapport.surveys import catalog as surveys_catalog
from rapport.surveys.choices import FlagState, GamingCheck, InvitationState
from rapport.surveys.models import DrawSettings, GamingFlag, Invitation, Question, Survey
from rapport.surveys.selectors.design import draw_settings_get
from rapport.surveys.services import invitations as invitation_services
from rapport.surveys.services import responses as response_services
from rapport.surveys.tests.factories_draw import sent_invitation

ROLES = list(Role.values)  # agent, supervisor, trainer, qa_analyst, marketer, executive, admin
ANONYMOUS = "anonymous"
VISITORS = [*ROLES, ANONYMOUS]

# What a visitor gets back. Numbers are plain status codes; the words check a little more.
OK, MADE, GONE = 200, 201, 204
BAD, UNAUTH, DENY, HIDE = 400, 401, 403, 404
LOGIN = "login"  # 302 to the login page
MOVED = "moved"  # 302 anywhere else: a form that saved, a role's start page
LISTED = "listed"  # 200, and the world's record is among the results
EMPTY = "empty"  # 200, and no results at all
# 401 "bad_signature" with the HMAC challenge: a signed endpoint (a channel webhook, the phone
# switch) admits a delivery by its signature alone; no session or token stands in for one.
UNSIGNED = "unsigned"
SUCCESS = {OK, MADE, GONE, MOVED, LISTED}


def row(agent, supervisor, trainer, qa_analyst, marketer, executive, admin, anonymous) -> dict:
    """One line of the matrix, in the column order of the header comments in MATRIX."""
    values = (agent, supervisor, trainer, qa_analyst, marketer, executive, admin, anonymous)
    return dict(zip(VISITORS, values, strict=True))


@dataclass(frozen=True)
class Case:
    """One request against a route, and what each visitor gets back."""

    method: str
    expect: dict[str, Any]
    args: Callable[[Any], list] | None = None  # URL arguments, from the world
    query: str | Callable[[Any], str] = ""  # a query string, or one made from the world
    data: Callable[[Any], dict] | None = None  # the payload of a write
    listed: Callable[[Any], int] | None = None  # the id LISTED must find among the results
    done: Callable[[Any], bool] | None = None  # has the write happened?
    bugs: dict[str, str] = field(default_factory=dict)  # visitor -> "BUG: ..." (strict xfail)
    format: str = "json"  # how an API write is encoded ("multipart" for a file)


# ------------------------------------------------------------------------------------------------
# The world every case runs against
# ------------------------------------------------------------------------------------------------


def build_world() -> SimpleNamespace:
    """One user per role, and what they ask for.

    Blue is led by the supervisor role's user and has one agent with a state history. Red is
    another team with its own supervisor and agent. One live customer has contact points (an
    e-mail address and a phone number), a household, a holding, a consent and a note; one erased
    customer still has all of those rows (erased by marking only, so the selectors must leave
    them out). Every role's user, and Blue's agent, has an API token; so has Red's agent.

    Cases: Red's agent opened the live customer's case in Red's front-line queue and escalated it
    to Blue's second-line queue, where it waits unassigned (so Blue's agent and Blue's lead may
    work it; the matrix's agent, who has no team, may only read it). It holds an e-mail with a
    message and an attachment. The erased customer has a case, a contact and an escalation too.
    The phone switch offered a call of the live customer to Blue's agent (a screen pop). The
    supervisor imported a call-record file; a channel rejected one message. The performance
    records (goals, QA, kudos, success definitions) are described in `build_performance`, the
    customer-voice ones (surveys, alerts, churn risk) in `build_voice`, the briefings, polls and
    learning ones (deliveries, assignments, review items, an activity) in `build_learning`, the
    import jobs in `build_imports` and the duplicate pairs and merges in `build_identity`.
    """
    # Gone if a transactional test ran earlier in this worker.
    catalog.defaults_ensure()
    surveys_catalog.defaults_ensure()
    insights_catalog.defaults_ensure()
    users = {role: UserFactory(roles=[role]) for role in ROLES}
    lead = users[Role.SUPERVISOR]
    blue = TeamFactory(name="Blue", supervisor=lead)
    team_agent = UserFactory(roles=[Role.AGENT], team=blue)
    account_services.agent_state_set(agent=team_agent, state="available", source="test")
    red_lead = UserFactory(roles=[Role.SUPERVISOR])
    red = TeamFactory(name="Red", supervisor=red_lead)
    red_agent = UserFactory(roles=[Role.AGENT], team=red, first_name="Rory", last_name="Redmond")
    account_services.agent_state_set(agent=red_agent, state="available", source="test")
    skill = SkillFactory(name="Spanish")

    household = HouseholdFactory(name="The Okafors")
    customer = CustomerFactory(first_name="Ada", last_name="Okafor", household=household)
    point = ContactPointFactory(customer=customer, value="ada@example.com")
    product = ProductFactory()
    holding = HoldingFactory(customer=customer, product=product)
    consent = ConsentFactory(customer=customer)
    note = NoteFactory(customer=customer, author=team_agent, body="Prefers calls after six.")

    phone = PhoneFactory(customer=customer, value="(212) 555-0142", normalised="+12125550142")

    red_queue = QueueFactory(name="Red front line", code="red-front", team=red, tier=1)
    blue_queue = QueueFactory(name="Blue second line", code="blue-second", team=blue, tier=2)
    reason = EscalationReasonFactory(name="Needs authority", code="authority")
    contact_type = ContactTypeFactory(name="Card blocked", code="card-blocked")
    case, contact, message, attachment, escalation = escalated_case(
        customer=customer, by=red_agent, start=red_queue, to=blue_queue, reason=reason
    )
    call = InteractionFactory(
        customer=customer,
        channel="phone",
        source="phone",
        external_id="matrix-call",
        sender=phone.normalised,
        agent=team_agent,
        queue=blue_queue,
        summary="",
    )
    pop = ScreenPop.objects.create(agent=team_agent, interaction=call)
    call_records = CallRecordImport.objects.create(
        uploaded_by=lead, filename="march.csv", status="done", rows_total=1, rows_done=1
    )
    call_records.file.save("march.csv", ContentFile(CALL_RECORDS), save=True)
    rejected = RejectedInbound.objects.create(
        channel="sms", reason="The sender is not a phone number.", detail='{"from": "x"}'
    )

    erased = CustomerFactory(first_name="Gone", last_name="Person", household=household)
    erased_point = ContactPointFactory(customer=erased, value="gone@example.com")
    erased_holding = HoldingFactory(customer=erased, product=product)
    erased_consent = ConsentFactory(customer=erased)
    erased_note = NoteFactory(customer=erased, body="Said something about the erased person.")
    erased_phone = PhoneFactory(customer=erased, value="(212) 555-0143", normalised="+12125550143")
    erased_case, erased_contact, _, _, erased_escalation = escalated_case(
        customer=erased, by=red_agent, start=red_queue, to=blue_queue, reason=reason
    )
    Customer.objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    performance = build_performance(
        users=users, lead=lead, team_agent=team_agent, red_agent=red_agent, customer=customer
    )

    voice = build_voice(
        users=users, lead=lead, team_agent=team_agent, red_agent=red_agent, customer=customer
    )

    learning = build_learning(
        users=users, lead=lead, blue=blue, team_agent=team_agent, red_agent=red_agent, skill=skill
    )

    imports = build_imports(admin=users[Role.ADMIN])

    identity = build_identity(admin=users[Role.ADMIN], customer=customer, erased=erased)

    tokens = {
        user.pk: account_services.api_token_issue(user=user, name="matrix").token
        for user in [*users.values(), team_agent]
    }
    others_token = account_services.api_token_issue(user=red_agent, name="someone else's").token
    world = dict(locals())
    for part in ("performance", "voice", "learning", "imports", "identity"):
        del world[part]
    return SimpleNamespace(**world, **performance, **voice, **learning, **imports, **identity)


def build_performance(*, users, lead, team_agent, red_agent, customer) -> dict[str, Any]:
    """What the performance pages read: goals, QA, kudos and a second success definition.

    Blue's agent proposed `goal` (it waits for Blue's lead, the party who can agree); Blue's lead
    proposed `lead_goal` (it waits for the agent, so the lead may withdraw it); `agreed_goal`
    counts (check-ins, closing). The QA analyst submitted `evaluation` of a contact of Blue's
    agent, which the agent disputes (`dispute`, open), and keeps `draft_evaluation` as a draft;
    two other analysts calibrate on another of the agent's contacts (`calibration`). Red's agent
    has a goal and an evaluation of their own. The agent of no team gave Blue's agent kudos.
    Success definition v1 (shipped) is followed by a published v2, so two versions compare.
    """
    analyst = users[Role.QA_ANALYST]
    qa_form = form_with(10, 10)
    red_goal = GoalFactory(agent=red_agent, note="Red's own goal")
    red_evaluation = evaluation(
        agent=red_agent, evaluator=analyst, form=qa_form, interaction=contact_of(red_agent)
    )
    submitted = evaluation(
        agent=team_agent,
        evaluator=analyst,
        form=qa_form,
        score="55.00",
        interaction=contact_of(team_agent, customer=customer),
    )
    calibrators = [UserFactory(roles=[Role.QA_ANALYST]) for _ in range(2)]
    return {
        "goal": GoalFactory(agent=team_agent, note="Fewer hand-offs"),
        "lead_goal": GoalFactory(
            agent=team_agent,
            proposed_by=lead,
            agent_agreed_at=None,
            supervisor=lead,
            supervisor_agreed_at=timezone.now(),
        ),
        "agreed_goal": agreed(agent=team_agent, supervisor=lead),
        "red_goal": red_goal,
        "qa_form": qa_form,
        "evaluation": submitted,
        "dispute": open_dispute(submitted),
        "draft_evaluation": evaluation(
            agent=team_agent,
            evaluator=analyst,
            form=qa_form,
            status=EvaluationStatus.DRAFT,
            interaction=contact_of(team_agent, customer=customer),
        ),
        "calibration": calibration_session(
            interaction=contact_of(team_agent, customer=customer),
            form=qa_form,
            evaluators=calibrators,
            created_by=calibrators[0],
        ),
        "red_evaluation": red_evaluation,
        "kudos": KudosFactory(agent=team_agent, given_by=users[Role.AGENT]),
        "v1": SuccessDefinition.objects.get(version=1),
        "v2": SuccessDefinition.objects.create(
            version=2,
            name="Not transferred either",
            effective_from=datetime.date(2020, 1, 1),
            forbid_transfer=True,
            published_by=users[Role.ADMIN],
            published_at=timezone.now(),
        ),
    }


ANGRY = "This is the worst service ever, terrible and useless. I am furious."
LEAVING = "I want to cancel my account and leave."


def said(text: str, *, agent: User, customer: Customer) -> Interaction:
    """A chat in which the customer said `text`, scored as the ledger's receivers score it."""
    chat: Interaction = InteractionFactory(
        customer=customer, agent=agent, channel="chat", summary=""
    )
    MessageFactory(interaction=chat, side="customer", body_text=text)
    signal_services.interaction_score(interaction=chat)
    return chat


def alert_on(text: str, *, agent: User, customer: Customer) -> Alert:
    alert = alert_services.alerts_evaluate_interaction(
        interaction=said(text, agent=agent, customer=customer)
    )
    assert alert is not None and alert.team_id == agent.team_id, "the world needs this alert"
    return alert


def satisfied_answers(invitation: Invitation) -> dict[str, str]:
    """The public form's fields: satisfied (5), would recommend (9)."""
    scores = {"csat": "5", "nps": "9"}
    questions = invitation.survey.questions.filter(kind__in=scores)
    return {response_services.field_name(q): scores[q.kind] for q in questions}


def answered(invitation: Invitation) -> Invitation:
    response_services.response_submit(invitation=invitation, answers=satisfied_answers(invitation))
    invitation.refresh_from_db()
    return invitation


def build_voice(*, users, lead, team_agent, red_agent, customer) -> dict[str, Any]:
    """What the customer-voice pages read.

    Alerts: the live customer was angry in a chat with Blue's agent (`alert`, Blue's, open, no
    owner) and said they would leave in a chat with Red's agent (`red_alert`, Red's); Blue's lead
    closed the recovery of another of Blue's (`closed_alert`). The escalated cases raise alerts
    on Red's team too (their contacts waited in Red's queue). The live customer's churn risk is
    computed. QA flagged Blue's agent for survey begging (`flag`). Surveys: the live customer
    answered an invitation after a call with Blue's agent (`answered_invitation`) and one after
    a call with Red's agent (`red_invitation`), and has one still open (`open_invitation`, the
    public page's valid token). `matrix_survey` is an unanswered survey with two questions for
    the design pages.
    """
    root_cause = RootCause.objects.filter(is_active=True).order_by("pk").first()
    closed_alert = alert_on(ANGRY, agent=team_agent, customer=customer)
    alert_services.alert_close(
        alert=closed_alert, by=lead, outcome=RecoveryOutcome.RESOLVED, root_cause=root_cause
    )
    matrix_survey = Survey.objects.create(name="Matrix survey")
    today = timezone.localdate()
    return {
        "alert": alert_on(ANGRY, agent=team_agent, customer=customer),
        "red_alert": alert_on(LEAVING, agent=red_agent, customer=customer),
        "closed_alert": closed_alert,
        "root_cause": root_cause,
        "churn_risk": signal_services.churn_risk_update(customer=customer),
        "flag": GamingFlag.objects.create(
            kind=GamingCheck.BEGGING,
            agent=team_agent,
            period_start=today - datetime.timedelta(days=27),
            period_end=today,
            statistic=1,
            explanation="Asked the customer for a top score in one message.",
            evidence={"messages": []},
        ),
        "answered_invitation": answered(
            sent_invitation(agent=team_agent, customer=customer, address="ada@example.com")
        ),
        "red_invitation": answered(
            sent_invitation(agent=red_agent, customer=customer, address="ada@example.com")
        ),
        "open_invitation": sent_invitation(
            agent=team_agent, customer=customer, address="ada@example.com"
        ),
        "matrix_survey": matrix_survey,
        "questions": [
            Question.objects.create(survey=matrix_survey, order=i, kind="text", prompt=prompt)
            for i, prompt in enumerate(["What went well?", "What could be better?"])
        ],
    }


def png_bytes() -> bytes:
    return png_upload().read()


def build_learning(*, users, lead, blue, team_agent, red_agent, skill) -> dict[str, Any]:
    """What the briefings and learning pages read.

    Briefings: the trainer published `briefing` (a one-question check and an image) to the
    matrix's agent, Blue's agent and Red's agent, so each has a delivery counted in their team;
    Blue's lead keeps `draft_briefing` (for Blue, with an attachment and a question). Polls: the
    trainer opened `poll` (every agent is its audience; it has a mockup) and keeps `draft_poll`.
    Learning: `module` (Spanish, two questions, written by the trainer) is the matrix's agent's
    `assignment`; they passed it once already, so its questions are their `review_items`;
    `module_b` is a second assignable module; `proposal` proposes `module` for Blue's agent from
    `gap_rule` (a trainer or Blue's lead confirms it); `learning_path` is the agents' new-hire
    path with `module` as its step. The matrix's agent is idle and idle time brought them a
    burst of their due review questions (`activity`, under way).
    """
    trainer, me = users[Role.TRAINER], users[Role.AGENT]
    account_services.agent_state_set(agent=me, state="idle", source="test")
    briefing = BriefingFactory(author=trainer, title="Matrix refund rule")
    briefing.audience_agents.set([me, team_agent, red_agent])
    add_question(briefing, "Who checks refunds over 50?")
    attachment = briefing_services.attachment_add(
        by=trainer, briefing=briefing, upload=png_upload("rule.png")
    )
    briefing_services.briefing_publish(by=trainer, briefing=briefing)
    briefing.refresh_from_db()

    draft_briefing = BriefingFactory(author=lead, title="Blue's draft", audience_roles=["agent"])
    draft_briefing.audience_teams.set([blue])
    draft_question = add_question(draft_briefing, "Which form?")
    draft_attachment = briefing_services.attachment_add(
        by=lead, briefing=draft_briefing, upload=png_upload("draft.png")
    )

    poll = open_poll(author=trainer, title="Matrix wrap-up screen", enhancement_request="ENH-1")
    poll.mockup.save("mockup.png", ContentFile(png_bytes()), save=True)
    draft_poll = open_poll(author=trainer, title="Matrix draft poll")
    Poll.objects.filter(pk=draft_poll.pk).update(status=PollStatus.DRAFT, opened_at=None)
    draft_poll.refresh_from_db()

    module = module_with_questions(2, skill=skill, title="Matrix module", author=trainer)
    module_b = module_with_questions(2, skill=skill, title="Matrix module B", author=trainer)
    gap_rule = GapRuleFactory(module=module, mode="confirm", name="Matrix gap rule")
    learning_path = LearningPathFactory(name="Matrix new hires")
    step = PathStepFactory(path=learning_path, module=module)
    assignment = AssignmentFactory(agent=me, module=module, due_on=timezone.localdate())
    proposal = AssignmentFactory(
        agent=team_agent,
        module=module,
        source="gap",
        status="proposed",
        gap_rule=gap_rule,
        reason="Preventable escalations above 2 per 100 contacts over 28 days.",
    )
    passed_at = timezone.now() - datetime.timedelta(days=3)
    review_items = review_services.review_items_create(agent=me, module=module, at=passed_at)
    # Written after the reviews were made: nobody reviews it, so it may still be deleted.
    spare_question = ModuleQuestionFactory(module=module, order=9, text="Spare question?")
    ModuleChoiceFactory(question=spare_question, is_correct=True, order=0)
    ModuleChoiceFactory(question=spare_question, is_correct=False, order=1)
    now = timezone.now()
    activity = Activity.objects.create(
        agent=me, kind="review", started_at=now, resumed_at=now, seconds_allowed=3600
    )
    activity.review_items.set(review_items)
    return {
        "briefing": briefing,
        "attachment_file": attachment,
        "draft_briefing": draft_briefing,
        "draft_question": draft_question,
        "draft_attachment": draft_attachment,
        "poll": poll,
        "draft_poll": draft_poll,
        "module": module,
        "module_b": module_b,
        "spare_question": spare_question,
        "gap_rule": gap_rule,
        "learning_path": learning_path,
        "step": step,
        "assignment": assignment,
        "proposal": proposal,
        "review_items": review_items,
        "activity": activity,
    }


def build_imports(*, admin: User) -> dict[str, Any]:
    """What the import pages read, all uploaded by the admin: `import_job` waits for its mapping
    to be checked (uploaded); `checked_job` passed its dry run with one refused row, so it may
    run and has an error report; `queued_job` waits for a worker, so it may be cancelled;
    `saved_mapping` is kept for the next households file; `external_account` says the admin is
    MATRIX-1 in workforce management."""
    checked_job = ImportJobFactory(
        created_by=admin,
        filename="matrix-checked.csv",
        state=JobState.CHECKED,
        phase=Phase.DRY_RUN,
        rows_seen=2,
        rows_failed=1,
        dry_run_summary={"rows": 2, "added": 1, "updated": 0, "unchanged": 0, "failed": 1},
    )
    ImportRowError.objects.create(
        job=checked_job,
        phase=Phase.DRY_RUN,
        line=3,
        reason="Name is required.",
        raw="HH-2,",
    )
    return {
        "import_job": ImportJobFactory(created_by=admin, filename="matrix-uploaded.csv"),
        "checked_job": checked_job,
        "queued_job": ImportJobFactory(
            created_by=admin, filename="matrix-queued.csv", state=JobState.QUEUED, phase=Phase.RUN
        ),
        "saved_mapping": SavedMappingFactory(created_by=admin, name="Matrix households"),
        "external_account": ExternalAccount.objects.create(
            source="wfm", external_id="MATRIX-1", user=admin
        ),
    }


def compared(field: str, left: str, right: str, *, level: str, points: float) -> dict[str, Any]:
    """One item of a pair's explanation, as a run stores it: both values, kept on the pair."""
    return {"field": field, "left": left, "right": right, "level": level, "points": points}


def build_identity(*, admin: User, customer: Customer, erased: Customer) -> dict[str, Any]:
    """What the identity pages read: `pair`, two customers waiting for review (found by
    `match_run`); `merge`, a standing merge of another pair the admin made; `erased_pair`, the
    live customer and the erased one, as a run found them before the erasure."""
    match_run = MatchRunFactory(created_by=admin, state=RunState.DONE, pairs_found=2)
    pair = MatchPairFactory(
        left=CustomerFactory(first_name="Matrix", last_name="Twin"),
        right=CustomerFactory(first_name="Matrix", last_name="Twinn"),
        run=match_run,
    )
    merged_pair = MatchPairFactory(
        left=CustomerFactory(first_name="Merged", last_name="Once"),
        right=CustomerFactory(first_name="Merged", last_name="Twice"),
        run=match_run,
    )
    return {
        "match_run": match_run,
        "pair": pair,
        "merge": pair_merge(pair=merged_pair, by=admin),
        "erased_pair": MatchPairFactory(
            left=customer,
            right=erased,
            run=match_run,
            explanation=[
                compared("last_name", "Okafor", "Person", level="different", points=-4.0),
                compared("email", "ada@example.com", "gone@example.com", level="typo", points=3.5),
            ],
        ),
    }


CALL_RECORDS = (
    b"call_id,direction,ani,dnis,queue,agent,started_at,answered_at,ended_at,"
    b"hold_seconds,wrap_seconds,transfers,outcome\n"
)


def escalated_case(*, customer, by, start, to, reason) -> tuple:
    """A case opened in `start` with an e-mail from the customer (a message with an attachment),
    escalated by `by` to `to`: (case, contact, message, attachment, escalation)."""
    case = case_services.case_open(
        by=by, customer=customer, subject="Card blocked abroad", channel="email", queue=start
    )
    contact = InteractionFactory(
        customer=customer,
        channel="email",
        source="email",
        external_id=f"<card-{customer.pk}@example.com>",
        sender=f"{customer.first_name.lower()}@example.com",
        subject="Card blocked abroad",
        queue=start,
    )
    case_services.case_link_interaction(case=case, interaction=contact)
    message = MessageFactory(interaction=contact, body_text="My card was blocked in Lisbon.")
    attachment = Attachment(
        message=message, filename="statement.pdf", content_type="application/pdf", size=9
    )
    attachment.file.save("statement.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    escalation = case_services.case_escalate(
        case=case,
        by=by,
        to_queue=to,
        reason=reason,
        customer_needs="A card that works before Friday.",
        tried="Unblocked it twice; the bank blocks it again.",
        interaction=contact,
    )
    case.refresh_from_db()
    return case, contact, message, attachment, escalation


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world_as(world, db):
    """world_as(user) -> the world seen by `user` (None: an anonymous visitor) as `w.me`, with
    `w.token` their own API token (Blue's agent's, for an anonymous visitor)."""

    def view(me: User | None) -> SimpleNamespace:
        token = world.tokens.get((me or world.team_agent).pk)
        return SimpleNamespace(**vars(world), me=me, token=token)

    return view


@pytest.fixture(scope="module")
def clients() -> SimpleNamespace:
    """One page client and one API client for the module. A new test client loads the middleware
    again, and WhiteNoise's middleware reads every static file when it loads (~0.3 s a time)."""
    return SimpleNamespace(page=Client(), api=APIClient())


def page_client(clients, user: User | None) -> Client:
    clients.page.cookies.clear()
    if user is not None:
        clients.page.force_login(user)
    return clients.page


def api_client(clients, user: User | None) -> APIClient:
    clients.api.cookies.clear()
    clients.api.force_authenticate(user=user)  # None: anonymous
    return clients.api


# ------------------------------------------------------------------------------------------------
# Payloads and checks the rows use
# ------------------------------------------------------------------------------------------------

NEW_CUSTOMER = {
    "kind": "person",
    "first_name": "Matrix",
    "last_name": "Newperson",
    "language": "en",
    "segment": "consumer",
    "value_tier": "standard",
    "lifetime_value": "0",
    "status": "prospect",
}
NEW_CONSENT = {"channel": "sms", "purpose": "surveys", "granted": True, "source": "call"}
SINCE = datetime.date(2025, 1, 2).isoformat()


def customer_id(w) -> list:
    return [w.customer.pk]


def household_id(w) -> list:
    return [w.household.pk]


def point_id(w) -> list:
    return [w.point.pk]


def team_agent_id(w) -> list:
    return [w.team_agent.pk]


def my_token_id(w) -> list:
    return [w.token.pk]


def my_credentials(w) -> dict:
    return {"username": w.me.username, "password": PASSWORD} if w.me else {}


def my_state_is_available(w) -> bool:
    return w.me is not None and User.objects.get(pk=w.me.pk).agent_state == "available"


def my_token_is_revoked(w) -> bool:
    return ApiToken.objects.filter(pk=w.token.pk, revoked_at__isnull=False).exists()


def team_agent_has_the_skill(w) -> bool:
    return AgentSkill.objects.filter(agent=w.team_agent, skill=w.skill).exists()


def trainers_need_a_second_factor(w) -> bool:
    return RoleSecurityPolicy.objects.filter(role="trainer", require_second_factor=True).exists()


def customer_is_erased(w) -> bool:
    return Customer.objects.filter(pk=w.customer.pk, erased_at__isnull=False).exists()


def my_export_id(w) -> list:
    """A finished export of the asking user (of an admin, for anonymous visitors)."""
    owner = w.me or User.objects.filter(is_superuser=True).first()
    export = CustomerExport.objects.create(requested_by=owner, status="done")
    export.file.save("customers.csv", ContentFile(b"id\n"))
    return [export.pk]


def i_have_an_export(w) -> bool:
    return w.me is not None and CustomerExport.objects.filter(requested_by=w.me).exists()


def customer_named(last_name: str) -> Callable[[Any], bool]:
    return lambda w: Customer.objects.filter(last_name=last_name).exists()


def case_id(w) -> list:
    return [w.case.pk]


def contact_id(w) -> list:
    return [w.contact.pk]


def case_is(**fields) -> Callable[[Any], bool]:
    return lambda w: case_models.Case.objects.filter(pk=w.case.pk, **fields).exists()


def case_assigned_to_me(w) -> bool:
    return w.me is not None and case_is(assignee=w.me)(w)


def case_escalated_again(w) -> bool:
    return case_models.Escalation.objects.filter(case=w.case).count() == 2


def case_answered(w) -> bool:
    return Interaction.objects.filter(case=w.case, direction="outbound").exists()


def escalate_to_red(w) -> dict:
    return {
        "to_queue": w.red_queue.pk,
        "reason": w.reason.pk,
        "customer_needs": "A card that works.",
        "tried": "Unblocking it.",
    }


def my_call(w) -> list:
    """A call of the live customer the phone switch offered to the asker (to Blue's agent, for an
    anonymous visitor): the desktop acts on contacts offered to the person at the desk."""
    call = offered_call(w.me or w.team_agent, customer=w.customer, sender=w.phone.normalised)
    w.my_call = call
    return [call.pk]


def my_unknown_caller(w) -> list:
    """A call from a number nobody has, offered to the asker."""
    call = offered_call(w.me or w.team_agent, customer=None, sender="+12125550188")
    w.my_call = call
    return [call.pk]


def offered_call(agent: User, *, customer: Customer | None, sender: str) -> Interaction:
    call = InteractionFactory.create(
        customer=customer, channel="phone", source="phone", sender=sender, agent=agent, summary=""
    )
    ScreenPop.objects.create(agent=agent, interaction=call)
    return call


def my_call_has(**fields) -> Callable[[Any], bool]:
    return lambda w: Interaction.objects.filter(pk=w.my_call.pk, **fields).exists()


def call_records_file(w) -> dict:
    return {"file": SimpleUploadedFile("april.csv", CALL_RECORDS, content_type="text/csv")}


def call_records_uploaded(w) -> bool:
    return CallRecordImport.objects.filter(filename="april.csv").exists()


def channel_message(w) -> dict:
    return {
        "conversation_id": "matrix-conversation",
        "message_id": "matrix-message",
        "sent_at": "2026-03-02T09:00:00Z",
        "from": {"phone": w.phone.normalised},
        "text": "Is my card unblocked?",
    }


def call_events(w) -> dict:
    return {
        "events": [
            {
                "event_id": "matrix-event",
                "call_id": "matrix-switch-call",
                "kind": "ringing",
                "occurred_at": timezone.now().isoformat(),
                "ani": w.phone.normalised,
                "dnis": "+12125550100",
            }
        ]
    }


def delivery_stored(w) -> bool:
    return (
        Interaction.objects.filter(
            external_id__in=["matrix-conversation", "matrix-switch-call"]
        ).exists()
        or CallEvent.objects.filter(event_id="matrix-event").exists()
    )


def team_agent_args(w) -> list:
    return [w.team_agent.pk]


def blue_id(w) -> list:
    return [w.blue.pk]


def draft_definition(w) -> SuccessDefinition:
    """An admin's draft of the next success definition (only admins see drafts)."""
    draft, _ = SuccessDefinition.objects.get_or_create(
        effective_from=None, defaults={"version": 99, "name": "Draft"}
    )
    return draft


def draft_definition_id(w) -> list:
    return [draft_definition(w).pk]


def a_draft_exists(w) -> bool:
    return SuccessDefinition.objects.filter(effective_from__isnull=True).exists()


def draft_published(w) -> bool:
    return SuccessDefinition.objects.filter(version=99, effective_from__isnull=False).exists()


def draft_discarded(w) -> bool:
    return not SuccessDefinition.objects.filter(version=99).exists()


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def draft_parts(w) -> dict:
    return {
        "name": "Draft edited",
        "require_resolved": "on",
        "repeat_window_days": "7",
        "forbid_escalation": "on",
        "min_survey_score": "",
        "notes": "Matrix.",
    }


def settings_form(w) -> dict:
    """The whole measurement-settings form, with one value changed (service level 25 s)."""
    costs = {f"channel_cost_{value}": "0.50" for value in Channel.values}
    return {
        "service_level_seconds": "25",
        "short_abandon_seconds": "5",
        "repeat_window_days": "7",
        "save_window_days": "60",
        "offer_window_days": "30",
        "staff_cost_per_hour": "32.00",
        "min_sample": "30",
        "min_team_size": "3",
        **costs,
    }


def settings_changed(w) -> bool:
    return MeasurementSettings.objects.filter(service_level_seconds=25).exists()


def goal_id(w) -> list:
    return [w.goal.pk]


def lead_goal_id(w) -> list:
    return [w.lead_goal.pk]


def agreed_goal_id(w) -> list:
    return [w.agreed_goal.pk]


def goal_action(goal: str, action: str) -> Callable[[Any], list]:
    return lambda w: [getattr(w, goal).pk, action]


def goal_is(goal: str, **fields) -> Callable[[Any], bool]:
    return lambda w: Goal.objects.filter(pk=getattr(w, goal).pk, **fields).exists()


def goal_checked_in(w) -> bool:
    return GoalEvent.objects.filter(goal=w.agreed_goal, kind="checked_in").exists()


def new_goal(w, *, kpi: Any) -> dict:
    """A goal on the transfer rate: for Blue's agent when Blue's lead proposes it, else for
    the asker (an agent proposes for themselves)."""
    today = timezone.localdate()
    body = {
        "kpi": kpi,
        "target": "10.00",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
        "checkin_every_days": 7,
        "note": "Matrix goal",
    }
    if w.me is not None and w.me == w.lead:
        body["agent"] = w.team_agent.pk
    return body


def new_goal_page(w) -> dict:
    return new_goal(w, kpi=Kpi.objects.get(key="transfer_rate").pk)


def new_goal_api(w) -> dict:
    return new_goal(w, kpi="transfer_rate")


def a_goal_was_proposed(w) -> bool:
    return Goal.objects.filter(note="Matrix goal").exists()


def revised_goal(w) -> dict:
    ends = timezone.localdate() + datetime.timedelta(days=45)
    return {"target": "12.00", "ends_on": ends.isoformat(), "note": "A little more time."}


def evaluation_id(w) -> list:
    return [w.evaluation.pk]


def draft_evaluation_id(w) -> list:
    return [w.draft_evaluation.pk]


def dispute_id(w) -> list:
    return [w.dispute.pk]


def calibration_id(w) -> list:
    return [w.calibration.pk]


def call_evaluated(w) -> bool:
    return Evaluation.objects.filter(interaction=w.call).exists()


def draft_evaluation_saved(w) -> bool:
    return Evaluation.objects.filter(pk=w.draft_evaluation.pk, comments="Matrix comment.").exists()


def a_second_dispute(w) -> bool:
    return Dispute.objects.filter(evaluation=w.evaluation).count() > 1


def dispute_upheld(w) -> bool:
    return Dispute.objects.filter(pk=w.dispute.pk, status=DisputeStatus.UPHELD).exists()


def kudos_for_team_agent(w) -> dict:
    return {"agent": w.team_agent.pk, "message": "Matrix kudos for the card call."}


def kudos_given(w) -> bool:
    return Kudos.objects.filter(message="Matrix kudos for the card call.").exists()


def alert_id(w) -> list:
    return [w.alert.pk]


def alert_action(alert: str, action: str) -> Callable[[Any], list]:
    return lambda w: [getattr(w, alert).pk, action]


def alert_is(alert: str = "alert", **fields) -> Callable[[Any], bool]:
    return lambda w: Alert.objects.filter(pk=getattr(w, alert).pk, **fields).exists()


def alert_taken_by_me(w) -> bool:
    return w.me is not None and alert_is(owner=w.me, state=AlertState.IN_RECOVERY)(w)


def alert_noted(w) -> bool:
    return w.alert.events.filter(note="Called back; a refund is on its way.").exists()


def closing(w) -> dict:
    return {"outcome": RecoveryOutcome.SAVED, "root_cause": w.root_cause.pk, "note": ""}


def flag_id(w) -> list:
    return [w.flag.pk]


def flag_confirmed(w) -> bool:
    return GamingFlag.objects.filter(pk=w.flag.pk, state=FlagState.CONFIRMED).exists()


def review(w) -> dict:
    return {"state": FlagState.CONFIRMED, "note": "The message asks for a ten."}


def audited(action: str) -> Callable[[Any], bool]:
    return lambda w: AuditEvent.objects.filter(action=action).exists()


def matrix_survey_id(w) -> list:
    return [w.matrix_survey.pk]


def question_args(index: int) -> Callable[[Any], list]:
    return lambda w: [w.matrix_survey.pk, w.questions[index].pk]


def survey_form(w) -> dict:
    return {"name": "Matrix survey, edited", "intro": "", "thanks": "Thanks.", "is_active": "on"}


def draw_form(w) -> dict:
    """The whole draw-settings form, with one value changed (the rate, to 0.25)."""
    row = draw_settings_get()
    return {
        "survey": row.survey_id,
        "rate": "0.25",
        "cooldown_days": row.cooldown_days,
        "expiry_days": row.expiry_days,
        "min_responses": row.min_responses,
    }


def token_of(invitation: str) -> Callable[[Any], list]:
    return lambda w: [invitation_services.invitation_token(getattr(w, invitation))]


def bad_token(w) -> list:
    """A token whose signature does not hold (the open invitation's, altered)."""
    token = invitation_services.invitation_token(w.open_invitation)
    return [token[:-1] + ("A" if token[-1] != "A" else "B")]


def open_invitation_answered(w) -> bool:
    return Invitation.objects.filter(
        pk=w.open_invitation.pk, state=InvitationState.ANSWERED
    ).exists()


def month_start() -> str:
    return (timezone.localdate() - datetime.timedelta(days=30)).isoformat()


# --- Briefings, polls and learning ---------------------------------------------------------------


def briefing_id(w) -> list:
    return [w.briefing.pk]


def draft_briefing_id(w) -> list:
    return [w.draft_briefing.pk]


def a_delivery_has(**fields) -> Callable[[Any], bool]:
    """Has anyone's delivery of the published briefing got there (only the asker's may)?"""
    return lambda w: BriefingDelivery.objects.filter(briefing=w.briefing, **fields).exists()


def briefing_is(name: str, **fields) -> Callable[[Any], bool]:
    return lambda w: Briefing.objects.filter(pk=getattr(w, name).pk, **fields).exists()


def briefing_answers_form(w) -> dict:
    return {
        f"q{qid}": [str(c) for c in chosen] for qid, chosen in right_answers(w.briefing).items()
    }


def briefing_answers_api(w) -> dict:
    return {"answers": {str(qid): chosen for qid, chosen in right_answers(w.briefing).items()}}


def new_briefing(w, title: str = "Matrix briefing") -> dict:
    """A briefing for Blue's agent, whom every author may name (Blue's lead leads Blue)."""
    due = timezone.localtime() + datetime.timedelta(days=3)
    return {
        "title": title,
        "body": "The refund form **changed**.",
        "due_at": due.strftime("%Y-%m-%dT%H:%M"),
        "requires_ack": "on",
        "pass_mark": "80",
        "agents": [w.team_agent.pk],
    }


def check_question(w) -> dict:
    return {
        "text": "Matrix question?",
        "explanation": "Because.",
        "choice_0": "Yes",
        "correct_0": "on",
        "choice_1": "No",
    }


def briefing_titled(title: str) -> Callable[[Any], bool]:
    return lambda w: Briefing.objects.filter(title=title).exists()


def poll_id(w) -> list:
    return [w.poll.pk]


def draft_poll_id(w) -> list:
    return [w.draft_poll.pk]


def draft_poll_question(w) -> list:
    return [w.draft_poll.pk, w.draft_poll.questions.order_by("id").first().pk]


def poll_is(name: str, **fields) -> Callable[[Any], bool]:
    return lambda w: Poll.objects.filter(pk=getattr(w, name).pk, **fields).exists()


def poll_answered_by_anyone(w) -> bool:
    return PollResponse.objects.filter(poll=w.poll).exists()


def new_poll(w, title: str = "Matrix new poll") -> dict:
    return {"title": title, "description": "A shorter form.", "audience_roles": ["agent"]}


def poll_question_form(w, text: str = "Matrix rating?") -> dict:
    return {"kind": "rating", "text": text, "options": "", "required": "on", "order": "5"}


def module_id(w) -> list:
    return [w.module.pk]


def new_module(w, title: str = "Matrix new module") -> dict:
    return {
        "title": title,
        "summary": "Refunds, step by step.",
        "body": "## Refunds",
        "skill": w.skill.pk,
        "minutes": "10",
        "pass_mark": "80",
        "is_active": "on",
    }


def module_question_form(w, text: str = "Matrix module question?") -> dict:
    return {
        "text": text,
        "explanation": "Why.",
        "choice_1": "Yes",
        "correct_1": "on",
        "choice_2": "No",
    }


def module_titled(title: str) -> Callable[[Any], bool]:
    return lambda w: Module.objects.filter(title=title).exists()


def module_question_named(text: str) -> Callable[[Any], bool]:
    return lambda w: ModuleQuestion.objects.filter(text=text).exists()


def path_id(w) -> list:
    return [w.learning_path.pk]


def path_form(w, name: str) -> dict:
    return {"name": name, "role": "agent", "description": "", "is_active": "on"}


def gap_rule_form(w, name: str) -> dict:
    return {
        "name": name,
        "source": "preventable",
        "threshold": "2",
        "window_days": "28",
        "min_n": "30",
        "module": w.module.pk,
        "mode": "confirm",
        "is_active": "on",
    }


def assignment_id(w) -> list:
    return [w.assignment.pk]


def proposal_id(w) -> list:
    return [w.proposal.pk]


def assignment_is(name: str, **fields) -> Callable[[Any], bool]:
    return lambda w: Assignment.objects.filter(pk=getattr(w, name).pk, **fields).exists()


def module_b_assigned(w) -> bool:
    return Assignment.objects.filter(agent=w.team_agent, module=w.module_b).exists()


def module_answers_form(w) -> dict:
    return {
        f"q{qid}": [str(c) for c in chosen] for qid, chosen in correct_answers(w.module).items()
    }


def module_answers_api(w) -> dict:
    return {"answers": {str(qid): chosen for qid, chosen in correct_answers(w.module).items()}}


def review_item_id(w) -> list:
    return [w.review_items[0].pk]


def review_choice(w) -> int:
    question = w.review_items[0].question
    return question.choices.filter(is_correct=True).first().pk


def reviewed(w) -> bool:
    return ReviewLog.objects.filter(item=w.review_items[0]).exists()


def activity_id(w) -> list:
    return [w.activity.pk]


def activity_is(**fields) -> Callable[[Any], bool]:
    return lambda w: Activity.objects.filter(pk=w.activity.pk, **fields).exists()


def impact_query(w) -> str:
    return f"?module={w.module.pk}&kpi=fcr"


def impact_form_query(w) -> str:
    return impact_query(w) + "&window=28&match=role"


# --- Imports and identity ------------------------------------------------------------------------


def job_id(name: str) -> Callable[[Any], list]:
    return lambda w: [getattr(w, name).pk]


def job_is(name: str, **fields) -> Callable[[Any], bool]:
    return lambda w: ImportJob.objects.filter(pk=getattr(w, name).pk, **fields).exists()


def households_file(filename: str) -> Callable[[Any], SimpleUploadedFile]:
    return lambda w: SimpleUploadedFile(
        filename, csv_bytes(household_rows(2)), content_type="text/csv"
    )


def upload_form(w) -> dict:
    return {
        "file": households_file("matrix-page-upload.csv")(w),
        "source_type": "households",
        "encoding": "auto",
        "delimiter": "",
        "date_format": "iso",
        "default_region": "US",
    }


def upload_api(w) -> dict:
    return {"file": households_file("matrix-api-upload.csv")(w), "source_type": "households"}


def a_job_named(filename: str) -> Callable[[Any], bool]:
    return lambda w: ImportJob.objects.filter(filename=filename).exists()


def mapping_form(w) -> dict:
    """The uploaded job's columns, kept under a new name (the job stays at the mapping step)."""
    return {
        "map_external_id": "Household ID",
        "map_name": "Name",
        "date_format": "iso",
        "default_region": "US",
        "save_as": "Matrix mapping",
    }


def mapping_saved(w) -> bool:
    return SavedMapping.objects.filter(name="Matrix mapping").exists()


def saved_mapping_deleted(w) -> bool:
    return not SavedMapping.objects.filter(pk=w.saved_mapping.pk).exists()


def external_account_added(w) -> bool:
    return ExternalAccount.objects.filter(source="zendesk", external_id="MATRIX-ADDED").exists()


def external_account_removed(w) -> bool:
    return not ExternalAccount.objects.filter(pk=w.external_account.pk).exists()


def pair_id(w) -> list:
    return [w.pair.pk]


def merge_id(w) -> list:
    return [w.merge.pk]


def pair_is(**fields) -> Callable[[Any], bool]:
    return lambda w: MatchPair.objects.filter(pk=w.pair.pk, **fields).exists()


def merge_undone(w) -> bool:
    return CustomerMerge.objects.filter(pk=w.merge.pk, undone_at__isnull=False).exists()


def a_run_queued(w) -> bool:
    return MatchRun.objects.filter(state=RunState.QUEUED).exists()


def review_at_85(w) -> bool:
    return IdentitySettings.objects.filter(review_at=0.85).exists()


# ------------------------------------------------------------------------------------------------
# The matrix: route name -> the requests it answers, and what each visitor gets
# ------------------------------------------------------------------------------------------------

# fmt: off
MATRIX: dict[str, list[Case]] = {
    # ------------------------------------------------------------------------------------ core
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "home": [
        Case("GET",    row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN)),
    ],
    "healthz": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK)),
    ],
    "audit": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    # -------------------------------------------------------------------------- accounts pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "accounts:login": [
        Case("GET",    row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  OK)),
    ],
    "accounts:logout": [
        Case("POST",   row(LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN)),
    ],
    "accounts:second_factor": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "accounts:me": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "accounts:set_state": [
        Case("POST",   row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN),
             data=lambda w: {"state": "available"},
             done=my_state_is_available),
    ],
    "accounts:token_create": [
        Case("POST",   row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN),
             data=lambda w: {"name": "phone system"},
             done=lambda w: ApiToken.objects.filter(name="phone system").exists()),
    ],
    "accounts:token_revoke": [
        Case("POST",   row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN),
             args=my_token_id,
             done=my_token_is_revoked),
    ],
    "accounts:people": [
        Case("GET",    row(DENY,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "accounts:person": [
        Case("GET",    row(DENY,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=team_agent_id),
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=team_agent_id,
             data=lambda w: {"skill": w.skill.pk, "level": 3},
             done=team_agent_has_the_skill),
    ],
    "accounts:security": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"trainer": "on"},
             done=trainers_need_a_second_factor),
    ],
    # -------------------------------------------------------------------------- customer pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "customers:search": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     OK,     DENY,   OK,     LOGIN),
             query="?q=okafor"),
    ],
    "customers:export_start": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   MOVED,  DENY,   MOVED,  LOGIN),
             data=lambda w: {"status": "customer"},
             done=i_have_an_export),
    ],
    "customers:export": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   OK,     DENY,   OK,     LOGIN),
             args=my_export_id),
    ],
    "customers:export_download": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   OK,     DENY,   OK,     LOGIN),
             args=my_export_id),
    ],
    "customers:create": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: NEW_CUSTOMER,
             done=customer_named("Newperson")),
    ],
    "customers:detail": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     OK,     DENY,   OK,     LOGIN),
             args=customer_id),
    ],
    "customers:edit": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=customer_id),
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=customer_id,
             data=lambda w: NEW_CUSTOMER | {"last_name": "Edited"},
             done=customer_named("Edited")),
    ],
    "customers:add_contact_point": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=customer_id,
             data=lambda w: {"kind": "email", "value": "new@example.com"},
             done=lambda w: ContactPoint.objects.filter(normalised="new@example.com").exists()),
    ],
    "customers:remove_contact_point": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.customer.pk, w.point.pk],
             done=lambda w: not ContactPoint.objects.filter(pk=w.point.pk).exists()),
    ],
    "customers:record_consent": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=customer_id,
             data=lambda w: NEW_CONSENT | {"granted": "true"},  # the form's choice
             done=lambda w: Consent.objects.filter(customer=w.customer, channel="sms").exists()),
    ],
    "customers:add_holding": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=customer_id,
             data=lambda w: {"product": w.product.pk, "since": SINCE, "value": "10"},
             done=lambda w: Holding.objects.filter(customer=w.customer).count() == 2),
    ],
    "customers:add_note": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=customer_id,
             data=lambda w: {"body": "Called about the card."},
             done=lambda w: Note.objects.filter(body="Called about the card.").exists()),
    ],
    "customers:data_export": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=customer_id),
    ],
    "customers:erase": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=customer_id),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=customer_id,
             data=lambda w: {"confirm": str(w.customer.pk)},
             done=customer_is_erased),
    ],
    "customers:households": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     OK,     DENY,   OK,     LOGIN)),
    ],
    "customers:household_create": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"name": "The Newcomers", "country": "US"},
             done=lambda w: Household.objects.filter(name="The Newcomers").exists()),
    ],
    "customers:household": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     OK,     DENY,   OK,     LOGIN),
             args=household_id),
    ],
    "customers:products": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     OK,     DENY,   OK,     LOGIN)),
    ],
    # ------------------------------------------------------------------------------ case pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Read by everyone who serves customers, across teams. Worked by the case's assignee, the
    # team owning its queue (Blue), that team's supervisor and admins: the matrix's agent has no
    # team, so it reads Blue's case but is refused working it.
    "cases:list": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN)),
    ],
    "cases:create": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"customer": w.customer.pk, "subject": "Matrix case",
                             "channel": "phone", "priority": ""},
             done=lambda w: case_models.Case.objects.filter(subject="Matrix case").exists()),
    ],
    "cases:detail": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=case_id),
    ],
    "cases:status": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=case_id,
             data=lambda w: {"status": "waiting"},
             done=case_is(status="waiting")),
    ],
    "cases:assign": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=case_id,
             data=lambda w: {"assignee": "me"},
             done=case_assigned_to_me),
    ],
    "cases:priority": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=case_id,
             data=lambda w: {"priority": "urgent"},
             done=case_is(priority="urgent")),
    ],
    "cases:reply": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=case_id,
             data=lambda w: {"text": "Your new card is on its way."},
             done=case_answered),
    ],
    "cases:escalate": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=case_id,
             data=lambda w: escalate_to_red(w) | {"promised": "", "to_agent": ""},
             done=case_escalated_again),
    ],
    # Aggregates: trainers and executives see them by team only (see the analysis scope test).
    "cases:escalation_analysis": [
        Case("GET",    row(DENY,   OK,     OK,     OK,     DENY,   OK,     OK,     LOGIN)),
    ],
    # ----------------------------------------------------------------------- interaction pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "interactions:detail": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=contact_id),
    ],
    "interactions:attachment": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=lambda w: [w.contact.pk, w.attachment.pk]),
    ],
    "interactions:rejected": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "interactions:call_record_imports": [
        Case("GET",    row(DENY,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=call_records_file,
             done=call_records_uploaded),
    ],
    "interactions:call_record_import": [
        Case("GET",    row(DENY,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=lambda w: [w.call_records.pk]),
    ],
    # --------------------------------------------------------------------------- agent desktop
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Each action is on a call the switch offered to the asker (someone else's is not found: see
    # the scope tests). Replying and escalating work Blue's case: refused to the team-less agent.
    "workspace:desktop": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "workspace:pop": [
        Case("GET",    row(GONE,   GONE,   DENY,   DENY,   DENY,   DENY,   GONE,   LOGIN),
             query="?after=0"),
    ],
    "workspace:note": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=my_call,
             data=lambda w: {"text": "Asked for a new card."},
             done=lambda w: Message.objects.filter(
                 interaction=w.my_call, is_note=True, body_text="Asked for a new card."
             ).exists()),
    ],
    "workspace:quick_create": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=my_unknown_caller,
             data=lambda w: {"first_name": "Matrix", "last_name": "Caller", "phone": ""},
             done=customer_named("Caller")),
    ],
    "workspace:wrap_up": [
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=my_call,
             data=lambda w: {"contact_type": w.contact_type.pk, "outcome": "resolved",
                             "relationship_attempt": "yes", "compliment_received": "no",
                             "case_action": "none"},
             done=my_call_has(wrapped_up_at__isnull=False)),
    ],
    "workspace:reply": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=my_call,
             data=lambda w: {"case": w.case.pk, "text": "Your new card is on its way."},
             done=case_answered),
    ],
    "workspace:escalate": [
        Case("POST",   row(DENY,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=my_call,
             data=lambda w: escalate_to_red(w) | {"case": w.case.pk, "promised": ""},
             done=case_escalated_again),
    ],
    # ---------------------------------------------------------------------------- accounts API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Anonymous by design: it is how a client logs in. Each role sends its own password; the
    # anonymous visitor sends nothing and is told what is missing.
    "api-auth-token": [
        Case("POST",   row(MADE,   MADE,   MADE,   MADE,   MADE,   MADE,   MADE,   BAD),
             data=my_credentials),
    ],
    "api-auth-tokens": [
        Case("GET",    row(LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, UNAUTH),
             listed=lambda w: w.token.pk),
    ],
    "api-auth-token-revoke": [
        Case("DELETE", row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH),
             args=my_token_id,
             done=my_token_is_revoked),
    ],
    "api-auth-me": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH)),
    ],
    "api-users": [
        Case("GET",    row(EMPTY,  LISTED, EMPTY,  EMPTY,  EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.team_agent.pk),
    ],
    "api-user": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=team_agent_id),
    ],
    "api-user-states": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=team_agent_id),
    ],
    "api-teams": [
        Case("GET",    row(EMPTY,  LISTED, EMPTY,  EMPTY,  EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.blue.pk),
    ],
    "api-agent-state": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH)),
        Case("POST",   row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH),
             data=lambda w: {"state": "available"},
             done=my_state_is_available),
    ],
    # --------------------------------------------------------------------------- customers API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-customers": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, LISTED, EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.customer.pk),
        Case("POST",   row(MADE,   MADE,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: {"first_name": "Api", "last_name": "Newperson"},
             done=customer_named("Newperson")),
    ],
    "api-customer-lookup": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     OK,     HIDE,   OK,     UNAUTH),
             query="?email=ADA@example.com"),
    ],
    "api-customer": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     OK,     HIDE,   OK,     UNAUTH),
             args=customer_id),
        Case("PATCH",  row(OK,     OK,     HIDE,   DENY,   DENY,   HIDE,   OK,     UNAUTH),
             args=customer_id,
             data=lambda w: {"last_name": "Edited"},
             done=customer_named("Edited")),
    ],
    "api-customer-export": [
        Case("GET",    row(DENY,   DENY,   HIDE,   DENY,   DENY,   HIDE,   OK,     UNAUTH),
             args=customer_id),
    ],
    "api-customer-erase": [
        Case("POST",   row(DENY,   DENY,   HIDE,   DENY,   DENY,   HIDE,   OK,     UNAUTH),
             args=customer_id,
             done=customer_is_erased),
    ],
    "api-households": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, LISTED, EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.household.pk),
        Case("POST",   row(MADE,   MADE,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: {"name": "The Apis"},
             done=lambda w: Household.objects.filter(name="The Apis").exists()),
    ],
    "api-household": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     OK,     HIDE,   OK,     UNAUTH),
             args=household_id),
        Case("PATCH",  row(OK,     OK,     HIDE,   DENY,   DENY,   HIDE,   OK,     UNAUTH),
             args=household_id,
             data=lambda w: {"city": "Lagos"}),
    ],
    "api-contact-points": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, LISTED, EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.point.pk),
        Case("POST",   row(MADE,   MADE,   HIDE,   DENY,   DENY,   HIDE,   MADE,   UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "kind": "email", "value": "x@example.com"}),
    ],
    "api-contact-point": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     OK,     HIDE,   OK,     UNAUTH),
             args=point_id),
        Case("PATCH",  row(OK,     OK,     HIDE,   DENY,   DENY,   HIDE,   OK,     UNAUTH),
             args=point_id,
             data=lambda w: {"label": "work"}),
        Case("DELETE", row(GONE,   GONE,   HIDE,   DENY,   DENY,   HIDE,   GONE,   UNAUTH),
             args=point_id),
    ],
    "api-products": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, LISTED, EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.product.pk),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: {"code": "gold-card", "name": "Gold card", "category": "card"}),
    ],
    "api-product": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     OK,     HIDE,   OK,     UNAUTH),
             args=lambda w: [w.product.pk]),
    ],
    "api-holdings": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, LISTED, EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.holding.pk),
        Case("POST",   row(MADE,   MADE,   HIDE,   DENY,   DENY,   HIDE,   MADE,   UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "product": w.product.pk, "since": SINCE}),
    ],
    "api-consents": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, LISTED, EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.consent.pk),
        Case("POST",   row(MADE,   MADE,   HIDE,   DENY,   DENY,   HIDE,   MADE,   UNAUTH),
             data=lambda w: {"customer": w.customer.pk} | NEW_CONSENT),
    ],
    "api-notes": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.note.pk),
        Case("POST",   row(MADE,   MADE,   HIDE,   DENY,   DENY,   HIDE,   MADE,   UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "body": "Asked for a callback."}),
    ],
    # ------------------------------------------------------------------------------- cases API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-cases": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.case.pk),
        Case("POST",   row(MADE,   MADE,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: {"customer": w.customer.pk, "subject": "Matrix case",
                             "channel": "phone"},
             done=lambda w: case_models.Case.objects.filter(subject="Matrix case").exists()),
    ],
    "api-case": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     HIDE,   HIDE,   OK,     UNAUTH),
             args=case_id),
    ],
    "api-case-status": [
        Case("POST",   row(DENY,   OK,     HIDE,   DENY,   HIDE,   HIDE,   OK,     UNAUTH),
             args=case_id,
             data=lambda w: {"status": "waiting"},
             done=case_is(status="waiting")),
    ],
    "api-case-assign": [
        Case("POST",   row(DENY,   OK,     HIDE,   DENY,   HIDE,   HIDE,   OK,     UNAUTH),
             args=case_id,
             data=lambda w: {"assignee": w.me.pk if w.me else None},
             done=case_assigned_to_me),
    ],
    "api-case-escalate": [
        Case("POST",   row(DENY,   MADE,   HIDE,   DENY,   HIDE,   HIDE,   MADE,   UNAUTH),
             args=case_id,
             data=escalate_to_red,
             done=case_escalated_again),
    ],
    "api-escalations": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.escalation.pk),
    ],
    # The reason taxonomy names no person: everyone signed in reads it (it labels the figures
    # trainers and executives see).
    "api-escalation-reasons": [
        Case("GET",    row(LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, UNAUTH),
             listed=lambda w: w.reason.pk),
    ],
    # ------------------------------------------------------------------------ interactions API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-interactions": [
        Case("GET",    row(LISTED, LISTED, EMPTY,  LISTED, EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.contact.pk),
    ],
    "api-interaction": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     HIDE,   HIDE,   OK,     UNAUTH),
             args=contact_id),
    ],
    # A customer's timeline lists conversations: a marketer reads the customer, not what was said.
    "api-customer-timeline": [
        Case("GET",    row(LISTED, LISTED, HIDE,   LISTED, EMPTY,  HIDE,   LISTED, UNAUTH),
             args=customer_id,
             listed=lambda w: w.contact.pk),
    ],
    "api-screen-pop": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     HIDE,   HIDE,   OK,     UNAUTH),
             query="?phone=(212)%20555-0142"),
    ],
    "api-call-record-imports": [
        Case("POST",   row(DENY,   MADE,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=call_records_file,
             format="multipart",
             done=call_records_uploaded),
    ],
    "api-call-record-import": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=lambda w: [w.call_records.pk]),
    ],
    # Signed by the sending system, not by a user: without a valid signature every visitor is
    # refused alike, whatever session or token they bring (test_signed_endpoints_* below show a
    # valid signature is what admits a delivery).
    "api-channel-messages": [
        Case("POST",   row(UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED,
                           UNSIGNED),
             args=lambda w: ["sms"],
             data=channel_message,
             done=delivery_stored),
    ],
    "api-telephony-events": [
        Case("POST",   row(UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED,
                           UNSIGNED),
             data=call_events,
             done=delivery_stored),
    ],
    # ------------------------------------------------------------------------- API description
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Public: it describes the endpoints and holds no records (drf-spectacular's SERVE_PERMISSIONS).
    "api-schema": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK)),
    ],
    "api-docs": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK)),
    ],
    # ----------------------------------------------------------------- performance: scorecards
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # The company's figures and the KPI registry: everyone. A team's aggregates: its members, its
    # supervisor, trainers, executives and admins (the matrix's agent has no team). One agent's
    # figures: the agent, the supervisor of the agent's team and admins; to anyone else the
    # scorecard does not exist.
    "performance:wall": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
        # Blue has one agent, fewer than the smallest team (3) executives and trainers see.
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     LOGIN),
             query=lambda w: f"?team={w.blue.pk}"),
    ],
    "performance:kpi_detail": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN),
             args=lambda w: ["fcr"]),
    ],
    # Where "Scorecard" leads: an agent's own, a supervisor's team, the wall for the rest.
    "performance:my_scorecard": [
        Case("GET",    row(MOVED,  MOVED,  MOVED,  DENY,   DENY,   MOVED,  MOVED,  LOGIN)),
    ],
    "performance:agent_scorecard": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     LOGIN),
             args=team_agent_args),
    ],
    # A team's aggregates: its members, its supervisor, admins; executives and trainers only for
    # teams of at least the smallest team shown (3 agents) — Blue has one, so its figures are one
    # person's (test_small_teams_* below).
    "performance:team_scorecard": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     LOGIN),
             args=blue_id),
    ],
    # --------------------------------------------------------------- performance: success pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # What success means and the settings behind every figure are read by everyone; admins
    # draft, publish and discard versions and change the settings. A draft is an admin's work in
    # progress: to everyone else it does not exist.
    "performance:success": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "performance:success_create": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             done=a_draft_exists),
    ],
    "performance:success_detail": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN),
             args=lambda w: [w.v1.pk]),
        Case("GET",    row(HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   OK,     LOGIN),
             args=draft_definition_id),
        Case("POST",   row(HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   MOVED,  LOGIN),
             args=draft_definition_id,
             data=draft_parts,
             done=lambda w: SuccessDefinition.objects.filter(name="Draft edited").exists()),
    ],
    "performance:success_publish": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_definition_id,
             data=lambda w: {"effective_from": tomorrow()},
             done=draft_published),
    ],
    "performance:success_discard": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_definition_id,
             done=draft_discarded),
    ],
    "performance:measurement_settings": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=settings_form,
             done=settings_changed),
    ],
    # ----------------------------------------------------------------- performance: goal pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # A goal is an individual's record: its agent and the supervisor of the agent's team agree
    # it; admins read it and act on none (403). Blue's agent proposed `goal`, so Blue's lead is
    # the party who answers it; the matrix's agent (no team) does not find it.
    "performance:goals": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "performance:goal_create": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN)),
        Case("POST",   row(MOVED,  MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             data=new_goal_page,
             done=a_goal_was_proposed),
    ],
    "performance:goal_detail": [
        Case("GET",    row(HIDE,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=goal_id),
    ],
    "performance:goal_action": [
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=goal_action("goal", "agree"),
             done=goal_is("goal", status=GoalStatus.AGREED)),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=goal_action("goal", "decline"),
             data=lambda w: {"note": "Too steep for now."},
             done=goal_is("goal", status=GoalStatus.DECLINED)),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=goal_action("lead_goal", "withdraw"),
             data=lambda w: {"note": ""},
             done=goal_is("lead_goal", status=GoalStatus.WITHDRAWN)),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=goal_action("goal", "revise"),
             data=revised_goal,
             done=goal_is("goal", target="12.00")),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=goal_action("agreed_goal", "checkin"),
             data=lambda w: {"note": "On track."},
             done=goal_checked_in),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=goal_action("agreed_goal", "close"),
             data=lambda w: {"note": "Done."},
             done=goal_is("agreed_goal", status=GoalStatus.CLOSED)),
    ],
    # ---------------------------------------------------------- performance: recognition pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Public praise: everyone signed in reads it and gives kudos (to someone else).
    "performance:recognition": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "performance:kudos_give": [
        Case("POST",   row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  LOGIN),
             data=lambda w: kudos_for_team_agent(w) | {"return_to": "center"},
             done=kudos_given),
    ],
    "performance:agent_page": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN),
             args=team_agent_args),
    ],
    # ------------------------------------------------------------------- performance: QA pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # QA staff (QA analysts, supervisors, admins) evaluate; agents read and dispute their own
    # evaluations (the matrix's agent has none: Blue's agent's are not found). A supervisor sees
    # and decides the disputes of the team they lead; never the evaluator. Trainers, marketers
    # and executives have no QA page.
    "performance:qa": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN)),
    ],
    "performance:qa_samples": [
        Case("GET",    row(DENY,   OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN)),
    ],
    "performance:evaluation_create": [
        Case("POST",   row(DENY,   MOVED,  DENY,   MOVED,  DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.call.pk],
             data=lambda w: {"form": w.qa_form.pk},
             done=call_evaluated),
    ],
    "performance:evaluation_detail": [
        Case("GET",    row(HIDE,   OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=evaluation_id),
        Case("GET",    row(HIDE,   OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=draft_evaluation_id),
        # Only its evaluator changes a draft.
        Case("POST",   row(HIDE,   DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   LOGIN),
             args=draft_evaluation_id,
             data=lambda w: {"action": "save", "comments": "Matrix comment."},
             done=draft_evaluation_saved),
    ],
    # Only the evaluated agent disputes (Blue's agent: see the scope tests).
    "performance:dispute_raise": [
        Case("POST",   row(HIDE,   DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   LOGIN),
             args=evaluation_id,
             data=lambda w: {"reason": "I verified the customer."},
             done=a_second_dispute),
    ],
    "performance:disputes": [
        Case("GET",    row(OK,     OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN)),
    ],
    "performance:dispute_decide": [
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=dispute_id,
             data=lambda w: {"decision": "uphold", "note": "Agreed."},
             done=dispute_upheld),
    ],
    "performance:calibrations": [
        Case("GET",    row(DENY,   OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN)),
    ],
    "performance:calibration_detail": [
        Case("GET",    row(DENY,   OK,     DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=calibration_id),
    ],
    # ------------------------------------------------------------------ performance: scorecards API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-kpis": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH)),
    ],
    "api-kpi": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH),
             args=lambda w: ["fcr"]),
    ],
    "api-scorecard": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=team_agent_args),
    ],
    "api-team-scorecard": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=blue_id),
    ],
    # --------------------------------------------------------------- performance: success API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-success-definitions": [
        Case("GET",    row(LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, UNAUTH),
             listed=lambda w: w.v1.pk),
    ],
    "api-success-compare": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH),
             query="?first=1&second=2"),
    ],
    # ------------------------------------------------------------------ performance: goals API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Out of reach is 404; admins see the goal but are no party to it (403).
    "api-goals": [
        Case("GET",    row(EMPTY,  LISTED, EMPTY,  EMPTY,  EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.goal.pk),
        Case("POST",   row(MADE,   MADE,   DENY,   DENY,   DENY,   DENY,   DENY,   UNAUTH),
             data=new_goal_api,
             done=a_goal_was_proposed),
    ],
    "api-goal": [
        Case("GET",    row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=goal_id),
    ],
    "api-goal-agree": [
        Case("POST",   row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=goal_id,
             done=goal_is("goal", status=GoalStatus.AGREED)),
    ],
    "api-goal-decline": [
        Case("POST",   row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=goal_id,
             data=lambda w: {"note": "Too steep for now."},
             done=goal_is("goal", status=GoalStatus.DECLINED)),
    ],
    "api-goal-withdraw": [
        Case("POST",   row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=lead_goal_id,
             data=lambda w: {"note": ""},
             done=goal_is("lead_goal", status=GoalStatus.WITHDRAWN)),
    ],
    "api-goal-revise": [
        Case("POST",   row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=goal_id,
             data=revised_goal,
             done=goal_is("goal", target="12.00")),
    ],
    "api-goal-checkins": [
        Case("POST",   row(HIDE,   MADE,   HIDE,   HIDE,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=agreed_goal_id,
             data=lambda w: {"note": "On track."},
             done=goal_checked_in),
    ],
    "api-goal-close": [
        Case("POST",   row(HIDE,   OK,     HIDE,   HIDE,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=agreed_goal_id,
             data=lambda w: {"note": "Done."},
             done=goal_is("agreed_goal", status=GoalStatus.CLOSED)),
    ],
    # ------------------------------------------------------------ performance: recognition API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-kudos": [
        Case("GET",    row(LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, LISTED, UNAUTH),
             listed=lambda w: w.kudos.pk),
        Case("POST",   row(MADE,   MADE,   MADE,   MADE,   MADE,   MADE,   MADE,   UNAUTH),
             data=kudos_for_team_agent,
             done=kudos_given),
    ],
    # --------------------------------------------------------------------- performance: QA API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-qa-evaluations": [
        Case("GET",    row(EMPTY,  LISTED, EMPTY,  LISTED, EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.evaluation.pk),
    ],
    "api-qa-evaluation": [
        Case("GET",    row(HIDE,   OK,     HIDE,   OK,     HIDE,   HIDE,   OK,     UNAUTH),
             args=evaluation_id),
    ],
    "api-qa-dispute-raise": [
        Case("POST",   row(HIDE,   DENY,   HIDE,   DENY,   HIDE,   HIDE,   DENY,   UNAUTH),
             args=evaluation_id,
             data=lambda w: {"reason": "I verified the customer."},
             done=a_second_dispute),
    ],
    "api-qa-dispute-decide": [
        Case("POST",   row(HIDE,   OK,     HIDE,   DENY,   HIDE,   HIDE,   OK,     UNAUTH),
             args=dispute_id,
             data=lambda w: {"upheld": True, "note": "Agreed."},
             done=dispute_upheld),
    ],
    "api-qa-calibration-agreement": [
        Case("GET",    row(HIDE,   OK,     HIDE,   OK,     HIDE,   HIDE,   OK,     UNAUTH),
             args=calibration_id),
    ],
    # ------------------------------------------------------------- surveys: design and the draw
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Admins design surveys and set how contacts are drawn; nobody else, so nobody whose figures
    # the surveys measure can steer who is asked.
    "surveys:survey_list": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"name": "Matrix survey two"},
             done=lambda w: Survey.objects.filter(name="Matrix survey two").exists()),
    ],
    "surveys:survey_detail": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=matrix_survey_id),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=matrix_survey_id,
             data=survey_form,
             done=lambda w: Survey.objects.filter(name="Matrix survey, edited").exists()),
    ],
    "surveys:question_add": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=matrix_survey_id,
             data=lambda w: {"kind": "text", "prompt": "Anything else?", "choices": ""},
             done=lambda w: Question.objects.filter(prompt="Anything else?").exists()),
    ],
    "surveys:question_move": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=question_args(1),
             data=lambda w: {"to": "up"},
             done=lambda w: w.matrix_survey.questions.order_by("order", "id").first()
             == w.questions[1]),
    ],
    "surveys:question_remove": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=question_args(0),
             done=lambda w: not Question.objects.filter(pk=w.questions[0].pk).exists()),
    ],
    "surveys:draw_settings": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=draw_form,
             done=lambda w: DrawSettings.objects.filter(rate="0.250").exists()),
    ],
    "surveys:draw_seed_rotate": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             done=audited("survey.draw_seed_rotated")),
    ],
    "surveys:invitations": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "api-survey-invitations": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.answered_invitation.pk),
    ],
    # ---------------------------------------------------------------- surveys: figures, gaming
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Survey figures: every survey reader sees the center, channels and contact types; teams and
    # agents as scope allows (test_survey_report_scope). Agents and marketers have none.
    "surveys:report": [
        Case("GET",    row(DENY,   OK,     OK,     OK,     DENY,   OK,     OK,     LOGIN)),
    ],
    "api-survey-report": [
        Case("GET",    row(DENY,   OK,     OK,     OK,     DENY,   OK,     OK,     UNAUTH)),
    ],
    # Gaming flags: QA analysts and admins. Not supervisors: their teams' scores are what the
    # checks question.
    "surveys:gaming": [
        Case("GET",    row(DENY,   DENY,   DENY,   OK,     DENY,   DENY,   OK,     LOGIN)),
    ],
    "surveys:gaming_run": [
        Case("POST",   row(DENY,   DENY,   DENY,   MOVED,  DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"start": month_start(), "end": timezone.localdate().isoformat()},
             done=audited("survey.gaming_checks_run")),
    ],
    "surveys:gaming_flag": [
        Case("GET",    row(DENY,   DENY,   DENY,   OK,     DENY,   DENY,   OK,     LOGIN),
             args=flag_id),
        Case("POST",   row(DENY,   DENY,   DENY,   MOVED,  DENY,   DENY,   MOVED,  LOGIN),
             args=flag_id,
             data=review,
             done=flag_confirmed),
    ],
    "api-gaming-flags": [
        Case("GET",    row(DENY,   DENY,   DENY,   LISTED, DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.flag.pk),
    ],
    "api-gaming-flag": [
        Case("GET",    row(DENY,   DENY,   DENY,   OK,     DENY,   DENY,   OK,     UNAUTH),
             args=flag_id),
    ],
    "api-gaming-flag-review": [
        Case("POST",   row(DENY,   DENY,   DENY,   OK,     DENY,   DENY,   OK,     UNAUTH),
             args=flag_id,
             data=review,
             done=flag_confirmed),
    ],
    # ------------------------------------------------------------------ surveys: the public page
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Answers to its signed token, not to a user: a valid one opens the page for whoever holds
    # the link, an altered one is not found whoever is logged in.
    "survey_public:answer": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
             args=token_of("open_invitation")),
        Case("GET",    row(HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE),
             args=bad_token),
        Case("POST",   row(MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED),
             args=token_of("open_invitation"),
             data=lambda w: satisfied_answers(w.open_invitation),
             done=open_invitation_answered),
        Case("POST",   row(HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE),
             args=bad_token,
             data=lambda w: satisfied_answers(w.open_invitation),
             done=open_invitation_answered),
    ],
    "survey_public:thanks": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     OK),
             args=token_of("answered_invitation")),
        Case("GET",    row(HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE),
             args=bad_token),
    ],
    # ---------------------------------------------------------- insights: what customers say
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Aggregates with no person in them: insight readers (everyone but agents). Customers ranked
    # by churn risk: supervisors, marketers, admins. One customer's risk: whoever reads that
    # customer (trainers and executives do not find one; an erased customer nobody does).
    "insights:trends": [
        Case("GET",    row(DENY,   OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "insights:churn_risk": [
        Case("GET",    row(DENY,   OK,     DENY,   DENY,   OK,     DENY,   OK,     LOGIN)),
    ],
    "api-insights-trends": [
        Case("GET",    row(DENY,   OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH)),
    ],
    "api-insights-score": [
        Case("POST",   row(DENY,   OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH),
             data=lambda w: {"text": "still waiting"}),
    ],
    "api-customer-churn-risk": [
        Case("GET",    row(OK,     OK,     HIDE,   OK,     OK,     HIDE,   OK,     UNAUTH),
             args=customer_id),
        Case("GET",    row(HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=lambda w: [w.erased.pk]),
    ],
    # ---------------------------------------------------------------- insights: alerts, recovery
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Alert workers (agents, supervisors, admins) get in; the rest are refused. Blue's alert is
    # its supervisor's and the admins'; the matrix's agent owns no recovery, so it is not found
    # for them. Taking and assigning is the team's supervisor's or an admin's; reopening too.
    "insights:alerts": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "insights:recovery_report": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "insights:alert_detail": [
        Case("GET",    row(HIDE,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=alert_id),
    ],
    "insights:alert_action": [
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=alert_action("alert", "take"),
             done=alert_taken_by_me),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=alert_action("alert", "assign"),
             data=lambda w: {"owner": w.team_agent.pk},
             done=alert_is(owner__isnull=False)),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=alert_action("alert", "note"),
             data=lambda w: {"note": "Called back; a refund is on its way."},
             done=alert_noted),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=alert_action("alert", "close"),
             data=closing,
             done=alert_is(state=AlertState.CLOSED)),
        Case("POST",   row(HIDE,   MOVED,  DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=alert_action("closed_alert", "reopen"),
             data=lambda w: {"note": "The customer called again."},
             done=lambda w: not alert_is("closed_alert", state=AlertState.CLOSED)(w)),
    ],
    "api-alerts": [
        Case("GET",    row(EMPTY,  LISTED, DENY,   DENY,   DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.alert.pk),
    ],
    "api-alert": [
        Case("GET",    row(HIDE,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=alert_id),
    ],
    "api-alert-take": [
        Case("POST",   row(HIDE,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=alert_id,
             done=alert_taken_by_me),
    ],
    "api-alert-assign": [
        Case("POST",   row(HIDE,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=alert_id,
             data=lambda w: {"owner": w.team_agent.pk},
             done=lambda w: alert_is(owner=w.team_agent)(w)),
    ],
    "api-alert-close": [
        Case("POST",   row(HIDE,   OK,     DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=alert_id,
             data=closing,
             done=alert_is(state=AlertState.CLOSED)),
    ],
    # ------------------------------------------------------------------------- briefings: readers
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # A briefing is read by the people it was delivered to (the matrix's agent); to anyone else,
    # whatever their role, it does not exist. Its files also reach those who manage it.
    "briefings:mine": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "briefings:read": [
        Case("GET",    row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=briefing_id),
    ],
    "briefings:acknowledge": [
        Case("POST",   row(MOVED,  HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=briefing_id,
             done=a_delivery_has(acknowledged_at__isnull=False)),
    ],
    "briefings:check": [
        Case("POST",   row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=briefing_id,
             data=briefing_answers_form,
             done=a_delivery_has(understood_at__isnull=False)),
    ],
    # The trainer wrote it: trainers and admins manage every briefing, a supervisor their own.
    "briefings:attachment": [
        Case("GET",    row(OK,     HIDE,   OK,     HIDE,   HIDE,   HIDE,   OK,     LOGIN),
             args=lambda w: [w.attachment_file.pk]),
    ],
    # ------------------------------------------------------------------------- briefings: authors
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Trainers, supervisors and admins write briefings; a supervisor manages the ones they wrote
    # (Blue's lead wrote the draft), for the teams they lead. Published text never changes.
    "briefings:manage": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "briefings:create": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=new_briefing,
             done=briefing_titled("Matrix briefing")),
    ],
    "briefings:preview": [
        Case("POST",   row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             data=lambda w: {"body": "**Bold**"}),
    ],
    "briefings:edit": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=draft_briefing_id),
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_briefing_id,
             data=lambda w: new_briefing(w, "Matrix draft, edited"),
             done=briefing_titled("Matrix draft, edited")),
        # Someone else's briefing is not a supervisor's to manage.
        Case("GET",    row(DENY,   HIDE,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=briefing_id),
    ],
    "briefings:attachment_add": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_briefing_id,
             data=lambda w: {"file": png_upload("added.png")},
             done=lambda w: w.draft_briefing.attachments.filter(name="added.png").exists()),
    ],
    "briefings:attachment_remove": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.draft_briefing.pk, w.draft_attachment.pk],
             done=lambda w: not BriefingAttachment.objects.filter(
                 pk=w.draft_attachment.pk).exists()),
    ],
    "briefings:question_add": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_briefing_id,
             data=check_question,
             done=lambda w: BriefingQuestion.objects.filter(text="Matrix question?").exists()),
    ],
    "briefings:question_remove": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.draft_briefing.pk, w.draft_question.pk],
             done=lambda w: not BriefingQuestion.objects.filter(
                 pk=w.draft_question.pk).exists()),
    ],
    "briefings:publish": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_briefing_id,
             done=briefing_is("draft_briefing", status=BriefingStatus.PUBLISHED)),
    ],
    "briefings:archive": [
        Case("POST",   row(DENY,   HIDE,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=briefing_id,
             done=briefing_is("briefing", status=BriefingStatus.ARCHIVED)),
    ],
    "briefings:delete": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_briefing_id,
             done=lambda w: not Briefing.objects.filter(pk=w.draft_briefing.pk).exists()),
    ],
    # Read and understood by team: a supervisor their teams' figures (the published briefing
    # reached Blue's agent), trainers and admins every team (test_briefing_figures_scope).
    "briefings:dashboard": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "briefings:report": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=briefing_id),
    ],
    # --------------------------------------------------------------------------- briefings API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-briefings": [
        Case("GET",    row(LISTED, EMPTY,  EMPTY,  EMPTY,  EMPTY,  EMPTY,  EMPTY,  UNAUTH),
             listed=lambda w: w.briefing.pk),
    ],
    "api-briefing": [
        Case("GET",    row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=briefing_id),
    ],
    "api-briefing-acknowledge": [
        Case("POST",   row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=briefing_id,
             done=a_delivery_has(acknowledged_at__isnull=False)),
    ],
    "api-briefing-check": [
        Case("POST",   row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=briefing_id,
             data=briefing_answers_api,
             done=a_delivery_has(understood_at__isnull=False)),
    ],
    # ------------------------------------------------------------------------------ polls: pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Answered by the poll's audience (every agent); written by trainers and admins; results
    # (never with a name) read by supervisors (their teams), trainers, executives and admins.
    # The mockup is shown to whoever may answer, write or read the poll.
    "briefings:polls": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "briefings:poll_answer": [
        Case("GET",    row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=poll_id),
        Case("POST",   row(MOVED,  HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=poll_id,
             data=lambda w: answers_for(w.poll, text="Looks good."),
             done=poll_answered_by_anyone),
    ],
    "briefings:poll_mockup": [
        Case("GET",    row(OK,     OK,     OK,     HIDE,   HIDE,   OK,     OK,     LOGIN),
             args=poll_id),
    ],
    "briefings:poll_manage": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "briefings:poll_create": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=new_poll,
             done=lambda w: Poll.objects.filter(title="Matrix new poll").exists()),
    ],
    "briefings:poll_edit": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=draft_poll_id),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_poll_id,
             data=lambda w: new_poll(w, "Matrix draft poll, edited"),
             done=poll_is("draft_poll", title="Matrix draft poll, edited")),
    ],
    "briefings:poll_question_add": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_poll_id,
             data=poll_question_form,
             done=lambda w: PollQuestion.objects.filter(text="Matrix rating?").exists()),
    ],
    "briefings:poll_question_edit": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_poll_question,
             data=lambda w: poll_question_form(w, "Matrix rating, edited?"),
             done=lambda w: PollQuestion.objects.filter(text="Matrix rating, edited?").exists()),
    ],
    "briefings:poll_question_delete": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_poll_question,
             done=lambda w: w.draft_poll.questions.count() == 2),
    ],
    "briefings:poll_open": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=draft_poll_id,
             done=poll_is("draft_poll", status=PollStatus.OPEN)),
    ],
    "briefings:poll_close": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=poll_id,
             done=poll_is("poll", status=PollStatus.CLOSED)),
    ],
    "briefings:poll_results_list": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   OK,     OK,     LOGIN)),
    ],
    "briefings:poll_results": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   OK,     OK,     LOGIN),
             args=poll_id),
    ],
    "briefings:poll_export": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   OK,     OK,     LOGIN),
             args=poll_id),
    ],
    # -------------------------------------------------------------------------------- polls API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # The open polls for the asker (a plain list; who gets which: test_open_polls_scope).
    "api-polls": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     UNAUTH)),
    ],
    "api-poll": [
        Case("GET",    row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=poll_id),
    ],
    "api-poll-responses": [
        Case("POST",   row(MADE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=poll_id,
             data=lambda w: {"answers": {k: str(v) for k, v in answers_for(w.poll).items()}},
             done=poll_answered_by_anyone),
    ],
    "api-poll-results": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   OK,     OK,     UNAUTH),
             args=poll_id),
    ],
    # -------------------------------------------------------------------- learning: content pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Modules, new-hire paths and gap rules are written by trainers and admins only.
    "learning:modules": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "learning:module_create": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=new_module,
             done=module_titled("Matrix new module")),
    ],
    "learning:module_edit": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=module_id),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=module_id,
             data=lambda w: new_module(w, "Matrix module, edited"),
             done=module_titled("Matrix module, edited")),
    ],
    "learning:module_questions": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=module_id),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=module_id,
             data=module_question_form,
             done=module_question_named("Matrix module question?")),
    ],
    "learning:module_question_edit": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=lambda w: [w.module.pk, w.spare_question.pk]),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.module.pk, w.spare_question.pk],
             data=lambda w: module_question_form(w, "Spare, edited?"),
             done=module_question_named("Spare, edited?")),
    ],
    "learning:module_question_delete": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.module.pk, w.spare_question.pk],
             done=lambda w: not ModuleQuestion.objects.filter(pk=w.spare_question.pk).exists()),
    ],
    "learning:paths": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: path_form(w, "Matrix path two"),
             done=lambda w: LearningPath.objects.filter(name="Matrix path two").exists()),
    ],
    "learning:path_edit": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=path_id),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=path_id,
             data=lambda w: path_form(w, "Matrix new hires, edited"),
             done=lambda w: LearningPath.objects.filter(name="Matrix new hires, edited").exists()),
    ],
    "learning:path_step_add": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=path_id,
             data=lambda w: {"module": w.module_b.pk, "due_after_days": "7"},
             done=lambda w: PathStep.objects.filter(
                 path=w.learning_path, module=w.module_b).exists()),
    ],
    "learning:path_step_remove": [
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.learning_path.pk, w.step.pk],
             done=lambda w: not PathStep.objects.filter(pk=w.step.pk).exists()),
    ],
    "learning:gap_rules": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "learning:gap_rule_create": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: gap_rule_form(w, "Matrix rule two"),
             done=lambda w: GapRule.objects.filter(name="Matrix rule two").exists()),
    ],
    "learning:gap_rule_edit": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=lambda w: [w.gap_rule.pk]),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.gap_rule.pk],
             data=lambda w: gap_rule_form(w, "Matrix gap rule, edited"),
             done=lambda w: GapRule.objects.filter(name="Matrix gap rule, edited").exists()),
    ],
    # ----------------------------------------------------------------- learning: assignments
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # My learning: everyone's own. An assignment is taken by its agent only (the matrix's agent);
    # proposals from gaps are confirmed or dismissed by learning trackers: trainers, admins, and
    # the supervisor of the agent's team (Blue's agent's proposal, so Blue's lead).
    "learning:mine": [
        Case("GET",    row(OK,     OK,     OK,     OK,     OK,     OK,     OK,     LOGIN)),
    ],
    "learning:assignments": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "learning:assignment_create": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"agents": [w.team_agent.pk], "module": w.module_b.pk,
                             "due_on": "", "note": "Matrix note."},
             done=module_b_assigned),
    ],
    "learning:assignment": [
        Case("GET",    row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=assignment_id),
    ],
    "learning:assignment_check": [
        Case("POST",   row(MOVED,  HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   LOGIN),
             args=assignment_id,
             data=module_answers_form,
             done=assignment_is("assignment", status="completed")),
    ],
    "learning:assignment_confirm": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=proposal_id,
             data=lambda w: {"due_on": "", "note": ""},
             done=assignment_is("proposal", status="assigned")),
    ],
    "learning:assignment_dismiss": [
        Case("POST",   row(DENY,   MOVED,  MOVED,  DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=proposal_id,
             data=lambda w: {"note": "Not needed now."},
             done=assignment_is("proposal", status="dismissed")),
    ],
    # ----------------------------------------------------------------- learning: proficiency
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # One agent's proficiency: the agent, their team's supervisor, trainers, admins. Time to
    # proficiency and training impact: aggregates for impact readers (trainers, executives,
    # admins), never a group under 3 (test_training_impact_*).
    "learning:proficiency": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "learning:proficiency_agent": [
        Case("GET",    row(HIDE,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             args=team_agent_args),
    ],
    "learning:proficiency_cohorts": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   OK,     OK,     LOGIN)),
    ],
    # Review retention and mastery: learning trackers, over the agents they track (supervisors
    # their own teams'); groups under five agents show no figure (test_retention_views).
    "learning:retention": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     LOGIN),
             query=lambda w: "?period=56"),
    ],
    "learning:impact": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   OK,     OK,     LOGIN)),
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   OK,     OK,     LOGIN),
             query=impact_form_query),
    ],
    # ---------------------------------------------------------------------- learning: idle time
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Between contacts, for the people at a desk (agents, supervisors, admins). Each activity and
    # review question is its agent's own: the matrix's agent's are not found for anyone else.
    "learning:idle_panel": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "learning:idle_pause": [
        Case("POST",   row(GONE,   GONE,   DENY,   DENY,   DENY,   DENY,   GONE,   LOGIN)),
    ],
    "learning:idle_skip": [
        Case("POST",   row(OK,     HIDE,   DENY,   DENY,   DENY,   DENY,   HIDE,   LOGIN),
             args=activity_id,
             done=activity_is(status="skipped")),
    ],
    "learning:idle_review": [
        Case("POST",   row(OK,     HIDE,   DENY,   DENY,   DENY,   DENY,   HIDE,   LOGIN),
             args=review_item_id,
             data=lambda w: {f"q{w.review_items[0].question_id}": [str(review_choice(w))]},
             done=reviewed),
    ],
    "learning:my_reviews": [
        Case("GET",    row(OK,     OK,     DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    # ---------------------------------------------------------------------------- learning API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-learning-modules": [
        Case("GET",    row(LISTED, EMPTY,  LISTED, EMPTY,  EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.module.pk),
        Case("POST",   row(DENY,   DENY,   MADE,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: new_module(w, "Matrix api module") | {"is_active": True},
             done=module_titled("Matrix api module")),
    ],
    "api-learning-module": [
        Case("GET",    row(OK,     HIDE,   OK,     HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=module_id),
    ],
    # Blue's agent's proposal: listed for those who track Blue; the agent lists their own.
    "api-learning-assignments": [
        Case("GET",    row(OK,     LISTED, LISTED, EMPTY,  EMPTY,  EMPTY,  LISTED, UNAUTH),
             listed=lambda w: w.proposal.pk),
        Case("POST",   row(DENY,   DENY,   MADE,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: {"agent": w.team_agent.pk, "module": w.module_b.pk},
             done=module_b_assigned),
    ],
    "api-learning-assignment": [
        Case("GET",    row(OK,     HIDE,   OK,     HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=assignment_id),
    ],
    "api-learning-assignment-confirm": [
        Case("POST",   row(HIDE,   OK,     OK,     HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=proposal_id,
             done=assignment_is("proposal", status="assigned")),
    ],
    "api-learning-assignment-dismiss": [
        Case("POST",   row(HIDE,   OK,     OK,     HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=proposal_id,
             data=lambda w: {"note": "Not needed now."},
             done=assignment_is("proposal", status="dismissed")),
    ],
    "api-learning-assignment-start": [
        Case("POST",   row(OK,     HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=assignment_id,
             done=assignment_is("assignment", status="in_progress")),
    ],
    "api-learning-assignment-attempts": [
        Case("POST",   row(MADE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   HIDE,   UNAUTH),
             args=assignment_id,
             data=module_answers_api,
             done=assignment_is("assignment", status="completed")),
    ],
    "api-learning-proficiency-agent": [
        Case("GET",    row(HIDE,   OK,     OK,     HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=team_agent_args),
    ],
    "api-learning-proficiency-team": [
        Case("GET",    row(HIDE,   OK,     OK,     HIDE,   HIDE,   HIDE,   OK,     UNAUTH),
             args=blue_id),
    ],
    "api-learning-proficiency-cohorts": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   OK,     OK,     UNAUTH)),
    ],
    "api-learning-retention": [
        Case("GET",    row(DENY,   OK,     OK,     DENY,   DENY,   DENY,   OK,     UNAUTH),
             query=lambda w: "?period=28"),
    ],
    "api-learning-impact": [
        Case("GET",    row(DENY,   DENY,   OK,     DENY,   DENY,   OK,     OK,     UNAUTH),
             query=impact_query),
    ],
    # The matrix's agent is available: idle time resumes their activity; a supervisor and an
    # admin at a desk with nothing waiting get 204.
    "api-next-activity": [
        Case("GET",    row(OK,     GONE,   DENY,   DENY,   DENY,   DENY,   GONE,   UNAUTH)),
    ],
    "api-activity-skip": [
        Case("POST",   row(OK,     HIDE,   DENY,   DENY,   DENY,   DENY,   HIDE,   UNAUTH),
             args=activity_id,
             done=activity_is(status="skipped")),
    ],
    "api-review-answer": [
        Case("POST",   row(OK,     HIDE,   DENY,   DENY,   DENY,   DENY,   HIDE,   UNAUTH),
             args=review_item_id,
             data=lambda w: {"choices": [review_choice(w)]},
             done=reviewed),
    ],
    # --------------------------------------------------------------------------- import pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Imports write across the whole database: admins only, and every job is every admin's (the
    # center's, not the uploader's: test_imports_are_center_wide). Nobody else has a part in
    # them, so every page is 403, whether the job exists or not (test_no_import_or_identity_*).
    "imports:jobs": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "imports:new": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=upload_form,
             done=a_job_named("matrix-page-upload.csv")),
    ],
    "imports:detail": [
        # Uploaded: the mapping step. Checked: the dry run's findings and its refused rows.
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=job_id("import_job")),
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=job_id("checked_job")),
    ],
    "imports:mapping": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=job_id("import_job"),
             data=mapping_form,
             done=mapping_saved),
    ],
    "imports:mapping_change": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=job_id("checked_job")),
    ],
    "imports:dry_run": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=job_id("import_job"),
             done=job_is("import_job", state=JobState.CHECKING)),
    ],
    "imports:run": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=job_id("checked_job"),
             done=job_is("checked_job", state=JobState.QUEUED)),
    ],
    "imports:cancel": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=job_id("queued_job"),
             done=job_is("queued_job", state=JobState.CANCELLED)),
    ],
    "imports:progress": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=job_id("queued_job")),
    ],
    # The refused rows as they were read: a download of customer data, so it is audited.
    "imports:errors": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=job_id("checked_job"),
             done=audited("imports.error_report")),
    ],
    "imports:mappings": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "imports:mapping_delete": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.saved_mapping.pk],
             done=saved_mapping_deleted),
    ],
    # Who is who in other systems: admins say it, for imports to find people.
    "imports:people": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"source": "zendesk", "external_id": "MATRIX-ADDED",
                             "username": w.team_agent.username},
             done=external_account_added),
    ],
    "imports:person_remove": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=lambda w: [w.external_account.pk],
             done=external_account_removed),
    ],
    # ----------------------------------------------------------------------------- imports API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # An area no other role has a part in: 403 in the API too, for lists and records alike.
    "api-imports": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.import_job.pk),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=upload_api,
             format="multipart",
             done=a_job_named("matrix-api-upload.csv")),
    ],
    "api-import-sources": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH)),
    ],
    "api-import": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=job_id("checked_job")),
    ],
    "api-import-errors": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=job_id("checked_job")),
    ],
    "api-import-mapping": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=job_id("import_job"),
             data=lambda w: {"mapping": {"external_id": "Household ID", "name": "Name"}},
             done=job_is("import_job", state=JobState.CHECKING)),
    ],
    "api-import-run": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=job_id("checked_job"),
             done=job_is("checked_job", state=JobState.QUEUED)),
    ],
    "api-import-cancel": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=job_id("queued_job"),
             done=job_is("queued_job", state=JobState.CANCELLED)),
    ],
    # ------------------------------------------------------------------------- identity pages
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    # Likely duplicates, merges and their undoing, batch runs and the confidences that steer
    # them: admins only (every merge, undo and dismissal is audited).
    "identity:queue": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "identity:pair": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=pair_id),
    ],
    "identity:merge": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=pair_id,
             data=lambda w: {"survivor": w.pair.left_id},
             done=pair_is(status=PairStatus.MERGED)),
    ],
    "identity:dismiss": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=pair_id,
             data=lambda w: {"note": "Twins."},
             done=pair_is(status=PairStatus.DISMISSED)),
    ],
    "identity:merges": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
    ],
    "identity:undo": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=merge_id),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             args=merge_id,
             done=merge_undone),
    ],
    "identity:settings": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"review_at": "85", "auto_merge_at": ""},
             done=review_at_85),
    ],
    "identity:runs": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN)),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MOVED,  LOGIN),
             data=lambda w: {"engine": "scoring"},
             done=a_run_queued),
    ],
    "identity:run_progress": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     LOGIN),
             args=lambda w: [w.match_run.pk]),
    ],
    # ---------------------------------------------------------------------------- identity API
    #                      agent   superv. trainer qa      market. exec.   admin   anonymous
    "api-identity-pairs": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.pair.pk),
    ],
    "api-identity-pair": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=pair_id),
    ],
    "api-identity-pair-merge": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             args=pair_id,
             data=lambda w: {"survivor_id": w.pair.left_id},
             done=pair_is(status=PairStatus.MERGED)),
    ],
    "api-identity-pair-dismiss": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=pair_id,
             data=lambda w: {"note": "Twins."},
             done=pair_is(status=PairStatus.DISMISSED)),
    ],
    "api-identity-merges": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.merge.pk),
    ],
    "api-identity-merge-undo": [
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=merge_id,
             done=merge_undone),
    ],
    "api-identity-runs": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   LISTED, UNAUTH),
             listed=lambda w: w.match_run.pk),
        Case("POST",   row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   MADE,   UNAUTH),
             data=lambda w: {"engine": "scoring"},
             done=a_run_queued),
    ],
    "api-identity-run": [
        Case("GET",    row(DENY,   DENY,   DENY,   DENY,   DENY,   DENY,   OK,     UNAUTH),
             args=lambda w: [w.match_run.pk]),
    ],
}
# fmt: on


# ------------------------------------------------------------------------------------------------
# Every route has a row
# ------------------------------------------------------------------------------------------------

SKIPPED_NAMESPACES = ("admin",)  # Django's admin site checks is_staff itself


def walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str | None, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from walk(entry, inner)
        elif entry.name is None:
            yield None, entry
        else:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def rapport_routes() -> dict[str, URLPattern]:
    """Every named route outside Django's admin (and static files, should they ever be routed).
    Anything new, in any namespace, is in: a new app's routes need rows too."""
    return {name: p for name, p in walk(get_resolver()) if name and name != "static"}


def test_every_route_has_a_row():
    unnamed = [str(p.pattern) for name, p in walk(get_resolver()) if name is None]
    assert not unnamed, f"routes without a name cannot have a row in MATRIX: {unnamed}"
    routes = set(rapport_routes())
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, (
        f"endpoints without a row in MATRIX (add one, and docs/access.md): {missing}"
    )
    assert not stale, f"rows in MATRIX for endpoints that no longer exist: {stale}"


def test_every_api_method_has_a_row():
    """An API view that grows a method (a DELETE, a PUT) needs a case for it too."""
    ignored = {"options", "head", "trace"}
    for name, pattern in rapport_routes().items():
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not issubclass(view_class, APIView):
            continue
        served = {m.upper() for m in view_class.http_method_names if m not in ignored}
        served = {m for m in served if hasattr(view_class, m.lower())}
        covered = {case.method for case in MATRIX.get(name, [])}
        assert served == covered, f"{name} answers {sorted(served)}; MATRIX has {sorted(covered)}"


def test_every_row_is_complete():
    for name, cases in MATRIX.items():
        for case in cases:
            assert list(case.expect) == VISITORS, name
            assert set(case.bugs) <= set(VISITORS), name
            if LISTED in case.expect.values():
                assert case.listed is not None, f"{name}: LISTED needs `listed`"


# ------------------------------------------------------------------------------------------------
# Each row, as each visitor
# ------------------------------------------------------------------------------------------------


def send(clients, name: str, case: Case, w):
    query = case.query(w) if callable(case.query) else case.query
    url = reverse(name, args=case.args(w) if case.args else None) + query
    data = case.data(w) if case.data else {}
    if url.startswith("/api/"):
        client = api_client(clients, w.me)
        if case.method == "GET":
            return client.get(url)
        return getattr(client, case.method.lower())(url, data, format=case.format)
    client = page_client(clients, w.me)
    if case.method == "GET":
        return client.get(url)
    return getattr(client, case.method.lower())(url, data)


def check(name: str, case: Case, who: str, response, w) -> None:
    expected = case.expect[who]
    where = f"{who} {case.method} {name}"
    status = response.status_code
    body = b"(a file)" if response.streaming else response.content[:300]
    if expected in (LOGIN, MOVED):
        assert status == 302, f"{where}: expected a redirect ({expected}), got {status} {body!r}"
        to_login = response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        assert to_login is (expected == LOGIN), f"{where}: redirected to {response['Location']}"
    elif expected in (LISTED, EMPTY):
        assert status == 200, f"{where}: expected 200, got {status} {body!r}"
        ids = [item["id"] for item in response.json()["results"]]
        if expected == LISTED:
            assert case.listed(w) in ids, f"{where}: expected id {case.listed(w)} among {ids}"
        else:
            assert ids == [], f"{where}: expected no results, got ids {ids}"
    elif expected == UNSIGNED:
        assert status == UNAUTH, f"{where}: expected 401 (unsigned), got {status} {body!r}"
        assert response.json()["code"] == "bad_signature", f"{where}: {body!r}"
        challenge = response.get("WWW-Authenticate", "")
        assert challenge.startswith("HMAC-SHA256"), f"{where}: challenge {challenge!r}"
    else:
        assert status == expected, f"{where}: expected {expected}, got {status} {body!r}"
    if expected == UNAUTH:
        assert response["WWW-Authenticate"] == "Token", f"{where}: no WWW-Authenticate challenge"
    if case.done is not None:
        should = expected in SUCCESS
        assert case.done(w) is should, (
            f"{where}: the write {'did not happen' if should else 'happened'}"
        )


def matrix_params() -> Iterator:
    for name, cases in MATRIX.items():
        methods = [case.method for case in cases]
        for index, case in enumerate(cases):
            # A route with several requests of one method tells them apart by their position.
            method = case.method if methods.count(case.method) == 1 else f"{case.method}{index}"
            for who in VISITORS:
                bug = case.bugs.get(who)
                marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
                yield pytest.param(name, index, who, id=f"{name}-{method}-{who}", marks=marks)


@pytest.mark.parametrize(("name", "index", "who"), list(matrix_params()))
def test_access(world, world_as, clients, name, index, who):
    case = MATRIX[name][index]
    w = world_as(None if who == ANONYMOUS else world.users[who])
    response = send(clients, name, case, w)
    check(name, case, who, response, w)


# ------------------------------------------------------------------------------------------------
# Lists leave out what exists but is out of the asker's reach
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """`viewer` (role keys; or a person of the world: "team_agent" is Blue's agent, "red_agent"
    Red's) lists `route`: no `hidden` id appears, every `shown` id does (so an empty list cannot
    pass for a well-scoped one)."""

    route: str
    viewer: tuple[str, ...] | str
    hidden: Callable[[Any], list[int]]
    shown: Callable[[Any], list[int]] = lambda w: []
    args: Callable[[Any], list] | None = None  # URL arguments, from the world


def everyone_else(w) -> list[int]:
    """Every user who is neither the asker nor in a team the asker leads."""
    return [w.red_agent.pk, w.red_lead.pk, *(u.pk for u in w.users.values() if u != w.me)]


READERS = [(role,) for role in ("agent", "supervisor", "qa_analyst", "marketer", "admin")]
CUSTOMER_LISTS = [
    ("api-customers", "customer", "erased"),
    ("api-contact-points", "point", "erased_point"),
    ("api-holdings", "holding", "erased_holding"),
    ("api-consents", "consent", "erased_consent"),
]

CONVERSATION_READERS = [*((role,) for role in ("agent", "supervisor", "qa_analyst", "admin"))]
# Read across teams, so whoever picks a case up sees what the customer already told us.
CONVERSATION_VIEWERS = [*CONVERSATION_READERS, "team_agent", "red_agent"]
CONVERSATION_LISTS = [
    ("api-cases", "case", "erased_case"),
    ("api-interactions", "contact", "erased_contact"),
    ("api-escalations", "escalation", "erased_escalation"),
]

# Roles (and a combination of them) that read performance by team at most, never a person's.
AGGREGATE_READERS = [("trainer",), ("executive",), ("marketer",), ("trainer", "executive")]


def blue_goals(w) -> list[int]:
    return [w.goal.pk, w.lead_goal.pk, w.agreed_goal.pk]


def blue_alerts(w) -> list[int]:
    return [w.alert.pk, w.closed_alert.pk]


def red_alerts(w) -> list[int]:
    """Red's: the live customer's wish to leave, and the escalations from Red's queue."""
    return list(Alert.objects.filter(team=w.red).values_list("pk", flat=True))


def every_goal(w) -> list[int]:
    return [*blue_goals(w), w.red_goal.pk]


def calibration_evaluations(w) -> list[int]:
    return list(w.calibration.evaluations.values_list("pk", flat=True))


def blue_evaluations(w) -> list[int]:
    return [w.evaluation.pk, w.draft_evaluation.pk, *calibration_evaluations(w)]


SCOPES = [
    # People: a supervisor sees the team they lead and themselves; nobody else.
    Scope(
        "api-users",
        ("supervisor",),
        hidden=everyone_else,
        shown=lambda w: [w.team_agent.pk, w.me.pk],
    ),
    Scope("api-teams", ("supervisor",), hidden=lambda w: [w.red.pk], shown=lambda w: [w.blue.pk]),
    Scope("api-teams", "team_agent", hidden=lambda w: [w.red.pk], shown=lambda w: [w.blue.pk]),
    Scope("api-users", "team_agent", hidden=lambda w: [w.team_agent.pk, w.red_agent.pk, w.lead.pk]),
    # Tokens: only your own, admins included.
    *[
        Scope(
            "api-auth-tokens",
            (role,),
            hidden=lambda w: [w.others_token.pk],
            shown=lambda w: [w.token.pk],
        )
        for role in ROLES
    ],
    # An erased customer is gone for everyone, admins included, whatever rows are left.
    *[
        Scope(
            route,
            viewer,
            hidden=lambda w, e=erased: [getattr(w, e).pk],
            shown=lambda w, s=shown: [getattr(w, s).pk],
        )
        for route, shown, erased in CUSTOMER_LISTS
        for viewer in READERS
    ],
    *[
        Scope("api-notes", viewer, hidden=lambda w: [w.erased_note.pk], shown=lambda w: [w.note.pk])
        for viewer in READERS
        if viewer != ("marketer",)
    ],
    # Notes carry what was said in service: a marketer never reads them, whatever else they hold,
    # unless another role they hold reads notes in its own right.
    Scope("api-notes", ("marketer",), hidden=lambda w: [w.note.pk, w.erased_note.pk]),
    Scope("api-notes", ("marketer", "trainer"), hidden=lambda w: [w.note.pk]),
    Scope("api-notes", ("marketer", "executive"), hidden=lambda w: [w.note.pk]),
    Scope(
        "api-notes",
        ("marketer", "agent"),
        hidden=lambda w: [w.erased_note.pk],
        shown=lambda w: [w.note.pk],
    ),
    # Trainers and executives work from aggregates: no customer record at all.
    *[
        Scope(route, (role,), hidden=lambda w, a=attr: [getattr(w, a).pk])
        for role in ("trainer", "executive")
        for route, attr in [(r, s) for r, s, _ in CUSTOMER_LISTS]
        + [("api-notes", "note"), ("api-households", "household"), ("api-products", "product")]
    ],
    # Conversations, cases and hand-offs: read by everyone who serves customers, in any team;
    # an erased customer's are gone for all of them.
    *[
        Scope(
            route,
            viewer,
            hidden=lambda w, e=erased: [getattr(w, e).pk],
            shown=lambda w, s=shown: [getattr(w, s).pk],
        )
        for route, shown, erased in CONVERSATION_LISTS
        for viewer in CONVERSATION_VIEWERS
    ],
    # Marketers never read what was said, nor do trainers and executives (aggregates only), and
    # no second role of theirs that does not read conversations changes that.
    *[
        Scope(
            route, viewer, hidden=lambda w, s=shown, e=erased: [getattr(w, s).pk, getattr(w, e).pk]
        )
        for route, shown, erased in CONVERSATION_LISTS
        for viewer in [("marketer",), ("trainer",), ("executive",), ("marketer", "trainer")]
    ],
    Scope(
        "api-interactions",
        ("marketer", "qa_analyst"),
        hidden=lambda w: [w.erased_contact.pk],
        shown=lambda w: [w.contact.pk],
    ),
    # A customer's timeline: every channel, for those who read conversations; a marketer, who may
    # read the customer, gets the timeline empty.
    *[
        Scope(
            "api-customer-timeline",
            viewer,
            args=lambda w: [w.customer.pk],
            hidden=lambda w: [w.erased_contact.pk],
            shown=lambda w: [w.contact.pk, w.call.pk],
        )
        for viewer in CONVERSATION_VIEWERS
    ],
    Scope(
        "api-customer-timeline",
        ("marketer",),
        args=lambda w: [w.customer.pk],
        hidden=lambda w: [w.contact.pk, w.call.pk],
    ),
    # Goals are an individual's record: the agent, the lead of the agent's team, admins. Red's
    # never reach Blue's lead, nor Blue's Red's lead; the roles of aggregates see none at all.
    Scope("api-goals", ("supervisor",), hidden=lambda w: [w.red_goal.pk], shown=blue_goals),
    Scope("api-goals", "team_agent", hidden=lambda w: [w.red_goal.pk], shown=blue_goals),
    Scope("api-goals", "red_lead", hidden=blue_goals, shown=lambda w: [w.red_goal.pk]),
    Scope("api-goals", "red_agent", hidden=blue_goals, shown=lambda w: [w.red_goal.pk]),
    Scope("api-goals", ("admin",), hidden=lambda w: [], shown=every_goal),
    *[Scope("api-goals", viewer, hidden=every_goal) for viewer in AGGREGATE_READERS],
    # Evaluations: also QA analysts. The agent reads their own once submitted, never a draft nor
    # a calibration exercise on their contact.
    Scope(
        "api-qa-evaluations",
        ("supervisor",),
        hidden=lambda w: [w.red_evaluation.pk],
        shown=lambda w: [w.evaluation.pk, w.draft_evaluation.pk, *calibration_evaluations(w)],
    ),
    Scope(
        "api-qa-evaluations",
        "red_lead",
        hidden=blue_evaluations,
        shown=lambda w: [w.red_evaluation.pk],
    ),
    Scope(
        "api-qa-evaluations",
        "team_agent",
        hidden=lambda w: [w.draft_evaluation.pk, w.red_evaluation.pk, *calibration_evaluations(w)],
        shown=lambda w: [w.evaluation.pk],
    ),
    Scope("api-qa-evaluations", "red_agent", hidden=blue_evaluations),
    Scope(
        "api-qa-evaluations",
        ("qa_analyst",),
        hidden=lambda w: [],
        shown=lambda w: [*blue_evaluations(w), w.red_evaluation.pk],
    ),
    *[
        Scope(
            "api-qa-evaluations",
            viewer,
            hidden=lambda w: [*blue_evaluations(w), w.red_evaluation.pk],
        )
        for viewer in AGGREGATE_READERS
    ],
    # Alerts: a supervisor the teams they lead, an agent the recoveries they own (Blue's agent
    # handled the contact but owns no recovery), admins all.
    Scope("api-alerts", ("supervisor",), hidden=red_alerts, shown=blue_alerts),
    Scope("api-alerts", "red_lead", hidden=blue_alerts, shown=lambda w: [w.red_alert.pk]),
    Scope("api-alerts", "team_agent", hidden=lambda w: [*blue_alerts(w), *red_alerts(w)]),
    Scope("api-alerts", "red_agent", hidden=lambda w: [*blue_alerts(w), *red_alerts(w)]),
    Scope(
        "api-alerts",
        ("admin",),
        hidden=lambda w: [],
        shown=lambda w: [*blue_alerts(w), *red_alerts(w)],
    ),
]


def viewer_of(world, world_as, viewer: tuple[str, ...] | str):
    if isinstance(viewer, str):
        return world_as(person(world, viewer))
    if len(viewer) == 1:
        return world_as(world.users[viewer[0]])
    return world_as(UserFactory(roles=list(viewer)))


def person(world, who: str) -> User:
    """A role's user ("agent", "supervisor", …) or a person of the world ("team_agent", …)."""
    return world.users[who] if who in ROLES else getattr(world, who)


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param(
            s, id=f"{s.route}-{s.viewer if isinstance(s.viewer, str) else '+'.join(s.viewer)}"
        )
        for s in SCOPES
    ],
)
def test_out_of_scope_records_never_listed(world, world_as, clients, scope):
    w = viewer_of(world, world_as, scope.viewer)
    url = reverse(scope.route, args=scope.args(w) if scope.args else None)
    response = api_client(clients, w.me).get(url, {"page_size": 200})
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    leaked = ids & set(scope.hidden(w))
    missing = set(scope.shown(w)) - ids
    assert not leaked, f"{scope.route} as {scope.viewer} lists {leaked}"
    assert not missing, f"{scope.route} as {scope.viewer} leaves out {missing}"


# ------------------------------------------------------------------------------------------------
# Single records out of reach answer 404, whoever asks
# ------------------------------------------------------------------------------------------------

OUT_OF_REACH = [
    # (viewer, method, URL from the world, expected)
    ("supervisor", "GET", lambda w: reverse("api-user", args=[w.red_agent.pk]), HIDE),
    ("supervisor", "GET", lambda w: reverse("api-user-states", args=[w.red_agent.pk]), HIDE),
    ("supervisor", "GET", lambda w: reverse("accounts:person", args=[w.red_agent.pk]), HIDE),
    ("supervisor", "POST", lambda w: reverse("accounts:person", args=[w.red_agent.pk]), HIDE),
    # An agent's state history is theirs: they read their own, not a colleague's.
    ("agent", "GET", lambda w: reverse("api-user-states", args=[w.me.pk]), OK),
    ("agent", "GET", lambda w: reverse("api-user-states", args=[w.team_agent.pk]), HIDE),
    ("team_agent", "GET", lambda w: reverse("api-user-states", args=[w.me.pk]), OK),
    ("team_agent", "GET", lambda w: reverse("api-user-states", args=[w.red_agent.pk]), HIDE),
    # Someone else's token cannot be revoked, not even by an admin (they deactivate the user).
    *[
        (role, "DELETE", lambda w: reverse("api-auth-token-revoke", args=[w.others_token.pk]), HIDE)
        for role in ROLES
    ],
    ("admin", "POST", lambda w: reverse("accounts:token_revoke", args=[w.others_token.pk]), HIDE),
    # An erased customer is not found, by admins either.
    *[
        (role, "GET", lambda w: reverse("api-customer", args=[w.erased.pk]), HIDE)
        for role in ("agent", "admin")
    ],
    ("admin", "GET", lambda w: reverse("customers:detail", args=[w.erased.pk]), HIDE),
    ("admin", "GET", lambda w: reverse("api-contact-point", args=[w.erased_point.pk]), HIDE),
    ("agent", "GET", lambda w: reverse("api-customer-lookup") + "?email=gone@example.com", HIDE),
    ("agent", "GET", lambda w: reverse("api-screen-pop") + "?phone=%2B12125550143", HIDE),
    # An erased customer's cases, contacts and timeline are gone too.
    ("admin", "GET", lambda w: reverse("api-case", args=[w.erased_case.pk]), HIDE),
    ("admin", "GET", lambda w: reverse("cases:detail", args=[w.erased_case.pk]), HIDE),
    ("admin", "POST", lambda w: reverse("api-case-status", args=[w.erased_case.pk]), HIDE),
    ("admin", "GET", lambda w: reverse("api-interaction", args=[w.erased_contact.pk]), HIDE),
    ("admin", "GET", lambda w: reverse("interactions:detail", args=[w.erased_contact.pk]), HIDE),
    ("admin", "GET", lambda w: reverse("api-customer-timeline", args=[w.erased.pk]), HIDE),
    # An attachment is reached through its own contact only.
    (
        "admin",
        "GET",
        lambda w: reverse("interactions:attachment", args=[w.call.pk, w.attachment.pk]),
        HIDE,
    ),
    # A desktop contact belongs to the person it was offered to: a colleague, their supervisor
    # and an admin act on it from the case, not from someone else's desk.
    *[
        (who, "POST", lambda w: reverse("workspace:note", args=[w.call.pk]), HIDE)
        for who in ("agent", "supervisor", "admin", "red_agent")
    ],
    ("team_agent", "POST", lambda w: reverse("workspace:note", args=[w.call.pk]), MOVED),
    ("red_agent", "GET", lambda w: reverse("workspace:desktop") + f"?contact={w.call.pk}", HIDE),
    ("team_agent", "GET", lambda w: reverse("workspace:desktop") + f"?contact={w.call.pk}", OK),
    # One agent's figures, goals and evaluations do not exist for another team's lead: Red's
    # for Blue's lead, Blue's for Red's lead.
    ("supervisor", "GET", lambda w: reverse("api-scorecard", args=[w.red_agent.pk]), HIDE),
    (
        "supervisor",
        "GET",
        lambda w: reverse("performance:agent_scorecard", args=[w.red_agent.pk]),
        HIDE,
    ),
    ("supervisor", "GET", lambda w: reverse("api-team-scorecard", args=[w.red.pk]), HIDE),
    ("supervisor", "GET", lambda w: reverse("performance:team_scorecard", args=[w.red.pk]), HIDE),
    ("supervisor", "GET", lambda w: reverse("performance:wall") + f"?team={w.red.pk}", HIDE),
    ("supervisor", "GET", lambda w: reverse("api-goal", args=[w.red_goal.pk]), HIDE),
    ("supervisor", "GET", lambda w: reverse("performance:goal_detail", args=[w.red_goal.pk]), HIDE),
    ("supervisor", "POST", lambda w: reverse("api-goal-agree", args=[w.red_goal.pk]), HIDE),
    (
        "supervisor",
        "POST",
        lambda w: reverse("performance:goal_action", args=[w.red_goal.pk, "agree"]),
        HIDE,
    ),
    ("supervisor", "GET", lambda w: reverse("api-qa-evaluation", args=[w.red_evaluation.pk]), HIDE),
    (
        "supervisor",
        "GET",
        lambda w: reverse("performance:evaluation_detail", args=[w.red_evaluation.pk]),
        HIDE,
    ),
    ("red_lead", "GET", lambda w: reverse("api-scorecard", args=[w.team_agent.pk]), HIDE),
    ("red_lead", "GET", lambda w: reverse("api-team-scorecard", args=[w.blue.pk]), HIDE),
    ("red_lead", "GET", lambda w: reverse("api-goal", args=[w.goal.pk]), HIDE),
    ("red_lead", "GET", lambda w: reverse("api-qa-evaluation", args=[w.evaluation.pk]), HIDE),
    ("red_lead", "POST", lambda w: reverse("api-qa-dispute-decide", args=[w.dispute.pk]), HIDE),
    (
        "red_lead",
        "GET",
        lambda w: reverse("api-qa-calibration-agreement", args=[w.calibration.pk]),
        HIDE,
    ),
    # An agent sees their own figures and their team's, not a colleague's in another team; and
    # their own evaluations once submitted, never a draft.
    ("team_agent", "GET", lambda w: reverse("api-scorecard", args=[w.me.pk]), OK),
    ("team_agent", "GET", lambda w: reverse("performance:agent_scorecard", args=[w.me.pk]), OK),
    ("team_agent", "GET", lambda w: reverse("api-team-scorecard", args=[w.blue.pk]), OK),
    ("team_agent", "GET", lambda w: reverse("api-team-scorecard", args=[w.red.pk]), HIDE),
    ("team_agent", "GET", lambda w: reverse("api-scorecard", args=[w.red_agent.pk]), HIDE),
    ("red_agent", "GET", lambda w: reverse("api-scorecard", args=[w.team_agent.pk]), HIDE),
    ("team_agent", "GET", lambda w: reverse("api-goal", args=[w.goal.pk]), OK),
    ("red_agent", "GET", lambda w: reverse("api-goal", args=[w.goal.pk]), HIDE),
    ("team_agent", "GET", lambda w: reverse("api-qa-evaluation", args=[w.evaluation.pk]), OK),
    (
        "team_agent",
        "GET",
        lambda w: reverse("api-qa-evaluation", args=[w.draft_evaluation.pk]),
        HIDE,
    ),
    (
        "team_agent",
        "GET",
        lambda w: reverse("performance:evaluation_detail", args=[w.draft_evaluation.pk]),
        HIDE,
    ),
    ("red_agent", "GET", lambda w: reverse("api-qa-evaluation", args=[w.evaluation.pk]), HIDE),
    # Another team's alert does not exist for a supervisor, nor one an agent does not own: not
    # even the agent who handled the contact.
    *[
        ("red_lead", method, lambda w, route=route: reverse(route, args=[w.alert.pk]), HIDE)
        for method, route in [
            ("GET", "api-alert"),
            ("GET", "insights:alert_detail"),
            ("POST", "api-alert-take"),
            ("POST", "api-alert-assign"),
            ("POST", "api-alert-close"),
        ]
    ],
    (
        "red_lead",
        "POST",
        lambda w: reverse("insights:alert_action", args=[w.alert.pk, "take"]),
        HIDE,
    ),
    ("supervisor", "GET", lambda w: reverse("api-alert", args=[w.red_alert.pk]), HIDE),
    ("supervisor", "GET", lambda w: reverse("insights:alert_detail", args=[w.red_alert.pk]), HIDE),
    ("team_agent", "GET", lambda w: reverse("api-alert", args=[w.alert.pk]), HIDE),
    ("team_agent", "GET", lambda w: reverse("insights:alert_detail", args=[w.alert.pk]), HIDE),
    ("red_agent", "GET", lambda w: reverse("api-alert", args=[w.red_alert.pk]), HIDE),
    # An erased customer's churn risk is gone with them.
    *[
        (role, "GET", lambda w: reverse("api-customer-churn-risk", args=[w.erased.pk]), HIDE)
        for role in ("supervisor", "marketer", "admin")
    ],
]


@pytest.mark.parametrize(
    ("viewer", "method", "url", "expected"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}-{i}") for i, case in enumerate(OUT_OF_REACH)],
)
def test_out_of_scope_records_are_not_found(
    world, world_as, clients, viewer, method, url, expected
):
    w = world_as(person(world, viewer))
    path = url(w)
    # What the write would need to succeed, so only the reach can refuse it.
    payload = {"skill": w.skill.pk, "level": 3, "text": "Probe.", "status": "waiting"}
    payload = payload if method == "POST" else {}
    if path.startswith("/api/"):
        client = api_client(clients, w.me)
        response = getattr(client, method.lower())(path, payload, format="json")
    else:
        client = page_client(clients, w.me)
        response = getattr(client, method.lower())(path, payload)
    status = "moved" if response.status_code == 302 else response.status_code
    assert status == expected, f"{viewer} {method} {path}: {response.content[:200]!r}"


def test_pages_leave_out_what_the_role_may_not_see(world, world_as, clients):
    """The pages read through the same selectors: spot-check what they render."""
    w = world_as(world.users["marketer"])
    detail = reverse("customers:detail", args=[w.customer.pk])
    marketer_view = page_client(clients, w.me).get(detail).content.decode()
    assert w.customer.last_name in marketer_view
    assert w.note.body not in marketer_view

    # Nor what was said in service: no case, no conversation on the customer's page.
    assert w.case.subject not in marketer_view
    assert w.contact.subject not in marketer_view

    agent_view = page_client(clients, world.users["agent"]).get(detail).content.decode()
    assert w.note.body in agent_view
    assert w.case.subject in agent_view

    search = page_client(clients, world.users["admin"]).get(
        reverse("customers:search"), {"q": "gone"}
    )
    assert list(search.context["page"].object_list) == []

    people = page_client(clients, world.users["supervisor"]).get(reverse("accounts:people"))
    listed = set(people.context["page"].object_list)
    assert w.team_agent in listed
    assert not listed & {w.red_agent, w.red_lead, world.users["agent"], world.users["admin"]}


# ------------------------------------------------------------------------------------------------
# A write cannot tell a hidden customer from one that does not exist
# ------------------------------------------------------------------------------------------------

WRITES_NAMING_A_CUSTOMER = {
    "api-contact-points": lambda w: {"kind": "email", "value": "probe@example.com"},
    "api-holdings": lambda w: {"product": w.product.pk, "since": SINCE},
    "api-consents": lambda w: NEW_CONSENT,
    "api-notes": lambda w: {"body": "Probe."},
}


@pytest.mark.parametrize(
    ("route", "viewer", "hidden"),
    [
        pytest.param(route, viewer, hidden, id=f"{route}-{viewer}-{hidden}")
        for route in WRITES_NAMING_A_CUSTOMER
        for viewer, hidden in [
            ("trainer", "customer"),
            ("executive", "customer"),
            ("agent", "erased"),
        ]
    ],
)
def test_a_hidden_customer_looks_missing_to_writes(world, world_as, clients, route, viewer, hidden):
    w = world_as(world.users[viewer])
    client = api_client(clients, w.me)
    payload = WRITES_NAMING_A_CUSTOMER[route](w)
    missing_id = max(Customer.objects.values_list("pk", flat=True)) + 1000
    hidden_answer = client.post(
        reverse(route), {"customer": getattr(w, hidden).pk, **payload}, format="json"
    )
    missing_answer = client.post(reverse(route), {"customer": missing_id, **payload}, format="json")
    assert hidden_answer.status_code == HIDE
    assert missing_answer.status_code == HIDE, missing_answer.content[:200]


# ------------------------------------------------------------------------------------------------
# Working a case is narrower than reading it
# ------------------------------------------------------------------------------------------------

# Who works Blue's case (its queue belongs to Blue): Blue's agent and Blue's lead. Red's agent and
# lead read it (it came from them) but may not work it; nor may the agent of no team. Marketers,
# trainers and executives do not read it at all: the API does not find it, the pages refuse.
CASE_WORKERS_SCOPE = [
    # (who, API read, API work, page read, page work)
    ("team_agent", OK, OK, OK, MOVED),
    ("supervisor", OK, OK, OK, MOVED),
    ("red_agent", OK, DENY, OK, DENY),
    ("red_lead", OK, DENY, OK, DENY),
    ("agent", OK, DENY, OK, DENY),
    ("qa_analyst", OK, DENY, OK, DENY),
    ("marketer", HIDE, HIDE, DENY, DENY),
    ("trainer", HIDE, HIDE, DENY, DENY),
    ("executive", HIDE, HIDE, DENY, DENY),
]
CASE_API_WORK = {
    "api-case-status": lambda w: {"status": "waiting"},
    "api-case-assign": lambda w: {"assignee": w.me.pk},
    "api-case-escalate": escalate_to_red,
}
CASE_API_DONE = {
    "api-case-status": case_is(status="waiting"),
    "api-case-assign": case_assigned_to_me,
    "api-case-escalate": case_escalated_again,
}


def status_of(response) -> int | str:
    return MOVED if response.status_code == 302 else response.status_code


@pytest.mark.parametrize(
    ("who", "read", "work", "route"),
    [
        pytest.param(who, read, work, route, id=f"{who}-{route}")
        for who, read, work, _, _ in CASE_WORKERS_SCOPE
        for route in CASE_API_WORK
    ],
)
def test_case_work_scope_api(world, world_as, clients, who, read, work, route):
    w = world_as(person(world, who))
    client = api_client(clients, w.me)

    read_answer = client.get(reverse("api-case", args=[w.case.pk]))
    work_answer = client.post(reverse(route, args=[w.case.pk]), CASE_API_WORK[route](w), "json")

    assert read_answer.status_code == read
    expected_work = MADE if work == OK and route == "api-case-escalate" else work
    assert work_answer.status_code == expected_work, work_answer.content[:200]
    assert CASE_API_DONE[route](w) is (work == OK)


@pytest.mark.parametrize(
    ("who", "read", "work"),
    [pytest.param(who, read, work, id=who) for who, _, _, read, work in CASE_WORKERS_SCOPE],
)
def test_case_work_scope_pages(world, world_as, clients, who, read, work):
    """The case page offers its actions only to those who may work it, and the actions agree."""
    w = world_as(person(world, who))
    client = page_client(clients, w.me)

    page = client.get(reverse("cases:detail", args=[w.case.pk]))
    status = client.post(reverse("cases:status", args=[w.case.pk]), {"status": "waiting"})

    assert page.status_code == read
    if read == OK:
        assert page.context["can_work"] is (work == MOVED)
        assert ("status_form" in page.context) is (work == MOVED)
    assert status_of(status) == work
    assert case_is(status="waiting")(w) is (work == MOVED)


def test_the_assignee_works_the_case_whatever_their_team(world, world_as, clients):
    """The agent of no team is refused Blue's case until it is given to them."""
    w = world_as(world.users["agent"])
    case_models.Case.objects.filter(pk=w.case.pk).update(assignee=w.me)

    answer = api_client(clients, w.me).post(
        reverse("api-case-status", args=[w.case.pk]), {"status": "waiting"}, "json"
    )

    assert answer.status_code == OK, answer.content[:200]
    assert case_is(status="waiting")(w)


@pytest.mark.parametrize(
    ("who", "work"),
    [
        pytest.param(who, work, id=who)
        for who, work in [("team_agent", MOVED), ("red_agent", DENY), ("agent", DENY)]
    ],
)
def test_case_work_scope_from_the_desktop(world, world_as, clients, who, work):
    """Replying from the desk to a caller's case is working that case: the same people may."""
    w = world_as(person(world, who))
    call = [w.call.pk] if who == "team_agent" else my_call(w)

    answer = page_client(clients, w.me).post(
        reverse("workspace:reply", args=call), {"case": w.case.pk, "text": "On its way."}
    )

    assert status_of(answer) == work
    assert case_answered(w) is (work == MOVED)


# ------------------------------------------------------------------------------------------------
# The desktop shows a person their own calls and their own queue
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["team_agent", "supervisor", "agent", "red_agent", "admin"])
def test_screen_pop_scope(world, world_as, clients, who):
    """A call offered to Blue's agent pops on their desk only."""
    w = world_as(person(world, who))

    answer = page_client(clients, w.me).get(reverse("workspace:pop"), {"after": 0})

    if who == "team_agent":
        assert answer.status_code == OK
        assert answer["X-Rapport-Pop"] == str(w.pop.pk)
        assert w.customer.last_name in answer.content.decode()
    else:
        assert answer.status_code == GONE
        assert not answer.content


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("team_agent", True),  # unassigned in a queue of their team
        ("supervisor", True),  # a queue of a team they lead
        ("agent", False),
        ("red_agent", False),  # it left Red's queue
        ("red_lead", False),
    ],
)
def test_my_queue_scope(world, world_as, clients, who, sees):
    w = world_as(person(world, who))

    desk = page_client(clients, w.me).get(reverse("workspace:desktop"))

    assert desk.status_code == OK
    assert (w.case in list(desk.context["page"].object_list)) is sees


# ------------------------------------------------------------------------------------------------
# Escalation figures: agents by name only for those who coach them
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "agents", "red_agent_named"),
    [
        ("admin", "all", True),
        ("qa_analyst", "all", True),
        ("supervisor", "teams", False),  # leads Blue; the escalation came from Red's agent
        ("red_lead", "teams", True),
        ("trainer", "none", False),
        ("executive", "none", False),
    ],
)
def test_escalation_analysis_scope(world, world_as, clients, who, agents, red_agent_named):
    w = world_as(person(world, who))

    page = page_client(clients, w.me).get(reverse("cases:escalation_analysis"))

    assert page.status_code == OK
    result = page.context["result"]
    assert result.total >= 2  # the figures count every escalation, whoever may see names
    assert result.agents_shown == agents
    by_agent = next((b for b in result.breakdowns if b.key == "agent"), None)
    assert (by_agent is not None) is (agents != "none")
    named = {row.key for row in by_agent.rows} if by_agent else set()
    assert (str(w.red_agent.pk) in named) is red_agent_named
    assert (w.red_agent.last_name in page.content.decode()) is red_agent_named


# ------------------------------------------------------------------------------------------------
# Performance: the parties to an individual's record, and the names a page gives away
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "goal", "expected"),
    [
        ("team_agent", "lead_goal", OK),  # Blue's lead proposed it; the agent agrees
        ("team_agent", "goal", 409),  # their own proposal waits for Blue's lead
        ("red_lead", "goal", HIDE),
        ("red_agent", "lead_goal", HIDE),
    ],
)
def test_a_goal_is_agreed_by_its_two_parties(world, world_as, clients, who, goal, expected):
    w = world_as(person(world, who))
    record = getattr(w, goal)

    answer = api_client(clients, w.me).post(reverse("api-goal-agree", args=[record.pk]))

    assert answer.status_code == expected, answer.content[:200]
    agreed = Goal.objects.filter(pk=record.pk, status=GoalStatus.AGREED).exists()
    assert agreed is (expected == OK)


@pytest.mark.parametrize("route", ["api-qa-dispute-raise", "performance:dispute_raise"])
def test_only_the_evaluated_agent_disputes(world, world_as, clients, route):
    """Nobody in the matrix's columns may dispute Blue's agent's evaluation: Blue's agent may."""
    w = world_as(world.team_agent)
    Dispute.objects.filter(pk=w.dispute.pk).delete()
    url = reverse(route, args=[w.evaluation.pk])
    payload = {"reason": "I verified the customer first."}

    if route.startswith("api-"):
        answer = api_client(clients, w.me).post(url, payload, format="json")
        assert answer.status_code == MADE, answer.content[:200]
    else:
        answer = page_client(clients, w.me).post(url, payload)
        assert status_of(answer) == MOVED
    assert Dispute.objects.filter(evaluation=w.evaluation, raised_by=w.me).exists()


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_definition_is_an_admins_only(world, world_as, clients, role):
    """Published versions are company policy everyone reads; a draft is listed for admins only."""
    w = world_as(world.users[role])
    draft = draft_definition(w)

    answer = api_client(clients, w.me).get(reverse("api-success-definitions"))

    assert answer.status_code == OK
    ids = {item["id"] for item in answer.json()["results"]}
    assert {w.v1.pk, w.v2.pk} <= ids
    assert (draft.pk in ids) is (role == "admin")


# Who the team pages name, and who gets a link to Blue's agent's scorecard from the agent's
# public page: the people who may open that scorecard, nobody else.
NAMES_ON_TEAM_PAGES = [
    ("supervisor", True),
    ("admin", True),
    ("team_agent", True),  # themselves
    ("trainer", False),
    ("executive", False),
]


@pytest.mark.parametrize(("who", "named"), NAMES_ON_TEAM_PAGES)
def test_team_figures_name_only_agents_the_viewer_may_open(world, world_as, clients, who, named):
    """Ranking on: the team page ranks the same people it names, and nobody else."""
    w = world_as(person(world, who))
    # Blue has one agent: names are the question here, not the smallest team shown.
    MeasurementSettings.objects.update_or_create(
        pk=1, defaults={"ranking_enabled": True, "min_team_size": 1}
    )
    client = page_client(clients, w.me)
    scorecard = reverse("performance:agent_scorecard", args=[w.team_agent.pk])
    team_page = reverse("performance:team_scorecard", args=[w.blue.pk])

    for url in (team_page, reverse("performance:wall") + f"?team={w.blue.pk}"):
        page = client.get(url)
        assert page.status_code == OK
        listed = {row["agent"] for row in page.context["agents"]}
        assert listed == ({w.team_agent} if named else set()), url
        assert (scorecard in page.content.decode()) is named, url
        if url == team_page:
            ranked = {row["agent"] for row in page.context["ranking"]["rows"]}
            assert ranked == listed


@pytest.mark.parametrize(
    ("who", "linked"),
    [*NAMES_ON_TEAM_PAGES, ("agent", False), ("qa_analyst", False), ("marketer", False)],
)
def test_recognition_links_a_scorecard_only_for_who_may_open_it(
    world, world_as, clients, who, linked
):
    w = world_as(person(world, who))

    page = page_client(clients, w.me).get(reverse("performance:agent_page", args=[w.team_agent.pk]))

    assert page.status_code == OK
    assert (page.context["scorecard_url"] is not None) is linked


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("supervisor", blue_goals, lambda w: [w.red_goal.pk]),
        ("red_lead", lambda w: [w.red_goal.pk], blue_goals),
        ("team_agent", blue_goals, lambda w: [w.red_goal.pk]),
    ],
)
def test_goal_pages_list_only_goals_in_reach(world, world_as, clients, who, shown, hidden):
    w = world_as(person(world, who))

    page = page_client(clients, w.me).get(reverse("performance:goals"))

    assert page.status_code == OK
    listed = {goal.pk for goal in page.context["page"].object_list}
    assert set(shown(w)) <= listed
    assert not listed & set(hidden(w))


# ------------------------------------------------------------------------------------------------
# Signed endpoints: the signature admits a delivery; no session or token stands in for it
# ------------------------------------------------------------------------------------------------

SIGNED = [
    # (route, URL arguments, secret's channel, payload, status of a signed delivery)
    ("api-channel-messages", ["sms"], "sms", channel_message, MADE),
    ("api-telephony-events", None, "phone", call_events, OK),
]


@pytest.mark.parametrize(
    ("who", "route", "args", "channel", "payload", "admitted"),
    [pytest.param(who, *signed, id=f"{who}-{signed[0]}") for who in VISITORS for signed in SIGNED],
)
def test_signed_endpoints_admit_a_signature_not_a_user(
    world, world_as, who, route, args, channel, payload, admitted
):
    """Each visitor brings their session and a real API token: unsigned, or signed with another
    channel's secret, the delivery is refused and stores nothing; signed, it is taken."""
    me = None if who == ANONYMOUS else world.users[who]
    w = world_as(me)
    client = APIClient()
    if me is not None:
        client.force_login(me)
        token = account_services.api_token_issue(user=me, name="signed probe").key
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = reverse(route, args=args)
    body = json.dumps(payload(w)).encode()
    secrets = settings.RAPPORT_WEBHOOK_SECRETS
    wrong = secrets["chat"]  # a secret, but not this channel's

    def deliver(secret: str | None, delivery: str):
        headers = {}
        if secret is not None:
            signed = webhooks.signed_headers(secret=secret, body=body, delivery_id=delivery)
            headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.items()}
        return client.post(url, body, content_type="application/json", **headers)

    unsigned = deliver(None, "")
    misssigned = deliver(wrong, f"{who}-wrong")
    assert (unsigned.status_code, unsigned.json()["code"]) == (UNAUTH, "bad_signature")
    assert (misssigned.status_code, misssigned.json()["code"]) == (UNAUTH, "bad_signature")
    assert not delivery_stored(w)

    signed = deliver(secrets[channel], f"{who}-right")

    assert signed.status_code == admitted, signed.content[:300]
    assert delivery_stored(w)


@pytest.mark.parametrize("who", ["trainer", "executive"])
@pytest.mark.parametrize(("smallest", "shown"), [(1, True), (2, False)])
def test_small_teams_are_hidden_from_executives_and_trainers(
    world, world_as, clients, who, smallest, shown
):
    """Blue has one agent: its figures reach executives and trainers only when admins allow
    teams that small."""
    w = world_as(person(world, who))
    MeasurementSettings.objects.update_or_create(pk=1, defaults={"min_team_size": smallest})
    client = page_client(clients, w.me)

    team_page = client.get(reverse("performance:team_scorecard", args=[w.blue.pk]))
    wall = client.get(reverse("performance:wall"))

    assert team_page.status_code == (OK if shown else HIDE)
    assert (w.blue in list(wall.context["teams"])) is shown


# ------------------------------------------------------------------------------------------------
# Customer voice: who works an alert, and whose survey figures a reader sees
# ------------------------------------------------------------------------------------------------


def give_alert_to_team_agent(w) -> None:
    fresh = Alert.objects.get(pk=w.alert.pk)  # the world's copy may be stale
    alert_services.alert_assign(alert=fresh, by=w.lead, owner=w.team_agent)


# What the owner of a recovery may do: work it (notes, closing), not lead it (take, assign).
OWNER_API = [
    ("api-alert", "GET", None, OK),
    ("api-alert-take", "POST", None, DENY),
    ("api-alert-assign", "POST", lambda w: {"owner": w.team_agent.pk}, DENY),
    ("api-alert-close", "POST", closing, OK),
]


@pytest.mark.parametrize(
    ("route", "method", "payload", "expected"),
    [pytest.param(*case, id=case[0]) for case in OWNER_API],
)
def test_an_alerts_owner_works_it_but_does_not_lead_it(
    world, world_as, clients, route, method, payload, expected
):
    w = world_as(world.team_agent)
    give_alert_to_team_agent(w)
    client = api_client(clients, w.me)

    listed = client.get(reverse("api-alerts"))
    url = reverse(route, args=[w.alert.pk])
    body = payload(w) if payload else {}
    answer = client.get(url) if method == "GET" else client.post(url, body, format="json")

    assert {item["id"] for item in listed.json()["results"]} == {w.alert.pk}
    assert answer.status_code == expected, answer.content[:200]
    assert alert_is(state=AlertState.CLOSED)(w) is (route == "api-alert-close")
    assert alert_is(owner=w.team_agent)(w)


@pytest.mark.parametrize(
    ("who", "reopened"), [("team_agent", False), ("supervisor", True), ("admin", True)]
)
def test_only_the_lead_or_an_admin_reopens_a_recovery(world, world_as, clients, who, reopened):
    """Blue's agent owns the closed recovery: they may add a note, not reopen it."""
    w = world_as(person(world, who))
    Alert.objects.filter(pk=w.closed_alert.pk).update(owner=w.team_agent)
    client = page_client(clients, w.me)

    note = client.post(
        reverse("insights:alert_action", args=[w.closed_alert.pk, "note"]),
        {"note": "The customer wrote to thank us."},
    )
    reopen = client.post(
        reverse("insights:alert_action", args=[w.closed_alert.pk, "reopen"]), {"note": ""}
    )

    assert status_of(note) == MOVED
    assert status_of(reopen) == (MOVED if reopened else DENY)
    assert alert_is("closed_alert", state=AlertState.CLOSED)(w) is not reopened


# Survey figures by team and agent: a supervisor the teams they lead, QA analysts and admins
# every team; trainers and executives the center, channels and contact types only.
SURVEY_REPORT_SCOPE = [
    # (who, teams shown, agents shown); None: no team or agent rows at all
    ("supervisor", lambda w: {w.blue}, lambda w: {w.team_agent}),
    ("red_lead", lambda w: {w.red}, lambda w: {w.red_agent}),
    ("qa_analyst", lambda w: {w.blue, w.red}, lambda w: {w.team_agent, w.red_agent}),
    ("admin", lambda w: {w.blue, w.red}, lambda w: {w.team_agent, w.red_agent}),
    ("trainer", None, None),
    ("executive", None, None),
]


def last_month(w) -> dict:
    return {"period": "custom", "start": month_start(), "end": timezone.localdate().isoformat()}


def keys(records) -> set[str]:
    return {str(record.pk) for record in records}


def agent_keys(rows) -> set[str]:
    """Agent rows are keyed "<agent>:<team credited>": the agents they name."""
    return {row["key"].split(":")[0] for row in rows}


@pytest.mark.parametrize(
    ("who", "teams", "agents"), [pytest.param(*case, id=case[0]) for case in SURVEY_REPORT_SCOPE]
)
def test_survey_report_scope(world, world_as, clients, who, teams, agents):
    w = world_as(person(world, who))

    answer = api_client(clients, w.me).get(reverse("api-survey-report"), last_month(w))
    page = page_client(clients, w.me).get(reverse("surveys:report"), last_month(w))

    assert answer.status_code == OK, answer.content[:200]
    assert page.status_code == OK
    report = answer.json()
    assert report["center"]["answered"] >= 2  # the center counts every answer, whoever asks
    table = page.context["table"]
    if teams is None:
        assert report["by_team"] is None and report["by_agent"] is None
        assert table["teams"] is None and table["agents"] is None
        assert w.red_agent.last_name not in page.content.decode()
        return
    assert {row["key"] for row in report["by_team"]} == keys(teams(w))
    assert agent_keys(report["by_agent"]) == keys(agents(w))
    assert {row["key"] for row in table["teams"]} == keys(teams(w))
    assert agent_keys(table["agents"]) == keys(agents(w))
    named = w.red_agent in agents(w)
    assert (w.red_agent.last_name in page.content.decode()) is named


@pytest.mark.parametrize("who", ["supervisor", "red_lead", "team_agent"])
def test_gaming_flags_are_not_for_the_teams_they_question(world, world_as, clients, who):
    """Blue's agent is flagged: neither they, Blue's lead nor another lead sees or reviews it."""
    w = world_as(person(world, who))

    listed = api_client(clients, w.me).get(reverse("api-gaming-flags"))
    reviewed = api_client(clients, w.me).post(
        reverse("api-gaming-flag-review", args=[w.flag.pk]), review(w), format="json"
    )
    page = page_client(clients, w.me).get(reverse("surveys:gaming_flag", args=[w.flag.pk]))

    assert listed.status_code == DENY
    assert reviewed.status_code == DENY
    assert page.status_code == DENY
    assert not flag_confirmed(w)


def test_the_draw_seed_is_never_shown_in_full(world, world_as, clients):
    """Whoever knows the seed could tell which contacts will be surveyed: admins see a
    fingerprint, before and after rotating it, and the API carries no seed at all."""
    w = world_as(world.users["admin"])
    client = page_client(clients, w.me)
    before = draw_settings_get().seed

    page = client.get(reverse("surveys:draw_settings"))
    rotated = client.post(reverse("surveys:draw_seed_rotate"), follow=True)
    after = draw_settings_get().seed
    listed = api_client(clients, w.me).get(reverse("api-survey-invitations"))

    assert page.status_code == rotated.status_code == listed.status_code == OK
    assert after != before
    assert before not in page.content.decode()
    assert after not in rotated.content.decode()
    assert "matrix" not in {
        str(value) for item in listed.json()["results"] for value in item.values()
    }


# ------------------------------------------------------------------------------------------------
# Briefings and learning: a supervisor their teams' figures, an agent their own records
# ------------------------------------------------------------------------------------------------

# Deliveries of the published briefing are counted in the reader's team at delivery: Blue's agent
# in Blue, Red's in Red, the matrix's agent (no team) in "No team".
BRIEFING_FIGURES_SCOPE = [
    # (who, team rows, people listed as behind)
    ("supervisor", {"Blue"}, lambda w: {w.team_agent}),
    ("red_lead", {"Red"}, lambda w: {w.red_agent}),
    (
        "trainer",
        {"Blue", "Red", "No team"},
        lambda w: {w.team_agent, w.red_agent, w.users["agent"]},
    ),
    ("admin", {"Blue", "Red", "No team"}, lambda w: {w.team_agent, w.red_agent, w.users["agent"]}),
]


@pytest.mark.parametrize(
    ("who", "teams", "behind"),
    [pytest.param(*case, id=case[0]) for case in BRIEFING_FIGURES_SCOPE],
)
def test_briefing_figures_scope(world, world_as, clients, who, teams, behind):
    w = world_as(person(world, who))
    client = page_client(clients, w.me)

    dashboard = client.get(reverse("briefings:dashboard"))
    report = client.get(reverse("briefings:report", args=[w.briefing.pk]))

    assert dashboard.status_code == report.status_code == OK
    figures = next(f for f in dashboard.context["figures"] if f.briefing == w.briefing)
    assert {tally.label for tally in figures.teams} == teams
    assert figures.total.delivered == len(behind(w))
    assert {tally.label for tally in report.context["figures"].teams} == teams
    for page in (dashboard, report):
        listed = {row.delivery.agent for row in page.context["behind"]}
        assert listed == behind(w)
        named = w.red_agent.last_name in page.content.decode()
        assert named is (w.red_agent in behind(w))


def answered_by(w, *, team, count: int, surname: str) -> list[User]:
    """`count` agents of `team` (surnamed `surname` and a number) who answered the poll."""
    people: list[User] = []
    for number in range(count):
        agent: User = UserFactory(roles=[Role.AGENT], team=team, last_name=f"{surname}{number}")
        form = answers_for(w.poll, rating=4, choice="Yes", text="Clearer than today.")
        form[f"q{w.poll.questions.get(kind='rating').pk}"] = str(number % 5 + 1)
        poll_services.poll_answer(poll=w.poll, respondent=agent, data=form)
        people.append(agent)
    return people


POLL_RESULTS_SCOPE = [
    # (who, teams in the results)
    ("supervisor", {"Blue"}),
    ("red_lead", {"Red"}),
    ("trainer", {"Blue", "Red"}),
    ("executive", {"Blue", "Red"}),
    ("admin", {"Blue", "Red"}),
]


@pytest.mark.parametrize(("who", "teams"), POLL_RESULTS_SCOPE)
def test_poll_results_scope_and_no_names(world, world_as, clients, who, teams):
    """Three agents of Blue and three of Red answered: a supervisor reads their teams' answers,
    the others every team's; no answer, chart or export carries a respondent's name."""
    w = world_as(person(world, who))
    people = [
        *answered_by(w, team=w.blue, count=3, surname="Bluebell"),
        *answered_by(w, team=w.red, count=3, surname="Redwing"),
    ]

    api = api_client(clients, w.me).get(reverse("api-poll-results", args=[w.poll.pk]))
    page = page_client(clients, w.me).get(reverse("briefings:poll_results", args=[w.poll.pk]))
    export = page_client(clients, w.me).get(reverse("briefings:poll_export", args=[w.poll.pk]))

    assert api.status_code == page.status_code == export.status_code == OK
    body = api.json()
    assert body["respondents"] == 3 * len(teams)
    for question in body["questions"]:
        assert {group["label"] for group in question["by_team"]} <= teams
    shown = {group["label"] for q in body["questions"] for group in q["by_team"]}
    assert shown == teams
    csv_text = b"".join(export.streaming_content).decode()
    assert len(csv_text.splitlines()) > 1
    for text in (api.content.decode(), page.content.decode(), csv_text):
        for respondent in people:
            assert respondent.last_name not in text
            assert respondent.username not in text


def test_poll_results_hide_a_group_under_three(world, world_as, clients):
    """Two answers are too few to show anything: no figure, and so no way to tell who said what."""
    w = world_as(world.users["trainer"])
    answered_by(w, team=w.blue, count=2, surname="Pairing")

    body = api_client(clients, w.me).get(reverse("api-poll-results", args=[w.poll.pk])).json()

    assert body["respondents"] == 2
    assert body["enough_data"] is False
    for question in body["questions"]:
        assert question["comments"] == []
        assert question["by_team"] == question["by_role"] == []
        assert question["overall"]["n"] == 0


@pytest.mark.parametrize(
    ("who", "sees"),
    [("agent", True), ("team_agent", True), ("supervisor", False), ("marketer", False)],
)
def test_open_polls_scope(world, world_as, clients, who, sees):
    """The open poll is for agents: it is listed, and found, for them only."""
    w = world_as(person(world, who))
    client = api_client(clients, w.me)

    listed = client.get(reverse("api-polls"))
    found = client.get(reverse("api-poll", args=[w.poll.pk]))

    assert listed.status_code == OK
    assert (w.poll.pk in {poll["id"] for poll in listed.json()}) is sees
    assert w.draft_poll.pk not in {poll["id"] for poll in listed.json()}
    assert found.status_code == (OK if sees else HIDE)


def red_assignment(w) -> Assignment:
    return AssignmentFactory.create(agent=w.red_agent, module=w.module_b)


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("supervisor", lambda w, red: {w.proposal.pk}, lambda w, red: {red.pk, w.assignment.pk}),
        ("red_lead", lambda w, red: {red.pk}, lambda w, red: {w.proposal.pk, w.assignment.pk}),
        ("agent", lambda w, red: {w.assignment.pk}, lambda w, red: {red.pk, w.proposal.pk}),
        # A proposal about an agent stays with the trainers until it is confirmed.
        ("team_agent", lambda w, red: set(), lambda w, red: {red.pk, w.proposal.pk}),
        ("trainer", lambda w, red: {red.pk, w.proposal.pk, w.assignment.pk}, lambda w, red: set()),
    ],
)
def test_assignment_scope(world, world_as, clients, who, shown, hidden):
    w = world_as(person(world, who))
    red = red_assignment(w)

    answer = api_client(clients, w.me).get(reverse("api-learning-assignments"), {"page_size": 200})
    page = None
    if has_tracker_page := who in ("supervisor", "red_lead", "trainer"):
        page = page_client(clients, w.me).get(reverse("learning:assignments"))

    assert answer.status_code == OK
    ids = {item["id"] for item in answer.json()["results"]}
    assert shown(w, red) <= ids
    assert not ids & hidden(w, red)
    if has_tracker_page:
        assert page is not None and page.status_code == OK
        listed = {a.pk for a in page.context["page"].object_list}
        assert shown(w, red) <= listed
        assert not listed & hidden(w, red)


@pytest.mark.parametrize(
    ("who", "team", "expected"),
    [("supervisor", "blue", OK), ("supervisor", "red", HIDE), ("red_lead", "blue", HIDE)],
)
def test_team_proficiency_scope(world, world_as, clients, who, team, expected):
    """A supervisor reads the proficiency of the teams they lead; another team's is not found,
    nor is one of its agents."""
    w = world_as(person(world, who))
    team_row = getattr(w, team)
    agent = w.team_agent if team == "blue" else w.red_agent
    # A name no generated person shares (the viewer's own name shows in the menu bar).
    User.objects.filter(pk=w.red_agent.pk).update(last_name="Red-Only")

    api_team = api_client(clients, w.me).get(
        reverse("api-learning-proficiency-team", args=[team_row.pk])
    )
    api_agent = api_client(clients, w.me).get(
        reverse("api-learning-proficiency-agent", args=[agent.pk])
    )
    page_team = page_client(clients, w.me).get(
        reverse("learning:proficiency"), {"team": team_row.pk}
    )
    page_agent = page_client(clients, w.me).get(
        reverse("learning:proficiency_agent", args=[agent.pk])
    )

    assert api_team.status_code == api_agent.status_code == expected
    assert page_team.status_code == page_agent.status_code == expected
    if expected == OK:
        assert {row["agent"] for row in api_team.json()["agents"]} == {w.team_agent.pk}
    teams_listed = page_client(clients, w.me).get(reverse("learning:proficiency")).content.decode()
    assert ("Red-Only" in teams_listed) is (who == "red_lead")


def test_training_impact_never_shows_a_group_under_three(world, world_as, clients):
    """One agent took the module: too few to compare, so neither group nor an estimate shows."""
    w = world_as(world.users["trainer"])
    Assignment.objects.filter(pk=w.assignment.pk).update(
        status="completed", completed_at=timezone.now() - datetime.timedelta(days=30)
    )
    # A name no generated person shares (the viewer's own name shows in the menu bar).
    User.objects.filter(pk=w.users["agent"].pk).update(last_name="Trained-Alone")

    answer = api_client(clients, w.me).get(reverse("api-learning-impact") + impact_query(w))
    page = page_client(clients, w.me).get(reverse("learning:impact") + impact_form_query(w))

    assert answer.status_code == page.status_code == OK
    body = answer.json()
    assert body["enough_data"] is False
    assert body["trained"] is None and body["untrained"] is None
    assert body["estimate"] is None and body["ci_low"] is None and body["ci_high"] is None
    assert page.context["result"].enough_data is False
    assert "Trained-Alone" not in page.content.decode()


def test_time_to_proficiency_never_shows_a_small_cohort(world, world_as, clients):
    """Blue's agent alone started last month: that cohort is counted, never described."""
    w = world_as(world.users["executive"])
    started = timezone.localdate() - datetime.timedelta(days=40)
    DailyRollup.objects.create(day=started, grain=Grain.AGENT, agent=w.team_agent, channel="phone")
    User.objects.filter(pk=w.team_agent.pk).update(started_on=started)

    body = api_client(clients, w.me).get(reverse("api-learning-proficiency-cohorts")).json()

    alone = next(c for c in body["cohorts"] if c["cohort"].startswith(f"{started:%Y-%m}"))
    assert (alone["n"], alone["shown"]) == (1, False)
    assert alone["proficient"] is None and alone["median_days"] is None
    assert all(c["n"] >= proficiency.MIN_COHORT for c in body["cohorts"] if c["shown"])


def solo_briefing(w) -> Briefing:
    """A briefing published to the matrix's agent alone."""
    return published(author=w.users["trainer"], agents=[w.users["agent"]], title="Solo")


# What one agent may not reach of another's: a delivery, an assignment, a review item, an
# activity. Each is the matrix's agent's; Blue's and Red's agents get "not found".
OTHER_AGENTS_RECORDS = [
    ("GET", lambda w: reverse("api-briefing", args=[solo_briefing(w).pk]), None),
    ("POST", lambda w: reverse("api-briefing-acknowledge", args=[solo_briefing(w).pk]), None),
    ("GET", lambda w: reverse("briefings:read", args=[solo_briefing(w).pk]), None),
    ("POST", lambda w: reverse("briefings:check", args=[solo_briefing(w).pk]), None),
    ("GET", lambda w: reverse("api-learning-assignment", args=[w.assignment.pk]), None),
    ("GET", lambda w: reverse("learning:assignment", args=[w.assignment.pk]), None),
    ("POST", lambda w: reverse("api-learning-assignment-start", args=[w.assignment.pk]), None),
    (
        "POST",
        lambda w: reverse("api-learning-assignment-attempts", args=[w.assignment.pk]),
        module_answers_api,
    ),
    (
        "POST",
        lambda w: reverse("learning:assignment_check", args=[w.assignment.pk]),
        module_answers_form,
    ),
    (
        "POST",
        lambda w: reverse("api-review-answer", args=[w.review_items[0].pk]),
        lambda w: {"choices": [review_choice(w)]},
    ),
    (
        "POST",
        lambda w: reverse("learning:idle_review", args=[w.review_items[0].pk]),
        lambda w: {f"q{w.review_items[0].question_id}": [str(review_choice(w))]},
    ),
    ("POST", lambda w: reverse("api-activity-skip", args=[w.activity.pk]), None),
    ("POST", lambda w: reverse("learning:idle_skip", args=[w.activity.pk]), None),
]


@pytest.mark.parametrize("who", ["team_agent", "red_agent"])
@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(OTHER_AGENTS_RECORDS)],
)
def test_an_agent_never_reaches_another_agents_records(
    world, world_as, clients, who, method, url, payload
):
    w = world_as(person(world, who))
    path = url(w)
    body = payload(w) if payload else {}
    before = (
        list(BriefingDelivery.objects.filter(agent=w.users["agent"]).values()),
        list(Assignment.objects.filter(agent=w.users["agent"]).values()),
        ReviewLog.objects.count(),
        list(Activity.objects.filter(pk=w.activity.pk).values()),
    )

    if path.startswith("/api/"):
        client = api_client(clients, w.me)
        answer = getattr(client, method.lower())(path, body, format="json")
    else:
        client = page_client(clients, w.me)
        answer = getattr(client, method.lower())(path, body)

    assert answer.status_code == HIDE, f"{who} {method} {path}: {answer.content[:200]!r}"
    after = (
        list(BriefingDelivery.objects.filter(agent=w.users["agent"]).values()),
        list(Assignment.objects.filter(agent=w.users["agent"]).values()),
        ReviewLog.objects.count(),
        list(Activity.objects.filter(pk=w.activity.pk).values()),
    )
    assert after == before


# ------------------------------------------------------------------------------------------------
# Imports and identity: the center's, for admins; nothing of them for anyone else
# ------------------------------------------------------------------------------------------------

# Every role but admin alone, then all of them at once (in a fixed order: xdist workers must agree).
NOT_ADMINS = [
    *((role,) for role in ROLES if role != Role.ADMIN),
    tuple(role for role in ROLES if role != Role.ADMIN),
]
MISSING = 2**31 - 1  # an id no record has
IMPORT_IDENTITY_LISTS = [
    "api-imports",
    "api-identity-pairs",
    "api-identity-merges",
    "api-identity-runs",
]
# A record of each kind, by page and by API: (route, method, the record in the world).
IMPORT_IDENTITY_RECORDS = [
    ("imports:detail", "GET", "checked_job"),
    ("imports:errors", "GET", "checked_job"),
    ("imports:run", "POST", "checked_job"),
    ("api-import", "GET", "checked_job"),
    ("api-import-errors", "GET", "checked_job"),
    ("api-import-mapping", "POST", "checked_job"),
    ("api-import-run", "POST", "checked_job"),
    ("api-import-cancel", "POST", "queued_job"),
    ("imports:mapping_delete", "POST", "saved_mapping"),
    ("imports:person_remove", "POST", "external_account"),
    ("identity:pair", "GET", "pair"),
    ("identity:merge", "POST", "pair"),
    ("api-identity-pair", "GET", "pair"),
    ("api-identity-pair-merge", "POST", "pair"),
    ("api-identity-pair-dismiss", "POST", "pair"),
    ("identity:undo", "GET", "merge"),
    ("api-identity-merge-undo", "POST", "merge"),
    ("identity:run_progress", "GET", "match_run"),
    ("api-identity-run", "GET", "match_run"),
]
# What a refusal leaves be.
WATCHED = [ImportJob, SavedMapping, ExternalAccount, MatchPair, CustomerMerge, MatchRun]


def ask(clients, me: User | None, method: str, path: str, data: dict | None = None):
    if path.startswith("/api/"):
        return getattr(api_client(clients, me), method.lower())(path, data or {}, format="json")
    return getattr(page_client(clients, me), method.lower())(path, data or {})


def test_imports_are_center_wide(world, world_as, clients):
    """Every job is every admin's: another admin's, and one whose uploader's account is gone,
    are listed and opened like the admin's own."""
    w = world_as(world.users[Role.ADMIN])
    others = [
        ImportJobFactory(created_by=UserFactory(roles=[Role.ADMIN]), filename="other-admin.csv"),
        ImportJobFactory(created_by=None, filename="uploader-gone.csv"),
    ]
    api = api_client(clients, w.me)
    answer = api.get(reverse("api-imports"), {"page_size": 200})
    listed = {item["id"] for item in answer.json()["results"]}
    own = [w.import_job, w.checked_job, w.queued_job]
    assert {job.pk for job in [*others, *own]} <= listed
    for job in others:
        assert api.get(reverse("api-import", args=[job.pk])).status_code == OK
        detail = page_client(clients, w.me).get(reverse("imports:detail", args=[job.pk]))
        assert detail.status_code == OK
    page = page_client(clients, w.me).get(reverse("imports:jobs")).content.decode()
    assert all(job.filename in page for job in others)


@pytest.mark.parametrize("viewer", NOT_ADMINS, ids=lambda v: "+".join(v))
def test_no_import_or_identity_list_for_anyone_but_admins(world, world_as, clients, viewer):
    """Not an empty list: the area is refused outright, whatever filter is asked for."""
    w = viewer_of(world, world_as, viewer)
    api = api_client(clients, w.me)
    for route in IMPORT_IDENTITY_LISTS:
        for query in ({}, {"status": "all"}, {"undone": "true"}, {"page_size": 200}):
            answer = api.get(reverse(route), query)
            assert answer.status_code == DENY, f"{route} {query}: {answer.status_code}"
            assert "results" not in answer.json(), f"{route} {query} lists records"


@pytest.mark.parametrize("viewer", NOT_ADMINS, ids=lambda v: "+".join(v))
@pytest.mark.parametrize(
    ("route", "method", "record"), IMPORT_IDENTITY_RECORDS, ids=lambda v: str(v)
)
def test_no_import_or_identity_record_for_anyone_but_admins(
    world, world_as, clients, viewer, route, method, record
):
    """A record that exists and one that does not answer alike (403), so the answer tells
    nothing of what exists, and nothing changes."""
    w = viewer_of(world, world_as, viewer)
    pk = getattr(w, record).pk
    before = [list(model.objects.order_by("pk").values()) for model in WATCHED]
    existing = ask(clients, w.me, method, reverse(route, args=[pk]))
    missing = ask(clients, w.me, method, reverse(route, args=[MISSING]))
    assert (existing.status_code, missing.status_code) == (DENY, DENY), route
    assert [list(model.objects.order_by("pk").values()) for model in WATCHED] == before


@pytest.mark.parametrize(("route", "method", "record"), IMPORT_IDENTITY_RECORDS)
def test_what_does_not_exist_is_not_found_by_admins(
    world, world_as, clients, route, method, record
):
    w = world_as(world.users[Role.ADMIN])
    answer = ask(clients, w.me, method, reverse(route, args=[MISSING]))
    assert answer.status_code == HIDE, f"{route}: {answer.status_code}"


@pytest.mark.parametrize("route", ["identity:pair", "api-identity-pair"])
def test_a_pair_with_an_erased_customer_is_not_found(world, world_as, clients, route):
    """Its explanation holds the erased person's values, as the run compared them."""
    w = world_as(world.users[Role.ADMIN])
    answer = ask(clients, w.me, "GET", reverse(route, args=[w.erased_pair.pk]))
    assert answer.status_code == HIDE, f"{route}: {answer.content[:300]!r}"


def test_a_pair_with_an_erased_customer_is_never_listed(world, world_as, clients):
    w = world_as(world.users[Role.ADMIN])
    for status in ("all", "open", "dismissed"):
        answer = api_client(clients, w.me).get(reverse("api-identity-pairs"), {"status": status})
        ids = {item["id"] for item in answer.json()["results"]}
        assert w.erased_pair.pk not in ids, f"status={status}"
    page = page_client(clients, w.me).get(reverse("identity:queue"), {"status": "all"})
    assert "gone@example.com" not in page.content.decode()


def test_erasing_a_customer_takes_their_pairs_away(world, world_as, clients):
    """The pair of the live customer is deleted with what it stored of them, not only hidden."""
    w = world_as(world.users[Role.ADMIN])
    answer = api_client(clients, w.me).post(reverse("api-customer-erase", args=[w.customer.pk]))
    assert answer.status_code == OK
    assert not MatchPair.objects.filter(pk=w.erased_pair.pk).exists()
    assert MatchPair.objects.filter(pk=w.pair.pk).exists()  # nobody else's
