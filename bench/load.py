"""HTTP load from this process: threads, each with its own keep-alive connection.

Loopback only, and always bounded: a run stops after its duration or its request
count, whichever comes first.
"""

import http.client
import math
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the connection failed
    seconds: float
    body: bytes = b""


class Connection:
    """One keep-alive connection to an instance, reopened after a failure."""

    def __init__(self, base_url, cookie=None, timeout=60):
        parts = urlsplit(base_url)
        self._address = (parts.hostname, parts.port)
        self._headers = {"Cookie": cookie} if cookie else {}
        self._timeout = timeout
        self._http = None

    def get(self, path):
        started = time.perf_counter()
        try:
            status, body = self._exchange(path)
        except (OSError, http.client.HTTPException):
            self.close()
            return Answer(0, time.perf_counter() - started)
        return Answer(status, time.perf_counter() - started, body)

    def _exchange(self, path):
        if self._http is None:
            self._http = http.client.HTTPConnection(*self._address, timeout=self._timeout)
        self._http.request("GET", path, headers=self._headers)
        response = self._http.getresponse()
        body = response.read()
        if response.will_close:
            self.close()
        return response.status, body

    def close(self):
        if self._http is not None:
            self._http.close()
            self._http = None


def get(url, cookie=None):
    """One request on a new connection: an Answer."""
    connection = Connection(_origin(url), cookie)
    try:
        return connection.get(_path(url))
    finally:
        connection.close()


@dataclass
class LoadResult:
    seconds: float = 0.0  # wall time of the whole run
    latencies: list = field(default_factory=list)  # seconds, of 200 answers
    failures: int = 0  # anything but a 200

    @property
    def requests(self):
        return len(self.latencies) + self.failures

    @property
    def requests_per_second(self):
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, share):
        return percentile(self.latencies, share) * 1000

    def add(self, other):
        """This result and another run's, as one."""
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)
        self.failures += other.failures
        return self

    def figures(self):
        return {
            "requests": self.requests,
            "failures": self.failures,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": _rounded(self.percentile_ms(0.50)),  # None: not one request answered
            "p95_ms": _rounded(self.percentile_ms(0.95)),
        }


def _rounded(milliseconds):
    return None if math.isnan(milliseconds) else round(milliseconds, 2)


def percentile(values, share):
    """The nearest-rank percentile: the smallest value with `share` of them at or below it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(share * len(ordered) - 1e-9)  # 1e-9: 0.95 * 20 is 19, not 19.000000000000004
    return ordered[min(max(rank, 1), len(ordered)) - 1]


class _Budget:
    """Requests left to start, shared by a run's threads; none left after the deadline."""

    def __init__(self, requests, seconds):
        self._left = requests
        self._deadline = time.monotonic() + seconds
        self._lock = threading.Lock()

    def take(self):
        with self._lock:
            if self._left <= 0 or time.monotonic() >= self._deadline:
                return False
            self._left -= 1
            return True


def run_load(base_url, path, *, cookies, seconds, max_requests):
    """One thread per cookie, each GETting `path` back to back until the budget runs out."""
    return run_load_on(base_url, [path] * len(cookies), cookies=cookies, seconds=seconds, max_requests=max_requests)


def run_load_on(base_url, paths, *, cookies, seconds, max_requests):
    """One thread per cookie, the nth GETting the nth path back to back until the budget runs out."""
    budget = _Budget(max_requests, seconds)
    result = LoadResult()
    lock = threading.Lock()

    def client(index):
        connection = Connection(base_url, cookies[index])
        answers = []
        while budget.take():
            answers.append(connection.get(paths[index]))
        connection.close()
        with lock:
            result.latencies.extend(a.seconds for a in answers if a.status == 200)
            result.failures += sum(1 for a in answers if a.status != 200)

    started = time.perf_counter()
    _run_threads(client, range(len(cookies)))
    result.seconds = time.perf_counter() - started
    return result


def burst(urls, cookies):
    """GET every url at the same moment (one thread and new connection each): Answers, in order."""
    gate = threading.Barrier(len(urls))
    answers = [None] * len(urls)

    def client(index):
        connection = Connection(_origin(urls[index]), cookies[index % len(cookies)])
        gate.wait()
        answers[index] = connection.get(_path(urls[index]))
        connection.close()

    _run_threads(client, range(len(urls)))
    return answers


def _run_threads(target, arguments):
    threads = [threading.Thread(target=target, args=(argument,), daemon=True) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
