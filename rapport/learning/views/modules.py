"""Content pages for trainers and admins (LEARNING_AUTHORS): modules and their questions,
new-hire paths, and the rules that assign modules from measured gaps."""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError
from rapport.core.pagination import paginate
from rapport.core.roles import LEARNING_AUTHORS
from rapport.learning import forms as learning_forms
from rapport.learning import gaps
from rapport.learning.models import GapRule, LearningPath, Module
from rapport.learning.selectors import modules as selectors
from rapport.learning.services import gaps as gap_services
from rapport.learning.services import modules as services
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

PREVIEW_AGENTS = 200


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- Modules ---------------------------------------------------------------------------------------


@role_required(LEARNING_AUTHORS)
def module_list(request: AuthedHttpRequest) -> HttpResponse:
    form = learning_forms.ModuleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    active = {"yes": True, "no": False}.get(data.get("active") or "")
    skill = data.get("skill")
    modules = selectors.module_list(
        search=data.get("q") or "", skill_id=skill.pk if skill else None, active=active
    )
    context = {
        "form": form,
        "page": paginate(request, modules, per_page=25),
        "searched": any(v for k, v in request.GET.items() if k != "page"),
    }
    template = (
        "learning/partials/_module_results.html" if request.htmx else "learning/module_list.html"
    )
    return render(request, template, context, status=_status(form) if not request.htmx else 200)


def _module_kwargs(form) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "summary": data["summary"],
        "body": data["body"],
        "skill": data["skill"],
        "minutes": data["minutes"],
        "pass_mark": data["pass_mark"],
        "is_active": data["is_active"],
    }


@role_required(LEARNING_AUTHORS)
def module_create(request: AuthedHttpRequest) -> HttpResponse:
    form = learning_forms.ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(by=request.user, **_module_kwargs(form))
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Module saved. Now write its questions.")
            return redirect("learning:module_questions", module.pk)
    return render(
        request, "learning/module_form.html", {"form": form, "module": None}, status=_status(form)
    )


@role_required(LEARNING_AUTHORS)
def module_edit(request: AuthedHttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get(module_id=module_id)
    initial = {
        name: getattr(module, name)
        for name in ("title", "summary", "body", "minutes", "pass_mark", "is_active")
    }
    initial["skill"] = module.skill_id
    form = learning_forms.ModuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.module_update(by=request.user, module=module, **_module_kwargs(form))
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Module saved.")
            return redirect("learning:module_edit", module.pk)
    context = {"form": form, "module": module, "questions": list(selectors.questions_of(module))}
    return render(request, "learning/module_form.html", context, status=_status(form))


@role_required(LEARNING_AUTHORS)
def module_questions(request: AuthedHttpRequest, module_id: int) -> HttpResponse:
    """The module's questions, and a form to add one."""
    module = selectors.module_get(module_id=module_id)
    form = learning_forms.QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save_question(request, form, module):
        messages.success(request, "Question added.")
        return redirect("learning:module_questions", module.pk)
    return _questions_page(request, module, form)


def _questions_page(request, module: Module, form, editing=None) -> HttpResponse:
    context = {
        "module": module,
        "questions": list(selectors.questions_of(module)),
        "form": form,
        "editing": editing,
        # Agents reviewing the question being edited: a rewrite restarts their reviews.
        "reviewers": services.question_reviewers(editing) if editing is not None else 0,
        "restart_agents": getattr(form, "restart_agents", 0),
    }
    return render(request, "learning/module_questions.html", context, status=_status(form))


def _save_question(request, form, module: Module, question=None) -> bool:
    data = form.cleaned_data
    try:
        services.module_question_save(
            by=request.user,
            module=module,
            question=question,
            text=data["text"],
            explanation=data["explanation"],
            order=data.get("order"),
            choices=form.choices(),
            restart_confirmed=data.get("confirm_restart", False),
        )
    except services.ReviewRestartUnconfirmed as exc:
        # Asked first: the page shows how many agents it reaches and the box to agree.
        form.restart_agents = exc.agents
        show_refusal(form, exc)
        return False
    except ApplicationError as exc:
        show_refusal(form, exc)
        return False
    return True


@role_required(LEARNING_AUTHORS)
def module_question_edit(
    request: AuthedHttpRequest, module_id: int, question_id: int
) -> HttpResponse:
    module = selectors.module_get(module_id=module_id)
    question = selectors.question_get(module=module, question_id=question_id)
    form = learning_forms.QuestionForm(
        request.POST or None, initial=learning_forms.QuestionForm.initial_for(question)
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_question(request, form, module, question)
    ):
        messages.success(request, "Question saved.")
        return redirect("learning:module_questions", module.pk)
    return _questions_page(request, module, form, editing=question)


@require_POST
@role_required(LEARNING_AUTHORS)
def module_question_delete(
    request: AuthedHttpRequest, module_id: int, question_id: int
) -> HttpResponse:
    module = selectors.module_get(module_id=module_id)
    question = selectors.question_get(module=module, question_id=question_id)
    try:
        services.module_question_delete(by=request.user, question=question)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Question removed.")
    return redirect("learning:module_questions", module.pk)


# --- Paths -----------------------------------------------------------------------------------------


@role_required(LEARNING_AUTHORS)
def path_list(request: AuthedHttpRequest) -> HttpResponse:
    form = learning_forms.PathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.path_create(
                by=request.user,
                name=data["name"],
                role=data["role"],
                description=data["description"],
                is_active=data["is_active"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Path saved. Now add its steps.")
            return redirect("learning:path_edit", created.pk)
    context = {"paths": list(selectors.path_list()), "form": form}
    return render(request, "learning/path_list.html", context, status=_status(form))


@role_required(LEARNING_AUTHORS)
def path_edit(request: AuthedHttpRequest, path_id: int) -> HttpResponse:
    learning_path = selectors.path_get(path_id=path_id)
    initial = {
        "name": learning_path.name,
        "role": learning_path.role,
        "description": learning_path.description,
        "is_active": learning_path.is_active,
    }
    form = learning_forms.PathForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.path_update(by=request.user, path=learning_path, **data)
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Path saved.")
            return redirect("learning:path_edit", learning_path.pk)
    step_form = learning_forms.PathStepForm(modules=selectors.modules_assignable())
    return _path_page(request, learning_path, form, step_form)


def _path_page(request, learning_path: LearningPath, form, step_form) -> HttpResponse:
    context = {
        "path": learning_path,
        "steps": list(selectors.path_steps(path=learning_path)),
        "form": form,
        "step_form": step_form,
    }
    status = max(_status(form), _status(step_form))
    return render(request, "learning/path_form.html", context, status=status)


@require_POST
@role_required(LEARNING_AUTHORS)
def path_step_add(request: AuthedHttpRequest, path_id: int) -> HttpResponse:
    learning_path = selectors.path_get(path_id=path_id)
    step_form = learning_forms.PathStepForm(request.POST, modules=selectors.modules_assignable())
    if step_form.is_valid():
        try:
            services.path_step_add(
                by=request.user,
                path=learning_path,
                module=step_form.cleaned_data["module"],
                due_after_days=step_form.cleaned_data["due_after_days"],
            )
        except ApplicationError as exc:
            show_refusal(step_form, exc)
        else:
            messages.success(request, "Step added.")
            return redirect("learning:path_edit", learning_path.pk)
    form = learning_forms.PathForm(initial={"name": learning_path.name, "role": learning_path.role,
                                            "description": learning_path.description,
                                            "is_active": learning_path.is_active})  # fmt: skip
    return _path_page(request, learning_path, form, step_form)


@require_POST
@role_required(LEARNING_AUTHORS)
def path_step_remove(request: AuthedHttpRequest, path_id: int, step_id: int) -> HttpResponse:
    learning_path = selectors.path_get(path_id=path_id)
    step = selectors.path_steps(path=learning_path).filter(pk=step_id).first()
    if step is None:
        messages.error(request, "That step is not part of this path any more.")
    else:
        services.path_step_remove(by=request.user, step=step)
        messages.success(request, "Step removed.")
    return redirect("learning:path_edit", learning_path.pk)


# --- Gap rules -------------------------------------------------------------------------------------


@role_required(LEARNING_AUTHORS)
def gap_rule_list(request: AuthedHttpRequest) -> HttpResponse:
    rules = list(selectors.gap_rule_list())
    for rule in rules:
        rule.target_shown = gaps.rule_target(rule)  # type: ignore[attr-defined]
        rule.measure_label = gaps.measure_label(rule)  # type: ignore[attr-defined]
    return render(request, "learning/gap_rule_list.html", {"rules": rules})


def _rule_input(form) -> services.GapRuleInput:
    return services.GapRuleInput(**form.cleaned_data)


@role_required(LEARNING_AUTHORS)
def gap_rule_create(request: AuthedHttpRequest) -> HttpResponse:
    form = learning_forms.GapRuleForm(request.POST or None, modules=selectors.modules_assignable())
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.gap_rule_create(by=request.user, data=_rule_input(form))
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Rule saved. The preview shows whom it would reach today.")
            return redirect("learning:gap_rule_edit", rule.pk)
    return render(
        request, "learning/gap_rule_form.html", {"form": form, "rule": None}, status=_status(form)
    )


def _preview(rule: GapRule, day: datetime.date) -> list[dict]:
    agents = gap_services.active_agents()[:PREVIEW_AGENTS]
    names = {agent.pk: agent for agent in agents}
    found = sorted(gaps.measure(rule, agents, day).values(), key=lambda m: (not m.is_gap, -m.n))
    return [{"agent": names[m.agent_id], "measure": m} for m in found]


@role_required(LEARNING_AUTHORS)
def gap_rule_edit(request: AuthedHttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.gap_rule_get(rule_id=rule_id)
    initial = {
        name: getattr(rule, name)
        for name in ("name", "source", "threshold", "window_days", "min_n", "mode", "is_active")
    }
    initial.update(
        kpi=rule.kpi_id, qa_criterion=rule.qa_criterion_id,
        escalation_reason=rule.escalation_reason_id, module=rule.module_id,
    )  # fmt: skip
    form = learning_forms.GapRuleForm(
        request.POST or None, initial=initial, modules=selectors.modules_assignable()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.gap_rule_update(by=request.user, rule=rule, data=_rule_input(form))
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, "Rule saved.")
            return redirect("learning:gap_rule_edit", rule.pk)
        rule = selectors.gap_rule_get(rule_id=rule_id)
    today = timezone.localdate()
    context = {
        "form": form,
        "rule": rule,
        "target": gaps.rule_target(rule),
        "window": gaps.window(rule, today),
        "preview": _preview(rule, today),
    }
    return render(request, "learning/gap_rule_form.html", context, status=_status(form))


urls = [
    path("modules/", module_list, name="modules"),
    path("modules/new/", module_create, name="module_create"),
    path("modules/<int:module_id>/", module_edit, name="module_edit"),
    path("modules/<int:module_id>/questions/", module_questions, name="module_questions"),
    path(
        "modules/<int:module_id>/questions/<int:question_id>/",
        module_question_edit,
        name="module_question_edit",
    ),
    path(
        "modules/<int:module_id>/questions/<int:question_id>/delete/",
        module_question_delete,
        name="module_question_delete",
    ),
    path("paths/", path_list, name="paths"),
    path("paths/<int:path_id>/", path_edit, name="path_edit"),
    path("paths/<int:path_id>/steps/", path_step_add, name="path_step_add"),
    path(
        "paths/<int:path_id>/steps/<int:step_id>/delete/", path_step_remove, name="path_step_remove"
    ),
    path("gap-rules/", gap_rule_list, name="gap_rules"),
    path("gap-rules/new/", gap_rule_create, name="gap_rule_create"),
    path("gap-rules/<int:rule_id>/", gap_rule_edit, name="gap_rule_edit"),
]
