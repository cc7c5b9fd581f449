"""Per-person lookup limits (lookup.ops.rate_limit): LOOKUP_RATE_LIMIT lookups per window,
counted in the shared cache, refused past it with a 429, an audit row and a warning."""

import logging
import subprocess

import pytest
import redis
from django.test import override_settings
from hypothesis import given, strategies as st

from lookup.ops import rate_limit, shared_counter
from lookup.checks import check_settings
from lookup.models import AuditEntry
from tests.support import perp_payloads as p
from tests.support.cache import CLOSED_PORT_REDIS, redis_config, using_cache
from tests.support.gunicorn import BASE_DIR, PYTHON
from tests.support.perp_payloads import serve_customer

URL = "/customers/CUST-1001/"
SHARED_REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def fake(fake):
    """The shared fake, serving a customer's page."""
    return serve_customer(fake)


@pytest.fixture
def three_a_minute(settings):
    settings.LOOKUP_RATE_LIMIT = "3/m"


@pytest.fixture
def fresh_outage_warnings(monkeypatch):
    monkeypatch.setattr(rate_limit, "_outage_warnings", rate_limit._OutageWarnings())


def _statuses(client, url, times):
    return [client.get(url).status_code for _ in range(times)]


# --- the setting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, count, seconds",
    [("120/m", 120, 60), ("1000/h", 1000, 3600), ("30/10s", 30, 10), (" 5 / d ", 5, 86400), ("2/90S", 2, 90)],
)
def test_it_reads_a_rate_as_lookups_per_period(text, count, seconds):
    assert rate_limit.parse_rate(text) == rate_limit.Rate(count, seconds)


def test_off_means_no_limit():
    assert rate_limit.parse_rate("off") is None


@pytest.mark.parametrize("text", ["", "120", "120/", "0/m", "120/0m", "-1/m", "120/minute", "1e3/m", "m/120"])
def test_it_refuses_anything_else(text):
    with pytest.raises(ValueError):
        rate_limit.parse_rate(text)


@given(count=st.integers(1, 10**6), multiple=st.integers(1, 999), unit=st.sampled_from("smhd"))
def test_every_well_formed_rate_reads_back(count, multiple, unit):
    rate = rate_limit.parse_rate(f"{count}/{multiple}{unit}")

    assert rate.count == count and rate.seconds == multiple * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


@given(text=st.text(max_size=30))
def test_any_text_is_a_rate_off_or_a_value_error(text):
    try:
        rate = rate_limit.parse_rate(text)
    except ValueError:
        return
    assert rate is None or (rate.count >= 1 and rate.seconds >= 1)


def test_a_bad_rate_stops_start_up_with_one_line():
    with override_settings(LOOKUP_RATE_LIMIT="lots"):
        messages = [error.msg for error in check_settings()]

    assert [m for m in messages if m.startswith("LOOKUP_RATE_LIMIT")] == [
        'LOOKUP_RATE_LIMIT must be lookups per period such as "120/m", "1000/h" or "30/10s", or "off".'
    ]


# --- counting ----------------------------------------------------------------------------


class Account:
    def __init__(self, pk):
        self.pk = pk


def test_past_the_limit_it_says_how_long_until_the_window_ends(settings):
    settings.LOOKUP_RATE_LIMIT = "3/m"
    at = 60 * 1_000_000 + 15  # 15 s into a window

    verdicts = [rate_limit.lookup_verdict(Account(7), now=at) for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 45


def test_a_new_window_starts_a_new_count(settings):
    settings.LOOKUP_RATE_LIMIT = "1/m"
    window = 60 * 1_000_000

    assert rate_limit.lookup_verdict(Account(7), now=window).allowed
    assert not rate_limit.lookup_verdict(Account(7), now=window + 59).allowed
    assert rate_limit.lookup_verdict(Account(7), now=window + 60).allowed


@pytest.mark.redis
def test_two_processes_on_one_redis_share_the_count(settings):
    settings.LOOKUP_RATE_LIMIT = "3/m"
    at = 60 * 2_000_000 + 1
    client = redis.Redis.from_url(SHARED_REDIS)
    client.flushdb()
    try:
        with using_cache({**redis_config(), "LOCATION": SHARED_REDIS}):
            _other_instance_counts(Account(42), at, times=2)  # another instance: its own process and client
            here = [rate_limit.lookup_verdict(Account(42), now=at).allowed for _ in range(2)]
    finally:
        client.flushdb()

    assert here == [True, False]


def _other_instance_counts(account, at, *, times):
    code = (
        "import django; django.setup();"
        "from lookup.ops.rate_limit import lookup_verdict;"
        "from tests.ops.test_rate_limit import Account;"
        f"print([lookup_verdict(Account({account.pk}), now={at}).allowed for _ in range({times})])"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tests.settings", "CACHE_URL": SHARED_REDIS,
             "LOOKUP_RATE_LIMIT": "3/m"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([True] * times)


def test_it_allows_lookups_and_warns_once_when_the_cache_is_down(settings, caplog, fresh_outage_warnings,
                                                                 fresh_warning_limit):  # noqa: F811
    settings.LOOKUP_RATE_LIMIT = "1/m"
    with using_cache(CLOSED_PORT_REDIS), caplog.at_level(logging.WARNING, logger="lookup.ops.rate_limit"):
        verdicts = [rate_limit.lookup_verdict(Account(7)).allowed for _ in range(5)]

    assert verdicts == [True] * 5
    assert [r.getMessage() for r in caplog.records if r.name == "lookup.ops.rate_limit"] == [
        "lookup rate limit not enforced: the cache does not answer (lookups allowed)"
    ]


# --- the pages ---------------------------------------------------------------------------


@pytest.mark.usefixtures("three_a_minute")
def test_past_the_limit_a_page_is_refused_with_429_before_perp_is_asked(alice_client, fake):
    statuses = _statuses(alice_client, URL, 3)
    calls = len(fake.requested)

    refused = alice_client.get(URL)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429 and int(refused["Retry-After"]) in range(1, 61)
    page = refused.content.decode()
    assert "Too many lookups" in page and "3/m" in page and "recorded in the audit log" in page
    assert len(fake.requested) == calls


@pytest.mark.usefixtures("three_a_minute")
def test_a_refusal_is_audited_as_refused_and_logged_by_account_id(alice, alice_client, fake, caplog):
    _statuses(alice_client, URL, 3)

    with caplog.at_level(logging.WARNING, logger="lookup.ops.rate_limit"):
        alice_client.get(URL)

    row = AuditEntry.objects.latest("id")
    assert (row.username, row.outcome, row.note, row.kind, row.object_ids) == (
        "alice", "refused", "rate limited", "customer", "CUST-1001"
    )
    [line] = [r.getMessage() for r in caplog.records if r.name == "lookup.ops.rate_limit"]
    assert line == f"lookup rate limit: account {alice.pk} refused (4 lookups in this window, limit 3/m)"
    assert "alice" not in line


@pytest.mark.usefixtures("three_a_minute")
def test_an_auditor_sees_who_was_refused(alice_client, carol, client, fake):
    _statuses(alice_client, URL, 4)
    client.force_login(carol)

    listing = client.get("/lookup/auditentry/?outcome__exact=refused").content.decode()

    assert "alice" in listing and "Refused" in listing


@pytest.mark.usefixtures("three_a_minute")
def test_each_person_has_a_count_of_their_own(alice_client, carol, client, fake):
    _statuses(alice_client, URL, 4)
    client.force_login(carol)

    assert client.get(URL).status_code == 200


@pytest.mark.usefixtures("three_a_minute")
@pytest.mark.parametrize("url", ["/orders/ORD-50001/", "/invoices/INV-70001/", "/?q=CUST-1001"])
def test_orders_invoices_and_searches_count_as_lookups(alice_client, fake, url):
    fake.nothing_matches("CUST-1001")  # but the customer, served as a page
    fake.ok("/orders/ORD-50001", p.order("ORD-50001"))
    fake.ok("/invoices/INV-70001", p.invoice())

    assert [status == 429 for status in _statuses(alice_client, url, 4)] == [False, False, False, True]


@pytest.mark.usefixtures("three_a_minute")
def test_the_empty_search_page_is_not_a_lookup(alice_client):
    assert _statuses(alice_client, "/", 5) == [200] * 5


@pytest.mark.usefixtures("three_a_minute")
def test_refresh_counts_as_a_lookup(alice_client, fake):
    statuses = [alice_client.post("/refresh/", {"next": URL}).status_code for _ in range(4)]

    assert statuses == [303, 303, 303, 429]


def test_off_never_refuses(alice_client, fake, settings):
    settings.LOOKUP_RATE_LIMIT = "off"

    assert 429 not in _statuses(alice_client, URL, 10)


@pytest.mark.redis
def test_the_shared_count_names_no_account_and_differs_per_deployment(settings):
    settings.LOOKUP_RATE_LIMIT = "3/m"
    client = redis.Redis.from_url(SHARED_REDIS)
    client.flushdb()
    try:
        with using_cache({**redis_config(), "LOCATION": SHARED_REDIS}):
            rate_limit.lookup_verdict(Account(42))
            settings.SECRET_KEY = "another-deployment-secret-key-0123456789abcdef"
            other_deployment = rate_limit.lookup_verdict(Account(42))
            keys = [key.decode() for key in client.keys("*")]
    finally:
        client.flushdb()

    assert other_deployment.count == 1
    assert len(keys) == 2 and not any(":42:" in key for key in keys)


@pytest.mark.redis
def test_on_redis_a_count_expires_after_its_window():
    client = redis.Redis.from_url(SHARED_REDIS)
    client.flushdb()
    try:
        with using_cache({**redis_config(), "LOCATION": SHARED_REDIS}):
            counts = [shared_counter.count("perpdesk:test:window", 62) for _ in range(3)]
        ttl = client.ttl("perpdesk:test:window")
    finally:
        client.flushdb()

    assert counts == [1, 2, 3]
    assert 60 <= ttl <= 62
