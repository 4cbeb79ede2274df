"""The calibration curve bins by equal counts, so a small test set's points are not noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from modelci import calibration, documents, evaluation, plots
from modelci.documents.fields import Node
from modelci.errors import UserError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"


def confident_scores(rows: int = 143, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A good classifier's probabilities: most rows near 0 or 1, as on breast cancer's 143."""
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.63
    logit = np.where(truth, 4.0, -4.0) + rng.normal(0, 2.5, rows)
    return truth.astype(int), 1 / (1 + np.exp(-logit))


def test_on_143_rows_no_bin_is_nearly_empty() -> None:
    truth, score = confident_scores()
    curve = calibration.calibration_curve(truth, score)
    assert len(curve["count"]) == 7  # 143 // 20
    assert min(curve["count"]) >= 18
    # The old ten equal-width bins left middle bins with a handful of rows.
    uniform = np.bincount(np.clip((score * 10).astype(int), 0, 9), minlength=10)
    assert min(uniform[uniform > 0]) <= 5


def test_counts_sum_to_the_rows_and_each_bin_holds_its_own_rows() -> None:
    truth, score = confident_scores()
    curve = calibration.calibration_curve(truth, score)
    assert sum(curve["count"]) == 143
    edges = curve["edges"]
    assert len(edges) == len(curve["count"]) + 1 and edges == sorted(edges)
    for low, high, mean_pred in zip(edges, edges[1:], curve["prob_pred"], strict=False):
        assert low <= mean_pred <= high
    observed = sum(p * n for p, n in zip(curve["prob_true"], curve["count"], strict=True))
    assert observed == pytest.approx(truth.sum(), abs=1e-3)


def test_tied_scores_merge_bins_instead_of_leaving_them_empty() -> None:
    # A tree's few distinct probabilities: quantile edges repeat.
    score = np.repeat([0.0, 0.0, 0.0, 0.2, 1.0], 40)
    truth = (score > 0.5).astype(int)
    curve = calibration.calibration_curve(truth, score)
    assert all(n > 0 for n in curve["count"]) and sum(curve["count"]) == 200
    assert len(set(curve["edges"])) == len(curve["edges"])
    one_value = calibration.calibration_curve(np.array([0, 1, 1]), np.full(3, 0.7))
    assert one_value["count"] == [3] and one_value["prob_pred"] == [0.7]


def test_few_rows_still_get_two_bins() -> None:
    truth, score = confident_scores(rows=25)
    assert len(calibration.calibration_curve(truth, score)["count"]) == 2


def test_evaluation_records_the_bins_and_the_document_reads_them() -> None:
    truth, score = confident_scores()
    proba = np.column_stack([1 - score, score])
    written = evaluation.curves(truth, proba, ["no", "yes"], [1])["calibration"]["yes"]
    curve = documents.CalibrationCurve.parse(Node(written, "evaluation.json"))
    assert curve.edges is not None and len(curve.edges) == len(curve.count) + 1
    assert curve.to_json() == written


def test_old_documents_without_edges_still_read_and_draw(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "binary_pass/runs/candidate/evaluation.json").read_text())
    [old] = data["curves"]["calibration"].values()
    assert "edges" not in old
    parsed = documents.parse_evaluation(data, where="e.json")
    assert parsed.curves is not None
    [curve] = parsed.curves.calibration.values()
    assert curve.edges is None and curve.to_json() == old
    assert "plots/calibration.png" in plots.render_evaluation_plots(parsed, tmp_path)


def test_edges_that_do_not_match_the_counts_are_refused() -> None:
    bad = {"prob_pred": [0.2, 0.8], "prob_true": [0.1, 0.9], "count": [10, 10], "edges": [0, 1]}
    with pytest.raises(UserError) as e:
        documents.CalibrationCurve.parse(Node(bad, "evaluation.json", "curves.calibration.yes"))
    assert "curves.calibration.yes.edges must be a list of bin edges" in str(e.value)


def test_the_plot_draws_equal_count_bins_for_a_run_and_a_comparison(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "binary_pass/runs/candidate/evaluation.json").read_text())
    truth, score = confident_scores()
    proba = np.column_stack([1 - score, score])
    data["curves"]["calibration"] = evaluation.curves(truth, proba, ["0", "1"], [1])["calibration"]
    parsed = documents.parse_evaluation(data, where="e.json")
    assert "plots/calibration.png" in plots.render_evaluation_plots(parsed, tmp_path / "run")
    comparison = json.loads((FIXTURES / "binary_pass/compare/comparison.json").read_text())
    comparison["curves"]["candidate"]["calibration"] = data["curves"]["calibration"]
    parsed_comparison = documents.parse_comparison(comparison, where="c.json")
    written = plots.render_comparison_plots(parsed_comparison, tmp_path / "compare")
    assert "plots/calibration.png" in written


def test_a_bin_of_one_class_still_gets_an_error_bar() -> None:
    # sqrt(p(1 - p) / n) is 0 at p = 0: the bins with the fewest rows of a class looked exact.
    below, above = calibration.wilson_bars([0.0, 1.0, 0.3], [20, 20, 200])
    assert below[0] == 0 and above[0] > 0.04
    assert above[1] == 0 and below[1] > 0.04
    assert above[2] == pytest.approx(below[2], rel=0.1)  # near-symmetric away from the ends
