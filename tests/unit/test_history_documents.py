"""history.json (`modelci baseline --history`): the round trip, strict reading of a hostile or
garbled file (one line naming the file and the field), and the choice of the best release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelci import documents, release_history
from modelci.config import FromBest, GateRule
from modelci.documents.history import BestRun, History, RecordedMetric, ReleasePoint
from modelci.errors import UserError


def _point(tag: str, auc: float | None, *, sha: str | None = None) -> ReleasePoint:
    metrics = {} if auc is None else {"roc_auc": RecordedMetric(value=auc, ci=(auc - 0.02, auc))}
    return ReleasePoint(
        tag=tag,
        published_at="2026-11-02T10:00:00Z",
        model_sha256=sha,
        n_rows=143,
        metrics=metrics,
        url=f"https://github.com/o/r/releases/tag/{tag}",
    )


HISTORY = History(
    repository="octo/models",
    model="churn",
    releases=(_point("churn@v1.0.0", 0.97, sha="a" * 64), _point("churn@v1.1.0", 0.96)),
    best_runs={"roc_auc": BestRun(tag="churn@v1.0.0", run="history/churn@v1.0.0")},
)


def test_history_round_trips(tmp_path: Path) -> None:
    path = tmp_path / documents.HISTORY
    documents.write_history(path, HISTORY)
    assert json.loads(path.read_text())["schema"] == "modelci.history/1"
    assert documents.read_history(path) == HISTORY
    documents.write_history(path, documents.read_history(path))
    assert documents.read_history(path) == HISTORY


def _written(tmp_path: Path, change: dict) -> Path:
    data = HISTORY.to_json()
    data.update(change)
    path = tmp_path / documents.HISTORY
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"schema": "modelci.history/2"}, "modelci.history/2 is not supported"),
        ({"schema": "modelci.baseline/1"}, "its schema must be 'modelci.history/1'"),
        ({"releases": {"tag": "v1"}}, "releases must be a list"),
        ({"releases": [{"tag": 3}]}, "releases[0].tag must be a string, got a number"),
        (
            {"releases": [{"tag": "v1", "metrics": {"roc_auc": {"value": "high"}}}]},
            "releases[0].metrics.roc_auc.value must be a number",
        ),
        (
            {"releases": [{"tag": "v1", "metrics": {"roc_auc": {"value": 1, "ci": [1]}}}]},
            "releases[0].metrics.roc_auc.ci must be a list of two numbers",
        ),
        (
            {"best_runs": {"roc_auc": {"tag": "v1", "run": "../../../etc"}}},
            "best_runs.roc_auc.run must be a path history/<tag>",
        ),
        (
            {"best_runs": {"roc_auc": {"tag": "v1", "run": "/tmp/evil"}}},
            "best_runs.roc_auc.run must be a path history/<tag>",
        ),
    ],
)
def test_a_hostile_history_is_one_line(tmp_path: Path, change: dict, expected: str) -> None:
    path = _written(tmp_path, change)
    with pytest.raises(UserError) as caught:
        documents.read_history(path)
    message = caught.value.message
    assert expected in message and str(path) in message and "\n" not in message


def test_garbled_json_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / documents.HISTORY
    path.write_text('{"schema": "modelci.history/1", "releases": [NaN')
    with pytest.raises(UserError) as caught:
        documents.read_history(path)
    assert "not valid JSON" in caught.value.message or "NaN" in caught.value.message
    assert "\n" not in caught.value.message
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(UserError, match="cannot read"):
        documents.read_history(path)


def _window(releases: int, *, higher: bool = True) -> release_history.Window:
    return release_history.Window(
        metric="roc_auc",
        rule=FromBest(releases=releases, tolerance=0.01),
        higher_is_better=higher,
    )


def test_the_best_release_is_chosen_in_its_window() -> None:
    points = [_point("v1", 0.97), _point("v2", None), _point("v3", 0.95), _point("v4", 0.96)]
    assert release_history.best_release(points, _window(5)).tag == "v1"
    assert release_history.best_release(points, _window(3)).tag == "v4"  # v1 left the window
    assert release_history.best_release(points, _window(3, higher=False)).tag == "v3"
    assert release_history.best_release(points[1:2], _window(3)) is None  # none recorded it


def test_windows_come_from_the_from_best_gates_only() -> None:
    gates = {
        "roc_auc": GateRule(max_drop=0.02),
        "log_loss": GateRule(max_rise_from_best=FromBest(releases=3, tolerance=0.05)),
        "accuracy": GateRule(max_drop_from_best=FromBest(releases=5, tolerance=0.01)),
    }
    found = {w.metric: w for w in release_history.windows(gates)}
    assert set(found) == {"log_loss", "accuracy"}
    assert found["log_loss"].higher_is_better is False and found["log_loss"].rule.releases == 3


def test_the_trend_plot_is_drawn_the_same_for_the_same_data() -> None:
    from modelci import history_plot

    trend = history_plot.Trend(
        metrics=("roc_auc", "log_loss"),
        releases=HISTORY.releases,
        last_label="candidate",
        last={"roc_auc": RecordedMetric(value=0.95)},
        floors={"roc_auc": (0.96, "best churn@v1.0.0 − tolerance")},
    )
    drawn = history_plot.png(trend)
    assert drawn is not None and drawn.startswith(b"\x89PNG")
    assert history_plot.png(trend) == drawn  # no timestamps: the same bytes every time
    assert history_plot.of_release((), "v2.0.0", None, []) is None  # type: ignore[arg-type]
    nothing = history_plot.Trend(metrics=("f1",), releases=HISTORY.releases, last_label="x")
    assert history_plot.png(nothing) is None  # no release recorded f1: no plot
