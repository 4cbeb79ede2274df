"""slices.png: drawn from comparison.json's slices alone, worst slices first, flagged in red."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.comparison_support import HOSTILE, comparison_doc, slices_part

from modelci import documents, plots, slice_plot


def comparison(**overrides: object) -> documents.Comparison:
    return documents.parse_comparison(comparison_doc(**overrides), where="comparison.json")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_compare_draws_slices_png_only_when_there_are_slices(tmp_path: Path) -> None:
    written = plots.render_comparison_plots(comparison(), tmp_path)
    assert "plots/slices.png" in written
    width, height = png_size((tmp_path / "plots" / "slices.png").read_bytes())
    assert width > 300 and height > 200
    assert "plots/slices.png" not in plots.render_comparison_plots(
        comparison(slices=None), tmp_path / "none"
    )


def test_same_slices_give_the_same_bytes(tmp_path: Path) -> None:
    plots.render_comparison_plots(comparison(), tmp_path / "a")
    plots.render_comparison_plots(comparison(), tmp_path / "b")
    first = (tmp_path / "a" / "plots" / "slices.png").read_bytes()
    assert first == (tmp_path / "b" / "plots" / "slices.png").read_bytes()


def test_many_slices_keep_every_flagged_one_and_grow_with_the_rows() -> None:
    part = slices_part(count=80)
    part["slices"][-1]["metrics"][0].update(worse=True, adjusted_p=0.01)
    drawn = slice_plot.forest(comparison(slices=part))
    few = slice_plot.forest(comparison(slices=slices_part(count=4)))
    assert drawn is not None and few is not None
    assert drawn.size[1] > few.size[1]
    assert drawn.size[1] == max(2.4, 1.1 + 0.26 * slice_plot.MAX_ROWS)


def test_hostile_and_dollar_names_draw_as_text(tmp_path: Path) -> None:
    part = slices_part()
    part["slices"][0]["name"] = HOSTILE
    part["slices"][1]["name"] = "price=$5 to $10"
    assert slice_plot._label("price=$5 to $10") == r"price=\$5 to \$10"
    plots.render_comparison_plots(comparison(slices=part), tmp_path)
    assert (tmp_path / "plots" / "slices.png").is_file()


def test_no_slices_or_unavailable_draws_nothing() -> None:
    part = slices_part()
    part.update(slices=[], too_small={}, unavailable="no features")
    assert slice_plot.forest(comparison(slices=part)) is None
