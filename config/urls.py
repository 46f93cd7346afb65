from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rapport.core import views as core_views

api_v1 = [
    path("", include("rapport.accounts.api.urls")),
    path("", include("rapport.customers.api.urls")),
    path("", include("rapport.interactions.api.urls")),
    path("", include("rapport.cases.api.urls")),
    path("", include("rapport.workspace.api.urls")),
    path("", include("rapport.performance.api.urls")),
    path("", include("rapport.surveys.api.urls")),
    path("", include("rapport.insights.api.urls")),
    path("", include("rapport.briefings.api.urls")),
    path("", include("rapport.learning.api.urls")),
    path("", include("rapport.imports.api.urls")),
    path("", include("rapport.identity.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("audit/", core_views.audit_log, name="audit"),
    path("accounts/", include("rapport.accounts.urls")),
    path("", include("rapport.customers.urls")),
    path("", include("rapport.interactions.urls")),
    path("", include("rapport.cases.urls")),
    path("", include("rapport.workspace.urls")),
    path("performance/", include("rapport.performance.urls")),
    path("surveys/", include("rapport.surveys.urls")),
    path("s/", include("rapport.surveys.public_urls")),
    path("insights/", include("rapport.insights.urls")),
    path("briefings/", include("rapport.briefings.urls")),
    path("learning/", include("rapport.learning.urls")),
    path("imports/", include("rapport.imports.urls")),
    path("identity/", include("rapport.identity.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
