"""The two result types every statistic in modelci returns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """One model's metric on the test rows, with a confidence interval when a valid one exists."""

    value: float
    # None when no valid interval exists (a maximum, fewer than two rows, a constant target).
    ci: tuple[float, float] | None
    method: str


@dataclass(frozen=True, kw_only=True)
class PairedDelta:
    """Candidate minus baseline on the same rows, with a paired interval and two-sided p-value."""

    baseline: float
    candidate: float
    delta: float
    ci: tuple[float, float] | None
    # Two-sided, H0: both models score the same on the population the rows come from.
    p_value: float | None
    method: str
    # Standard error of `delta` under the method that produced it (the bootstrap's spread of
    # the paired differences for resampling methods); None with no interval. `power.py` turns
    # it into the smallest worsening the rows could have detected.
    se: float | None = None


def point_only(result: Estimate | PairedDelta) -> Estimate | PairedDelta:
    """The same numbers without an interval or p-value, for samples too small to have one."""
    if isinstance(result, PairedDelta):
        return dataclasses.replace(result, ci=None, p_value=None, method="point", se=None)
    return dataclasses.replace(result, ci=None, method="point")
