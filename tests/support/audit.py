"""The audit table refusing rows, for the tests of what perpdesk does then."""

from django.db import connection

from lookup.models import AuditEntry


class AuditInsertsRefused:
    """The real database refusing every new audit row, as a full disk or a broken
    constraint would: a trigger, in the dialect of the database the run is on."""

    TABLE = AuditEntry._meta.db_table
    POSTGRESQL = [
        "CREATE FUNCTION refuse_audit_rows() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit rows refused by the test'; END $$",
        f"CREATE TRIGGER refuse_audit_rows BEFORE INSERT ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION refuse_audit_rows()",
    ]
    SQLITE = [
        f"CREATE TRIGGER refuse_audit_rows BEFORE INSERT ON {TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'audit rows refused by the test'); END",
    ]
    POSTGRESQL_UNDO = [f"DROP TRIGGER refuse_audit_rows ON {TABLE}", "DROP FUNCTION refuse_audit_rows()"]
    SQLITE_UNDO = ["DROP TRIGGER refuse_audit_rows"]

    def __init__(self):
        self.refusing = False

    def start(self):
        self._run(self.POSTGRESQL if connection.vendor == "postgresql" else self.SQLITE)
        self.refusing = True

    def stop(self):
        if self.refusing:
            self._run(self.POSTGRESQL_UNDO if connection.vendor == "postgresql" else self.SQLITE_UNDO)
            self.refusing = False

    def _run(self, statements):
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
