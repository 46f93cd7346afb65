"""The invitations list for survey admins: who was invited, how each send went, the response rate."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.pagination import paginate
from rapport.core.roles import SURVEY_ADMINS
from rapport.surveys.choices import InvitationState
from rapport.surveys.selectors import design as design_selectors
from rapport.surveys.selectors import invitations as selectors
from rapport.ui.decorators import role_required


@role_required(SURVEY_ADMINS)
def invitation_list(request: AuthedHttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in InvitationState.values:
        state = ""
    min_n = design_selectors.draw_settings_get().min_responses
    context = {
        "page": paginate(request, selectors.invitations_for(viewer=request.user, state=state)),
        "state": state,
        "states": InvitationState.choices,
        "rate": selectors.response_rate(viewer=request.user, min_n=min_n),
        "min_n": min_n,
    }
    return render(request, "surveys/design/invitations.html", context)


urls = [path("invitations/", invitation_list, name="invitations")]
