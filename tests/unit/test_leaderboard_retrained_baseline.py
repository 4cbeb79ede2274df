"""A leaderboard of candidates each compared with its own retrained copy of one baseline (the
pull-request workflow trains the baseline in every candidate's job): other model bytes, the same
commit, config, rows and scores, so one baseline. Anything else that differs is still refused."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelci.errors import UserError
from modelci.report import inputs
from modelci.report.leaderboard import build_leaderboard

BOARD = Path(__file__).resolve().parents[1] / "fixtures" / "report" / "leaderboard"
NAMES = ("compare-rf", "compare-hgb", "compare-lr")


def edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def retrained_copy(tmp_path: Path) -> Path:
    """The board, with compare-lr's baseline a second training of the same baseline."""
    root = tmp_path / "leaderboard"
    shutil.copytree(BOARD, root)
    shutil.copytree(root / "runs" / "baseline", root / "runs" / "baseline-2")
    other = "c8" * 32
    edit(root / "runs" / "baseline-2" / "run.json", lambda doc: doc["model"].update(sha256=other))
    comparison = root / "compare-lr" / "comparison.json"
    run = json.loads(comparison.read_text())["baseline"]["run"]
    edit(
        comparison,
        lambda doc: doc["baseline"].update(
            run=run.replace("baseline", "baseline-2"), model_sha256=other
        ),
    )
    return root


def board(root: Path) -> Any:
    return build_leaderboard([inputs.load_report(root / name) for name in NAMES])


def test_a_retrained_copy_of_the_baseline_is_the_same_baseline(tmp_path: Path) -> None:
    root = retrained_copy(tmp_path)
    reports = [inputs.load_report(root / name) for name in NAMES]
    shas = {r.baseline_run.model_sha256 for r in reports if r.baseline_run}
    assert len(shas) == 2  # really two model files
    assert len(board(root).candidates) == 3


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc["git"].update(commit="1" * 40),
        lambda doc: doc["git"].update(dirty=True),
        lambda doc: doc.update(config_path="other.yaml"),
    ],
    ids=["another commit", "a dirty tree", "another config"],
)
def test_a_baseline_trained_from_elsewhere_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], object]
) -> None:
    root = retrained_copy(tmp_path)
    edit(root / "runs" / "baseline-2" / "run.json", change)
    with pytest.raises(UserError, match="differ in their baseline model"):
        board(root)


def test_a_baseline_that_scores_otherwise_is_refused(tmp_path: Path) -> None:
    root = retrained_copy(tmp_path)

    def nudge(doc: dict[str, Any]) -> None:
        doc["metrics"][0]["baseline"] += 0.001

    edit(root / "compare-lr" / "comparison.json", nudge)
    with pytest.raises(UserError, match="differ in their baseline model"):
        board(root)
