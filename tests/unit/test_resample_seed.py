"""The intervals' resampling seed follows the test rows: other rows, another seed; the same
rows, the same intervals; recorded in evaluation.json and comparison.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.prediction_runs_support import copy_runs, model_runs, predictions_run

from modelci import evaluation
from modelci.documents import RunInfo
from modelci.scoring import Predictions
from modelci.stats import seeds


def predictions(rows: int = 300, seed: int = 0) -> Predictions:
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.4
    score = np.clip(truth * 0.35 + rng.random(rows) * 0.65, 0, 1)
    labels = np.array(["no", "yes"])
    return Predictions(
        task="classification",
        row_id=np.arange(rows),
        y_true=labels[truth.astype(int)],
        y_pred=labels[(score > 0.5).astype(int)],
        classes=("no", "yes"),
        proba=np.column_stack([1 - score, score]),
        seen=np.ones(rows, dtype=bool),
    )


def document(rows: Predictions, data_seed: int = 0, run_dir: Path = Path("run")) -> dict[str, Any]:
    info = RunInfo(task="classification", target="label", model=None, positive_class="yes")
    settings = {"primary": None, "confidence": 0.95, "resamples": 300, "seed": data_seed}
    return evaluation.build_document(
        info,
        rows,
        settings,
        primary="recall",
        run_dir=run_dir,
        data_facts={"test_fingerprint": "recorded"},
        checks=list,
        model=None,
    )


def bootstrapped(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        name: metric["ci"]
        for name, metric in doc["metrics"].items()
        if metric["method"] == "multinomial-bootstrap"
    }


def test_the_same_rows_give_the_same_intervals_twice_in_any_order() -> None:
    first, second = document(predictions()), document(predictions())
    assert bootstrapped(first) and bootstrapped(first) == bootstrapped(second)
    assert first["resample_seed"] == second["resample_seed"]
    # A shuffled file holds the same rows: the same seed, the same intervals.
    shuffled = predictions().take(np.random.default_rng(5).permutation(300))
    assert document(shuffled)["resample_seed"] == first["resample_seed"]
    assert bootstrapped(document(shuffled)) == bootstrapped(first)


def test_other_rows_get_another_seed_and_data_seed_still_counts() -> None:
    a, b = document(predictions(seed=0)), document(predictions(seed=1))
    a_seed_1 = document(predictions(seed=0), data_seed=1)
    assert len({a["resample_seed"], b["resample_seed"], a_seed_1["resample_seed"]}) == 3
    # Another seed draws another resampling pattern: the same rows' intervals move.
    assert bootstrapped(a) != bootstrapped(a_seed_1)
    fewer = predictions().take(np.arange(1, 300))
    assert document(fewer)["resample_seed"] != a["resample_seed"]


def test_the_recorded_seed_fits_a_json_reader() -> None:
    seed = document(predictions())["resample_seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**53
    assert seeds.resample_seed(None, 3) == 3  # files without a fingerprint: data.seed


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return model_runs(tmp_path_factory.mktemp("model-runs"))


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def test_compare_records_the_seed_of_the_rows_it_compared(cli, trained, tmp_path) -> None:
    runs = copy_runs(trained, tmp_path)
    evaluated = read(runs["lr"] / "evaluation.json")["resample_seed"]
    assert isinstance(evaluated, int) and evaluated != 1  # not just the config's data.seed: 1
    result = cli("compare", "-q", str(runs["lr"]), str(runs["tree"]), "--out", "cmp")
    assert result.code == 0, result.stderr
    compared = read(Path("cmp") / "comparison.json")
    # The rows compared are the candidate's: its evaluation's seed.
    assert compared["resample_seed"] == evaluated
    # 80 test rows: the mean-loss deltas are paired t-tests, and comparison.json says so.
    methods = {m["name"]: m["method"] for m in compared["metrics"]}
    assert compared["n_rows"] < 1000 and methods["log_loss"] == methods["brier"] == "student-t"
    # Fewer rows: another seed, for the evaluation and the comparison alike.
    lr = predictions_run(runs["lr"], tmp_path / "p-lr", drop=5)
    tree = predictions_run(runs["tree"], tmp_path / "p-tree", drop=5)
    result = cli("compare", "-q", str(lr), str(tree), "--out", "cmp-fewer")
    assert result.code == 0, result.stderr
    fewer = read(Path("cmp-fewer") / "comparison.json")
    assert fewer["resample_seed"] == read(lr / "evaluation.json")["resample_seed"]
    assert fewer["resample_seed"] != compared["resample_seed"]
