"""What tests of a real deployment (gunicorn on PostgreSQL) set up the same way: a
database of their own, migrated, with one support agent who signs in with a password."""

import os
from contextlib import contextmanager

import psycopg
import requests

from tests.support import gunicorn as harness
from tests.support.services import require_postgres

AGENT = "agent"


@contextmanager
def database_of_its_own(prefix):
    """The URL of a new database on the shared PostgreSQL, dropped afterwards."""
    admin_url = require_postgres()
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_with_agent(env, password):
    """`manage.py migrate` with an instance's `env`, then a Support agent with `password`."""
    for command in (
        ["migrate", "--noinput"],
        ["shell", "-c", (
            "from django.contrib.auth.models import Group, User;"
            f"User.objects.create_user('{AGENT}', password='{password}').groups.add(Group.objects.get(name='Support'))"
        )],
    ):
        result = harness.manage(env, *command)
        assert result.returncode == 0, result.stderr


def signed_in_agent(base_url, password):
    """A requests session signed in as the agent (LOCAL_LOGIN) on the instance at `base_url`."""
    session = requests.Session()
    session.get(f"{base_url}/login/")
    response = session.post(
        f"{base_url}/login/",
        data={"username": AGENT, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[-2000:]
    return session
