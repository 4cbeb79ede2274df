"""McNemar's test for two classifiers scored on the same rows, exact and mid-p.

Only the discordant rows carry information about a difference in accuracy: `b` rows the
baseline gets right and the candidate wrong, `c` the other way round. Under H0 each discordant
row is a fair coin, so min(b, c) ~ Binomial(b + c, 1/2).

The exact test is conservative (its actual size is well below alpha for small b + c because the
binomial is discrete). The mid-p version counts only half the probability of the observed
outcome; its size is close to alpha on average, which is what a CI gate wants
(Fagerland, Lydersen & Laake 2013, "The McNemar test for binary matched-pairs data: mid-p and
asymptotic are better than exact conditional").
"""

from __future__ import annotations

import math

from scipy import stats


def exact_p(b: int, c: int) -> float:
    """Two-sided exact (conditional) McNemar p-value, as `scipy.stats.binomtest(b, b + c)`."""
    n = b + c
    if n == 0:
        return 1.0
    return float(min(1.0, 2 * stats.binom.cdf(min(b, c), n, 0.5)))


def mid_p(b: int, c: int) -> float:
    """Two-sided mid-p McNemar p-value: the exact p minus P(X = min(b, c)).

    2·P(X ≤ k) − P(X = k) for k = min(b, c); it is exactly 1 when b == c.
    """
    n = b + c
    if b == c:
        return 1.0
    k = min(b, c)
    return float(min(1.0, 2 * stats.binom.cdf(k, n, 0.5) - stats.binom.pmf(k, n, 0.5)))


def delta_se(b: int, c: int, n: int) -> float:
    """Standard error of the accuracy difference (c − b)/n, from the discordant counts alone.

    Each row contributes +1 (wrong→right), −1 (right→wrong) or 0, so the difference is a mean
    of those and its variance is ((b + c) − (c − b)²/n) / n².
    """
    if n == 0:
        return 0.0
    return math.sqrt(max((b + c) - (c - b) ** 2 / n, 0.0)) / n
