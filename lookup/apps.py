from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class LookupAdminConfig(AdminConfig):
    """Installs perpdesk's AdminSite as `admin.site`, so the whole UI has the admin look."""

    default_site = "lookup.sites.PerpdeskAdminSite"


class LookupConfig(AppConfig):
    name = "lookup"
    verbose_name = "perpdesk"

    def ready(self):
        from django.db.backends.signals import connection_created

        from lookup import checks  # noqa: F401  (registers the system checks)
        from lookup.ops.db_deadline import watch_connection
        from lookup.ops.db_pool import use_idle_check

        connection_created.connect(watch_connection, dispatch_uid="perpdesk.db_deadline")
        connection_created.connect(use_idle_check, dispatch_uid="perpdesk.db_pool")
