"""Admin pages of interactions. The ledger is a record of what happened: it is read here, never
edited; contacts are written by the channels and the desktop through the services."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.interactions.models import CallRecordImport, Interaction, RejectedInbound


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "started_at",
        "channel",
        "direction",
        "customer",
        "agent",
        "queue",
        "outcome",
        "source",
    ]
    list_filter = ["channel", "direction", "outcome", "source", "queue", "started_at"]
    list_select_related = ["customer", "agent", "queue"]
    search_fields = ["external_id", "sender", "subject"]
    raw_id_fields = ["customer", "agent", "case", "touchpoint", "queue", "contact_type"]
    # The ledger is large: an exact count of a filtered list costs more than the page.
    show_full_result_count = False


@admin.register(RejectedInbound)
class RejectedInboundAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "channel", "reason"]
    list_filter = ["channel", "received_at"]
    search_fields = ["reason"]
    show_full_result_count = False


@admin.register(CallRecordImport)
class CallRecordImportAdmin(ReadOnlyAdmin):
    list_display = [
        "filename",
        "created_at",
        "uploaded_by",
        "status",
        "rows_total",
        "rows_added",
        "rows_duplicate",
        "rows_failed",
    ]
    list_filter = ["status", "created_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["filename"]
