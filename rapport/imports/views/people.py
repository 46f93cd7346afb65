"""People in other systems: which Rapport user an id in Zendesk, the phone switch, the recording
system, workforce management or an old CRM stands for, so imported rows naming them find the
person. Listed, searched, added and removed by the admins who run imports."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from rapport.accounts import selectors as account_selectors
from rapport.accounts import services as account_services
from rapport.accounts.http import AuthedHttpRequest
from rapport.accounts.models import User
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.pagination import paginate
from rapport.core.roles import IMPORTERS
from rapport.imports.sources import all_sources, system
from rapport.ui.decorators import role_required
from rapport.ui.forms import show_refusal

PEOPLE_PER_PAGE = 50
MAX_ID = 2**63 - 1


class ExternalAccountForm(forms.Form):
    source = forms.CharField(label="System", max_length=32, help_text="e.g. zendesk, phone, wfm")
    external_id = forms.CharField(label="Their id there", max_length=100)
    username = forms.CharField(label="Rapport username", max_length=150)

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No active Rapport user is called {username}.")
        return user


def _systems() -> list[str]:
    known = {source.source_label for source in all_sources()} - {system.DEFAULT}
    return sorted(known | set(account_selectors.external_systems()))


@role_required(IMPORTERS)
def people(request: AuthedHttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = ExternalAccountForm(request.POST) if posted else ExternalAccountForm()
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            account = account_services.external_account_add(
                source=data["source"],
                external_id=data["external_id"],
                user=data["username"],
                by=request.user,
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, f"{account.external_id} in {account.source} is {account.user.username}."
            )
            return redirect("imports:people")
    query, system = request.GET.get("q", "").strip(), request.GET.get("system", "")
    accounts = account_selectors.external_accounts_for(
        user=request.user, query=query, source=system
    )
    context = {
        "form": form,
        "page": paginate(request, accounts, per_page=PEOPLE_PER_PAGE),
        "query": query,
        "system": system,
        "systems": _systems(),
    }
    return render(request, "imports/people.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(IMPORTERS)
def person_remove(request: AuthedHttpRequest, account_id: int) -> HttpResponse:
    accounts = account_selectors.external_accounts_for(user=request.user)
    account = accounts.filter(pk=account_id).first() if account_id <= MAX_ID else None
    if account is None:
        raise NotFound("There is no such id.")
    said = f"{account.external_id} in {account.source}"
    account_services.external_account_remove(account=account, by=request.user)
    messages.success(request, f"{said} no longer names anyone; rows naming it find nobody.")
    return redirect("imports:people")


urls = [
    path("people/", people, name="people"),
    path("people/<int:account_id>/remove/", person_remove, name="person_remove"),
]
