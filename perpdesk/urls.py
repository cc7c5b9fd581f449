from django.contrib import admin
from django.urls import include, path

from lookup.ops import health, metrics

# perpdesk's own database failing is a 503 saying so (lookup.ops.db_unavailable), not a 500.
handler500 = "lookup.ops.db_unavailable.server_error"

urlpatterns = [
    # Before the admin: its catch-all would answer them otherwise.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # Sign-in before the admin: its /login/ and /logout/ are replaced by these.
    path("", include("lookup.auth.urls")),
    path("", admin.site.urls),
]
