"""Pages about people: login, second factor, my account, the people board, security policy."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts import selectors, services
from rapport.accounts.forms import (
    AgentSkillForm,
    AgentStateForm,
    ApiTokenForm,
    PeopleFilterForm,
    RolePolicyForm,
    SecondFactorForm,
)
from rapport.accounts.http import AuthedHttpRequest
from rapport.accounts.models import RoleSecurityPolicy
from rapport.core.pagination import paginate
from rapport.core.roles import PEOPLE_READERS, Role, is_admin, roles_of
from rapport.ui.decorators import role_required


class RapportLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class RapportLogoutView(LogoutView):
    pass


def _totp_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _safe_next(request: HttpRequest) -> str:
    """The ?next= target when it stays on this site, else the start page."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
def second_factor(request: AuthedHttpRequest) -> HttpResponse:
    """Enrol a TOTP device on first use, then verify a code from it."""
    device = TOTPDevice.objects.filter(user=request.user).order_by("-confirmed").first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator", confirmed=False)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Second factor verified.")
            return redirect(_safe_next(request))
        form.add_error("code", "That code is not right or has expired. Try the current one.")
    context = {
        "form": form,
        "enrolling": not device.confirmed,
        "qr": _totp_svg(device) if not device.confirmed else None,
        "secret": base64.b32encode(device.bin_key).decode() if not device.confirmed else None,
    }
    return render(request, "accounts/second_factor.html", context)


@login_required
def my_account(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "roles": sorted(Role(r).label for r in roles_of(user)),
        "state_form": AgentStateForm(initial={"state": user.agent_state}),
        "history": selectors.agent_state_history_for(viewer=user, agent=user, limit=20),
        "skills": user.skills.select_related("skill"),
        "tokens": selectors.api_tokens_of(user=user),
        "token_form": ApiTokenForm(),
        "new_key": request.session.pop("new_api_key", None),
    }
    return render(request, "accounts/my_account.html", context)


@login_required
@require_POST
def set_my_state(request: AuthedHttpRequest) -> HttpResponse:
    form = AgentStateForm(request.POST)
    if form.is_valid():
        services.agent_state_set(agent=request.user, state=form.cleaned_data["state"], source="ui")
        request.user.refresh_from_db(fields=["agent_state", "agent_state_since"])
    else:
        messages.error(request, "That is not an agent state; your state did not change.")
    if request.htmx:
        return render(
            request,
            "accounts/partials/_state.html",
            {"state_form": AgentStateForm(initial={"state": request.user.agent_state})},
        )
    return redirect("accounts:me")


@login_required
@require_POST
def token_create(request: AuthedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        issued = services.api_token_issue(user=request.user, name=form.cleaned_data["name"])
        # Shown once on the next page, never stored in clear.
        request.session["new_api_key"] = issued.key
    else:
        messages.error(request, "Give the token a name.")
    return redirect("accounts:me")


@login_required
@require_POST
def token_revoke(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_for(user=request.user, token_id=token_id)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"Token '{token.name}' revoked.")
    return redirect("accounts:me")


@role_required(PEOPLE_READERS)
def people(request: AuthedHttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    people_qs = selectors.user_list_for(
        viewer=request.user, role=data.get("role") or None, search=data.get("q", "")
    )
    page = paginate(request, people_qs, per_page=25)
    template = "accounts/partials/_people_table.html" if request.htmx else "accounts/people.html"
    return render(request, template, {"form": form, "page": page})


@role_required(PEOPLE_READERS)
def person(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    """A person's roles, skills and state history; their supervisor or an admin sets skills."""
    subject = selectors.user_get_for(viewer=request.user, user_id=user_id)
    skill_form = AgentSkillForm(request.POST or None)
    may_set_skills = is_admin(request.user) or subject != request.user
    if request.method == "POST" and not may_set_skills:
        return render(request, "ui/forbidden.html", status=403)
    if request.method == "POST" and skill_form.is_valid():
        services.agent_skill_set(agent=subject, **skill_form.cleaned_data)
        messages.success(request, "Skill saved.")
        return redirect("accounts:person", subject.pk)
    context = {
        "skill_form": skill_form if may_set_skills else None,
        "subject": subject,
        "roles": sorted(Role(r).label for r in roles_of(subject)),
        "history": selectors.agent_state_history_for(viewer=request.user, agent=subject),
        "skills": subject.skills.select_related("skill"),
    }
    return render(request, "accounts/person.html", context)


@role_required({Role.ADMIN})
def security(request: AuthedHttpRequest) -> HttpResponse:
    current = dict(RoleSecurityPolicy.objects.values_list("role", "require_second_factor"))
    form = RolePolicyForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        for role, required in form.cleaned_data.items():
            if current.get(role, False) != required:
                services.role_policy_set(role=role, require_second_factor=required, by=request.user)
        messages.success(request, "Security policy saved.")
        return redirect("accounts:security")
    return render(request, "accounts/security.html", {"form": form})
