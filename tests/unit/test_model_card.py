"""The model card: built as sections from run.json + evaluation.json, rendered purely."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from modelci import documents
from modelci.release import card
from modelci.release.tags import parse_tag

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"


def load(*parts: str) -> dict[str, Any]:
    return json.loads(FIXTURES.joinpath(*parts).read_text())


def build(info: dict[str, Any], evaluation: dict[str, Any], **options: Any) -> card.ModelCard:
    return card.build(
        documents.parse_run(info, where="run.json"),
        documents.parse_evaluation(evaluation, where="evaluation.json"),
        **options,
    )


@pytest.fixture
def info() -> dict[str, Any]:
    info = load("binary_pass", "runs", "candidate", "run.json")
    info["name"] = "cancer"
    info["config"] = {
        "name": "cancer",
        "task": "classification",
        "data": {"train": "data/breast_cancer.csv", "target": "diagnosis", "seed": 0},
        "model": {"estimator": "sklearn.ensemble.HistGradientBoostingClassifier", "params": {}},
        "card": {
            "description": "Flags **malignant** tumours.",
            "intended_use": "Teaching.\n\n- not diagnosis",
            "limitations": "One hospital.",
            "ethical_considerations": None,
            "authors": "Team <ml@example.org>, cc @octocat",
            "license": "MIT",
        },
        "gates": {"roc_auc": {"max_drop": 0.01}},
    }
    return info


@pytest.fixture
def evaluation() -> dict[str, Any]:
    return load("binary_pass", "runs", "candidate", "evaluation.json")


def test_sections_in_reading_order(info: dict[str, Any], evaluation: dict[str, Any]) -> None:
    built = build(info, evaluation, tag=parse_tag("cancer@v1.2.0"))
    assert built.title == "Model card: cancer v1.2.0"
    assert built.summary == "Flags **malignant** tumours."
    assert [s.title for s in built.sections] == [
        "Model details",
        "Intended use",
        "Limitations",
        "Ethical considerations",
        "Evaluation",
        "Data",
        "Data checks",
        "Feature importance",
        "Training configuration",
        "How to use",
    ]


def test_render_holds_what_a_card_promises(
    info: dict[str, Any], evaluation: dict[str, Any]
) -> None:
    text = card.render(build(info, evaluation, tag=parse_tag("cancer@v1.2.0")))
    assert text.startswith("# Model card: cancer v1.2.0\n\nFlags **malignant** tumours.\n")
    # The card: texts are the repository's own markdown, kept as written.
    assert "## Intended use\n\nTeaching.\n\n- not diagnosis\n" in text
    assert "## Limitations\n\nOne hospital.\n" in text
    assert "_Not stated. Set `card.ethical_considerations` in modelci.yaml._" in text
    # An e-mail address pings nobody and stays readable; a mention is neutralised.
    # No HTML and no mention; the address reads the same but is no longer an autolink.
    assert "| Authors | Team &lt;ml@\u2060example.org&gt;, cc @\u2060octocat |" in text
    assert "| License | MIT |" in text
    # Metrics with their intervals, the primary first.
    auc = evaluation["metrics"]["roc_auc"]
    assert (auc["value"], auc["ci"]) == (0.9983, [0.9773, 1.0])
    metric_rows = [line for line in text.splitlines() if line.startswith("| **roc")]
    # The interval is 0.023 wide: three decimals on the value and both ends.
    assert metric_rows == ["| **roc\\_auc** (primary) | 0.998 | [0.977, 1.000] | delong | higher |"]
    assert "| 95% CI |" in text
    # Data fingerprints: the files' sha256 and the test rows' fingerprint.
    assert "`" + "a1" * 32 + "`" in text
    assert "`" + "f0" * 32 + "`" in text
    # The training config, without the card section, as YAML.
    assert "```yaml\nname: cancer\n" in text and "max_drop: 0.01" in text
    assert "intended_use" not in text.split("## Training configuration")[1]
    assert "modelci baseline --from release:cancer@v1.2.0" in text
    assert "`model.skops` (sklearn), 240 KiB, sha256 `" + "c4" * 32 + "`" in text


def test_data_values_cannot_break_a_table(info: dict[str, Any], evaluation: dict[str, Any]) -> None:
    text = card.render(build(info, evaluation))
    # The fixture has a feature named "fractal | dimension".
    row = next(line for line in text.splitlines() if "fractal" in line)
    assert row.count(" | ") == 2 and "`fractal \\| dimension`" in row
    info = copy.deepcopy(info)
    info["data"]["train"]["source"] = "data/a|b`c.csv"
    text = card.render(build(info, evaluation))
    row = next(line for line in text.splitlines() if line.startswith("| train |"))
    assert row.count(" | ") == 4


def test_without_a_card_section_or_tag(evaluation: dict[str, Any]) -> None:
    info = load("binary_pass", "runs", "candidate", "run.json")
    built = build(info, evaluation)
    assert built.title == "Model card: HistGradientBoostingClassifier"
    assert "card.description" in built.summary
    for title in ("Intended use", "Limitations", "Ethical considerations"):
        assert built.section(title).content.startswith("_Not stated.")
    with pytest.raises(KeyError):
        built.section("Nope")


def test_multiclass_and_regression_render() -> None:
    info = load("multiclass_eval", "run.json")
    evaluation = load("multiclass_eval", "evaluation.json")
    text = build(info, evaluation, tag=parse_tag("v0.1.0")).render()
    assert "# Model card: " in text and "v0.1.0" in text
    regression_info = {
        "task": "regression",
        "target": "price",
        "estimator": {"class": "sklearn.linear_model.Ridge", "params": {"alpha": 1.0}},
        "model": {"file": "model.skops", "sha256": "ab" * 32, "size_bytes": 900},
    }
    regression = {
        "task": "regression",
        "primary": "rmse",
        "confidence": 0.9,
        "n_rows": 50,
        "metrics": {
            "rmse": {"value": 2.5, "ci": [2.0, 3.1], "method": "delta", "higher_is_better": False},
            "max_error": {"value": 9.0, "ci": None, "method": "point", "higher_is_better": False},
        },
        "skipped_metrics": {"mape": "the target has zero values"},
    }
    text = card.render(build(regression_info, regression))
    assert "| **rmse** (primary) | 2.5 | [2.0, 3.1] | delta | lower |" in text
    assert "| max\\_error | 9 | — | point | lower |" in text
    assert "| 90% CI |" in text and "Not computed: mape (the target has zero values)." in text
    assert "_No data facts recorded._" in text


def test_render_is_deterministic(info: dict[str, Any], evaluation: dict[str, Any]) -> None:
    tag = parse_tag("cancer@v1.2.0")
    assert card.render(build(info, evaluation, tag=tag)) == card.render(
        build(copy.deepcopy(info), copy.deepcopy(evaluation), tag=tag)
    )
