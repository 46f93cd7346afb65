from django.urls import path

from rapport.customers.api import views

urlpatterns = [
    path("customers/", views.CustomerListApi.as_view(), name="api-customers"),
    path("customers/lookup", views.CustomerLookupApi.as_view(), name="api-customer-lookup"),
    path("customers/<int:customer_id>", views.CustomerDetailApi.as_view(), name="api-customer"),
    path(
        "customers/<int:customer_id>/export",
        views.CustomerDataExportApi.as_view(),
        name="api-customer-export",
    ),
    path(
        "customers/<int:customer_id>/erase",
        views.CustomerEraseApi.as_view(),
        name="api-customer-erase",
    ),
    path("households/", views.HouseholdListApi.as_view(), name="api-households"),
    path("households/<int:household_id>", views.HouseholdDetailApi.as_view(), name="api-household"),
    path("contact-points/", views.ContactPointListApi.as_view(), name="api-contact-points"),
    path(
        "contact-points/<int:point_id>",
        views.ContactPointDetailApi.as_view(),
        name="api-contact-point",
    ),
    path("products/", views.ProductListApi.as_view(), name="api-products"),
    path("products/<int:product_id>", views.ProductDetailApi.as_view(), name="api-product"),
    path("holdings/", views.HoldingListApi.as_view(), name="api-holdings"),
    path("consents/", views.ConsentListApi.as_view(), name="api-consents"),
    path("notes/", views.NoteListApi.as_view(), name="api-notes"),
]
