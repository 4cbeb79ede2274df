"""Prediction runs for compare/report tests, made from an evaluated model run's own files.

`predictions_run` hands the model run's predictions.csv (optionally shuffled, cut, with rows
added or some truth changed) to `modelci evaluate --predictions`, as a user with only their
model's predictions would: a predictions run, run.json `model` null.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from tests.conftest import mixed_frame, run_in_process

CONFIG = """\
data:
  train: data/mixed.csv
  target: label
  seed: 1
model:
  estimator: {estimator}
  params: {params}
metrics:
  resamples: 200
  importance: false
  plots: false
gates:
  roc_auc: {{max_drop: 0.5}}
"""
ESTIMATORS = {
    "lr": ("sklearn.linear_model.LogisticRegression", "{}"),
    "tree": ("sklearn.tree.DecisionTreeClassifier", "{max_depth: 3}"),
}


def predictions_run(
    model_run: Path,
    out: Path,
    *,
    shuffle: bool = False,
    drop: int = 0,
    extra: int = 0,
    flip_truth: int = 0,
    name: str | None = None,
) -> Path:
    """A predictions run at `out` from the predictions of the evaluated `model_run`."""
    frame = pd.read_csv(model_run / "predictions.csv", dtype={"y_true": str, "y_pred": str})
    if shuffle:
        frame = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    if drop:
        frame = frame.iloc[drop:].reset_index(drop=True)
    if extra:
        added = frame.iloc[:extra].copy()
        added["row_id"] = np.arange(10_000, 10_000 + extra)
        frame = pd.concat([frame, added], ignore_index=True)
    if flip_truth:
        labels = sorted(frame["y_true"].unique())
        for index in range(flip_truth):
            was = frame.loc[index, "y_true"]
            frame.loc[index, "y_true"] = labels[(labels.index(was) + 1) % len(labels)]
    source = out.parent / f"{out.name}-predictions.csv"
    frame.to_csv(source, index=False)
    done = run_in_process(
        "evaluate", "-q", "--no-plots", "--predictions", str(source), "--out", str(out)
    )
    assert done.code == 0, done.stderr
    if name is not None:
        info = json.loads((out / "run.json").read_text())
        (out / "run.json").write_text(json.dumps({**info, "name": name}))
    return out


def model_runs(root: Path) -> dict[str, Path]:
    """Two evaluated binary model runs on the same rows, `lr` and `tree`, under `root`/runs."""
    (root / "data").mkdir(parents=True)
    mixed_frame().to_csv(root / "data" / "mixed.csv", index=False)
    runs = {}
    with contextlib.chdir(root):
        for name, (estimator, params) in ESTIMATORS.items():
            Path(f"{name}.yaml").write_text(CONFIG.format(estimator=estimator, params=params))
            for args in (
                ("train", "-q", "-c", f"{name}.yaml", "--out", f"runs/{name}"),
                ("evaluate", "-q", f"runs/{name}"),
            ):
                done = run_in_process(*args)
                assert done.code == 0, done.stderr
            runs[name] = root / "runs" / name
    return runs


def copy_runs(runs: dict[str, Path], into: Path) -> dict[str, Path]:
    """The model runs (and their data and configs) copied into a test's own folder."""
    source = next(iter(runs.values())).parents[1]
    shutil.copytree(source, into, dirs_exist_ok=True)
    return {name: into / "runs" / name for name in runs}
