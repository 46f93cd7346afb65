"""Django admin registrations, read-only: for inspecting survey records. Changes go through the
survey pages, which audit them; draws, invitations and answers are the record the draw and the
figures are checked against."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin, ReadOnlyInline
from rapport.surveys.models import Draw, DrawSettings, Invitation, Question, Response, Survey


class QuestionInline(ReadOnlyInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["name", "is_active"]
    inlines = [QuestionInline]


@admin.register(DrawSettings)
class DrawSettingsAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "survey", "rate", "cooldown_days", "expiry_days"]
    exclude = ["seed"]


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ["interaction", "day", "stratum", "rate", "ticket", "excluded", "selected"]
    list_filter = ["selected", "excluded", "day"]
    exclude = ["seed"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "channel", "state", "created_at", "expires_at"]
    list_filter = ["state", "channel"]
    exclude = ["nonce", "address"]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "day", "csat", "nps", "ces", "channel"]
    list_filter = ["day", "channel"]
    exclude = ["verbatim", "device", "network"]
