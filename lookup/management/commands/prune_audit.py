from django.conf import settings
from django.core.management.base import BaseCommand

from lookup.audit import audit_prune


class Command(BaseCommand):
    help = "Delete audit rows older than AUDIT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        deleted = audit_prune(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} audit rows older than {days} days.")
