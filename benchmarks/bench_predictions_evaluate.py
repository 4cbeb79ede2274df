"""evaluate from a predictions file (no model) vs reading it with pandas + scikit-learn metrics.

The baseline reads the same CSV with pandas and computes the same point metrics with
scikit-learn. modelci additionally checks every row (ids, NaN, probability rows), computes each
metric's confidence interval, the per-class table, curves and data checks, and writes the
predictions run (run.json, normalised predictions.csv, evaluation.json, metrics.json). Plots
are left out of the ratio (they cost the same at any row count) and timed separately.
Goal: ratio <= 2 with intervals included. Prints seconds and ratios, best of --repeats.

  python benchmarks/bench_predictions_evaluate.py --rows 1000000 [--task regression]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from modelci import evaluation, prediction_tables, progress


def binary_file(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, rows)
    score = np.clip(truth * 0.35 + rng.normal(0.32, 0.22, rows), 0.0, 1.0).round(6)
    pd.DataFrame(
        {
            "row_id": np.arange(rows),
            "y_true": np.where(truth == 1, "yes", "no"),
            "y_pred": np.where(score >= 0.5, "yes", "no"),
            "proba_no": (1 - score).round(6),
            "proba_yes": score,
        }
    ).to_csv(path, index=False)


def regression_file(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(50.0, 10.0, rows).round(4)
    pd.DataFrame(
        {
            "row_id": np.arange(rows),
            "y_true": truth,
            "y_pred": (truth + rng.normal(0.0, 3.0, rows)).round(4),
        }
    ).to_csv(path, index=False)


def plain_binary(path: Path) -> None:
    frame = pd.read_csv(path)
    # Labels as 0/1 first: scikit-learn on a million label strings takes minutes (it sorts
    # them in Python for every metric), which would flatter modelci.
    y = (frame["y_true"] == "yes").to_numpy(dtype=int)
    pred = (frame["y_pred"] == "yes").to_numpy(dtype=int)
    truth = y
    pos = frame["proba_yes"].to_numpy()
    for fn in (skm.accuracy_score, skm.balanced_accuracy_score, skm.matthews_corrcoef):
        fn(y, pred)
    for average in ("binary", "macro"):
        skm.precision_score(y, pred, average=average)
        skm.recall_score(y, pred, average=average)
        skm.f1_score(y, pred, average=average)
    skm.roc_auc_score(truth, pos)
    skm.average_precision_score(truth, pos)
    skm.log_loss(truth, pos)
    skm.brier_score_loss(truth, pos)


def plain_regression(path: Path) -> None:
    frame = pd.read_csv(path)
    y, pred = frame["y_true"], frame["y_pred"]
    skm.root_mean_squared_error(y, pred)
    skm.mean_absolute_error(y, pred)
    skm.r2_score(y, pred)
    skm.median_absolute_error(y, pred)
    skm.max_error(y, pred)


def with_modelci(path: Path, out: Path, *, plots: bool) -> None:
    shutil.rmtree(out, ignore_errors=True)
    evaluation.evaluate_predictions_file(
        path, out=out, columns=prediction_tables.Columns(), draw_plots=plots
    )


def best_of(repeats: int, fn: Callable[[], None]) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def alternated(repeats: int, *fns: Callable[[], None]) -> list[float]:
    """Best of `repeats` for each of `fns`, run in turn within every repeat."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, seen in zip(fns, times, strict=True):
            began = time.perf_counter()
            fn()
            seen.append(time.perf_counter() - began)
    return [min(seen) for seen in times]


def measure(name: str, make, plain, directory: Path, *, rows: int, repeats: int) -> None:
    path = directory / f"{name.split()[0]}.csv"
    make(path, rows)
    out = directory / "run"
    # Warm imports and caches on both sides before timing.
    plain(path)
    with_modelci(path, out, plots=False)
    # Alternated, so a change in the shared machine's load falls on both sides alike.
    t_plain, t_ours = alternated(
        repeats, lambda: plain(path), lambda: with_modelci(path, out, plots=False)
    )
    t_plots = best_of(repeats, lambda: with_modelci(path, out, plots=True))
    print(name)
    print(f"  pandas + scikit-learn point metrics {t_plain:8.3f} s")
    print(
        f"  modelci evaluate --predictions      {t_ours:8.3f} s   ratio "
        f"{t_ours / t_plain:5.2f}x (goal <= 2x)"
    )
    print(f"    … with plots                      {t_plots:8.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--task", choices=("all", "binary", "regression"), default="all")
    args = parser.parse_args()
    progress.current = progress.Progress(progress.QUIET)
    print(f"rows={args.rows} (best of {args.repeats})")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, plain in (
            ("binary + probabilities", binary_file, plain_binary),
            ("regression", regression_file, plain_regression),
        ):
            if args.task not in ("all", name.split()[0]):
                continue
            measure(name, make, plain, Path(tmp), rows=args.rows, repeats=args.repeats)


if __name__ == "__main__":
    main()
