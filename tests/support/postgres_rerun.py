"""Running a test module again with its pytest-django database on the real PostgreSQL.

The suite's database is SQLite, which stores what PostgreSQL refuses (a NUL byte in
text). A module whose cases are about that calls `rerun_on_postgres(__file__)` from one
test: a pytest process of its own runs the whole module with DATABASE_URL naming a
database on the PostgreSQL at 127.0.0.1:5432, which pytest-django creates as
`test_<name>` and drops afterwards. In that process `on_postgres()` is true, and the
calling test checks the database is PostgreSQL instead. `postgres_rerun_test` makes it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.support.services import require_postgres

PROJECT = Path(__file__).resolve().parents[2]
FLAG = "PERPDESK_TESTS_ON_POSTGRES"
TIMEOUT_SECONDS = 600


def on_postgres():
    """Whether this process is the PostgreSQL run of a module."""
    return os.environ.get(FLAG) == "1"


def rerun_on_postgres(module_file):
    """Runs `module_file`'s tests on PostgreSQL; returns (passed, pytest's output).

    Fails the calling test with pytest's output when any of them fails.
    """
    server = require_postgres().rsplit("/", 1)[0]
    name = f"perpdesk_{Path(module_file).stem}_{os.getpid()}"  # pytest-django adds test_
    env = {**os.environ, FLAG: "1", "DATABASE_URL": f"{server}/{name}"}
    command = [sys.executable, "-m", "pytest", str(module_file), "-q", "-p", "no:cacheprovider", "--create-db"]
    run = subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"the PostgreSQL run of {module_file} failed:\n{output[-6000:]}"
    passed = re.search(r"(\d+) passed", output)
    return (int(passed.group(1)) if passed else 0), output


def postgres_rerun_test(module_file, *, at_least):
    """The test a module assigns to itself to be run again on PostgreSQL:

        test_it_passes_on_postgresql = postgres_rerun_test(__file__, at_least=20)

    In the suite's own run it starts the PostgreSQL run; in that run it checks that the
    module's database really is PostgreSQL. Neither run skips it.
    """

    def test_it_passes_on_postgresql():
        if on_postgres():
            assert connection.vendor == "postgresql"
            return
        passed, output = rerun_on_postgres(module_file)
        assert passed >= at_least, output[-3000:]

    return test_it_passes_on_postgresql
