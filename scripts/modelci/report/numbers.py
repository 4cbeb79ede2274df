"""How the report writes numbers: one format for every value, delta, interval and p-value.

The markdown comment, the HTML report, the release notes and the model card all format through
these functions, so the same number never reads two ways.

A metric's row (its values, its delta and its interval) is written with one number of decimals,
chosen by `decimals_for` from what the interval supports: enough decimals that the interval's
width shows two significant digits. More digits would claim a precision the test rows do not
have; fewer would hide the interval. Without an interval, the largest value gets four
significant digits. Fixed decimals (trailing zeros kept) line a column's numbers up.

Tables without intervals get their column's decimals the same way, from what stands in for
one: permutation importance from its standard deviations (`Precision.of_spread`), per-class
scores from the rows each class has (`Precision.of_shares`).

Signs: a value that rounds to zero keeps the sign of the value it rounds ("-0.000", and
"+0.000" for a delta), so an interval's end says which side of zero it lies on: "[-0.055,
-0.000]" excludes zero as its "significantly worse" verdict says, "[-0.055, +0.000]" does
not, and a signed column has a sign in every cell. Only an exact zero reads unsigned.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

DASH = "—"

# Significant digits of an interval's width: the second digit still tells two intervals apart,
# a third is noise at any test-set size a pull request sees.
WIDTH_DIGITS = 2
# Significant digits of the largest value when there is no interval (the old `number` format).
VALUE_DIGITS = 4
# Decimals added, at most, so that values that differ do not print the same.
MAX_EXTRA = 2
MAX_DECIMALS = 12
# A share (precision, recall, f1) of a class without a known row count: what the metrics of a
# test set of a few hundred to a few thousand rows read at.
SCORE_DECIMALS = 3
# z of a 95% interval: the widest interval a share measured on n rows has is 2·z·√(¼/n).
Z95 = 1.959964


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _decimals(magnitude: float, digits: int) -> int:
    """Decimals that show `magnitude` with `digits` significant digits (never negative)."""
    return min(MAX_DECIMALS, max(0, digits - 1 - math.floor(math.log10(magnitude))))


def _held(value: float) -> int:
    """Decimals `value` has at four significant digits (0.9 → 1, 0.98765 → 4, 12.0 → 0)."""
    text = f"{value:.{VALUE_DIGITS}g}"
    if "e" in text:
        return MAX_DECIMALS if abs(value) < 1 else 0
    return len(text.partition(".")[2])


def decimals_for(ci: Sequence[float] | None, *values: float | None) -> int | None:
    """The decimals one row is written with: from the interval's width, else the values.

    Enough decimals for the width to show two significant digits; then up to two more if
    values that differ would otherwise print the same. Without an interval, four significant
    digits of the largest value, for values written side by side (a baseline, a candidate and
    their delta). None, which `fixed` writes as `number` does, for a lone value without an
    interval: "9" says as much as "9.000" without inventing zeros.

    >>> decimals_for((-0.0213, 0.0051), 0.9872, 0.9792, -0.0080)
    3
    >>> decimals_for((0.81, 0.93), 0.87)
    2
    >>> decimals_for((0.97, 0.99), 0.9812, 0.9849)   # 0.98 and 0.98 would hide the change
    3
    >>> decimals_for(None, 0.9872, 0.9792), decimals_for(None, 2048.0, 1536000.0)
    (4, 0)
    >>> decimals_for(None, 0.9, 2.1, 1.2), decimals_for(None, 0.8734, 2.1)
    (1, 3)
    >>> decimals_for(None, 9.0), decimals_for(None), decimals_for(None, 0.0, 0.0)
    (None, None, None)
    """
    finite = _finite(values)
    distinct = set(finite)
    if ci is not None and len(_finite(ci)) == 2 and ci[1] > ci[0]:
        decimals = _decimals(float(ci[1]) - float(ci[0]), WIDTH_DIGITS)
    elif len(distinct) >= 2:
        # No padding past what the values hold: 0.9 and 2.1 stay "0.9" and "2.1", not "2.100".
        held = max(_held(v) for v in finite)
        decimals = min(_decimals(max(abs(v) for v in finite), VALUE_DIGITS), held)
    else:
        return None
    limit = min(MAX_DECIMALS, decimals + MAX_EXTRA)
    while decimals < limit and len({round(v, decimals) for v in distinct}) < len(distinct):
        decimals += 1
    return decimals


def fixed(value: float | None, decimals: int | None, *, sign: bool = False) -> str:
    """`value` with exactly `decimals` decimals (None: `number`'s four significant digits).

    With `sign`, a positive value gets a "+". A value that rounds to zero keeps its sign (see
    the module's docstring); an exact zero has none.

    >>> fixed(0.98716, 3), fixed(-0.00797, 3, sign=True), fixed(0.0032, 3, sign=True)
    ('0.987', '-0.008', '+0.003')
    >>> fixed(-0.0001, 3, sign=True), fixed(0.0001, 3, sign=True), fixed(0.0, 3, sign=True)
    ('-0.000', '+0.000', '0.000')
    >>> fixed(0.9, 3), fixed(-0.0001, 3), fixed(245760.4, 0), fixed(None, 2)
    ('0.900', '-0.000', '245,760', '—')
    >>> fixed(0.012345, None, sign=True)
    '+0.01235'
    """
    if value is None:
        return DASH
    if decimals is None:
        return signed(value) if sign else number(value)
    if not math.isfinite(value):
        return str(value)
    value = float(value) or 0.0  # -0.0 is an exact zero too
    # Rounding a small negative value gives -0.0, which formats as "-0.000": its sign stays.
    rounded = round(value, decimals)
    # Grouped like `number`: 10,000 and up, or 1,000 and up when written as an integer.
    grouping = "," if abs(rounded) >= 10_000 or (abs(rounded) >= 1000 and not decimals) else ""
    text = f"{rounded:{grouping}.{decimals}f}"
    return "+" + text if sign and value > 0 else text


def fixed_interval(ci: Sequence[float] | None, decimals: int | None, *, sign: bool = False) -> str:
    """An interval with `decimals` decimals on both ends.

    >>> fixed_interval((-0.0213, 0.0051), 3, sign=True), fixed_interval(None, 3)
    ('[-0.021, +0.005]', '—')
    """
    if ci is None:
        return DASH
    return f"[{fixed(ci[0], decimals, sign=sign)}, {fixed(ci[1], decimals, sign=sign)}]"


class ComparedRow(Protocol):
    """A metric compared on the same rows: both values, the delta and its interval."""

    @property
    def ci(self) -> tuple[float, float] | None: ...
    @property
    def baseline(self) -> float | None: ...
    @property
    def candidate(self) -> float | None: ...
    @property
    def delta(self) -> float | None: ...


@dataclass(frozen=True)
class Precision:
    """One row's decimals, so its values, delta and interval are written alike.

    >>> row = Precision.of((-0.0213, 0.0051), 0.98716, 0.97921, -0.00795)
    >>> row.value(0.98716), row.delta(-0.00795), row.interval((-0.0213, 0.0051), sign=True)
    ('0.987', '-0.008', '[-0.021, +0.005]')
    >>> Precision.of(None).value(0.99123)
    '0.9912'
    """

    decimals: int | None

    @classmethod
    def of(cls, ci: Sequence[float] | None, *values: float | None) -> Precision:
        return cls(decimals_for(ci, *values))

    @classmethod
    def of_delta(cls, row: ComparedRow) -> Precision:
        """The decimals of one compared metric (a metrics-table row, a slice's metric, a
        from-best comparison's), wherever it is written."""
        return cls.of(row.ci, row.baseline, row.candidate, row.delta)

    @classmethod
    def finest(cls, rows: Iterable[Precision]) -> Precision:
        """One column's decimals across rows of the same metric (a leaderboard's candidates):
        the most any row needs, so the column lines up and no row loses its digits.

        >>> Precision.finest([Precision(2), Precision(None), Precision(3)])
        Precision(decimals=3)
        >>> Precision.finest([Precision(None)])
        Precision(decimals=None)
        """
        decimals = [row.decimals for row in rows if row.decimals is not None]
        return cls(max(decimals) if decimals else None)

    @classmethod
    def of_spread(cls, spreads: Iterable[float | None], *values: float | None) -> Precision:
        """One column's decimals from the standard deviations beside it (permutation
        importance): two significant digits of the typical (median) one, for the values and
        the deviations alike. Digits finer than the spread are noise between repeats. Without
        a positive deviation, the values' own decimals (`decimals_for` without an interval).

        >>> Precision.of_spread([0.0123, 0.0141, 0.0009], 0.21, 0.0312, 0.002).decimals
        3
        >>> Precision.of_spread([0.0, None], 0.2512, 0.0135).decimals
        4
        """
        positive = sorted(s for s in _finite(list(spreads)) if s > 0)
        if not positive:
            return cls.of(None, *values)
        return cls(_decimals(statistics.median(positive), WIDTH_DIGITS))

    @classmethod
    def of_shares(cls, rows: Iterable[int | None]) -> Precision:
        """One column's decimals for shares in [0, 1] measured on `rows` rows each (per-class
        precision, recall and f1): two significant digits of the widest 95% interval a share
        on the largest of them can have, the interval the table does not print. The finest
        row sets the column, as `finest` does; `SCORE_DECIMALS` when no count is known.

        >>> Precision.of_shares([50, 93]).decimals, Precision.of_shares([500, 4_500]).decimals
        (2, 3)
        >>> Precision.of_shares([60_000]).decimals, Precision.of_shares([None]).decimals
        (4, 3)
        """
        counts = [n for n in rows if n is not None and n > 0]
        if not counts:
            return cls(SCORE_DECIMALS)
        return cls(_decimals(2 * Z95 * math.sqrt(0.25 / max(counts)), WIDTH_DIGITS))

    def value(self, value: float | None) -> str:
        return fixed(value, self.decimals)

    def delta(self, value: float | None) -> str:
        return fixed(value, self.decimals, sign=True)

    def interval(self, ci: Sequence[float] | None, *, sign: bool = False) -> str:
        return fixed_interval(ci, self.decimals, sign=sign)


def number(value: float | None) -> str:
    """Four significant digits; large values as grouped integers, since 2.458e+05 reads badly.

    >>> number(0.99123), number(245760), number(1187), number(None), number(12.5)
    ('0.9912', '245,760', '1,187', '—', '12.5')
    """
    if value is None:
        return DASH
    value = value or 0.0  # -0.0 reads "0", not "-0"
    if 10_000 <= abs(value) < 1e15 or (1000 <= abs(value) < 1e15 and value == int(value)):
        return f"{value:,.0f}"
    return f"{value:.4g}"


def signed(value: float | None) -> str:
    """Like `number`, with an explicit sign: deltas are read for their direction first.

    >>> signed(0.012), signed(-3), signed(0)
    ('+0.012', '-3', '0')
    """
    if value is None:
        return DASH
    if value == 0:
        return "0"
    return ("+" if value > 0 else "") + number(value)


def interval(ci: Sequence[float] | None, *, sign: bool = False) -> str:
    """An interval on its own, in the decimals its width supports.

    >>> interval((0.9773, 1.0)), interval((-0.0213, 0.0051), sign=True)
    ('[0.977, 1.000]', '[-0.021, +0.005]')
    """
    return fixed_interval(ci, decimals_for(ci), sign=sign)


def p_value(p: float | None) -> str:
    """Three significant digits; tiny values as a bound, since more digits mean nothing there.

    >>> p_value(0.0004), p_value(0.0123), p_value(None)
    ('<0.001', '0.0123', '—')
    """
    if p is None:
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3g}"


def p_relation(p: float | None) -> str:
    """What follows "p" in a sentence: "= 0.004", or "< 0.001" where more digits mean nothing.

    >>> p_relation(0.004), p_relation(0.0004)
    ('= 0.004', '< 0.001')
    """
    text = p_value(p)
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"


def ci_label(confidence: float) -> str:
    return f"{round(confidence * 100, 2):g}% CI"


def size(n_bytes: int | None) -> str:
    """Bytes in binary units.

    >>> size(245760), size(512)
    ('240 KiB', '512 B')
    """
    if n_bytes is None:
        return DASH
    value = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.3g} {unit}" if unit != "B" else f"{n_bytes} B"
        value /= 1024
    raise AssertionError("unreachable")
