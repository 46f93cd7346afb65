from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rapport.core import selectors
from rapport.core.pagination import paginate
from rapport.core.roles import CUSTOMER_READERS, Role, has_any_role, is_admin


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 once the database answers; 503 otherwise. No login: load balancers call it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return JsonResponse(
            {"status": "unavailable", "database": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": connection.vendor})


def home(request: HttpRequest) -> HttpResponse:
    """Send people to where their role starts."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if has_any_role(request.user, {Role.AGENT}):
        return redirect("workspace:desktop")
    if has_any_role(request.user, CUSTOMER_READERS):
        return redirect("customers:search")
    if has_any_role(request.user, {Role.TRAINER, Role.EXECUTIVE}):
        return redirect("cases:escalation_analysis")
    return redirect("accounts:me")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Admins read who did or saw what. (Roles checked here: core sits below the ui layer.)"""
    if not is_admin(request.user):
        return render(request, "ui/forbidden.html", status=403)
    action = request.GET.get("action", "").strip()
    page = paginate(
        request, selectors.audit_events_for(user=request.user, action=action), per_page=50
    )
    actions = selectors.audit_actions_for(user=request.user)
    return render(
        request, "core/audit_log.html", {"page": page, "action": action, "actions": actions}
    )
