"""Fault injection: rules that make chosen calls fail the way GitHub and networks fail.

A rule matches a method and a path pattern (fnmatch, against the API path without its prefix and
without the query, e.g. "/repos/*/*/issues/*/comments"), then picks which matching calls it hits:
`nth` (1-based: start at the nth matching call), `times` (how many calls in a row, None for all),
and `probability` with a `seed` for reproducible flakiness. A hit answers with `status` (plus
`body` and `headers`), and/or waits `delay` seconds, or drops the connection:

- drop="before": close the socket without reading a response back (request never handled);
- drop="after": handle the request (side effects happen!), then close without answering;
- drop="mid-body": send the real (or injected) response's headers and half its body, then close.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import itertools
import random
import threading
from typing import Any

DROPS = (None, "before", "after", "mid-body")


@dataclasses.dataclass(kw_only=True)
class Fault:
    path: str = "*"
    method: str = "*"
    status: int | None = None
    body: Any = None  # JSON-able, or str for a raw body; None: a GitHub-style error for `status`
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    retry_after: float | None = None  # shorthand for a Retry-After header
    delay: float = 0.0
    drop: str | None = None
    nth: int = 1
    times: int | None = 1
    probability: float = 1.0
    seed: int = 0
    id: int = 0
    seen: int = 0  # matching calls so far
    hits: int = 0  # calls this rule changed

    def __post_init__(self) -> None:
        if self.drop not in DROPS:
            raise ValueError(f"drop must be one of {DROPS}, got {self.drop!r}")
        if self.status is None and self.drop is None and not self.delay:
            raise ValueError("a fault needs a status, a drop or a delay")
        self.method = self.method.upper()
        self._random = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)

    def take(self) -> bool:
        """Count one matching call; True when this rule hits it."""
        self.seen += 1
        if self.seen < self.nth:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.hits += 1
        return True

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers.setdefault("retry-after", f"{self.retry_after:g}")
        return headers

    def describe(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {f.name for f in dataclasses.fields(cls)} - {"id", "seen", "hits"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)


class Faults:
    """The active rules, in the order added; the first rule that hits a call wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, fault: Fault | None = None, **fields: Any) -> Fault:
        """Add a rule: `faults.add(path="/repos/*", status=502, times=2)`."""
        rule = fault or Fault(**fields)
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def remove(self, rule: Fault) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if r.id != rule.id]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str) -> Fault | None:
        with self._lock:
            # Every matching rule counts the call, so `nth` means the same thing for each rule.
            hit = None
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if hit is None:
                    hit = rule if rule.take() else None
                else:
                    rule.seen += 1
            return hit
