"""The quick start: perpdesk on a laptop against the sandbox PERP, in one command.

    .venv/bin/python -m sandbox_perp.demo [--port 8000] [--perp-port 8765] [--dialect erp]

Starts the sandbox PERP, migrates perpdesk's embedded SQLite database, creates a demo
staff login and serves perpdesk with Django's development server until Ctrl-C (or
SIGTERM). perpdesk is told the sandbox's identifier formats (SEARCH_PATTERNS) and given
examples of them, as an operator would for a real PERP.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sandbox_perp import SandboxServer
from sandbox_perp.dialects import DIALECTS, SEARCH_SETTINGS, STANDARD

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "perpdesk-demo"
SANDBOX_KEY = "sandbox-key"


def demo_environment(perp_url, perp_origin, dialect=STANDARD):
    return {
        **os.environ,
        "DEBUG": "true",
        "LOCAL_LOGIN": "true",
        "PERP_API_URL": perp_url,
        "PERP_API_KEY": SANDBOX_KEY,
        "PERP_FILE_HOSTS": perp_origin,
        **SEARCH_SETTINGS[dialect],
    }


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, check=True)


def create_demo_user(env):
    script = (
        "from django.contrib.auth.models import Permission, User\n"
        f"user, _ = User.objects.get_or_create(username={DEMO_USERNAME!r})\n"
        f"user.set_password({DEMO_PASSWORD!r})\n"
        "user.is_staff = True\n"
        "user.save()\n"
        "user.user_permissions.set(Permission.objects.filter(\n"
        "    content_type__app_label='lookup',\n"
        "    codename__in=['lookup_customers', 'view_audit_log', 'view_auditentry']))\n"
    )
    manage(env, "shell", "--no-imports", "-c", script)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="perpdesk's port")
    parser.add_argument("--perp-port", type=int, default=8765, help="the sandbox PERP's port")
    parser.add_argument("--dialect", choices=DIALECTS, default=STANDARD,
                        help="how the sandbox PERP writes its answers (see sandbox_perp.dialects)")
    return parser.parse_args()


def main():
    args = parse_args()
    # A plain kill (SIGTERM) stops the demo as Ctrl-C does: the development server goes too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sandbox = SandboxServer(port=args.perp_port, key=SANDBOX_KEY, dialect=args.dialect)
    sandbox.start()
    env = demo_environment(sandbox.base_url, sandbox.base_url.rsplit("/api", 1)[0], args.dialect)
    manage(env, "migrate", "--verbosity", "0")
    create_demo_user(env)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        cwd=PROJECT_DIR, env=env,
    )
    try:
        wait_for_port(args.port, server)
        print(f"\nperpdesk is running at http://127.0.0.1:{args.port}/")
        print(f"Sign in as {DEMO_USERNAME} / {DEMO_PASSWORD}")
        print(f"Sandbox PERP: {sandbox.base_url} (key {SANDBOX_KEY}). Stop with Ctrl-C.\n", flush=True)
        wait_while_running(server)
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(server)
        sandbox.stop()


def wait_while_running(server):
    # Short sleeps rather than one blocking wait(), so a stop signal is acted on at once.
    while server.poll() is None:
        time.sleep(0.2)


def stop_server(server, grace_seconds=5):
    server.terminate()
    try:
        server.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        server.kill()


def wait_for_port(port, server, timeout=60):
    """Returns once the development server accepts connections (so the banner comes last)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"perpdesk did not start on port {port}; see the messages above.")


if __name__ == "__main__":
    main()
