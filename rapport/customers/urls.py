from django.urls import path

from rapport.customers import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.search, name="search"),
    path("customers/exports/", views.export_start, name="export_start"),
    path("customers/exports/<int:export_id>/", views.export_status, name="export"),
    path(
        "customers/exports/<int:export_id>/download/", views.export_download, name="export_download"
    ),
    path("customers/new/", views.create, name="create"),
    path("customers/<int:customer_id>/", views.detail, name="detail"),
    path("customers/<int:customer_id>/edit/", views.edit, name="edit"),
    path(
        "customers/<int:customer_id>/contact-points/",
        views.add_contact_point,
        name="add_contact_point",
    ),
    path(
        "customers/<int:customer_id>/contact-points/<int:point_id>/remove/",
        views.remove_contact_point,
        name="remove_contact_point",
    ),
    path("customers/<int:customer_id>/consents/", views.record_consent, name="record_consent"),
    path("customers/<int:customer_id>/holdings/", views.add_holding, name="add_holding"),
    path("customers/<int:customer_id>/notes/", views.add_note, name="add_note"),
    path("customers/<int:customer_id>/export.json", views.data_export, name="data_export"),
    path("customers/<int:customer_id>/erase/", views.erase, name="erase"),
    path("households/", views.households, name="households"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("products/", views.products, name="products"),
]
