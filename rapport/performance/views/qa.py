"""QA pages: the QA start page (work to finish for QA staff, my evaluations for agents), samples,
an evaluation's scoring form beside the contact it scores, disputes, calibration sessions.

Pages are open to QA_READERS (samples and calibration to QA_EVALUATORS); what each person may
do is checked by the services, and a refusal shows its reason on its form.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from rapport.core.pagination import paginate
from rapport.core.roles import QA_EVALUATORS, QA_READERS, Role, roles_of
from rapport.interactions import selectors as interaction_selectors
from rapport.interactions.choices import Side
from rapport.performance.choices import Answer, DisputeStatus, EvaluationStatus
from rapport.performance.models import CalibrationSession, Dispute, Evaluation, QaCriterion, QaForm
from rapport.performance.selectors import qa as selectors
from rapport.performance.services import qa as services
from rapport.ui.decorators import role_required
from rapport.ui.forms import StyledFormMixin, show_refusal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ID_RANGE: dict[str, Any] = {"min_value": 1, "max_value": 2**63 - 1}
DRAFTS_SHOWN = 50


# --- Forms ---------------------------------------------------------------------------------------


class FormChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QaForm) -> str:
        return obj.name


def _form_field() -> FormChoiceField:
    return FormChoiceField(
        queryset=QaForm.objects.none(), label="Form", empty_label=None, to_field_name="pk"
    )


class SampleDrawForm(StyledFormMixin, forms.Form):
    form = _form_field()
    period_start = forms.DateField(label="From", widget=DATE)
    period_end = forms.DateField(
        label="To", widget=DATE, help_text=f"At most {services.SAMPLE_DAYS_MAX} days."
    )
    per_agent = forms.IntegerField(
        label="Contacts per agent", min_value=1, max_value=services.PER_AGENT_MAX, initial=4
    )
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=services.SEED_LIMIT - 1,
        help_text="Leave empty for a new random draw; give a past sample's seed to repeat it.",
    )

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"period_start": today.replace(day=1), "period_end": today})
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = selectors.forms_active()  # type: ignore[attr-defined]
        self.fields["form"].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period must end on or after the day it starts.")
        return data


class StartForm(StyledFormMixin, forms.Form):
    form = _form_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = selectors.forms_active()  # type: ignore[attr-defined]


class ContactLookupForm(StyledFormMixin, forms.Form):
    interaction = forms.IntegerField(label="Contact number", **ID_RANGE)


class ScoringForm(forms.Form):
    """One radio group and one comment per criterion; `c<id>` and `note<id>`."""

    comments = forms.CharField(
        required=False,
        max_length=services.TEXT_MAX,
        label="Overall comments",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    action = forms.ChoiceField(choices=[("save", "Save draft"), ("submit", "Submit")])

    def __init__(self, *args, criteria: list[QaCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = forms.ChoiceField(
                choices=Answer.choices,
                required=False,
                label=criterion.text,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.fields[f"note{criterion.pk}"] = forms.CharField(
                required=False,
                max_length=services.COMMENT_MAX,
                label="Comment",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            c.pk: (data[f"c{c.pk}"], data.get(f"note{c.pk}", ""))
            for c in self.criteria
            if data.get(f"c{c.pk}")
        }


class DisputeForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        max_length=services.TEXT_MAX,
        label="What do you disagree with?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Name the criterion and what happened on the contact.",
    )


class DecideForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("reject", "Reject: the evaluation stands"), ("uphold", "Uphold: void it")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        max_length=services.TEXT_MAX,
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The agent reads this.",
    )


class DisputeFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *DisputeStatus.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class EvaluatorsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class CalibrationForm(StyledFormMixin, forms.Form):
    title = forms.CharField(max_length=services.TITLE_MAX)
    interaction = forms.IntegerField(label="Contact number", **ID_RANGE)
    form = _form_field()
    evaluators = EvaluatorsField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="At least two; each scores the contact without seeing the others.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = selectors.forms_active()  # type: ignore[attr-defined]
        self.fields["evaluators"].queryset = selectors.qa_evaluators_active()  # type: ignore[attr-defined]
        self.fields["evaluators"].widget.attrs["class"] = "form-check-input"
        self.fields["title"].widget.attrs["autofocus"] = True


# --- The QA page ---------------------------------------------------------------------------------


@role_required(QA_READERS)
def qa_home(request: AuthedHttpRequest) -> HttpResponse:
    """QA staff: drafts to finish, recent scores, open disputes, a draw; agents: their own."""
    user = request.user
    staff = selectors.is_qa_staff(user)
    context: dict[str, Any] = {
        "staff": staff,
        "is_agent": Role.AGENT in roles_of(user),
        "open_disputes": selectors.open_disputes_count(viewer=user),
    }
    if staff:
        drafts = selectors.drafts_of(viewer=user)
        context.update(
            drafts=list(drafts[:DRAFTS_SHOWN]),
            drafts_n=drafts.count(),
            drafts_shown=DRAFTS_SHOWN,
            recent=list(selectors.recent_submitted_for(viewer=user)[: selectors.RECENT]),
            draw_form=SampleDrawForm(),
            **_lookup(request),
        )
    if context["is_agent"]:
        context["page"] = paginate(request, selectors.my_evaluations(agent=user), per_page=20)
        context["my_disputes"] = list(
            selectors.disputes_listed_for(viewer=user).filter(evaluation__agent=user)[:20]
        )
    status = (
        400 if context.get("lookup_form") is not None and context["lookup_form"].errors else 200
    )
    return render(request, "performance/qa/home.html", context, status=status)


def _lookup(request: AuthedHttpRequest) -> dict[str, Any]:
    """`?interaction=<id>`: the contact to start an ad-hoc evaluation of, if the viewer may read it."""
    if "interaction" not in request.GET:
        return {"lookup_form": ContactLookupForm(), "found": None}
    form = ContactLookupForm(request.GET)
    found = None
    if form.is_valid():
        try:
            found = interaction_selectors.interaction_get_for(
                user=request.user, interaction_id=form.cleaned_data["interaction"]
            )
        except NotFound:
            form.add_error("interaction", "There is no contact with this number.")
    return {"lookup_form": form, "found": found, "start_form": StartForm() if found else None}


# --- Samples -------------------------------------------------------------------------------------


@role_required(QA_EVALUATORS)
def qa_samples(request: AuthedHttpRequest) -> HttpResponse:
    """The samples drawn so far; POST draws a new one (quick enough to do while you wait)."""
    form = SampleDrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                sample = services.qa_sample_draw(
                    by=request.user,
                    form=data["form"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    per_agent=data["per_agent"],
                    seed=data["seed"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
                status = exc.status
            else:
                count = sample.evaluations.count()
                messages.success(
                    request,
                    f"Drew {count} contacts (seed {sample.seed}); they wait as drafts for the QA analysts.",
                )
                return redirect("performance:qa_samples")
    page = paginate(
        request, selectors.samples_for(viewer=request.user).order_by("-created_at", "-id")
    )
    context = {"page": page, "draw_form": form}
    return render(request, "performance/qa/samples.html", context, status=status)


# --- Evaluations ---------------------------------------------------------------------------------


@role_required(QA_EVALUATORS)
@require_POST
def evaluation_create(request: AuthedHttpRequest, interaction_id: int) -> HttpResponse:
    """Start an ad-hoc evaluation of a contact and open its scoring form."""
    interaction = interaction_selectors.interaction_get_for(
        user=request.user, interaction_id=interaction_id
    )
    form = StartForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed("Choose a QA form that is in use.", fields=dict(form.errors))
    evaluation = services.evaluation_start(
        by=request.user, interaction=interaction, form=form.cleaned_data["form"]
    )
    return redirect("performance:evaluation_detail", evaluation.pk)


def _editable(user: User, evaluation: Evaluation) -> bool:
    return (
        evaluation.status == EvaluationStatus.DRAFT
        and evaluation.evaluator_id == user.pk
        and (evaluation.calibration is None or evaluation.calibration.closed_at is None)
    )


def _scoring_form(evaluation: Evaluation, data=None) -> ScoringForm:
    criteria = selectors.criteria_of(form=evaluation.form)
    initial: dict[str, Any] = {"comments": evaluation.comments, "action": "save"}
    for answer in evaluation.answers.all():
        initial[f"c{answer.criterion_id}"] = answer.answer
        initial[f"note{answer.criterion_id}"] = answer.comment
    return ScoringForm(data, criteria=criteria, initial=initial, auto_id=f"e{evaluation.pk}_%s")


def _conversation(user: User, evaluation: Evaluation) -> tuple[Any, list]:
    """The contact and what was said, if the viewer may read it (an erased customer's is gone)."""
    try:
        interaction = interaction_selectors.interaction_get_for(
            user=user, interaction_id=evaluation.interaction_id
        )
    except NotFound:
        return None, []
    return interaction, list(interaction_selectors.messages_of(interaction=interaction))


def _sheet(evaluation: Evaluation, form: ScoringForm | None) -> list[selectors.SheetGroup]:
    groups = selectors.evaluation_sheet(evaluation=evaluation)
    if form is not None:
        for group in groups:
            for row in group.rows:
                row.field = form[f"c{row.criterion.pk}"]  # type: ignore[attr-defined]
                row.note = form[f"note{row.criterion.pk}"]  # type: ignore[attr-defined]
    return groups


def detail_context(
    request: AuthedHttpRequest,
    evaluation: Evaluation,
    *,
    scoring: ScoringForm | None = None,
    dispute_form: DisputeForm | None = None,
) -> dict[str, Any]:
    user = request.user
    editable = _editable(user, evaluation)
    if editable and scoring is None:
        scoring = _scoring_form(evaluation)
    interaction, conversation = _conversation(user, evaluation)
    may_dispute = selectors.can_dispute(user, evaluation)
    return {
        "evaluation": evaluation,
        "editable": editable,
        "scoring": scoring if editable else None,
        "groups": _sheet(evaluation, scoring if editable else None),
        "interaction": interaction,
        "conversation": conversation,
        "customer_side": Side.CUSTOMER,
        "agent_side": Side.AGENT,
        "disputes": list(evaluation.disputes.select_related("raised_by", "decided_by")),
        "may_dispute": may_dispute,
        "dispute_form": dispute_form or (DisputeForm() if may_dispute else None),
        "dispute_deadline": selectors.dispute_deadline(evaluation),
        "is_agent_view": evaluation.agent_id == user.pk,
    }


@role_required(QA_READERS)
def evaluation_detail(request: AuthedHttpRequest, evaluation_id: int) -> HttpResponse:
    """The scoring form beside the contact; read-only with its score once submitted."""
    evaluation = selectors.evaluation_get_for(viewer=request.user, evaluation_id=evaluation_id)
    if request.method != "POST":
        return render(
            request, "performance/qa/evaluation.html", detail_context(request, evaluation)
        )
    if evaluation.evaluator_id != request.user.pk:
        raise PermissionDenied("Only the evaluator can change this evaluation.")
    form = _scoring_form(evaluation, request.POST)
    status = 400
    if form.is_valid():
        try:
            _save_and_submit(request, evaluation, form)
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            return _after_scoring(
                request, evaluation, submitted=form.cleaned_data["action"] == "submit"
            )
    evaluation = selectors.evaluation_get_for(viewer=request.user, evaluation_id=evaluation_id)
    context = detail_context(request, evaluation, scoring=form)
    return render(request, "performance/qa/evaluation.html", context, status=status)


def _save_and_submit(request: AuthedHttpRequest, evaluation: Evaluation, form: ScoringForm) -> None:
    # Saving first keeps the answers given so far even when the submit is refused.
    services.evaluation_answer_save(
        by=request.user,
        evaluation=evaluation,
        answers=form.answers(),
        comments=form.cleaned_data["comments"],
    )
    if form.cleaned_data["action"] == "submit":
        services.evaluation_submit(by=request.user, evaluation=evaluation)


def _after_scoring(request: AuthedHttpRequest, evaluation: Evaluation, *, submitted: bool):
    if not submitted:
        messages.success(request, "Draft saved.")
        return redirect("performance:evaluation_detail", evaluation.pk)
    messages.success(request, "Evaluation submitted.")
    if evaluation.calibration_id:
        return redirect("performance:calibration_detail", evaluation.calibration_id)
    return redirect("performance:evaluation_detail", evaluation.pk)


@role_required(QA_READERS)
@require_POST
def dispute_raise(request: AuthedHttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for(viewer=request.user, evaluation_id=evaluation_id)
    if evaluation.agent_id != request.user.pk:
        raise PermissionDenied("Only the agent who was evaluated can dispute an evaluation.")
    form = DisputeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.dispute_raise(
                by=request.user, evaluation=evaluation, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            messages.success(request, "Dispute sent; your supervisor decides.")
            return redirect("performance:evaluation_detail", evaluation.pk)
    context = detail_context(request, evaluation, dispute_form=form)
    context["dispute_form"] = form
    return render(request, "performance/qa/evaluation.html", context, status=status)


# --- Disputes ------------------------------------------------------------------------------------


def _disputes_page(request: AuthedHttpRequest, *, bound: tuple[int, DecideForm] | None = None):
    filters = DisputeFilterForm(request.GET)
    status_filter = filters.cleaned_data["status"] if filters.is_valid() else None
    rows = selectors.disputes_listed_for(viewer=request.user, status=status_filter or None)
    page = paginate(request, rows)
    decides = selectors.decider(request.user)
    for dispute in page.object_list:
        dispute.can_decide = dispute.status == DisputeStatus.OPEN and decides(dispute)
        if dispute.can_decide:
            dispute.form = (
                bound[1]
                if bound and bound[0] == dispute.pk
                else DecideForm(auto_id=f"d{dispute.pk}_%s")
            )
    return {"page": page, "filters": filters, "status_valid": filters.is_valid()}


@role_required(QA_READERS)
def disputes(request: AuthedHttpRequest) -> HttpResponse:
    """Open disputes first; a supervisor sees their team's and decides them here."""
    context = _disputes_page(request)
    status = 200 if context["status_valid"] else 400
    return render(request, "performance/qa/disputes.html", context, status=status)


@role_required(QA_READERS)
@require_POST
def dispute_decide(request: AuthedHttpRequest, dispute_id: int) -> HttpResponse:
    dispute = selectors.dispute_get_for(viewer=request.user, dispute_id=dispute_id)
    if not selectors.may_decide(request.user, dispute):
        raise PermissionDenied(
            "The supervisor of the agent's team or an admin decides, and never the evaluator."
        )
    form = DecideForm(request.POST, auto_id=f"d{dispute.pk}_%s")
    status = 400
    if form.is_valid():
        try:
            _decide(request, dispute, form)
        except ApplicationError as exc:
            show_refusal(form, exc)
            status = exc.status
        else:
            return redirect("performance:disputes")
    context = _disputes_page(request, bound=(dispute.pk, form))
    context["failed"] = dispute
    context["failed_form"] = form
    return render(request, "performance/qa/disputes.html", context, status=status)


def _decide(request: AuthedHttpRequest, dispute: Dispute, form: DecideForm) -> None:
    upheld = form.cleaned_data["decision"] == "uphold"
    services.dispute_decide(
        by=request.user, dispute=dispute, upheld=upheld, note=form.cleaned_data["note"]
    )
    messages.success(
        request,
        "Dispute upheld: the evaluation is void and no longer counts."
        if upheld
        else "Dispute rejected: the evaluation stands.",
    )


# --- Calibration ---------------------------------------------------------------------------------


@role_required(QA_EVALUATORS)
def calibrations(request: AuthedHttpRequest) -> HttpResponse:
    """Calibration sessions, newest first; POST starts one."""
    form = CalibrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                session = _calibration_create(request, form)
            except ApplicationError as exc:
                show_refusal(form, exc)
                status = exc.status
            else:
                messages.success(request, "Calibration session started.")
                return redirect("performance:calibration_detail", session.pk)
    page = paginate(request, selectors.calibrations_listed_for(viewer=request.user))
    return render(
        request, "performance/qa/calibrations.html", {"page": page, "form": form}, status=status
    )


def _calibration_create(request: AuthedHttpRequest, form: CalibrationForm) -> CalibrationSession:
    data = form.cleaned_data
    try:
        interaction = interaction_selectors.interaction_get_for(
            user=request.user, interaction_id=data["interaction"]
        )
    except NotFound:
        raise ValidationFailed(
            "There is no contact with this number.",
            fields={"interaction": ["There is no contact with this number."]},
        ) from None
    return services.calibration_create(
        by=request.user,
        interaction=interaction,
        form=data["form"],
        evaluators=data["evaluators"],
        title=data["title"],
    )


@role_required(QA_EVALUATORS)
def calibration_detail(request: AuthedHttpRequest, session_id: int) -> HttpResponse:
    """My scoring form while I have not submitted; then everyone's agreement. POST closes it."""
    session = selectors.calibration_get_for(viewer=request.user, session_id=session_id)
    if request.method == "POST":
        services.calibration_close(by=request.user, session=session)
        messages.success(request, "Session closed: every evaluator can now see the agreement.")
        return redirect("performance:calibration_detail", session.pk)
    view = selectors.calibration_view(viewer=request.user, session=session)
    mine = view.mine
    scoring = None
    if mine is not None:
        mine.calibration = session
        scoring = _scoring_form(mine) if _editable(request.user, mine) else None
    context = {
        "session": session,
        "view": view,
        "scoring": scoring,
        "groups": _sheet(mine, scoring) if mine is not None and scoring is not None else [],
        "chart": view.chart(),
        "may_close": session.closed_at is None and selectors.may_close(request.user, session),
        "interaction_url": reverse("interactions:detail", args=[session.interaction_id]),
    }
    return render(request, "performance/qa/calibration.html", context)


urls = [
    path("qa/", qa_home, name="qa"),
    path("qa/samples/", qa_samples, name="qa_samples"),
    path("qa/evaluations/new/<int:interaction_id>/", evaluation_create, name="evaluation_create"),
    path("qa/evaluations/<int:evaluation_id>/", evaluation_detail, name="evaluation_detail"),
    path("qa/evaluations/<int:evaluation_id>/dispute/", dispute_raise, name="dispute_raise"),
    path("qa/disputes/", disputes, name="disputes"),
    path("qa/disputes/<int:dispute_id>/decide/", dispute_decide, name="dispute_decide"),
    path("qa/calibrations/", calibrations, name="calibrations"),
    path("qa/calibrations/<int:session_id>/", calibration_detail, name="calibration_detail"),
]
