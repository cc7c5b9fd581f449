from django.conf import settings
from django.core.management.base import BaseCommand

from lookup.audit import audit_prune
from lookup.auth.renewal import prune_sign_ins
from lookup.auth.sessions import audit_and_clear_expired_sessions


class Command(BaseCommand):
    help = (
        "Run once a day: delete audit rows older than AUDIT_RETENTION_DAYS (as prune_audit), "
        "audit and delete expired sessions (as clearsessions, each idle expiry recorded), "
        "and forget provider sign-ins past SESSION_MAX_LIFETIME."
    )

    def handle(self, *args, **options):
        days = settings.AUDIT_RETENTION_DAYS
        pruned = audit_prune(older_than_days=days)
        sessions = audit_and_clear_expired_sessions()
        sign_ins = prune_sign_ins()
        self.stdout.write(f"Deleted {pruned} audit rows older than {days} days.")
        self.stdout.write(f"Deleted {sessions} expired sessions (each signed-in one audited).")
        self.stdout.write(f"Deleted {sign_ins} ended sign-ins at the provider.")
