"""Admin pages of learning, read only but for the settings row.

Content (modules, questions, paths, gap rules) is written on the learning pages, where every
change is checked and audited: a rewritten question restarts agents' reviews, and a question
agents already review cannot be deleted (its review history would go with it). The admin would
skip all of that, so here content is only read. The settings row is saved through the service,
which audits it. Assignments, attempts, review items, their log and activities are records of
what happened: read here, never changed."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin, ReadOnlyInline
from rapport.learning.models import (
    Activity,
    Assignment,
    GapRule,
    LearningPath,
    LearningSettings,
    Module,
    ModuleAttempt,
    ModuleChoice,
    ModuleQuestion,
    PathStep,
    ReviewItem,
    ReviewLog,
)
from rapport.learning.services import modules as services


@admin.register(LearningSettings)
class LearningSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "activities_per_hour",
        "review_burst",
        "desired_retention",
        "mastery_days",
    ]

    def has_add_permission(self, request) -> bool:
        return not LearningSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = services.learning_settings_update(by=request.user, **changes)
        obj.pk = saved.pk


class ModuleQuestionInline(ReadOnlyInline):
    model = ModuleQuestion
    fields = ["order", "text", "explanation"]
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(ReadOnlyAdmin):
    list_display = ["title", "skill", "minutes", "pass_mark", "is_active"]
    list_filter = ["is_active", "skill"]
    search_fields = ["title", "summary"]
    list_select_related = ["skill"]
    inlines = [ModuleQuestionInline]


class ModuleChoiceInline(ReadOnlyInline):
    model = ModuleChoice
    fields = ["order", "text", "is_correct"]


@admin.register(ModuleQuestion)
class ModuleQuestionAdmin(ReadOnlyAdmin):
    list_display = ["text", "module", "order"]
    list_select_related = ["module"]
    search_fields = ["text", "module__title"]
    inlines = [ModuleChoiceInline]


class PathStepInline(ReadOnlyInline):
    model = PathStep
    fields = ["order", "module", "due_after_days"]


@admin.register(LearningPath)
class LearningPathAdmin(ReadOnlyAdmin):
    list_display = ["name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    inlines = [PathStepInline]


@admin.register(GapRule)
class GapRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "source",
        "threshold",
        "window_days",
        "min_n",
        "module",
        "mode",
        "is_active",
    ]
    list_filter = ["source", "mode", "is_active"]
    list_select_related = ["module"]


class ModuleAttemptInline(ReadOnlyInline):
    model = ModuleAttempt
    fields = ("created_at", "score", "passed", "answers")
    readonly_fields = ("created_at", "score", "passed", "answers")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = [
        "module",
        "agent",
        "source",
        "status",
        "due_on",
        "attempts",
        "score",
        "created_at",
    ]
    list_filter = ["status", "source"]
    search_fields = ["agent__username", "agent__last_name", "module__title"]
    list_select_related = ["module", "agent"]
    inlines = [ModuleAttemptInline]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["agent", "question", "due_at", "stability", "reps", "lapses"]
    list_select_related = ["agent", "question"]
    search_fields = ["agent__username"]


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ["item", "reviewed_at", "correct", "rating", "predicted_recall"]
    list_filter = ["correct", "rating"]
    date_hierarchy = "reviewed_at"


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["agent", "kind", "status", "started_at", "seconds_allowed", "seconds_used"]
    list_filter = ["kind", "status"]
    list_select_related = ["agent"]
