"""How large a worsening the test rows could have detected: the minimum detectable effect.

"Not significant" is not evidence of no change: on 60 rows a gate passes a drop of 0.05 because
the test cannot see it. For a two-sided test at level α whose statistic is roughly normal with
standard error SE (the normal and delta methods, DeLong, and the bootstrap, whose SE is the
spread of its paired draws), a true change of

    MDE = (z_{1−α/2} + z_{power}) · SE

is detected with probability `power` (the other tail adds a negligible α/2 at most). McNemar's
test gets its SE from the discordant counts, the rows the test itself looks at (see
`mcnemar.delta_se`). For means of per-row losses on fewer than 1,000 rows the test is a t-test;
the normal quantiles here then understate the MDE by about as much as t exceeds z, which is
why `minimum_detectable` takes the same `df` the comparison used when a caller has it.
"""

from __future__ import annotations

import math

from scipy import stats

from modelci.stats.results import PairedDelta

POWER = 0.8


def detectable_from_se(
    se: float, *, alpha: float = 0.05, power: float = POWER, df: int | None = None
) -> float:
    """(z_{1−α/2} + z_{power}) · se, with Student's t quantiles when `df` is given.

    >>> round(detectable_from_se(0.01), 4)
    0.028
    """
    _check(alpha=alpha, power=power)
    if not math.isfinite(se) or se < 0:
        raise ValueError(f"The 'se' parameter must be a finite number >= 0. Got {se!r}.")
    if df is None:
        quantiles = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    else:
        quantiles = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    return float(quantiles * se)


def minimum_detectable(
    delta: PairedDelta, *, alpha: float = 0.05, power: float = POWER, df: int | None = None
) -> float | None:
    """The smallest change of this metric the comparison detects with probability `power`.

    A positive size, in the metric's own units; None when the comparison has no standard
    error (a point-only method, fewer than two rows).
    """
    if delta.se is None or not math.isfinite(delta.se):
        return None
    return detectable_from_se(delta.se, alpha=alpha, power=power, df=df)


def detectable_on(
    delta: PairedDelta, *, rows: int, alpha: float = 0.05, power: float = POWER
) -> float | None:
    """`minimum_detectable` with the quantiles the comparison itself used: Student's t with
    n − 1 degrees of freedom for a mean-loss delta recorded as `student-t`, else normal."""
    df = rows - 1 if delta.method == "student-t" and rows >= 2 else None
    return minimum_detectable(delta, alpha=alpha, power=power, df=df)


def is_inconclusive(
    delta: PairedDelta, tolerance: float, *, alpha: float = 0.05, power: float = POWER
) -> bool:
    """True when a drop of `tolerance` (or no MDE at all) would likely go unnoticed.

    This is what `compare.inconclusive: pass | warn | fail` acts on: a pass that could not have
    been a failure for a worsening as large as the tolerance.
    """
    detectable = minimum_detectable(delta, alpha=alpha, power=power)
    return detectable is None or detectable > tolerance


def _check(*, alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter must be in (0, 1). Got {alpha!r}.")
    if not 0 < power < 1:
        raise ValueError(f"The 'power' parameter must be in (0, 1). Got {power!r}.")
