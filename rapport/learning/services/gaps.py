"""The gap sweep: for every active rule and every active agent, a measured gap assigns the rule's
module (or proposes it to a trainer), with the evidence as the reason the agent reads."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.audit import audit_record
from rapport.core.roles import Role
from rapport.learning import gaps
from rapport.learning.choices import AssignmentSource, AssignmentStatus, GapMode
from rapport.learning.models import Assignment, GapRule
from rapport.learning.selectors import assignments as assignment_selectors
from rapport.learning.selectors import modules as module_selectors
from rapport.performance.rollups import day_bounds


def active_agents() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name=Role.AGENT).distinct().order_by("pk")
    )


def gap_sweep(*, today: datetime.date | None = None) -> dict:
    """Measure every active rule over the window ending yesterday-or-`today` and create the
    assignments gaps call for. Idempotent: an agent who has the module open, passed it within the
    window, or had its proposal dismissed within the window gets nothing new.

    Returns {"rules": n, "gaps": n, "assigned": n, "proposed": n}."""
    today = today or timezone.localdate()
    agents = active_agents()
    summary = {"rules": 0, "gaps": 0, "assigned": 0, "proposed": 0}
    for rule in module_selectors.gap_rules_active():
        summary["rules"] += 1
        found = [m for m in gaps.measure(rule, agents, today).values() if m.is_gap]
        summary["gaps"] += len(found)
        created = _assign(rule, found, today)
        key = "assigned" if rule.mode == GapMode.AUTO else "proposed"
        summary[key] += created
    return summary


@transaction.atomic
def _assign(rule: GapRule, found: list[gaps.GapMeasure], today: datetime.date) -> int:
    if not found:
        return 0
    start, _ = gaps.window(rule, today)
    since, _ = day_bounds(start)
    busy = assignment_selectors.open_or_recent(
        agent_ids=[m.agent_id for m in found], module_id=rule.module_id, since=since
    )
    status = AssignmentStatus.ASSIGNED if rule.mode == GapMode.AUTO else AssignmentStatus.PROPOSED
    created = 0
    for measure in found:
        if measure.agent_id in busy:
            continue
        try:
            # A savepoint each: a sweep running at the same time may have made this one already.
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    agent_id=measure.agent_id,
                    module=rule.module,
                    source=AssignmentSource.GAP,
                    status=status,
                    reason=gaps.reason_text(rule, measure),
                    evidence=measure.evidence(rule),
                    gap_rule=rule,
                    due_on=today + datetime.timedelta(days=14)
                    if status == AssignmentStatus.ASSIGNED
                    else None,
                )
        except IntegrityError:
            continue
        audit_record(
            actor=None,
            action="learning.assignment_gap",
            target=assignment,
            detail={"rule": rule.pk, "agent": measure.agent_id, "status": status},
        )
        created += 1
    return created
