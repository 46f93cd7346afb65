"""Import jobs in the admin: for looking into a job (its counters, checkpoint and errors), not for
running one — jobs are started from the imports pages, which check and audit."""

from django.contrib import admin

from rapport.imports.models import ImportJob, ImportRowError, SavedMapping


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "source_type",
        "filename",
        "state",
        "rows_seen",
        "rows_failed",
        "resumed",
        "created_at",
    ]
    list_filter = ["state", "source_type", "file_format"]
    search_fields = ["filename"]
    raw_id_fields = ["created_by"]
    readonly_fields = [
        field.name for field in ImportJob._meta.get_fields() if getattr(field, "concrete", False)
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ImportRowError)
class ImportRowErrorAdmin(admin.ModelAdmin):
    list_display = ["job", "phase", "line", "reason"]
    list_filter = ["phase"]
    raw_id_fields = ["job"]
    readonly_fields = ["job", "phase", "line", "reason", "raw"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SavedMapping)
class SavedMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "source_type", "created_by", "updated_at"]
    list_filter = ["source_type"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]
