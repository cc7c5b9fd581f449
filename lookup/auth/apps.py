from django.apps import AppConfig


class AuthConfig(AppConfig):
    name = "lookup.auth"
    label = "perpdesk_auth"
    verbose_name = "perpdesk sign-in"

    def ready(self):
        from lookup.auth import checks, permissions, signals  # noqa: F401  (registers checks and receivers)
