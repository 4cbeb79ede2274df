"""Release notes and the release's asset set: pure rendering and SHA256SUMS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelci import documents
from modelci.errors import UserError
from modelci.release import contents, notes
from modelci.release.tags import parse_tag

EVALUATION: dict[str, Any] = {
    "task": "classification",
    "primary": "roc_auc",
    "n_rows": 114,
    "confidence": 0.95,
    "metrics": {
        "accuracy": {"value": 0.95, "ci": [0.9, 0.98], "higher_is_better": True},
        "roc_auc": {"value": 0.99, "ci": [0.98, 1.0], "higher_is_better": True},
        "log_loss": {"value": 0.1, "ci": [0.05, 0.15], "higher_is_better": False},
    },
}
METRICS = {"accuracy": 0.95, "roc_auc": 0.99, "log_loss": 0.1, "model_size_bytes": 2048}
INFO = {
    "task": "classification",
    "target": "diagnosis",
    "estimator": {"class": "sklearn.linear_model.LogisticRegression"},
    "model": {"file": "model.skops", "sha256": "ab" * 32},
    "config": {"card": {"description": "Flags tumours."}},
}


def evaluation() -> documents.Evaluation:
    return documents.parse_evaluation(EVALUATION, where="evaluation.json")


def render(**kwargs: Any) -> str:
    return notes.render(
        notes.build(
            tag=parse_tag("cancer@v1.1.0"),
            info=documents.parse_run(INFO, where="run.json"),
            evaluation=evaluation(),
            metrics=METRICS,
            card_url="https://h/o/r/releases/download/cancer@v1.1.0/MODEL_CARD.md",
            sums_url="https://h/o/r/releases/download/cancer@v1.1.0/SHA256SUMS",
            **kwargs,
        )
    )


def test_lines_primary_first_with_directions() -> None:
    previous = {"accuracy": 0.96, "roc_auc": 0.97, "log_loss": 0.2, "model_size_bytes": 1024}
    lines = notes.metric_lines(evaluation(), METRICS, previous)
    assert [line.name for line in lines] == ["roc_auc", "accuracy", "log_loss", "model_size_bytes"]
    assert [line.direction for line in lines] == ["better", "worse", "better", "worse"]
    assert lines[0].primary and lines[0].delta == pytest.approx(0.02)
    assert notes.metric_lines(evaluation(), METRICS, {"roc_auc": "x"})[0].direction is None


def test_notes_with_deltas() -> None:
    text = render(
        previous_tag="cancer@v1.0.0",
        previous_url="https://h/o/r/releases/tag/cancer@v1.0.0",
        previous_metrics={"roc_auc": 0.97, "accuracy": 0.95},
    )
    assert text.startswith("<!-- modelci:release -->\n## cancer v1.1.0\n\nFlags tumours.\n")
    assert "| Metric | Value | 95% CI | `cancer@v1.0.0` | Δ |" in text
    # Each row in the decimals its interval supports: the delta no finer than the interval.
    assert "| **roc\\_auc** | 0.990 | [0.980, 1.000] | 0.970 | +0.020 (better) |" in text
    assert "| accuracy | 0.950 | [0.900, 0.980] | 0.950 | 0.000 |" in text
    assert "| log\\_loss | 0.10 | [0.05, 0.15] | — | — |" in text
    assert "[`cancer@v1.0.0`](https://h/o/r/releases/tag/cancer@v1.0.0)" in text
    assert "[Model card](https://h/o/r/releases/download/cancer@v1.1.0/MODEL_CARD.md)" in text
    assert "`" + "ab" * 32 + "`" in text
    # No tag is ever a bare @mention.
    assert "cancer@v1.0.0 " not in text.replace("`cancer@v1.0.0`", "")


def test_notes_of_a_first_release_and_of_a_previous_without_metrics() -> None:
    first = render()
    assert "Δ" not in first and "The first release of this model" in first
    missing = render(
        previous_tag="cancer@v1.0.0", previous_problem="`cancer@v1.0.0` has no metrics.json asset"
    )
    assert "Δ" not in missing and "No deltas: `cancer@v1.0.0` has no metrics.json asset." in missing


def test_asset_names_and_types() -> None:
    assert contents.plot_asset_name("plots/roc.png") == "plot-roc.png"
    assert contents.plot_asset_name("plots/a b/c(1).png") == "plot-a-b-c-1-.png"
    assert contents.content_type_of("model.skops") == "application/zip"
    assert contents.content_type_of("MODEL_CARD.md") == "text/markdown; charset=utf-8"


def test_sha256sums_round_trip(tmp_path: Path) -> None:
    (tmp_path / "model.skops").write_bytes(b"model")
    files = [
        contents.AssetFile.from_path("model.skops", tmp_path / "model.skops"),
        contents.AssetFile.from_bytes("MODEL_CARD.md", b"# card\n"),
    ]
    text = contents.sha256sums(files)
    assert contents.parse_sha256sums(text) == {f.name: f.sha256 for f in files}
    assert files[0].size == 5 and files[1].content_type.startswith("text/markdown")


@pytest.mark.parametrize(
    "line",
    [
        "abc  model.skops",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ../etc/passwd",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  dir/file",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 model.skops",
    ],
)
def test_malformed_sha256sums_are_refused(line: str) -> None:
    with pytest.raises(UserError, match="SHA256SUMS:1"):
        contents.parse_sha256sums(line + "\n")


def test_a_name_listed_twice_is_refused() -> None:
    line = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a\n"
    with pytest.raises(UserError, match="listed twice"):
        contents.parse_sha256sums(line * 2)
