"""Retry policies for tests: the clients' own (`modelci.http_retry.RetryPolicy`), without the
waits, so a retried call costs no time. Pass `log=silent` to keep the retries off stderr.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from modelci.http_retry import RetryPolicy


def no_sleep(seconds: float) -> None:
    """Stands in for time.sleep."""


def silent(text: str) -> None:
    """Stands in for the stderr log."""


def github_retry(**changes: Any) -> RetryPolicy:
    """The GitHub client's default policy, `RetryPolicy(github_rate_limits=True)`, not sleeping;
    `changes` set any other field (log, clock, jitter, …)."""
    return dataclasses.replace(RetryPolicy(github_rate_limits=True, sleep=no_sleep), **changes)


def registry_retry(**changes: Any) -> RetryPolicy:
    """The registry client's default policy, `RetryPolicy()`, not sleeping."""
    return dataclasses.replace(RetryPolicy(sleep=no_sleep), **changes)
