"""train + evaluate (no plots) vs a plain scikit-learn script doing the same work.

The plain script reads the same CSV, splits it the same way, fits the same pipeline, predicts
and computes the same point metrics. modelci additionally writes run.json, the skops model,
predictions, and computes every metric's confidence interval and the data checks.
Goal: ratio <= 1.3. Prints seconds and the ratio, best of --repeats.

  python benchmarks/bench_pipeline.py --rows 200000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from modelci import config, evaluation, features, progress, training
from modelci.rundir import Run

CONFIG = """\
data: {{train: data.csv, target: label, seed: 0}}
model: {{estimator: sklearn.ensemble.HistGradientBoostingClassifier, params: {{max_iter: 100}}}}
metrics: {{plots: false, importance: {importance}}}
"""


def plain(csv: Path) -> None:
    frame = pd.read_csv(csv)
    y = frame.pop("label").astype(str)
    X_train, X_test, y_train, y_test = train_test_split(
        frame, y, test_size=0.2, random_state=0, stratify=y
    )
    pipeline = training.build_pipeline(
        config.loads(CONFIG.format(importance="false")),
        "classification",
        features.infer_spec(X_train.assign(label=y_train), target="label"),
    )
    pipeline.set_params(model=HistGradientBoostingClassifier(max_iter=100))
    pipeline.fit(X_train, y_train)
    pred = pipeline.predict(X_test)
    proba = pipeline.predict_proba(X_test)
    truth = (y_test == "1").to_numpy()
    pos = proba[:, 1]
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
    evaluation.evaluate(Run.open(directory / "run"))


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


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
        t_plain = best_of(args.repeats, lambda: plain(directory / "data.csv"))
        t_ours = best_of(args.repeats, lambda: with_modelci(directory, importance=False))
        t_imp = best_of(args.repeats, lambda: with_modelci(directory, importance=True))
    print(f"rows={args.rows} features={args.features} (best of {args.repeats})")
    print(f"plain scikit-learn script        {t_plain:8.3f} s")
    print(
        f"modelci train+evaluate, no plots {t_ours:8.3f} s   ratio {t_ours / t_plain:5.2f}x "
        "(goal <= 1.3x)"
    )
    print(f"  … with permutation importance  {t_imp:8.3f} s   ratio {t_imp / t_plain:5.2f}x")


if __name__ == "__main__":
    main()
