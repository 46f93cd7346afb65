"""Admin pages of learning. Content (modules, questions, paths, gap rules) is edited on the
learning pages, where every change is checked and audited; here it can be corrected too. The
settings row is saved through the service (audited). Assignments, attempts, review items, their
log and activities are records of what happened: read here, never changed."""

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


class ModuleQuestionInline(admin.TabularInline):
    model = ModuleQuestion
    extra = 0
    fields = ["order", "text", "explanation"]
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "skill", "minutes", "pass_mark", "is_active"]
    list_filter = ["is_active", "skill"]
    search_fields = ["title", "summary"]
    list_select_related = ["skill"]
    inlines = [ModuleQuestionInline]
    readonly_fields = ["author"]


class ModuleChoiceInline(admin.TabularInline):
    model = ModuleChoice
    extra = 0


@admin.register(ModuleQuestion)
class ModuleQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "module", "order"]
    list_select_related = ["module"]
    search_fields = ["text", "module__title"]
    inlines = [ModuleChoiceInline]


class PathStepInline(admin.TabularInline):
    model = PathStep
    extra = 0


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    inlines = [PathStepInline]


@admin.register(GapRule)
class GapRuleAdmin(admin.ModelAdmin):
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
