"""What perpdesk keeps about an OpenID sign-in beyond the Django session.

One row per sign-in at the provider: the refresh token that lets perpdesk ask the
provider again, server-side, whether the person still may come in (lookup.auth.renewal).
It is a row, not session data: a request that loaded the session before a renewal
would otherwise save the old (already used, rotated) refresh token back over the new one.
"""

from django.conf import settings
from django.db import models


class ProviderSignIn(models.Model):
    key = models.CharField(primary_key=True, max_length=64)  # random; the session holds it
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=255)
    refresh_token = models.TextField(blank=True)
    vouched_at = models.DateTimeField(help_text="when the provider last said the person may come in")
    renew_after = models.DateTimeField(help_text="when perpdesk asks the provider again")
    renewing_until = models.DateTimeField(null=True, blank=True, help_text="a request is asking until then")
    ends_at = models.DateTimeField(db_index=True, help_text="the sign-in's absolute end (SESSION_MAX_LIFETIME)")

    class Meta:
        verbose_name = "sign-in at the provider"
        default_permissions = ()

    def __str__(self):
        return f"sign-in of user {self.user_id} until {self.ends_at:%Y-%m-%d %H:%M}"
