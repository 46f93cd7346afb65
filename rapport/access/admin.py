"""Admin pages of the customer access strategy: reasons, calendars, queues, touchpoints,
service objectives, routing rules. Forms check what the database cannot (a real time zone,
hours that do not overlap, a touchpoint address in the form inbound messages are matched on)."""

from itertools import pairwise
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import admin

from rapport.access.choices import Channel
from rapport.access.models import (
    BusinessCalendar,
    BusinessHours,
    ContactType,
    Holiday,
    Queue,
    RoutingRule,
    ServiceObjective,
    Touchpoint,
)
from rapport.core.errors import ValidationFailed
from rapport.customers.choices import Segment, ValueTier
from rapport.customers.normalise import normalise_email, normalise_phone

ANY = [("", "Any")]


@admin.register(ContactType)
class ContactTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "description"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}


class BusinessHoursFormSet(forms.BaseInlineFormSet):
    """Spans of one weekday may not overlap: the overlap would be counted twice on the clocks."""

    def clean(self) -> None:
        super().clean()
        spans: dict[int, list[tuple[Any, Any]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("opens") or not data.get("closes"):
                continue
            spans.setdefault(data["weekday"], []).append((data["opens"], data["closes"]))
        for weekday, day_spans in spans.items():
            day_spans.sort()
            for (_, closes), (opens, _) in pairwise(day_spans):
                if opens < closes:
                    label = dict(BusinessHours._meta.get_field("weekday").choices or [])[weekday]
                    raise forms.ValidationError(
                        f"Opening hours on {label} overlap; merge or split them."
                    )


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    formset = BusinessHoursFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class BusinessCalendarForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(available_timezones())],
        initial="UTC",
        help_text="The clocks count open hours in this zone, including its daylight-saving changes.",
    )

    class Meta:
        model = BusinessCalendar
        fields = ["name", "timezone", "always_open"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "timezone", "always_open"]
    list_filter = ["always_open", "timezone"]
    search_fields = ["name", "timezone"]
    inlines = [BusinessHoursInline, HolidayInline]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tier", "team", "calendar"]
    list_filter = ["tier", "team", "calendar"]
    search_fields = ["name", "code", "team__name"]
    list_select_related = ["team", "calendar"]
    prepopulated_fields = {"code": ["name"]}


class TouchpointForm(forms.ModelForm):
    class Meta:
        model = Touchpoint
        fields = ["channel", "address", "name", "queue"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel, address = data.get("channel"), data.get("address")
        if channel and address:
            # Stored as inbound messages are matched (access.selectors.touchpoint_for).
            try:
                if channel in {Channel.PHONE, Channel.SMS}:
                    data["address"] = normalise_phone(
                        address, region=settings.RAPPORT_DEFAULT_REGION
                    )
                elif channel == Channel.EMAIL:
                    data["address"] = normalise_email(address)
                else:
                    data["address"] = address.strip().lower()
            except ValidationFailed as exc:
                self.add_error("address", exc.message)
        return data


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    form = TouchpointForm
    list_display = ["name", "channel", "address", "queue"]
    list_filter = ["channel", "queue"]
    search_fields = ["name", "address"]
    list_select_related = ["queue"]


@admin.register(ServiceObjective)
class ServiceObjectiveAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "contact_type",
        "channel",
        "first_response_minutes",
        "resolution_minutes",
        "warning_percent",
        "calendar",
    ]
    list_filter = ["channel", "contact_type", "calendar"]
    search_fields = ["contact_type__name", "contact_type__code"]
    list_select_related = ["contact_type", "calendar"]
    fieldsets = [
        (
            "Applies to",
            {
                "fields": ["contact_type", "channel"],
                "description": "Blank matches any. The most specific objective wins: reason × channel, "
                "then reason on any channel, then any reason on the channel, then the catch-all.",
            },
        ),
        (
            "Promise, in business minutes of the calendar",
            {
                "fields": [
                    "first_response_minutes",
                    "resolution_minutes",
                    "warning_percent",
                    "calendar",
                ]
            },
        ),
    ]


class RoutingRuleForm(forms.ModelForm):
    # The customer's own choices, so a misspelt segment cannot make a rule that never matches.
    segment = forms.ChoiceField(choices=ANY + list(Segment.choices), required=False)
    value_tier = forms.ChoiceField(choices=ANY + list(ValueTier.choices), required=False)

    class Meta:
        model = RoutingRule
        fields = ["rank", "segment", "value_tier", "contact_type", "queue", "priority"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = [
        "rank",
        "segment",
        "value_tier",
        "contact_type",
        "queue",
        "priority",
        "created_by",
    ]
    list_display_links = ["rank"]
    list_filter = ["queue", "priority", "segment", "value_tier", "contact_type"]
    search_fields = ["queue__name", "queue__code", "contact_type__name", "segment", "value_tier"]
    list_select_related = ["queue", "contact_type", "created_by"]
    ordering = ["rank", "id"]
    readonly_fields = ["created_by"]
    fieldsets = [
        (
            "Matches",
            {
                "fields": ["rank", "segment", "value_tier", "contact_type"],
                "description": "Lower rank is tried first; blank matches anything. Routing never "
                "depends on the channel a customer used.",
            },
        ),
        ("Goes to", {"fields": ["queue", "priority", "created_by"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
