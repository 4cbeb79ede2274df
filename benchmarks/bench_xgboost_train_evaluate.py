"""XGBoost train + evaluate (no plots) through modelci vs a plain script doing the same work.

The plain script reads the same CSV, splits it the same way, fits the same preprocessing and
XGBClassifier on 0/1 codes, predicts and computes the same point metrics with scikit-learn.
modelci additionally writes run.json, model.ubj and preprocess.skops (and loads them back),
predictions, every metric's confidence interval, the data checks and the latency; with
permutation importance as configured by default (`metrics.importance: true`) and without.
Goal: ratio <= 1.3. Prints seconds and the ratio, best of --repeats (interleaved).

  python benchmarks/bench_xgboost_train_evaluate.py --rows 200000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost
from sklearn import metrics as skm
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from modelci import config, evaluation, features, progress, training
from modelci.rundir import Run

# One thread each: OpenMP threads spinning on a busy 2-core machine make multi-threaded times noise.
PARAMS = {"n_estimators": 200, "max_depth": 6, "n_jobs": 1}
CONFIG = """\
data: {{train: data.csv, target: label, seed: 0}}
model: {{estimator: xgboost.XGBClassifier, params: {{n_estimators: 200, max_depth: 6, n_jobs: 1}}}}
metrics: {{plots: false, importance: {importance}}}
"""


def plain(csv: Path) -> None:
    frame = pd.read_csv(csv)
    y = frame.pop("label").astype(str)
    X_train, X_test, y_train, y_test = train_test_split(
        frame, y, test_size=0.2, random_state=0, stratify=y
    )
    spec = features.infer_spec(X_train.assign(label=y_train), target="label")
    model = xgboost.XGBClassifier(**PARAMS)
    preprocess = features.build_preprocessor(spec, estimator=model, mode="auto")
    pipeline = Pipeline([("preprocess", preprocess), ("model", model)])
    pipeline.fit(X_train, (y_train == "1").astype(int))
    proba = pipeline.predict_proba(X_test)
    pos = proba[:, 1]
    pred = np.where(pos >= 0.5, "1", "0")
    truth = (y_test == "1").to_numpy()
    for fn in (skm.accuracy_score, skm.balanced_accuracy_score, skm.matthews_corrcoef):
        fn(y_test, pred)
    for average in ("binary", "macro"):
        kwargs = {"pos_label": "1"} if average == "binary" else {}
        skm.precision_score(y_test, pred, average=average, **kwargs)
        skm.recall_score(y_test, pred, average=average, **kwargs)
        skm.f1_score(y_test, pred, average=average, **kwargs)
    skm.roc_auc_score(truth, pos)
    skm.average_precision_score(truth, pos)
    skm.log_loss(truth, pos)
    skm.brier_score_loss(truth, pos)


def with_modelci(directory: Path, importance: bool) -> None:
    (directory / "modelci.yaml").write_text(CONFIG.format(importance=str(importance).lower()))
    cfg = config.load(directory / "modelci.yaml")
    training.train(cfg, directory / "run")
    evaluation.evaluate(Run.open(directory / "run"), draw_plots=False)


def interleaved_best(repeats: int, *fns: Callable[[], None]) -> list[float]:
    """Best time of each, the runs interleaved so that a burst of other load hits all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for index, fn in enumerate(fns):
            began = time.perf_counter()
            fn()
            best[index] = min(best[index], time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    progress.current = progress.Progress(progress.QUIET)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        X, y = make_classification(
            n_samples=args.rows, n_features=args.features, n_informative=8, random_state=0
        )
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(args.features)])
        frame["label"] = np.where(y == 1, 1, 0)
        frame.to_csv(directory / "data.csv", index=False)
        t_plain, t_imp, t_ours = interleaved_best(
            args.repeats,
            lambda: plain(directory / "data.csv"),
            lambda: with_modelci(directory, importance=True),
            lambda: with_modelci(directory, importance=False),
        )
    print(f"rows={args.rows} features={args.features} (best of {args.repeats})")
    print(f"plain XGBoost script                        {t_plain:8.3f} s")
    print(
        f"modelci train+evaluate, no plots (default)  {t_imp:8.3f} s   ratio "
        f"{t_imp / t_plain:5.2f}x (goal <= 1.3x)"
    )
    print(
        f"  … without permutation importance          {t_ours:8.3f} s   ratio "
        f"{t_ours / t_plain:5.2f}x"
    )


if __name__ == "__main__":
    main()
