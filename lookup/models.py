from django.conf import settings
from django.db import models
from django.utils import timezone


class Access(models.Model):
    """Holds perpdesk's permissions; it has no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("lookup_customers", "Can look up customers"),
            ("view_audit_log", "Can view the audit log"),
        ]


class AuditEntry(models.Model):
    """One row per lookup, refresh, sign-in, refusal, sign-out and reading of the audit
    log itself: who saw what, when.

    Holds ids and kinds only — never PERP's data, never a search term or a free-text
    filter in clear.
    Written by `lookup.audit`; read-only everywhere else.
    """

    class Action(models.TextChoices):
        SEARCH = "search", "Search"
        VIEW = "view", "Page view"
        REFRESH = "refresh", "Refresh"
        SIGN_IN = "sign_in", "Sign-in"
        SIGN_OUT = "sign_out", "Sign-out"
        AUDIT_LOG = "audit_log", "Audit log read"
        ADMIN = "admin", "Admin page"

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        NOT_FOUND = "not_found", "Not found"
        ERROR = "error", "Error"
        REFUSED = "refused", "Refused"
        EXPIRED = "expired", "Expired"

    at = models.DateTimeField("when (UTC)", default=timezone.now, db_index=True)
    # The account as it was named at the time; kept when the account is deleted.
    username = models.CharField("who", max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    kind = models.CharField(max_length=32, blank=True, help_text="customer, order, invoice, or the kind of search")
    object_ids = models.TextField("ids shown", blank=True)
    customer_id = models.CharField(max_length=128, blank=True, db_index=True)
    term_digest = models.CharField(
        "search term (keyed hash)", max_length=64, blank=True, help_text="HMAC of the normalised term"
    )
    filters = models.TextField(
        "filter or search used", blank=True,
        help_text="Audit log reads: the filters, free-text values as their keyed hash",
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OK)
    note = models.CharField(max_length=200, blank=True)
    client_ip = models.GenericIPAddressField("client address", null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The helpdesk ticket a lookup was made for, as its link named it (lookup.ticket).
    ticket = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Searches, page views and refreshes in a ticket's flow"
    )

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ()  # read access is perpdesk's own `view_audit_log`
        indexes = [models.Index(fields=["user", "-at"], name="audit_user_recent")]  # recent_lookups
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.kind} {self.object_ids}".strip()
