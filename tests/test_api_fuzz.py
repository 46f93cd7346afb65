"""Fuzz every API operation from our own OpenAPI schema: nothing a client can send may cause a 500,
and every response must match the schema we publish.

The signed endpoints (channel webhooks, phone-switch events) refuse anything unsigned, so on half
of the examples (chosen by the body, so a failure replays) the test signs what the fuzzer made
with the channel's secret: the parsing behind the signature is fuzzed too, and the other half
checks that the fuzzer's own signature headers are refused without a 500."""

import datetime
import json
import uuid

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.wsgi import get_wsgi_application
from django.utils import timezone as django_timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from rapport.access.tests.factories import QueueFactory
from rapport.accounts import services as account_services
from rapport.accounts.tests.factories import TeamFactory, UserFactory
from rapport.briefings.tests.factories_briefings import BriefingFactory, add_question
from rapport.briefings.tests.factories_briefings import published as briefing_published
from rapport.briefings.tests.factories_polls import open_poll
from rapport.cases import services as case_services
from rapport.cases.tests.factories import EscalationReasonFactory
from rapport.customers.tests.factories import (
    ContactPointFactory,
    HoldingFactory,
    HouseholdFactory,
    PhoneFactory,
)
from rapport.insights import catalog as insights_catalog
from rapport.insights.choices import RecoveryOutcome
from rapport.insights.models import RootCause
from rapport.insights.services import alerts as alert_services
from rapport.insights.services import signals as signal_services
from rapport.interactions import webhooks
from rapport.interactions.models import CallRecordImport, ScreenPop
from rapport.interactions.tests.factories import InteractionFactory, MessageFactory
from rapport.learning.models import Activity
from rapport.learning.services import reviews as review_services
from rapport.learning.tests.factories_learning import (
    AssignmentFactory,
    GapRuleFactory,
    PathStepFactory,
    module_with_questions,
)
from rapport.performance import catalog
from rapport.performance.choices import EvaluationStatus
from rapport.performance.models import MeasurementSettings, SuccessDefinition
from rapport.performance.tests.factories_goals import GoalFactory, KudosFactory, agreed, transfers
from rapport.performance.tests.factories_qa import (
    calibration_session,
    contact_of,
    evaluation,
    form_with,
    open_dispute,
)
from rapport.surveys import catalog as surveys_catalog
from rapport.surveys.choices import GamingCheck
from rapport.surveys.models import DrawSettings, GamingFlag
from rapport.surveys.services import responses as response_services
from rapport.surveys.tests.factories_draw import sent_invitation

# Serving the schema needs no database, so it is loaded once at collection.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Schemathesis calls the WSGI application directly, past the test client.
pytestmark = pytest.mark.usefixtures("keep_the_test_connection")

ANGRY = "The worst service ever, terrible and useless. I am furious."
SIGNED_OPERATIONS = {"/api/v1/channels/{channel}/messages", "/api/v1/telephony/events"}


@pytest.fixture
def admin_token(make_user) -> str:
    """An admin's token, and one of each record the API serves, so that the fuzzer's small ids
    reach real rows: a customer with a household, contact points and a holding; a case escalated
    from one team's queue to another's, with an e-mail; a screen pop; a call-record import; and
    the performance records of an agent of the admin's team (see `performance_records`) and
    the customer-voice ones (see `voice_records`), and the briefings and learning ones (see
    `learning_records`)."""
    # Gone if a transactional test ran earlier in this worker.
    catalog.defaults_ensure()
    surveys_catalog.defaults_ensure()
    insights_catalog.defaults_ensure()
    admin = make_user("admin", "supervisor")
    household = HouseholdFactory()
    point = ContactPointFactory(customer__household=household)
    customer = point.customer
    HoldingFactory(customer=customer)
    PhoneFactory(customer=customer)
    team = TeamFactory(supervisor=admin)
    front = QueueFactory(team=team, tier=1)
    second = QueueFactory(tier=2)
    case = case_services.case_open(
        by=admin, customer=customer, subject="Card blocked", channel="email", queue=front
    )
    contact = InteractionFactory(customer=customer, channel="email", agent=admin)
    MessageFactory(interaction=contact)
    case_services.case_link_interaction(case=case, interaction=contact)
    case_services.case_escalate(
        case=case,
        by=admin,
        to_queue=second,
        reason=EscalationReasonFactory(),
        customer_needs="A card.",
        tried="Unblocking it.",
        interaction=contact,
    )
    ScreenPop.objects.create(agent=admin, interaction=contact)
    record = CallRecordImport.objects.create(uploaded_by=admin, filename="calls.csv")
    record.file.save("calls.csv", ContentFile(b"call_id\n"))
    performance_records(admin=admin, team=team)
    voice_records(admin=admin, team=team, customer=customer)
    learning_records(admin=admin, team=team)
    return account_services.api_token_issue(user=admin, name="fuzz").key


def performance_records(*, admin, team) -> None:
    """An agent of the admin's team (the admin leads it, so is a party to the agent's goals and
    decides the agent's disputes) with rolled-up contacts of yesterday, figures shown from two
    observations up (so scorecards carry values and intervals, not only "not enough data");
    goals waiting for each side and one agreed; a submitted evaluation by a QA analyst with an
    open dispute, a draft and a calibration session; kudos; and a second published success
    definition, so versions 1 and 2 compare."""
    agent = UserFactory(roles=["agent"], team=team)
    MeasurementSettings.objects.update_or_create(pk=1, defaults={"min_sample": 2})
    yesterday = django_timezone.localdate() - datetime.timedelta(days=1)
    transfers(agent=agent, day=yesterday, handled=4, transferred=1)
    GoalFactory(agent=agent)
    GoalFactory(
        agent=agent,
        proposed_by=admin,
        agent_agreed_at=None,
        supervisor=admin,
        supervisor_agreed_at=django_timezone.now(),
    )
    agreed(agent=agent, supervisor=admin)
    analyst = UserFactory(roles=["qa_analyst"])
    form = form_with(10, 10)
    submitted = evaluation(agent=agent, evaluator=analyst, form=form, score="55.00")
    open_dispute(submitted)
    evaluation(agent=agent, evaluator=analyst, form=form, status=EvaluationStatus.DRAFT)
    calibration_session(
        interaction=contact_of(agent),
        form=form,
        evaluators=[analyst, UserFactory(roles=["qa_analyst"])],
        created_by=analyst,
    )
    KudosFactory(agent=agent)
    SuccessDefinition.objects.get_or_create(
        version=2,
        defaults={"name": "Not transferred", "effective_from": datetime.date(2020, 1, 1)},
    )


def voice_records(*, admin, team, customer) -> None:
    """An agent of the admin's team whose customer was angry in a chat (an open alert, and a
    closed one), with a gaming flag, three answered survey invitations and one still open; the
    customer's churn risk; figures shown from two answers up, so the survey report carries
    values and intervals."""
    agent = UserFactory(roles=["agent"], team=team)
    DrawSettings.objects.update(min_responses=2)
    for _ in range(2):
        chat = InteractionFactory(customer=customer, agent=agent, channel="chat")
        MessageFactory(interaction=chat, side="customer", body_text=ANGRY)
        signal_services.interaction_score(interaction=chat)
        alert = alert_services.alerts_evaluate_interaction(interaction=chat)
    assert alert is not None
    cause = RootCause.objects.filter(is_active=True).first()
    alert_services.alert_close(
        alert=alert, by=admin, outcome=RecoveryOutcome.RESOLVED, root_cause=cause
    )
    signal_services.churn_risk_update(customer=customer)
    today = django_timezone.localdate()
    GamingFlag.objects.create(
        kind=GamingCheck.BEGGING,
        agent=agent,
        period_start=today - datetime.timedelta(days=27),
        period_end=today,
        statistic=1,
        explanation="Asked for a top score.",
        evidence={"messages": []},
    )
    for score in ("5", "4", "2", None):
        invitation = sent_invitation(agent=agent, customer=customer, address="fuzz@example.com")
        if score is None:
            continue
        questions = invitation.survey.questions.filter(kind__in=["csat", "nps"])
        answers = {response_services.field_name(q): score for q in questions}
        response_services.response_submit(invitation=invitation, answers=answers)


def learning_records(*, admin, team) -> None:
    """Briefings and learning the admin (also a desk user) is part of: a briefing with a check
    delivered to them and to an agent of their team, a draft, an open poll for them; a module
    with questions assigned to them, passed once (so its questions are their review items), a
    proposal from a gap rule for the agent, a new-hire path, and an activity under way."""
    agent = UserFactory(roles=["agent"], team=team)
    account_services.agent_state_set(agent=admin, state="available", source="fuzz")
    briefing_published(author=admin, agents=[admin, agent], questions=2)
    add_question(BriefingFactory(author=admin), "Draft question?")
    poll = open_poll(roles=("agent", "admin"))
    module = module_with_questions(3)
    AssignmentFactory(agent=admin, module=module)
    rule = GapRuleFactory(module=module, mode="confirm")
    AssignmentFactory(agent=agent, module=module, status="proposed", source="gap", gap_rule=rule)
    PathStepFactory(module=module)
    now = django_timezone.now()
    review_services.review_items_create(
        agent=admin, module=module, at=now - datetime.timedelta(days=3)
    )
    Activity.objects.create(
        agent=admin,
        kind="poll",
        poll=poll,
        started_at=now,
        resumed_at=now,
        seconds_allowed=3600,
    )


def raw_body(generated) -> bytes:
    """The bytes a generated body stands for: the fuzzer also sends raw bytes and text, which
    are signed as they are (the endpoint must then refuse them as a bad payload, not fail)."""
    if isinstance(generated, NotSet):
        return b""
    if isinstance(generated, bytes):
        return generated
    if isinstance(generated, str):
        return generated.encode("utf-8", "surrogatepass")
    return json.dumps(generated).encode()


def signed_request(case) -> tuple[dict[str, str], dict]:
    """Headers and transport arguments that sign the generated body, or nothing for an
    operation that is not signed (or an example left unsigned)."""
    if case.operation.path not in SIGNED_OPERATIONS:
        return {}, {}
    body = raw_body(case.body)
    if len(body) % 2:
        return {}, {}
    channel = case.path_parameters.get("channel", "phone") if case.path_parameters else "phone"
    secret = django_settings.RAPPORT_WEBHOOK_SECRETS.get(channel)
    if not secret:
        return {}, {}
    headers = webhooks.signed_headers(secret=secret, body=body, delivery_id=uuid.uuid4().hex)
    return {**headers, "Content-Type": "application/json"}, {"data": body}


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_api_never_fails_and_matches_its_schema(case, admin_token):
    signature, body = signed_request(case)
    case.call_and_validate(
        headers={"Authorization": f"Token {admin_token}", **signature},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        **body,
    )
