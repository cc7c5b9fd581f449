from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class LookupAdminConfig(AdminConfig):
    """Installs perpdesk's AdminSite as `admin.site`, so the whole UI has the admin look."""

    default_site = "lookup.sites.PerpdeskAdminSite"


class LookupConfig(AppConfig):
    name = "lookup"
    verbose_name = "perpdesk"

    def ready(self):
        from lookup import checks  # noqa: F401  (registers the system checks)
