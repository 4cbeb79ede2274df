"""modelci.http_retry: the one retry policy of both HTTP clients, driven by a fake clock."""

from __future__ import annotations

import doctest
import email.utils
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from modelci import http_retry
from modelci.github.client import GitHub, RateLimited
from modelci.http_retry import RetryPolicy, is_transient
from modelci.registry.client import RegistryClient, RegistryError

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def http_date(moment: float) -> str:
    return email.utils.formatdate(moment, usegmt=True)


class FakeTime:
    """A clock that moves only when slept on, recording every sleep."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []
        self.lines: list[str] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def policy(fake_time: FakeTime, **changes: Any) -> RetryPolicy:
    fields: dict[str, Any] = {
        "jitter": 0.0,
        "clock": fake_time.clock,
        "sleep": fake_time.sleep,
        "log": fake_time.lines.append,
    }
    return RetryPolicy(**{**fields, **changes})


def test_doctests() -> None:
    assert doctest.testmod(http_retry).failed == 0


def test_backoff_doubles_and_jitter_only_lengthens_it_within_its_share() -> None:
    low = RetryPolicy(backoff=1.0, jitter=0.25, random=lambda: 0.0)
    high = RetryPolicy(backoff=1.0, jitter=0.25, random=lambda: 0.8)
    assert [low.backoff_wait(n) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert [high.backoff_wait(n) for n in range(4)] == [1.2, 2.4, 4.8, 9.6]


def test_jitter_spreads_clients_that_failed_together() -> None:
    waits = {RetryPolicy(random=random.Random(seed).random).backoff_wait(0) for seed in range(20)}
    assert len(waits) > 10 and all(1.0 <= wait <= 1.25 for wait in waits)


@pytest.mark.parametrize("github", [False, True])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_answers_are_not_retried(fake_time: FakeTime, status: int, github: bool) -> None:
    assert (
        policy(fake_time, github_rate_limits=github).wait_for_status(status, {}, attempt=0) is None
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_accidents_are_retried_with_backoff(fake_time: FakeTime, status: int) -> None:
    rules = policy(fake_time)
    assert [rules.wait_for_status(status, {}, attempt=n) for n in range(3)] == [1.0, 2.0, 4.0]


def test_attempts_are_bounded(fake_time: FakeTime) -> None:
    rules = policy(fake_time, max_retries=2)
    attempt = 0
    while rules.can_retry(attempt):
        attempt += 1
        rules.pause(attempt, "GET /x: 503")
    assert attempt == 2 and fake_time.sleeps == [1.0, 2.0]
    assert fake_time.lines == [
        "GET /x: 503; retry 1 of 2 in 1 s",
        "GET /x: 503; retry 2 of 2 in 2 s",
    ]
    rules.pause(1, "GET /y: 429", 7.0)  # the wait the answer asked for
    assert fake_time.sleeps[-1] == 7.0 and fake_time.lines[-1] == "GET /y: 429; retry 1 of 2 in 7 s"


def test_retry_after_seconds_and_http_date_use_the_injected_clock(fake_time: FakeTime) -> None:
    rules = policy(fake_time)
    assert rules.wait_for_status(429, {"Retry-After": "12"}, attempt=0) == 12.0
    assert rules.wait_for_status(429, {"retry-after": http_date(NOW + 30)}, attempt=0) == 30.0
    fake_time.now += 25  # the same date, later: less to wait
    assert rules.wait_for_status(429, {"retry-after": http_date(NOW + 30)}, attempt=0) == 5.0
    assert rules.wait_for_status(429, {"Retry-After": http_date(NOW - 60)}, attempt=0) == 0.0


def test_an_unreadable_retry_after_falls_back_to_backoff(fake_time: FakeTime) -> None:
    rules = policy(fake_time)
    for value in ("soon", "-5", "1e3", "Mon, 13 Nov 2023 22:13:20 -0000"):
        assert rules.wait_for_status(429, {"Retry-After": value}, attempt=1) == 2.0, value


def test_a_rate_limit_asking_more_than_max_wait_is_not_waited_for(fake_time: FakeTime) -> None:
    rules = policy(fake_time, max_wait=60.0)
    assert rules.wait_for_status(429, {"Retry-After": "60"}, attempt=0) == 60.0
    assert rules.wait_for_status(429, {"Retry-After": "61"}, attempt=0) is None
    assert rules.wait_for_status(429, {"Retry-After": http_date(NOW + 3600)}, attempt=0) is None


def test_github_primary_rate_limit_waits_for_the_reset(fake_time: FakeTime) -> None:
    rules = policy(fake_time, github_rate_limits=True)
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 40)}
    assert rules.wait_for_status(403, spent, attempt=0) == 41.0
    assert rules.wait_for_status(429, spent, attempt=0) == 41.0
    # Retry-After wins over the reset; a reset far ahead is not waited for.
    assert rules.wait_for_status(403, {**spent, "Retry-After": "3"}, attempt=0) == 3.0
    far = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 3600)}
    assert rules.wait_for_status(403, far, attempt=0) is None
    # Only GitHub's rules read x-ratelimit-* (and 403s) at all.
    assert policy(fake_time).wait_for_status(403, spent, attempt=0) is None


def test_github_secondary_rate_limit_waits_a_minute(fake_time: FakeTime) -> None:
    rules = policy(fake_time, github_rate_limits=True)
    message = "You have exceeded a secondary rate limit. Please wait a few minutes."
    assert rules.wait_for_status(403, {}, attempt=0, message=message) == 60.0
    assert rules.wait_for_status(429, {}, attempt=2) == 60.0
    assert rules.wait_for_status(403, {}, attempt=0, message="Resource not accessible") is None


def test_transient_errors() -> None:
    assert is_transient(requests.Timeout())
    assert is_transient(requests.exceptions.ChunkedEncodingError())
    assert is_transient(requests.ConnectionError())
    assert not is_transient(requests.exceptions.SSLError())
    assert not is_transient(requests.exceptions.InvalidURL())
    assert not is_transient(ValueError())


# -- both clients take their waits from the policy, with the clock they were given -------------


class CannedSession(requests.Session):
    """A transport that answers from a list, so a client's retries can be seen exactly."""

    def __init__(self, answers: list[tuple[int, dict[str, str]]]) -> None:
        super().__init__()
        self._answers: Iterator[tuple[int, dict[str, str]]] = iter(answers)
        self.sent = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        assert kwargs.get("timeout"), "every call has a timeout"
        self.sent += 1
        status, headers = next(self._answers)
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response.reason = "Too Many Requests" if status == 429 else "OK"
        response._content = b"{}"  # read, as requests does for a call that does not stream
        response.raw = io.BytesIO(b"")
        response.url = str(url)
        return response


def test_the_registry_reads_an_http_date_retry_after_with_its_clock(fake_time: FakeTime) -> None:
    session = CannedSession([(429, {"Retry-After": http_date(NOW + 9)}), (404, {})])
    client = RegistryClient(
        "registry.test",
        session=session,
        retry=RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock, log=fake_time.lines.append),
    )
    assert client.blob_size("o/m", "sha256:" + "0" * 64) is None
    assert fake_time.sleeps == [9.0] and session.sent == 2
    assert "429" in fake_time.lines[0] and "retry 1 of 3 in 9 s" in fake_time.lines[0]


def test_the_registry_does_not_sit_out_a_long_rate_limit(fake_time: FakeTime) -> None:
    session = CannedSession([(429, {"Retry-After": http_date(NOW + 600)})])
    client = RegistryClient(
        "registry.test",
        session=session,
        retry=RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock),
    )
    with pytest.raises(RegistryError, match="429"):
        client.blob_size("o/m", "sha256:" + "0" * 64)
    assert fake_time.sleeps == [] and session.sent == 1


def test_github_waits_by_its_clock_and_gives_up_past_max_wait(fake_time: FakeTime) -> None:
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 5)}
    session = CannedSession([(429, reset), (200, {})])
    client = GitHub(
        api_url="https://api.github.test",
        session=session,
        retry=RetryPolicy(
            github_rate_limits=True,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            log=fake_time.lines.append,
        ),
    )
    assert client.get("/rate") == {}
    assert fake_time.sleeps == [6.0]
    late = CannedSession([(429, {"retry-after": http_date(fake_time.now + 3600)})])
    client = GitHub(
        api_url="https://api.github.test",
        session=late,
        retry=RetryPolicy(github_rate_limits=True, sleep=fake_time.sleep, clock=fake_time.clock),
    )
    with pytest.raises(RateLimited, match="needs a wait over 60 s"):
        client.get("/rate")
    assert late.sent == 1
