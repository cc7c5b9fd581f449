"""The processes of a run: the sandbox PERP in this process, perpdesk under gunicorn.

Each gunicorn instance is started with gunicorn.conf.py, as production starts it, on
a free loopback port and an environment built from scratch (the caller's own
settings never leak into it), and stopped with SIGTERM afterwards.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import requests

from sandbox_perp import SandboxServer

BASE_DIR = Path(__file__).resolve().parent.parent
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
SANDBOX_KEY = "bench-sandbox-key"


@contextmanager
def sandbox(latency_ms):
    """The sandbox PERP, logging every call with its start and end times."""
    with SandboxServer(port=0, key=SANDBOX_KEY, latency_ms=latency_ms, log_calls=True) as server:
        yield server


def require_redis(cache_url):
    """Stops the run with one line if the benchmark's Redis does not answer."""
    client = redis.Redis.from_url(cache_url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        raise SystemExit(f"bench: Redis is not reachable at {cache_url}: {error}")
    finally:
        client.close()


def flush_cache(cache_url):
    """Empties the benchmark's Redis database: cached readings, locks and the breaker."""
    client = redis.Redis.from_url(cache_url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Instance:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def log_tail(self, chars=4000):
        return self.log()[-chars:]

    def workers_cpu_seconds(self):
        """CPU time its workers have used so far (Linux /proc), or None where unknown."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            return sum(cpu_seconds(pid) for pid in children)
        except OSError:
            return None


def cpu_seconds(pid):
    """CPU time (user and system) process `pid` has used so far: Linux /proc only."""
    # /proc/PID/stat: user and system time are fields 14 and 15, after "(command name)".
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port(host="127.0.0.1"):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_instance(name, env, log_dir, *, extra_args=()):
    """gunicorn with gunicorn.conf.py on a free port, given only `env` (and PATH, HOME...)."""
    port = free_port()
    log_path = Path(log_dir) / f"gunicorn-{name}-{port}.log"
    inherited = {key: os.environ[key] for key in INHERITED if key in os.environ}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra_args],
            cwd=BASE_DIR,
            env={**inherited, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Instance(name, port, process, log_path)


def wait_until_healthy(instance, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise RuntimeError(f"gunicorn {instance.name} exited:\n{instance.log_tail()}")
        try:
            if requests.get(f"{instance.url}/healthz", timeout=(1, 10)).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {instance.name} did not answer /healthz in {timeout} s:\n{instance.log_tail()}")


def stop_instance(instance, timeout=20):
    if instance.process.poll() is None:
        instance.process.send_signal(signal.SIGTERM)
        try:
            instance.process.wait(timeout)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()


@contextmanager
def instances(envs, log_dir):
    """{name: env} -> {name: Instance}, all started at once, healthy, stopped on the way out."""
    with ExitStack() as stack:
        started = {}
        for name, env in envs.items():
            started[name] = start_instance(name, env, log_dir)
            stack.callback(stop_instance, started[name])
        for instance in started.values():
            wait_until_healthy(instance)
        yield started
