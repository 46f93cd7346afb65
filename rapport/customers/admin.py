from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from rapport.customers import services
from rapport.customers.models import (
    Consent,
    ContactPoint,
    Customer,
    Holding,
    Household,
    Note,
    Product,
)


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    readonly_fields = ["normalised"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "status", "segment", "value_tier", "household", "needs_review"]
    list_filter = ["status", "segment", "value_tier", "needs_review", "kind"]
    search_fields = ["name_key", "surname_key", "external_id"]
    raw_id_fields = ["household"]
    inlines = [ContactPointInline]

    def save_model(self, request, obj, form, change):
        # Through the service, so validation and the search keys stay right.
        services.customer_update(customer=obj, by=request.user)


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["name", "postal_code", "city"]
    search_fields = ["name", "postal_code"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "monthly_price", "active"]
    list_filter = ["category", "active"]


@admin.register(Holding)
class HoldingAdmin(SimpleHistoryAdmin):
    list_display = ["customer", "product", "since", "status", "value"]
    raw_id_fields = ["customer"]


@admin.register(Consent)
class ConsentAdmin(SimpleHistoryAdmin):
    list_display = ["customer", "channel", "purpose", "granted", "recorded_at"]
    raw_id_fields = ["customer"]


@admin.register(Note)
class NoteAdmin(SimpleHistoryAdmin):
    list_display = ["customer", "author", "created_at", "pinned"]
    raw_id_fields = ["customer"]
