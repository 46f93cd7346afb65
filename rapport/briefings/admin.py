"""Admin pages of briefings and feature-feedback polls.

Briefings and polls are written, published and answered through the pages, where every step is
checked and audited, so here they are read only (with their deliveries and attempts). Editing an
open poll's questions here would change what its answers answer. Poll responses are not shown at
all: answers are never shown with a name, and one person's whole response is exactly that."""

from django.contrib import admin

from rapport.briefings.models import (
    Briefing,
    BriefingAttachment,
    BriefingAttempt,
    BriefingDelivery,
    BriefingQuestion,
    Poll,
    PollQuestion,
)
from rapport.core.admin import ReadOnlyAdmin, ReadOnlyInline


class BriefingQuestionInline(ReadOnlyInline):
    model = BriefingQuestion
    fields = ["order", "text", "explanation"]


class BriefingAttachmentInline(ReadOnlyInline):
    model = BriefingAttachment
    fields = ["name", "content_type", "size"]


@admin.register(Briefing)
class BriefingAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "author", "published_at", "due_at", "requires_ack"]
    list_filter = ["status", "requires_ack"]
    search_fields = ["title", "body"]
    list_select_related = ["author"]
    date_hierarchy = "due_at"
    inlines = [BriefingAttachmentInline, BriefingQuestionInline]


@admin.register(BriefingDelivery)
class BriefingDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "briefing",
        "agent",
        "team",
        "opened_at",
        "acknowledged_at",
        "attempts",
        "score",
        "understood_at",
        "reminders_sent",
        "escalated_at",
        "supervisor_emailed_at",
    ]
    list_filter = ["briefing__status", "team"]
    search_fields = ["briefing__title", "agent__username", "agent__last_name"]
    list_select_related = ["briefing", "agent", "team"]


@admin.register(BriefingAttempt)
class BriefingAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "score", "passed", "created_at"]
    list_filter = ["passed"]
    list_select_related = ["delivery__briefing", "delivery__agent"]


class PollQuestionInline(ReadOnlyInline):
    model = PollQuestion
    fields = ["order", "kind", "text", "options", "required"]


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "enhancement_request", "opened_at", "closes_at", "author"]
    list_filter = ["status"]
    search_fields = ["title", "description", "enhancement_request"]
    list_select_related = ["author"]
    filter_horizontal = ["audience_teams", "audience_skills", "audience_agents"]
    inlines = [PollQuestionInline]
