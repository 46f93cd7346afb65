"""Writes to cases: open, thread contacts, assign, change status, escalate, reply, and the SLA
clocks that run in business hours and stand still while we wait for the customer."""

import re
from collections import Counter
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from rapport.access import selectors as access_selectors
from rapport.access.choices import REAL_TIME_CHANNELS, Channel, Priority
from rapport.access.hours import OpeningHours
from rapport.access.models import ContactType, Queue, ServiceObjective
from rapport.cases import errors, selectors
from rapport.cases.choices import OPEN_STATUSES, TRANSITIONS, CaseEventKind, CaseStatus, Clock
from rapport.cases.events import case_event
from rapport.cases.models import Case, Escalation, EscalationReason, SlaBreach
from rapport.cases.signals import case_escalated
from rapport.core.audit import audit_record
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.models import Customer
from rapport.interactions import services as interaction_services
from rapport.interactions.choices import Direction
from rapport.interactions.models import Interaction, Message

CASE_REFERENCE = re.compile(r"\[C-(\d{1,12})\]")


def _hours(objective: ServiceObjective | None) -> OpeningHours | None:
    return OpeningHours.of(objective.calendar) if objective else None


def _route(customer: Customer | None, contact_type: ContactType | None) -> tuple[Queue, str]:
    rule = access_selectors.route_for(
        segment=customer.segment if customer else "",
        value_tier=customer.value_tier if customer else "",
        contact_type=contact_type,
    )
    if rule is not None:
        return rule.queue, rule.priority
    queue = access_selectors.queue_default()
    if queue is None:
        raise ValidationFailed(
            "No queue is set up yet; an admin must add one first.", code="no_queue"
        )
    return queue, Priority.NORMAL


@transaction.atomic
def case_open(
    *,
    by,
    customer: Customer | None,
    subject: str,
    channel: str,
    description: str = "",
    contact_type: ContactType | None = None,
    queue: Queue | None = None,
    priority: str = "",
    assignee=None,
    interaction: Interaction | None = None,
    at: datetime | None = None,
) -> Case:
    """Open a case, routed by customer criteria and contact type unless a queue is given, with its
    SLA clocks started from the service objective for contact type × channel."""
    if not subject.strip():
        raise ValidationFailed("A case needs a subject.", fields={"subject": ["Required."]})
    if channel not in Channel.values:
        raise ValidationFailed("Unknown channel.", fields={"channel": ["Unknown channel."]})
    if priority and priority not in Priority.values:
        raise ValidationFailed("Unknown priority.", fields={"priority": ["Unknown priority."]})
    routed_queue, routed_priority = _route(customer, contact_type)
    at = at or timezone.now()
    objective = access_selectors.objective_for(contact_type=contact_type, channel=channel)
    hours = _hours(objective)
    case = Case.objects.create(
        customer=customer,
        subject=subject.strip()[:255],
        description=description.strip(),
        channel=channel,
        contact_type=contact_type,
        queue=queue or routed_queue,
        tier=(queue or routed_queue).tier,
        priority=priority or routed_priority,
        assignee=assignee,
        opened_by=by if getattr(by, "pk", None) else None,
        opened_at=at,
        objective=objective,
        first_response_due=hours.add(at, objective.first_response_minutes * 60)
        if hours and objective
        else None,
        resolution_due=hours.add(at, objective.resolution_minutes * 60)
        if hours and objective
        else None,
    )
    case_event(case=case, kind=CaseEventKind.OPENED, at=at, actor=by, queue=case.queue.name)
    if interaction is not None:
        case_link_interaction(case=case, interaction=interaction, by=by)
    return case


@transaction.atomic
def case_link_interaction(*, case: Case, interaction: Interaction, by=None) -> Case:
    """Add a contact on any channel to a case. A customer writing back resumes a waiting case;
    an agent's answer counts as the first response."""
    if interaction.case_id == case.pk:
        return case
    Interaction.objects.filter(pk=interaction.pk).update(case=case)
    interaction.case = case
    at = interaction.started_at
    case_event(
        case=case,
        kind=CaseEventKind.CONTACT,
        at=at,
        actor=by,
        interaction=interaction.pk,
        channel=interaction.channel,
    )
    if interaction.direction == Direction.INBOUND and interaction.agent_id is None:
        if case.status == CaseStatus.WAITING:
            _status_change(case, CaseStatus.OPEN, by=None, at=at)
        elif case.status in {CaseStatus.RESOLVED, CaseStatus.CLOSED}:
            _status_change(case, CaseStatus.OPEN, by=None, at=at, reopened=True)
    else:
        _first_response(case, at=interaction.answered_at or at, by=by)
    return case


def _first_response(case: Case, *, at: datetime, by) -> None:
    if case.first_responded_at is not None:
        return
    case.first_responded_at = at
    case.save(update_fields=["first_responded_at", "updated_at"])
    case_event(case=case, kind=CaseEventKind.RESPONDED, at=at, actor=by)
    if case.first_response_due and at > case.first_response_due:
        _breach(case, Clock.FIRST_RESPONSE, due=case.first_response_due, at=at)


def _breach(case: Case, clock: str, *, due: datetime, at: datetime) -> None:
    _, created = SlaBreach.objects.get_or_create(
        case=case, clock=clock, defaults={"due_at": due, "recorded_at": at}
    )
    if created:
        case_event(
            case=case, kind=CaseEventKind.SLA_BREACH, at=at, clock=clock, due=due.isoformat()
        )


def _require_worker(case: Case, by) -> None:
    if not selectors.can_work_case(by, case):
        raise PermissionDenied(errors.NOT_YOURS)


@transaction.atomic
def case_status_set(*, case: Case, by, status: str) -> Case:
    _require_worker(case, by)
    if status not in CaseStatus.values:
        raise ValidationFailed("Unknown status.", fields={"status": ["Unknown status."]})
    if status == case.status:
        return case
    if status not in TRANSITIONS[case.status]:
        raise ValidationFailed(
            f"A {case.get_status_display().lower()} case cannot become "
            f"{CaseStatus(status).label.lower()}.",
            code="bad_transition",
            fields={"status": ["Not allowed from the current status."]},
        )
    _status_change(case, status, by=by, at=timezone.now())
    return case


def _status_change(case: Case, status: str, *, by, at: datetime, reopened: bool = False) -> None:
    previous = case.status
    if previous == CaseStatus.WAITING and case.paused_at:
        _resume_clocks(case, at)
    if status == CaseStatus.WAITING:
        case.paused_at = at
    if status == CaseStatus.RESOLVED:
        case.resolved_at = at
        if case.resolution_due and at > case.resolution_due:
            _breach(case, Clock.RESOLUTION, due=case.resolution_due, at=at)
    if status == CaseStatus.CLOSED:
        case.closed_at = at
    if status == CaseStatus.OPEN and previous in {CaseStatus.RESOLVED, CaseStatus.CLOSED}:
        case.resolved_at = case.closed_at = None
    case.status = status
    case.save()
    case_event(
        case=case,
        kind=CaseEventKind.STATUS,
        at=at,
        actor=by,
        previous=previous,
        status=status,
        reopened=reopened,
    )


def _resume_clocks(case: Case, at: datetime) -> None:
    """Move the deadlines on by the business time spent waiting for the customer."""
    hours = _hours(case.objective)
    paused = hours.seconds_between(case.paused_at, at) if hours and case.paused_at else 0
    if hours and paused:
        if case.first_responded_at is None and case.first_response_due:
            case.first_response_due = hours.add(case.first_response_due, paused)
        if case.resolution_due:
            case.resolution_due = hours.add(case.resolution_due, paused)
    case.paused_at = None


@transaction.atomic
def case_assign(*, case: Case, by, assignee) -> Case:
    """Give a case to a person of its queue's team (or take it); None puts it back in the queue."""
    _require_worker(case, by)
    if assignee is not None and assignee.team_id != case.queue.team_id and assignee.pk != by.pk:
        raise ValidationFailed(
            f"{assignee} is not in {case.queue.team}, which owns this case's queue.",
            fields={"assignee": ["Not in the owning team."]},
        )
    previous = case.assignee
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    if case.status == CaseStatus.NEW and assignee is not None:
        _status_change(case, CaseStatus.OPEN, by=by, at=timezone.now())
    case_event(
        case=case,
        kind=CaseEventKind.ASSIGNED,
        at=timezone.now(),
        actor=by,
        previous=str(previous or ""),
        assignee=str(assignee or ""),
    )
    if assignee is not None:
        # Someone of the receiving team has it now; putting it back in the queue is not receiving it.
        Escalation.objects.filter(case=case, received_at__isnull=True).update(
            received_at=timezone.now()
        )
    return case


@transaction.atomic
def case_priority_set(*, case: Case, by, priority: str) -> Case:
    _require_worker(case, by)
    if priority not in Priority.values:
        raise ValidationFailed("Unknown priority.", fields={"priority": ["Unknown priority."]})
    previous, case.priority = case.priority, priority
    case.save(update_fields=["priority", "updated_at"])
    case_event(
        case=case,
        kind=CaseEventKind.PRIORITY,
        at=timezone.now(),
        actor=by,
        previous=previous,
        priority=priority,
    )
    return case


@transaction.atomic
def case_escalate(
    *,
    case: Case,
    by,
    to_queue: Queue,
    reason: EscalationReason | None,
    customer_needs: str,
    tried: str,
    promised: str = "",
    to_agent=None,
    interaction: Interaction | None = None,
) -> Escalation:
    """Hand a case to another tier or team with a reason and a summary the receiver reads first:
    what the customer needs, what was tried, what was promised. The chain is kept."""
    _require_worker(case, by)
    if not case.is_open:
        raise ValidationFailed(
            "Only an open case can be escalated; reopen it first.", code="case_closed"
        )
    if to_queue.pk == case.queue_id:
        raise ValidationFailed(errors.SAME_QUEUE, fields={"to_queue": [errors.SAME_QUEUE]})
    missing = {
        name: ["Required."]
        for name, value in (("customer_needs", customer_needs), ("tried", tried))
        if not value.strip()
    }
    if missing or reason is None:
        if reason is None:
            missing["reason"] = ["Choose why the case goes on."]
        raise ValidationFailed(errors.NEEDS_SUMMARY, fields=missing)
    if not reason.is_active:
        raise ValidationFailed(
            "That reason is retired; choose another.", fields={"reason": ["Retired."]}
        )
    if to_agent is not None and to_agent.team_id != to_queue.team_id:
        raise ValidationFailed(
            f"{to_agent} is not in {to_queue.team}.",
            fields={"to_agent": ["Not in the receiving team."]},
        )
    now = timezone.now()
    escalation = Escalation.objects.create(
        case=case,
        reason=reason,
        preventable=reason.preventable,
        customer_needs=customer_needs.strip(),
        tried=tried.strip(),
        promised=promised.strip(),
        from_queue=case.queue,
        to_queue=to_queue,
        from_tier=case.tier,
        to_tier=to_queue.tier,
        escalated_by=by,
        from_team_id=by.team_id,
        to_agent=to_agent,
        interaction=interaction,
        contact_type=case.contact_type,
        escalated_at=now,
    )
    case.queue, case.tier, case.assignee = to_queue, to_queue.tier, to_agent
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN
    case.save()
    case_event(
        case=case,
        kind=CaseEventKind.ESCALATED,
        at=now,
        actor=by,
        escalation=escalation.pk,
        to_queue=to_queue.name,
        reason=reason.name,
    )
    audit_record(
        actor=by, action="case.escalated", target=case, detail={"escalation": escalation.pk}
    )
    case_escalated.send(sender=Escalation, escalation=escalation)
    return escalation


@transaction.atomic
def case_reply(*, case: Case, by, text: str) -> Interaction:
    """Answer the customer by e-mail, threaded under their last e-mail in this case, with the case
    reference in the subject so their next reply comes back here."""
    _require_worker(case, by)
    # Only the case customer's own mails are answered: anyone can put "[C-123]" in a subject,
    # and a stranger must not receive the agent's reply.
    last_inbound = (
        case.interactions.filter(
            channel=Channel.EMAIL, direction=Direction.INBOUND, customer=case.customer
        )
        .order_by("-started_at", "-id")
        .first()
    )
    to = last_inbound.sender if last_inbound else _customer_email(case)
    if not to:
        raise ValidationFailed(errors.NO_EMAIL, code="no_email")
    base = (last_inbound.subject if last_inbound else "") or case.subject
    base = CASE_REFERENCE.sub("", base).strip()
    subject = f"{'' if base.lower().startswith('re:') else 'Re: '}{base} [{case.reference}]"
    interaction = interaction_services.outbound_email_send(
        by=by,
        customer=case.customer,
        to=to,
        subject=subject,
        text=text,
        in_reply_to=last_inbound.external_id if last_inbound else "",
        references=tuple(last_inbound.thread_refs) if last_inbound else (),
    )
    case_link_interaction(case=case, interaction=interaction, by=by)
    if case.status == CaseStatus.NEW:
        _status_change(case, CaseStatus.OPEN, by=by, at=timezone.now())
    return interaction


def _customer_email(case: Case) -> str:
    if case.customer is None:
        return ""
    point = case.customer.contact_points.filter(kind="email").order_by("-preferred", "id").first()
    return point.normalised if point else ""


def thread_inbound(*, interaction: Interaction, message: Message, created: bool) -> Case | None:
    """Put a newly received contact into its case: the case of the e-mail it answers, else the case
    named in its subject, else a new case for a deferred channel. Real-time contacts (calls, chat)
    are linked by the agent at wrap-up."""
    if interaction.case_id is not None:
        # Another message in a conversation already in a case (a chat, an SMS thread): the
        # customer writing back resumes or reopens it, as a new contact would.
        case = interaction.case
        if case is not None and case.status == CaseStatus.WAITING:
            _status_change(case, CaseStatus.OPEN, by=None, at=message.sent_at)
        elif case is not None and case.status in {CaseStatus.RESOLVED, CaseStatus.CLOSED}:
            _status_change(case, CaseStatus.OPEN, by=None, at=message.sent_at, reopened=True)
        return case
    case = _case_answered(interaction)
    if case is not None:
        return case_link_interaction(case=case, interaction=interaction)
    if interaction.channel in REAL_TIME_CHANNELS:
        return None
    return case_open(
        by=None,
        customer=interaction.customer,
        subject=interaction.subject or interaction.summary[:80] or "Message from a customer",
        channel=interaction.channel,
        description=message.body_text[:2000],
        queue=interaction.queue,
        interaction=interaction,
        at=interaction.started_at,
    )


def _case_answered(interaction: Interaction) -> Case | None:
    if interaction.thread_refs:
        earlier = (
            Interaction.objects.filter(
                external_id__in=interaction.thread_refs[-50:], case__isnull=False
            )
            .select_related("case")
            .order_by("-started_at")
            .first()
        )
        if earlier is not None:
            return earlier.case
    match = CASE_REFERENCE.search(interaction.subject)
    if match:
        return Case.objects.filter(pk=int(match.group(1))).first()
    return None


def sla_check(*, now: datetime | None = None) -> dict[str, int]:
    """Warn before a clock runs out and record a breach when it has. Idempotent: each warning and
    each breach is recorded once per case and clock."""
    now = now or timezone.now()
    counts: Counter[str] = Counter(warnings=0, breaches=0)
    running = (
        Case.objects.filter(
            status__in=OPEN_STATUSES, paused_at__isnull=True, objective__isnull=False
        )
        .select_related("objective__calendar")
        .prefetch_related("objective__calendar__hours", "objective__calendar__holidays")
    )
    for case in running.iterator(chunk_size=500):
        for clock, due, done in (
            (Clock.FIRST_RESPONSE, case.first_response_due, case.first_responded_at),
            (Clock.RESOLUTION, case.resolution_due, case.resolved_at),
        ):
            if due is None or done is not None:
                continue
            with transaction.atomic():
                counts[_check_clock(case, clock, due, now)] += 1
    del counts[""]
    return dict(counts)


def _check_clock(case: Case, clock: str, due: datetime, now: datetime) -> str:
    if now >= due:
        before = SlaBreach.objects.filter(case=case, clock=clock).exists()
        _breach(case, clock, due=due, at=now)
        return "" if before else "breaches"
    flag = "warned_first_response" if clock == Clock.FIRST_RESPONSE else "warned_resolution"
    objective = case.objective
    if getattr(case, flag) or objective is None:
        return ""
    hours = OpeningHours.of(objective.calendar)
    allowed = 60 * (
        objective.first_response_minutes
        if clock == Clock.FIRST_RESPONSE
        else objective.resolution_minutes
    )
    left = hours.seconds_between(now, due)
    if left > allowed * (100 - objective.warning_percent) / 100:
        return ""
    Case.objects.filter(pk=case.pk).update(**{flag: True})
    case_event(case=case, kind=CaseEventKind.SLA_WARNING, at=now, clock=clock, due=due.isoformat())
    return "warnings"
