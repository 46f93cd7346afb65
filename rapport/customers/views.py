"""Customer pages: search, the customer view, create/edit, and what hangs off a customer."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts.http import AuthedHttpRequest
from rapport.core.errors import ApplicationError, NotFound, ValidationFailed
from rapport.core.pagination import paginate
from rapport.core.roles import (
    CUSTOMER_EDITORS,
    CUSTOMER_EXPORTERS,
    CUSTOMER_READERS,
    Role,
    roles_of,
)
from rapport.customers import selectors, services, tasks
from rapport.customers.forms import (
    ConsentForm,
    ContactPointForm,
    CustomerCreateForm,
    CustomerForm,
    CustomerSearchForm,
    HoldingForm,
    HouseholdForm,
    HouseholdSearchForm,
    NoteForm,
)
from rapport.customers.normalise import normalise_contact
from rapport.customers.panels import panels_for
from rapport.customers.services import ContactPointInput
from rapport.ui.decorators import role_required

SEARCH_FILTERS = ("status", "segment", "value_tier")


def _search(request: AuthedHttpRequest, data=None):
    form = CustomerSearchForm(data if data is not None else (request.GET or None))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = {name: data[name] for name in SEARCH_FILTERS if data.get(name)}
    query = data.get("q", "")
    customers = selectors.customer_search_for(user=request.user, query=query, filters=filters)
    return form, customers, filters, bool(query)


@role_required(CUSTOMER_READERS)
def search(request: AuthedHttpRequest) -> HttpResponse:
    form, customers, _, _ = _search(request)
    page = paginate(request, customers, per_page=25)
    context = {
        "form": form,
        "page": page,
        "searched": any(request.GET.get(name) for name in ("q", *SEARCH_FILTERS)),
        "can_export": bool(roles_of(request.user) & CUSTOMER_EXPORTERS),
        "can_create": bool(roles_of(request.user) & CUSTOMER_EDITORS),
    }
    template = "customers/partials/_results.html" if request.htmx else "customers/search.html"
    return render(request, template, context)


@role_required(CUSTOMER_EXPORTERS)
@require_POST
def export_start(request: AuthedHttpRequest) -> HttpResponse:
    """Queue a CSV of the current search; the worker writes it while a progress bar shows."""
    form, _, filters, _ = _search(request, request.POST)
    if not form.is_valid():
        # Dropping a bad filter would export far more than was asked for.
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(f"Not exported: {problems}")
    export = services.customer_export_request(
        by=request.user, query=form.cleaned_data.get("q", ""), filters=filters
    )
    transaction.on_commit(partial(tasks.run_customer_export.enqueue, export.pk))
    return redirect(export)


@role_required(CUSTOMER_EXPORTERS)
def export_status(request: AuthedHttpRequest, export_id: int) -> HttpResponse:
    export = selectors.customer_export_get_for(user=request.user, export_id=export_id)
    template = "customers/partials/_export.html" if request.htmx else "customers/export.html"
    return render(request, template, {"export": export})


@role_required(CUSTOMER_EXPORTERS)
def export_download(request: AuthedHttpRequest, export_id: int) -> FileResponse:
    export = selectors.customer_export_get_for(user=request.user, export_id=export_id)
    if not export.file:
        raise NotFound("This export has no file yet.")
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename="customers.csv",
        content_type="text/csv; charset=utf-8",
    )


# The small forms on the customer view: context name and id prefix (ids stay unique on the page).
VIEW_FORMS = {
    NoteForm: ("note_form", "note_%s"),
    ContactPointForm: ("contact_form", "contact_%s"),
    ConsentForm: ("consent_form", "consent_%s"),
    HoldingForm: ("holding_form", "holding_%s"),
}


def _render_customer_view(request, customer, *, bound=None, status: int = 200) -> HttpResponse:
    """The customer view, with `bound` (a form that failed) in place of its empty twin."""
    roles = roles_of(request.user)
    household = customer.household
    holdings = list(customer.holdings.select_related("product"))
    context = {
        "customer": customer,
        "contact_points": customer.contact_points.all(),
        "holdings": holdings,
        "first_holding_since": min((h.since for h in holdings), default=None),
        "members": selectors.household_members_for(user=request.user, household=household)
        if household
        else [],
        "consents": selectors.current_consents(customer=customer),
        "notes": selectors.notes_for(user=request.user).filter(customer=customer)[:20],
        "can_read_notes": selectors.can_read_notes(request.user),
        "history": selectors.change_history_for(user=request.user, customer=customer),
        "panels": panels_for(viewer=request.user, customer=customer, roles=roles),
        "can_edit": bool(roles & CUSTOMER_EDITORS),
        "is_admin": Role.ADMIN in roles,
        "open_form": VIEW_FORMS[type(bound)][0] if bound is not None else "",
    }
    for form_class, (name, auto_id) in VIEW_FORMS.items():
        context[name] = bound if type(bound) is form_class else form_class(auto_id=auto_id)
    return render(request, "customers/detail.html", context, status=status)


@role_required(CUSTOMER_READERS)
def detail(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    """The customer view: the page an agent lives in."""
    customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
    return _render_customer_view(request, customer)


def _contact_inputs(form) -> list[ContactPointInput]:
    points = []
    if form.cleaned_data.get("email"):
        points.append(
            ContactPointInput(kind="email", value=form.cleaned_data["email"], preferred=True)
        )
    if form.cleaned_data.get("phone"):
        points.append(
            ContactPointInput(kind="phone", value=form.cleaned_data["phone"], preferred=True)
        )
    return points


def _normalised_points(form, points) -> list[tuple[str, str, str]] | None:
    normalised = []
    for point in points:
        try:
            normalised.append(
                (
                    point.kind,
                    point.network,
                    normalise_contact(
                        point.kind, point.value, region=settings.RAPPORT_DEFAULT_REGION
                    ),
                )
            )
        except ValidationFailed as exc:
            form.add_error(point.kind, exc.message)
    return None if form.errors else normalised


@role_required(CUSTOMER_EDITORS)
def create(request: AuthedHttpRequest) -> HttpResponse:
    form = CustomerCreateForm(
        request.POST or None, initial={"household": request.GET.get("household")}
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        points = _contact_inputs(form)
        normalised = _normalised_points(form, points)
        if normalised is not None:
            data = {
                k: v
                for k, v in form.cleaned_data.items()
                if k not in {"email", "phone", "create_anyway"}
            }
            duplicates = selectors.duplicate_candidates(
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation_name=data["organisation_name"],
                household=data["household"],
                contact_points=normalised,
            )
            if not duplicates or form.cleaned_data["create_anyway"]:
                try:
                    customer = services.customer_create(
                        by=request.user, contact_points=points, **data
                    )
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, f"{customer.display_name} created.")
                    return redirect(customer)
    return render(
        request, "customers/form.html", {"form": form, "duplicates": duplicates, "creating": True}
    )


@role_required(CUSTOMER_EDITORS)
def edit(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved.")
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


def _attach(request, customer_id: int, form_class, action, success: str) -> HttpResponse:
    """Shared shape of the small POST forms on the customer view. On a problem the page comes
    back with the form as typed and its errors (400), so nothing typed is lost."""
    customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
    form = form_class(request.POST, auto_id=VIEW_FORMS[form_class][1])
    if form.is_valid():
        try:
            action(customer, form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return redirect(customer)
    return _render_customer_view(request, customer, bound=form, status=400)


@role_required(CUSTOMER_EDITORS)
@require_POST
def add_contact_point(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    def action(customer, data):
        services.contact_point_add(
            customer=customer, by=request.user, point=ContactPointInput(**data)
        )

    return _attach(request, customer_id, ContactPointForm, action, "Contact point added.")


@role_required(CUSTOMER_EDITORS)
@require_POST
def remove_contact_point(
    request: AuthedHttpRequest, customer_id: int, point_id: int
) -> HttpResponse:
    point = (
        selectors.contact_points_for(user=request.user)
        .filter(customer_id=customer_id, pk=point_id)
        .first()
    )
    if point is None:
        raise NotFound("No such contact point.")
    services.contact_point_remove(contact_point=point, by=request.user)
    messages.success(request, "Contact point removed.")
    return redirect("customers:detail", customer_id)


@role_required(CUSTOMER_EDITORS)
@require_POST
def record_consent(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    def action(customer, data):
        services.consent_record(customer=customer, by=request.user, **data)

    return _attach(request, customer_id, ConsentForm, action, "Consent recorded.")


@role_required(CUSTOMER_EDITORS)
@require_POST
def add_holding(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    def action(customer, data):
        services.holding_add(customer=customer, by=request.user, **data)

    return _attach(request, customer_id, HoldingForm, action, "Product added.")


@role_required(CUSTOMER_EDITORS)
@require_POST
def add_note(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    def action(customer, data):
        services.note_add(customer=customer, by=request.user, **data)

    return _attach(request, customer_id, NoteForm, action, "Note added.")


@role_required({Role.ADMIN})
def data_export(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
    body = services.customer_data_export(customer=customer, by=request.user)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@role_required({Role.ADMIN})
def erase(request: AuthedHttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
    if request.method == "POST" and request.POST.get("confirm") == str(customer.pk):
        services.customer_erase(customer=customer, by=request.user)
        messages.success(request, f"Customer {customer_id} erased.")
        return redirect("customers:search")
    if request.method == "POST":
        messages.error(request, "Type the customer number to confirm.")
    return render(request, "customers/erase.html", {"customer": customer})


@role_required(CUSTOMER_READERS)
def households(request: AuthedHttpRequest) -> HttpResponse:
    form = HouseholdSearchForm(request.GET or None)
    form.is_valid()
    query = getattr(form, "cleaned_data", {}).get("q", "")
    page = paginate(request, selectors.households_for(user=request.user, query=query))
    template = (
        "customers/partials/_households.html" if request.htmx else "customers/households.html"
    )
    return render(
        request,
        template,
        {"form": form, "page": page, "can_create": bool(roles_of(request.user) & CUSTOMER_EDITORS)},
    )


@role_required(CUSTOMER_READERS)
def household(request: AuthedHttpRequest, household_id: int) -> HttpResponse:
    found = selectors.household_get_for(user=request.user, household_id=household_id)
    members = selectors.household_members_for(user=request.user, household=found)
    return render(request, "customers/household.html", {"household": found, "members": members})


@role_required(CUSTOMER_EDITORS)
def household_create(request: AuthedHttpRequest) -> HttpResponse:
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.household_create(by=request.user, **form.cleaned_data)
        messages.success(request, f"Household {created.name} created.")
        return redirect(created)
    return render(request, "customers/household_form.html", {"form": form})


@role_required(CUSTOMER_READERS)
def products(request: AuthedHttpRequest) -> HttpResponse:
    page = paginate(request, selectors.products_for(user=request.user), per_page=50)
    return render(request, "customers/products.html", {"page": page})
