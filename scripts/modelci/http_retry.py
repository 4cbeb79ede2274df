"""When an HTTP call is worth another attempt, and how long to wait first: one policy for
modelci's clients (GitHub's REST API and OCI registries).

- A dropped connection, a timeout, 5xx and 408 are accidents: retried up to `max_retries`
  times, waiting `backoff * 2**n` seconds plus up to `jitter` of that at random, so the jobs
  of one matrix that failed together do not all come back in the same second.
- 429 is a rate limit: the wait is what `Retry-After` asks (delay-seconds or an HTTP-date),
  else `backoff * 2**n`. With `github_rate_limits`, a 403 is one too when GitHub marks it so
  (`retry-after`, `x-ratelimit-remaining: 0`, or "rate limit" in its message); it waits for
  `x-ratelimit-reset` when the quota is spent, and a minute for a secondary limit that says
  nothing, as GitHub's documentation asks. A wait over `max_wait` is not taken: sitting out a
  primary rate limit inside a CI job helps no one, so the call fails at once instead.
- Every other status is an answer, not an accident; a TLS failure is not retried either.

Time comes from the injected `clock` (wall-clock seconds: rate-limit resets and HTTP-dates
are wall-clock moments) and passes through the injected `sleep`, so tests take no time. Each
retry is told, with its reason and wait, to the injected `log` (a `modelci:` line on stderr
unless given another). The clients take the whole policy as their one `retry` argument.

>>> policy = RetryPolicy(jitter=0.0, clock=lambda: 1_700_000_000.0)
>>> [policy.wait_for_status(503, {}, attempt=n) for n in range(3)]
[1.0, 2.0, 4.0]
>>> policy.wait_for_status(429, {"Retry-After": "7"}, attempt=0)
7.0
>>> policy.wait_for_status(429, {"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"}, attempt=0)
20.0
>>> policy.wait_for_status(429, {"Retry-After": "3600"}, attempt=0) is None  # over max_wait
True
>>> policy.wait_for_status(404, {}, attempt=0) is None
True
"""

from __future__ import annotations

import email.utils
import random as _random
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests

MAX_RETRIES = 3
BACKOFF = 1.0  # seconds before the first retry; doubled for each next one
JITTER = 0.25  # at most this share of a backoff is added at random
MAX_WAIT = 60.0  # the longest wait a rate limit may ask for before we give up instead
SECONDARY_RATE_LIMIT_WAIT = 60.0  # GitHub: "wait for at least one minute"

# What a dropped or stalled connection raises; TLS errors are ConnectionErrors but not accidents.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_DELAY_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def is_transient(error: BaseException) -> bool:
    """Whether a request that raised `error` is worth sending again.

    >>> is_transient(requests.ConnectionError()), is_transient(requests.exceptions.SSLError())
    (True, False)
    >>> is_transient(requests.exceptions.InvalidURL())
    False
    """
    return isinstance(error, TRANSIENT_ERRORS) and not isinstance(
        error, requests.exceptions.SSLError
    )


def _stderr(text: str) -> None:
    """The default log: one `modelci:` line on stderr per retry, for the CI job's log."""
    print(f"modelci: {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Bounded retries with exponential backoff, jitter and rate-limit waits (see the module)."""

    max_retries: int = MAX_RETRIES
    backoff: float = BACKOFF
    jitter: float = JITTER
    max_wait: float = MAX_WAIT
    github_rate_limits: bool = False
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = _random.random
    log: Callable[[str], None] = _stderr

    def can_retry(self, attempt: int) -> bool:
        """Whether retry number `attempt + 1` is allowed after `attempt` retries so far."""
        return attempt < self.max_retries

    def backoff_wait(self, attempt: int) -> float:
        """Seconds before the retry that follows `attempt` earlier retries (0, 1, 2, …).

        >>> RetryPolicy(backoff=1.0, jitter=0.5, random=lambda: 0.5).backoff_wait(2)
        5.0
        """
        base = self.backoff * 2.0**attempt
        return round(base * (1.0 + self.jitter * self.random()), 2)

    def wait_for_status(
        self, status: int, headers: Mapping[str, str], *, attempt: int, message: str = ""
    ) -> float | None:
        """Seconds to wait before retrying an answer with `status`, or None to give up now.

        `message` is the server's own error message (GitHub marks some 403s as rate limits
        only there).
        """
        if status >= 500 or status == 408:
            return self.backoff_wait(attempt)
        if self.is_rate_limit(status, headers, message):
            wait = self.rate_limit_wait(headers, attempt=attempt)
            return wait if wait <= self.max_wait else None
        return None

    def is_rate_limit(self, status: int, headers: Mapping[str, str], message: str = "") -> bool:
        """A 429, or (with `github_rate_limits`) a 403 that GitHub marks as a rate limit.

        >>> github = RetryPolicy(github_rate_limits=True)
        >>> github.is_rate_limit(403, {"X-RateLimit-Remaining": "0"}), github.is_rate_limit(403, {})
        (True, False)
        >>> github.is_rate_limit(403, {}, "You have exceeded a secondary rate limit")
        True
        >>> RetryPolicy().is_rate_limit(403, {"X-RateLimit-Remaining": "0"})
        False
        """
        if status == 429:
            return True
        if status != 403 or not self.github_rate_limits:
            return False
        lowered = _lowered(headers)
        if "retry-after" in lowered or lowered.get("x-ratelimit-remaining") == "0":
            return True
        return "rate limit" in message.lower()

    def rate_limit_wait(self, headers: Mapping[str, str], *, attempt: int) -> float:
        """How long a rate limit asks us to wait (may exceed `max_wait`).

        >>> github = RetryPolicy(github_rate_limits=True, clock=lambda: 1000.0)
        >>> github.rate_limit_wait({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1020"},
        ...                        attempt=0)  # a second past the reset, as clocks differ
        21.0
        >>> github.rate_limit_wait({}, attempt=0)
        60.0
        >>> RetryPolicy(jitter=0.0).rate_limit_wait({}, attempt=1)
        2.0
        """
        lowered = _lowered(headers)
        asked = self.retry_after(lowered.get("retry-after"))
        if asked is not None:
            return asked
        if self.github_rate_limits:
            reset = lowered.get("x-ratelimit-reset", "")
            if lowered.get("x-ratelimit-remaining") == "0" and reset.isdigit():
                return max(0.0, int(reset) - self.clock()) + 1.0
            return SECONDARY_RATE_LIMIT_WAIT
        return self.backoff_wait(attempt)

    def retry_after(self, value: str | None) -> float | None:
        """A `Retry-After` value in seconds from now: delay-seconds or an HTTP-date (RFC 9110,
        section 10.2.3); None when absent or unreadable. A moment in the past is 0.

        >>> policy = RetryPolicy(clock=lambda: 1_700_000_000.0)
        >>> policy.retry_after("2.5"), policy.retry_after("Sun, 06 Nov 1994 08:49:37 GMT")
        (2.5, 0.0)
        >>> policy.retry_after("soon"), policy.retry_after("-1"), policy.retry_after(None)
        (None, None, None)
        """
        if not value:
            return None
        text = value.strip()
        if _DELAY_SECONDS.fullmatch(text):
            return float(text)
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            return None  # an HTTP-date is always GMT; a zoneless date is not one
        return max(0.0, moment.timestamp() - self.clock())

    def pause(self, retry: int, why: str, seconds: float | None = None) -> None:
        """Say why retry number `retry` (1, 2, …) comes and when, then wait for it: `seconds`
        when the answer said how long (`wait_for_status`), else the backoff for that retry."""
        wait = self.backoff_wait(retry - 1) if seconds is None else seconds
        self.log(f"{why}; retry {retry} of {self.max_retries} in {wait:g} s")
        self.sleep(wait)


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
