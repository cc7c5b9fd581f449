"""Production settings pass Django's deploy check; gunicorn reads its settings from the environment."""

import gc
import re
import runpy
import subprocess

from tests.support.gunicorn import BASE_DIR, PYTHON, child_env, manage
from tests.support.settings_probe import settings_from


def test_it_passes_the_deploy_check_but_for_hsts_preload():
    result = manage({"CACHE_URL": "redis://127.0.0.1:6379/13"}, "check", "--deploy")

    assert result.returncode == 0, result.stderr
    found = re.findall(r"\((\S+?\.[EWI]\d+)\)", result.stdout + result.stderr)
    # Preloading HSTS is a one-way decision for the whole domain: left to its owners.
    assert found == ["security.W021"]


def test_it_warns_when_production_keeps_its_cache_in_local_memory():
    result = manage({"CACHE_URL": "locmemcache://"}, "check", "--deploy")

    assert "(perpdesk.W001) CACHE_URL is local memory" in result.stdout + result.stderr


def test_it_defaults_to_https_everywhere_in_production():
    values = settings_from(
        {},
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE", "STATIC_MANIFEST", "STORAGES",
    )

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert (values["SESSION_COOKIE_NAME"], values["CSRF_COOKIE_NAME"]) == ("__Host-sessionid", "__Host-csrftoken")
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "perpdesk.storage.StaticFilesStorage"
    assert values["SETTINGS_ERRORS"] == []


def test_it_keeps_a_laptop_on_plain_http():
    values = settings_from({"DEBUG": "true"}, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_NAME")

    assert (values["SECURE_SSL_REDIRECT"], values["SECURE_HSTS_SECONDS"], values["SESSION_COOKIE_NAME"]) == (
        False, 0, "sessionid",
    )


def gunicorn_config(env, tmp_path):
    result = subprocess.run(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config"],
        cwd=BASE_DIR,
        env=child_env({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), **env}),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))


def test_gunicorn_runs_threaded_workers_from_the_environment(tmp_path):
    config = gunicorn_config(
        {"GUNICORN_BIND": "0.0.0.0:8123", "GUNICORN_WORKERS": "3", "GUNICORN_THREADS": "12",
         "TRUSTED_PROXIES": "10.0.0.5/32"},
        tmp_path,
    )

    assert config["wsgi_app"] == "perpdesk.wsgi:application"
    assert config["worker_class"] == "gthread"
    assert (config["bind"], config["workers"], config["threads"]) == ("['0.0.0.0:8123']", "3", "12")
    assert config["forwarded_allow_ips"] == "['10.0.0.5/32']"
    assert config["secure_scheme_headers"] == "{'X-FORWARDED-PROTO': 'https'}"
    assert config["control_socket_disable"] == "True"


def test_gunicorn_outlasts_a_page_and_lets_requests_finish_on_shutdown(tmp_path):
    config = gunicorn_config({"GUNICORN_GRACEFUL_TIMEOUT": None}, tmp_path)  # the harness shortens it

    assert int(config["timeout"]) > 8  # PAGE_DEADLINE_SECONDS
    assert int(config["graceful_timeout"]) >= 30
    assert config["bind"] == "['127.0.0.1:8000']"


def test_gunicorn_refuses_a_bad_number(tmp_path):
    result = subprocess.run(
        [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config"],
        cwd=BASE_DIR,
        env=child_env({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "GUNICORN_WORKERS": "many"}),
        capture_output=True,
        text=True,
    )

    assert "GUNICORN_WORKERS must be a whole number" in result.stdout + result.stderr


def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_collectors_way(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))

    config["post_worker_init"](worker=None)

    assert frozen == [True]
