"""perpdesk/settings.py as a production process would read it, for given variables."""

import json
import subprocess

from tests.support.gunicorn import BASE_DIR, PYTHON, child_env

_PRINT = (
    "import json, sys, perpdesk.settings as s;"
    "print(json.dumps({name: getattr(s, name) for name in sys.argv[1:]}, default=str))"
)


def settings_from(env, *names):
    """{name: value} of the named settings (and SETTINGS_ERRORS) with PRODUCTION_ENV + env;
    values that are not JSON (networks, paths) come back as their str()."""
    result = subprocess.run(
        [PYTHON, "-c", _PRINT, *names, "SETTINGS_ERRORS"],
        cwd=BASE_DIR,
        env=child_env(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)
