"""perpdesk's settings with the benchmark's URLs (bench.urls): the gunicorn instances and
the benchmark's own process run with DJANGO_SETTINGS_MODULE=bench.settings."""

from perpdesk.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
