"""Predictions runs for compare/report tests, made from an evaluated model run's own files.

`predictions_run` keeps the model run's predictions.csv (optionally shuffled, cut or with some
truth changed) and writes run.json and evaluation.json as a predictions run has them
(docs/run-directory.md): `model` null, no estimator, `importance` null and the reasons in
`unavailable`. Its metrics stay those of the model run, which is what its predictions score.
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

REASON = "needs a model; this run has only predictions"
UNAVAILABLE = {
    "importance": f"permutation importance {REASON}",
    "latency_ms_per_1k_rows": f"latency {REASON}",
    "model_size_bytes": f"model size {REASON}",
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
    """A predictions run at `out` with the predictions of the evaluated `model_run`."""
    out.mkdir(parents=True)
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
    frame.to_csv(out / "predictions.csv", index=False)

    run = json.loads((model_run / "run.json").read_text())
    run.update(
        name=name,
        model=None,
        estimator=None,
        features={},
        config={},
        config_path=None,
        config_dir=None,
    )
    run["data"] = {
        "test": {"source": "preds.csv", "sha256": "0" * 64, "rows": len(frame)},
        "split": {"kind": "predictions", "test_fingerprint": "f" * 64},
    }
    (out / "run.json").write_text(json.dumps(run, indent=2))

    evaluation = json.loads((model_run / "evaluation.json").read_text())
    evaluation.update(model=None, importance=None, unavailable=UNAVAILABLE, plots=[])
    evaluation["n_rows"] = len(frame)
    evaluation["data"] = {**run["data"]["test"], "test_fingerprint": "f" * 64}
    (out / "evaluation.json").write_text(json.dumps(evaluation, indent=2))
    flat = json.loads((model_run / "metrics.json").read_text())
    flat.update(model_size_bytes=None, latency_ms_per_1k_rows=None)
    (out / "metrics.json").write_text(json.dumps(flat, indent=2))
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
