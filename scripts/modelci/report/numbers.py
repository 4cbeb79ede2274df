"""How the report writes numbers: one format for every value, delta, interval and p-value.

The markdown comment, the HTML report, the release notes and the model card all format through
these functions, so the same number never reads two ways.
"""

from __future__ import annotations

DASH = "—"


def number(value: float | None) -> str:
    """Four significant digits; large values as grouped integers, since 2.458e+05 reads badly.

    >>> number(0.99123), number(245760), number(1187), number(None), number(12.5)
    ('0.9912', '245,760', '1,187', '—', '12.5')
    """
    if value is None:
        return DASH
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


def interval(ci: tuple[float, float] | None, *, sign: bool = False) -> str:
    if ci is None:
        return DASH
    fmt = signed if sign else number
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


def p_value(p: float | None) -> str:
    """Three significant digits; tiny values as a bound, since more digits mean nothing there.

    >>> p_value(0.0004), p_value(0.0123), p_value(None)
    ('<0.001', '0.0123', '—')
    """
    if p is None:
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3g}"


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
