"""A report row's numbers are rounded to what its interval supports, with one decimals count."""

from __future__ import annotations

import pytest

from modelci.report.numbers import Precision, decimals_for, fixed, fixed_interval, number, signed


def test_a_row_reads_with_the_decimals_its_interval_supports() -> None:
    # The example: 0.9872, -0.007966 and +0.003243 side by side in one row.
    row = Precision.of((-0.0213, 0.003243), 0.9872, 0.9792, -0.007966)
    cells = (row.value(0.9872), row.value(0.9792), row.delta(-0.007966))
    assert cells == ("0.987", "0.979", "-0.008")
    assert row.interval((-0.0213, 0.003243), sign=True) == "[-0.021, +0.003]"


def test_a_narrow_interval_earns_more_decimals() -> None:
    wide = decimals_for((0.80, 0.95), 0.87)
    narrow = decimals_for((0.8712, 0.8731), 0.8721)
    assert (wide, narrow) == (2, 4)


@pytest.mark.parametrize(
    ("ci", "expected_width"),
    [((0.0, 0.021), "0.021"), ((0.1, 0.35), "0.25"), ((10.0, 250.0), "240")],
)
def test_the_width_shows_two_significant_digits(
    ci: tuple[float, float], expected_width: str
) -> None:
    decimals = decimals_for(ci)
    assert fixed(ci[1] - ci[0], decimals) == expected_width


def test_values_that_differ_are_not_printed_the_same() -> None:
    # Two decimals would show 0.98 twice for a change the row reports.
    row = Precision.of((0.970, 0.990), 0.9812, 0.9849)
    assert row.value(0.9812) != row.value(0.9849)


def test_extra_decimals_are_capped_so_noise_is_not_dressed_as_precision() -> None:
    # A change a hundred times smaller than the interval stays hidden at two extra decimals.
    assert decimals_for((-0.02, 0.02), 0.987120, 0.987121) == 5


def test_without_an_interval_the_largest_value_gets_four_significant_digits() -> None:
    row = Precision.of(None, 0.9872, 0.00797)
    assert (row.value(0.9872), row.delta(0.00797)) == ("0.9872", "+0.0080")
    assert Precision.of(None, 245760.0).value(245760.0) == "245,760"


def test_trailing_zeros_are_kept_so_a_column_lines_up() -> None:
    column = [fixed(v, 3) for v in (0.9, 0.987, 0.95)]
    assert column == ["0.900", "0.987", "0.950"]
    assert len({len(cell) for cell in column}) == 1


def test_a_value_that_rounds_to_zero_keeps_its_sign() -> None:
    assert fixed(-0.0001, 3, sign=True) == "-0.000"
    assert fixed(0.0001, 3, sign=True) == "+0.000"
    assert fixed(-0.0001, 3) == "-0.000"
    # An exact zero, however it was computed, has no direction.
    assert fixed(0.0, 3, sign=True) == fixed(-0.0, 3, sign=True) == "0.000"
    assert number(-0.0) == signed(-0.0) == "0"


def test_an_interval_end_beside_zero_says_which_side_it_lies_on() -> None:
    # Significantly worse: the interval excludes zero, and its upper end says so.
    excludes = fixed_interval((-0.0552, -0.0004), 3, sign=True)
    includes = fixed_interval((-0.0552, 0.0004), 3, sign=True)
    assert (excludes, includes) == ("[-0.055, -0.000]", "[-0.055, +0.000]")


def test_every_cell_of_a_signed_column_has_a_sign() -> None:
    row = Precision(3)
    column = [row.delta(v) for v in (0.0032, -0.0004, 0.0004, -0.012)]
    assert column == ["+0.003", "-0.000", "+0.000", "-0.012"]
    assert all(cell[0] in "+-" for cell in column)


def test_importance_decimals_come_from_the_typical_spread() -> None:
    # Stds around 0.004: two significant digits there are four decimals, for means and stds.
    spread = Precision.of_spread([0.0041, 0.0038, 0.0120], 0.2113, 0.00549, 0.0003)
    cells = [spread.value(v) for v in (0.2113, 0.00549, 0.0003, 0.0041)]
    assert cells == ["0.2113", "0.0055", "0.0003", "0.0041"]
    # Repeats that spread twenty times wider earn one decimal fewer.
    assert Precision.of_spread([0.08, 0.06, 0.11], 0.2113).decimals == 3
    # One repeat, no spread: the means' own four significant digits.
    assert Precision.of_spread([0.0, 0.0], 0.2113, 0.00549).decimals == 4


def test_per_class_decimals_come_from_the_rows_a_class_has() -> None:
    # The widest 95% interval of a share on n rows is 1.96/sqrt(n): 0.20 wide at 93 rows.
    assert Precision.of_shares([93, 50]).decimals == 2
    assert Precision.of_shares([2_000, 40]).decimals == 3  # the largest class sets the column
    assert Precision.of_shares([]).decimals == Precision.of_shares([None]).decimals == 3


def test_nothing_to_format_reads_as_a_dash() -> None:
    assert Precision.of(None).decimals is None
    assert Precision.of(None, None).value(None) == "—"
    assert fixed_interval(None, 3) == "—"


def test_a_degenerate_interval_falls_back_to_the_values() -> None:
    assert decimals_for((0.5, 0.5), 0.5) == decimals_for(None, 0.5)
    assert decimals_for((float("nan"), 0.5), 0.5) == decimals_for(None, 0.5)


def test_without_an_interval_no_zeros_are_invented() -> None:
    # A latency recorded as 0.9 and 2.1 ms: "2.100" would claim digits nobody measured.
    row = Precision.of(None, 0.9, 2.1, 1.2)
    assert (row.value(0.9), row.value(2.1), row.delta(1.2)) == ("0.9", "2.1", "+1.2")
