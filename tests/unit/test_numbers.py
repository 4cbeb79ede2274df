"""A report row's numbers are rounded to what its interval supports, with one decimals count."""

from __future__ import annotations

import pytest

from modelci.report.numbers import Precision, decimals_for, fixed, fixed_interval


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


def test_a_delta_that_rounds_to_zero_has_no_sign() -> None:
    assert fixed(-0.0001, 3, sign=True) == "0.000"
    assert fixed(0.0001, 3, sign=True) == "0.000"
    assert fixed_interval((-0.00001, 0.0123), 3, sign=True) == "[0.000, +0.012]"


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
