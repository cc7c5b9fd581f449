"""The cold page's floor: an ideal plain client making the same rounds of PERP calls.

It runs in a process of its own (`python -m bench.ideal ROOT_URL`, the key in
PERP_KEY), so its CPU time is read from /proc exactly as the gunicorn workers' is. It
does what any client must and nothing more: a bare http.client call per request on a
keep-alive connection of its thread (opened by an untimed first run, as perpdesk's pool
is warm), every call of a round on its own thread at once, the next round once the last
answered, and json.loads of each body. No cache, no models, no retries, no logging.

The parent sends one JSON line per run, {"rounds": [[path, ...], ...]}, and reads back
{"seconds": ...} (or {"error": ...}).
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode, urlsplit

from bench.servers import BASE_DIR, INHERITED, cpu_seconds

KEY_VARIABLE = "PERP_KEY"


def call_path(call):
    """The path and query a call from the sandbox's log was made with."""
    path = call.template.format(**{name: quote(str(value), safe="") for name, value in call.params.items()})
    return path + (f"?{urlencode(call.query)}" if call.query else "")


class IdealClient:
    """The child process, driven from the benchmark."""

    def __init__(self, root_url, api_key):
        inherited = {key: os.environ[key] for key in INHERITED if key in os.environ}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.ideal", root_url], cwd=BASE_DIR,
            env={**inherited, KEY_VARIABLE: api_key}, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def run(self, rounds):
        """Seconds the rounds of paths took, the first call's start to the last call's answer."""
        self._process.stdin.write(json.dumps({"rounds": rounds}) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline() or '{"error": "the ideal client exited"}')
        if "error" in answer:
            raise RuntimeError(f"ideal client: {answer['error']}")
        return answer["seconds"]

    def cpu_seconds(self):
        """Its CPU time so far, or None where unknown (no /proc)."""
        try:
            return cpu_seconds(self._process.pid)
        except OSError:
            return None

    def close(self):
        self._process.stdin.close()
        self._process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


# --- the child process ------------------------------------------------------------------


class _Rounds:
    def __init__(self, root_url, api_key):
        parts = urlsplit(root_url)
        self._address = (parts.hostname, parts.port)
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self._connections = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=256)

    def run(self, rounds):
        started = time.perf_counter()
        for paths in rounds:
            for body in self._pool.map(self._get, paths):
                if not isinstance(body, dict):
                    raise ValueError("an answer was not a JSON object")
        return time.perf_counter() - started

    def _get(self, path):
        try:
            response, body = self._exchange(path)
        except (OSError, http.client.HTTPException):  # the server closed a kept connection
            self._connections.http = None
            response, body = self._exchange(path)
        if response.status != 200:
            raise ValueError(f"HTTP {response.status} for {path}")
        return json.loads(body)

    def _exchange(self, path):
        connection = getattr(self._connections, "http", None)
        if connection is None:
            connection = self._connections.http = http.client.HTTPConnection(*self._address, timeout=30)
        connection.request("GET", path, headers=self._headers)
        response = connection.getresponse()
        return response, response.read()


def main(root_url):
    rounds = _Rounds(root_url, os.environ[KEY_VARIABLE])
    for line in sys.stdin:
        try:
            answer = {"seconds": rounds.run(json.loads(line)["rounds"])}
        except Exception as error:  # reported to the parent, which stops the run
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
