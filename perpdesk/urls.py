from django.contrib import admin
from django.urls import include, path

from lookup import health, metrics

urlpatterns = [
    # Before the admin: its catch-all would answer them otherwise.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # Sign-in before the admin: its /login/ and /logout/ are replaced by these.
    path("", include("lookup.auth.urls")),
    path("", admin.site.urls),
]
