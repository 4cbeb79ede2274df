"""A forged model file, its sha256 recorded to match (as a crafted baseline release would have),
is refused by `evaluate` and `compare` with one line naming the tree and the node."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from tests.conftest import write_config
from tests.integration.test_bad_input import assert_one_clear_line
from tests.model_tampering import tamper

from modelci import fsutil

FOREST = (
    "data:\n  train: data/mixed.csv\n  target: label\n"
    "model:\n  estimator: sklearn.ensemble.RandomForestClassifier\n"
    "  params: {n_estimators: 4, random_state: 0}\n"
    "metrics: {resamples: 100, importance: false, plots: false}\n"
)


def point_root_past_the_end(state):
    state["nodes"]["left_child"][0] = 10_000


@pytest.fixture
def forged(cli, tmp_path, mixed_csv):
    write_config(tmp_path, FOREST)
    assert cli("train", "--out", "runs/good").code == 0
    assert cli("evaluate", "runs/good").code == 0
    shutil.copytree(tmp_path / "runs/good", tmp_path / "runs/forged")
    run = tmp_path / "runs/forged"
    tamper(run / "model.skops", "Tree", point_root_past_the_end, index=2)
    info = json.loads((run / "run.json").read_text())
    info["model"]["sha256"] = fsutil.sha256_file(run / "model.skops")
    (run / "run.json").write_text(json.dumps(info))
    return run


def test_evaluate_refuses_a_forged_tree(cli, tmp_path, forged):
    line = assert_one_clear_line(
        cli("evaluate", "runs/forged", "--out", "runs/again"),
        "runs/forged/model.skops",
        ".estimators_[2].tree_ node 0: left child 10000 is not a node after it",
    )
    assert "steps[" in line
    assert not (tmp_path / "runs/again").exists()


def test_compare_refuses_a_forged_baseline(cli, tmp_path, forged):
    # Without its evaluation the baseline is re-scored on the candidate's rows: loaded, refused.
    (forged / "evaluation.json").unlink()
    (forged / "predictions.csv").unlink(missing_ok=True)
    assert_one_clear_line(
        cli("compare", "runs/good", "runs/forged", "--out", "runs/cmp"),
        ".estimators_[2].tree_ node 0: left child 10000",
    )
    assert not (tmp_path / "runs/cmp").exists()


def test_the_untampered_forest_still_compares(cli, tmp_path, forged):
    shutil.rmtree(forged)
    shutil.copytree(tmp_path / "runs/good", forged)
    (forged / "evaluation.json").unlink()
    result = cli("compare", "runs/good", "runs/forged", "--out", "runs/cmp")
    assert result.code == 0, result.stderr
    assert np.isfinite(json.loads((tmp_path / "runs/cmp/comparison.json").read_text())["n_rows"])


def test_baseline_refuses_a_forged_run(cli, tmp_path, forged):
    # `modelci baseline` is where a release's or registry's model first lands: checked there too.
    assert_one_clear_line(
        cli("baseline", "--from", "path:runs/forged", "--out", "runs/baseline"),
        "model.skops: refused",
        ".estimators_[2].tree_ node 0: left child 10000",
    )
    assert not (tmp_path / "runs/baseline").exists()
