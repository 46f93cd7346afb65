"""QA scores from a call-recording / quality-monitoring system. Each row is one evaluation of one
contact: it becomes a submitted performance.Evaluation keyed by (source, evaluation id), so it
counts on the agent's scorecard and in the QA score KPI as the ones scored in Rapport do
(performance.kpis.counted_evaluations: submitted, not calibration, with a score), on the day it
was evaluated.

A score means nothing without its contact and its agent, so both must be known and agree: the
agent named must be the one who handled the contact in Rapport. Imported scores carry only the
total (0–100, or points out of max points); they go to the form the row names, else the form the
job chose, else one inactive "Imported scores" form made on first use (inactive, so nobody picks
it to score contacts by hand: it has no criteria).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms

from rapport.imports import values
from rapport.imports.sources import register
from rapport.imports.sources.base import Context, Field, Line, Outcome, RowError, Source
from rapport.imports.sources.lookups import (
    Plan,
    Planned,
    Tally,
    contact_of_row,
    keyed_plan,
    keyed_write,
    moment,
    number,
    people_named,
    person_named,
    prefetch_contacts,
    read_rows,
)
from rapport.performance.choices import EvaluationStatus
from rapport.performance.models import Evaluation, QaForm

IMPORTED_FORM = "Imported scores"
COMMENTS_MAX = 4000  # as the QA pages allow
HUNDRED = Decimal(100)
RECORDING = "recording"
IMPORTED_FORM_LATER = object()  # stands for the "Imported scores" form until a row is written


class QaScoresOptions(forms.Form):
    form = forms.TypedChoiceField(
        label="Form for rows that name none",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Scores go to the form their row names; the others go here.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", f"{IMPORTED_FORM} (made on first use)")]
        choices += [(str(pk), name) for pk, name in QaForm.objects.values_list("pk", "name")]
        self.fields["form"].choices = choices  # type: ignore[attr-defined]


class QaScoresSource(Source):
    key = "qa_scores"
    label = "QA scores (call recording / quality monitoring)"
    description = (
        "One row per evaluation from the recording system: its id, the call (the phone switch's "
        "call id) or Rapport's contact number, the agent, the evaluator, the score (0–100, or "
        "points and max points), when it was evaluated and the comments. Each becomes a "
        "submitted evaluation that counts on the agent's scorecard. The agent must be the one "
        "who handled the contact in Rapport."
    )
    source_label = RECORDING
    options_form = QaScoresOptions
    fields = (
        Field(
            "evaluation_id",
            "Evaluation id",
            required=True,
            aliases=("Evaluation ID", "EvaluationID", "Eval ID", "Evaluation", "Review ID"),
        ),
        Field(
            "call_id",
            "Call id (phone switch)",
            aliases=("Call ID", "CallID", "UCID", "Contact ID", "Recording ID", "Segment ID"),
            help="The call's id in the phone switch, as in the call-detail records.",
        ),
        Field("interaction_id", "Rapport contact number", aliases=("Interaction ID",)),
        Field(
            "agent",
            "Agent",
            required=True,
            aliases=("Agent", "Agent ID", "Agent Login", "Agent Email", "Employee ID"),
        ),
        Field(
            "evaluator",
            "Evaluator",
            aliases=("Evaluator", "Evaluator ID", "Evaluator Email", "Reviewer", "Scored By"),
        ),
        Field("score", "Score (0–100)", aliases=("Score", "Total Score", "Score %", "Percent")),
        Field("points", "Points scored", aliases=("Points", "Points Earned", "Raw Score")),
        Field("max_points", "Points possible", aliases=("Max Points", "Points Possible", "Max")),
        Field(
            "evaluated_at",
            "Evaluated at",
            required=True,
            aliases=("Evaluated At", "Evaluation Date", "Evaluated", "Scored At", "Review Date"),
        ),
        Field("comments", "Comments", aliases=("Comments", "Comment", "Notes", "Feedback")),
        Field("form", "Form name", aliases=("Form", "Form Name", "Evaluation Form", "Scorecard")),
    )

    def process(self, lines: Sequence[Line], ctx: Context) -> Outcome:
        tally = Tally()
        prefetch_contacts(ctx, lines)
        people_named(ctx, _people_in(lines), source=ctx.source_label)
        rows = read_rows(lines, lambda line: self._check(line, ctx, tally), tally)
        plan = keyed_plan(Evaluation, rows, source=ctx.source_label, ctx=ctx, tally=tally)
        if not ctx.dry_run:
            _imported_form(plan)
        keyed_write(Evaluation, plan, ctx=ctx, tally=tally)
        return tally.finish()

    def _check(self, line: Line, ctx: Context, tally: Tally) -> Planned:
        cells = line.values
        evaluation_id = values.text(
            cells.get("evaluation_id"), "evaluation_id", max_length=100, required=True
        )
        contact = contact_of_row(ctx, line)
        if contact is None:
            raise RowError("call_id or interaction_id is needed: a score needs its contact")
        agent_name = values.text(cells.get("agent"), "agent", max_length=255, required=True)
        agent_id = person_named(ctx, agent_name, source=ctx.source_label)
        if agent_id is None:
            raise RowError(f"agent {values.quoted(agent_name)} has no Rapport account")
        if contact.agent_id is None:
            raise RowError(
                f"contact {_name(contact)} has no agent in Rapport to credit the score to"
            )
        if contact.agent_id != agent_id:
            raise RowError(
                f"agent {values.quoted(agent_name)} did not handle contact {_name(contact)}: "
                f"Rapport has it handled by {contact.agent_username}"
            )
        evaluator_id = self._evaluator(line, ctx, tally, agent_id)
        evaluated_at = moment(line, "evaluated_at", ctx)
        if evaluated_at < contact.started_at:
            raise RowError(
                f"evaluated_at {values.quoted(cells.get('evaluated_at') or '')} is before the "
                "contact started"
            )
        score = _score(cells)
        form_id = _form_id(ctx, values.text(cells.get("form"), "form", max_length=120))
        comments = values.text(cells.get("comments"), "comments", max_length=COMMENTS_MAX)
        said = {"evaluator_id": evaluator_id, "form_id": form_id, "comments": comments}
        return Planned(
            external_id=evaluation_id,
            values={
                "interaction_id": contact.id,
                "agent_id": agent_id,
                "score": score,
                "submitted_at": evaluated_at,
                # An empty cell (or a column left unmapped) does not wipe what is stored.
                **{name: value for name, value in said.items() if value},
            },
            # Only a new score is submitted here: one voided after a dispute stays voided.
            on_add={
                "status": EvaluationStatus.SUBMITTED,
                "form_id": form_id or IMPORTED_FORM_LATER,
            },
            sample=f"QA score {evaluation_id}: {score} for {agent_name} on {_name(contact)}",
        )

    def _evaluator(self, line: Line, ctx: Context, tally: Tally, agent_id: int) -> int | None:
        name = values.text(line.values.get("evaluator"), "evaluator", max_length=255)
        if not name:
            return None
        evaluator_id = person_named(ctx, name, source=ctx.source_label)
        if evaluator_id is None:
            # The score still stands without who gave it; the note says what was left out.
            tally.note(f"evaluator {values.quoted(name)} has no Rapport account")
            return None
        if evaluator_id == agent_id:
            raise RowError("the evaluator is the agent: a self-evaluation does not count as QA")
        return evaluator_id


def _people_in(lines: Sequence[Line]) -> set[str]:
    return {(line.values.get(n) or "").strip() for line in lines for n in ("agent", "evaluator")}


def _name(contact: Any) -> str:
    return f"call {contact.external_id}" if contact.external_id else f"number {contact.id}"


def _score(cells: dict[str, str]) -> Decimal:
    """The score out of 100: given as such ('86', '86%', '86.5'), or points out of max points."""
    score = number((cells.get("score") or "").strip().rstrip("%"), "score")
    if score is None:
        points = number(cells.get("points"), "points")
        most = number(cells.get("max_points"), "max_points")
        if points is None or most is None:
            raise RowError("score is missing (or give points and max_points)")
        if most <= 0:
            raise RowError(f"max_points must be more than 0: {values.quoted(str(most))}")
        if not 0 <= points <= most:
            raise RowError(f"points must be between 0 and max_points ({most}): {points}")
        score = (points * HUNDRED / most).quantize(Decimal("0.01"))
    if not 0 <= score <= HUNDRED:
        raise RowError(
            f"score must be between 0 and 100: {values.quoted(cells.get('score') or '')}"
        )
    return score


def _form_id(ctx: Context, name: str) -> int | None:
    """The form a row's score goes to: the one it names, else the job's choice, else None: a new
    score then goes to the "Imported scores" form (made only when a row is written)."""
    if name:
        forms_by_name: dict[str, int] = ctx.cache.setdefault("qa:forms", {})
        if not forms_by_name:
            forms_by_name.update(
                (n.lower(), pk) for pk, n in QaForm.objects.values_list("pk", "name")
            )
        found = forms_by_name.get(name.lower())
        if found is None:
            raise RowError(f"form {values.quoted(name)} is not a QA form in Rapport")
        return found
    chosen = ctx.options.get("form")
    if chosen:
        if "qa:chosen_form" not in ctx.cache:
            ctx.cache["qa:chosen_form"] = QaForm.objects.filter(pk=chosen).exists()
        if not ctx.cache["qa:chosen_form"]:
            raise RowError(f"the form chosen for this import (number {chosen}) no longer exists")
        return int(chosen)
    return None


def _imported_form(plan: Plan) -> None:
    """Give the new scores that have no form the "Imported scores" form, made on first use."""
    added = cast(list[tuple[Planned, Evaluation]], plan.added)
    waiting = [score for _, score in added if score.form_id is IMPORTED_FORM_LATER]
    if not waiting:
        return
    form, _ = QaForm.objects.get_or_create(
        name=IMPORTED_FORM,
        defaults={
            "description": "Scores imported from a call-recording system: the total only.",
            "is_active": False,
        },
    )
    for score in waiting:
        score.form_id = form.pk


register(QaScoresSource())
