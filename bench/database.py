"""The run's own PostgreSQL database, dropped and created afresh at the start of a run.

PostgreSQL, as in production: SQLite would serialise the session and audit writes of
the warm runs' concurrent requests.
"""

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/perpdesk_bench"
# A run drops the database it is given: only one whose name says it is the benchmark's.
NAME_PREFIX = "perpdesk_bench"
MAINTENANCE_DATABASE = "postgres"  # connected to while the run's own is dropped and created


def recreate(url):
    """Drops and creates the database `url` names: its server's version, e.g. "PostgreSQL 15.20".

    Stops the run with one line if the name is not the benchmark's or PostgreSQL does not answer.
    """
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith(NAME_PREFIX):
        raise SystemExit(f"bench: the run drops its database, so its name must start with {NAME_PREFIX}, not {name!r}")
    with _connect(_maintenance_url(url)) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = connection.execute("SHOW server_version").fetchone()[0]
    return f"PostgreSQL {version.split()[0]}"


def _connect(url):
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        parts = urlsplit(url)
        reason = str(error).strip().splitlines()[0]
        raise SystemExit(f"bench: cannot connect to PostgreSQL at {parts.hostname}:{parts.port or 5432}: {reason}")


def _maintenance_url(url):
    # Without the query: libpq refuses Django's options there (conn_max_age=...).
    return urlunsplit(urlsplit(url)._replace(path=f"/{MAINTENANCE_DATABASE}", query="", fragment=""))


def shown(url):
    """`url` as the results may show it: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user_and_password, _, host_and_port = parts.netloc.rpartition("@")
    user = user_and_password.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host_and_port}"))
