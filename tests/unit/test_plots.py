"""Plots render from the JSON contract: valid small PNGs, identical bytes for identical data."""

from __future__ import annotations

import copy
import json
import struct
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from modelci import documents, plots
from modelci.errors import UserError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(relative: str) -> dict[str, Any]:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def render_evaluation(data: dict[str, Any], out: Path) -> list[str]:
    return plots.render_evaluation_plots(documents.parse_evaluation(data, where="e.json"), out)


def render_comparison(data: dict[str, Any], out: Path) -> list[str]:
    return plots.render_comparison_plots(documents.parse_comparison(data, where="c.json"), out)


def regression_evaluation() -> dict[str, Any]:
    """An evaluation.json of a regression run, built from the regression comparison's candidate."""
    comparison = load("regression_compare/comparison.json")
    return {
        "schema": "modelci.evaluation/1",
        "task": "regression",
        "primary": "rmse",
        "classes": None,
        "curves": None,
        "confusion_matrix": None,
        "regression": comparison["regression"]["candidate"],
        "importance": {
            "method": "permutation",
            "scoring": "neg_root_mean_squared_error",
            "features": [{"feature": "bmi", "mean": 12.5, "std": 1.5}],
        },
    }


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_pngs(out: Path, written: list[str]) -> None:
    for relative in written:
        assert relative.startswith("plots/") and relative.endswith(".png")
        path = out / relative
        width, height = png_size(path)
        # A few hundred pixels each way, small enough to post many of them on a PR.
        assert 300 <= width <= 1000 and 250 <= height <= 1000, (relative, width, height)
        assert path.stat().st_size < 150_000, relative


CASES = {
    "binary evaluation": (
        render_evaluation,
        lambda: load("binary_pass/runs/candidate/evaluation.json"),
        ["confusion_matrix", "roc", "pr", "calibration", "importance"],
    ),
    "multiclass evaluation": (
        render_evaluation,
        lambda: load("multiclass_eval/evaluation.json"),
        ["confusion_matrix", "roc", "pr", "calibration", "importance"],
    ),
    "regression evaluation": (
        render_evaluation,
        regression_evaluation,
        ["predicted_vs_actual", "residuals", "residual_histogram", "importance"],
    ),
    "binary comparison": (
        render_comparison,
        lambda: load("binary_fail/comparison.json"),
        ["metric_deltas", "roc", "pr", "calibration"],
    ),
    "regression comparison": (
        render_comparison,
        lambda: load("regression_compare/comparison.json"),
        ["metric_deltas", "predicted_vs_actual", "residual_histogram"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_renders_every_plot_as_a_small_png(case: str, tmp_path: Path) -> None:
    render, data, names = CASES[case]
    written = render(data(), tmp_path)
    assert written == [f"plots/{name}.png" for name in names]
    assert_pngs(tmp_path, written)
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(
        f"{name}.png" for name in names
    )


def test_same_data_gives_the_same_bytes(tmp_path: Path) -> None:
    comparison = load("binary_fail/comparison.json")
    first = render_comparison(comparison, tmp_path / "a")
    second = render_comparison(comparison, tmp_path / "b")
    assert first == second
    for relative in first:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()


def test_png_carries_no_version_text(tmp_path: Path) -> None:
    written = render_evaluation(load("multiclass_eval/evaluation.json"), tmp_path)
    data = (tmp_path / written[0]).read_bytes()
    assert b"Matplotlib" not in data and b"tEXt" not in data


def test_rendering_leaves_matplotlib_state_alone(tmp_path: Path) -> None:
    before = dict(matplotlib.rcParams)
    render_evaluation(load("binary_pass/runs/candidate/evaluation.json"), tmp_path)
    assert dict(matplotlib.rcParams) == before


def test_missing_data_skips_the_plot(tmp_path: Path) -> None:
    evaluation = load("binary_pass/runs/candidate/evaluation.json")
    # No probabilities (e.g. a classifier without predict_proba): no curves at all.
    evaluation["curves"] = None
    evaluation["importance"] = None
    assert render_evaluation(evaluation, tmp_path) == ["plots/confusion_matrix.png"]


def test_partially_missing_curves_skip_only_those(tmp_path: Path) -> None:
    evaluation = load("binary_pass/runs/candidate/evaluation.json")
    evaluation["curves"]["calibration"] = None
    evaluation["curves"]["pr"] = None
    written = render_evaluation(evaluation, tmp_path)
    assert written == ["plots/confusion_matrix.png", "plots/roc.png", "plots/importance.png"]


def test_malformed_curves_are_refused_before_drawing(tmp_path: Path) -> None:
    evaluation = load("binary_pass/runs/candidate/evaluation.json")
    evaluation["curves"]["pr"] = {"1": {"recall": [1.0, 0.5], "precision": [0.5]}}
    with pytest.raises(UserError, match=r"^e\.json: curves\.pr\.1 must be an object whose"):
        render_evaluation(evaluation, tmp_path)
    assert not (tmp_path / "plots").exists()


def test_comparison_with_one_side_missing_still_overlays_the_other(tmp_path: Path) -> None:
    comparison = load("regression_compare/comparison.json")
    comparison["regression"]["baseline"] = None
    written = render_comparison(comparison, tmp_path)
    assert "plots/predicted_vs_actual.png" in written
    assert "plots/residual_histogram.png" in written


def test_comparison_without_deltas_has_no_forest_plot(tmp_path: Path) -> None:
    comparison = copy.deepcopy(load("binary_pass/compare/comparison.json"))
    for metric in comparison["metrics"]:
        metric["delta"] = None
    assert "plots/metric_deltas.png" not in render_comparison(comparison, tmp_path)


def test_forest_plot_rows_follow_the_report_order() -> None:
    comparison = documents.parse_comparison(load("binary_fail/comparison.json"), where="c.json")
    rows = plots._delta_rows(comparison)
    assert [row.name for row in rows][:3] == ["roc_auc", "latency_ms_per_1k_rows", "accuracy"]
    assert [row.status for row in rows][:2] == ["fail", "fail"]
    log_loss = next(row for row in rows if row.name == "log_loss")
    assert log_loss.lower_is_better and log_loss.low == -0.162


def test_many_classes_render_without_error(tmp_path: Path) -> None:
    labels = [f"class {i} with a rather long label" for i in range(25)]
    counts = [[10 if i == j else 1 for j in range(25)] for i in range(25)]
    curve = {"fpr": [0.0, 0.2, 1.0], "tpr": [0.0, 0.8, 1.0], "auc": 0.8}
    evaluation = {
        "task": "classification",
        "confusion_matrix": {"labels": labels, "counts": counts},
        "curves": {"roc": {label: curve for label in labels}},
    }
    written = render_evaluation(evaluation, tmp_path)
    assert written == ["plots/confusion_matrix.png", "plots/roc.png"]
    assert_pngs(tmp_path, written)


def test_names_from_the_data_never_turn_into_mathtext_in_any_plot() -> None:
    # A class, feature or release tag like "$5-$10" would be typeset as math by matplotlib.
    assert plots._short("price $5-$10") == r"price \$5-\$10"
    assert plots._short("a  b\nc " + "x" * 40, 8) == "a b c x…"
