"""How fast is modelci's paired comparison, next to plain scikit-learn and a naive bootstrap?

    python benchmarks/bench_compare.py --rows 1000000 --resamples 1000

For a classification and a regression task it times
  (a) modelci's `compare_*` with `--resamples` resamples,
  (b) one pass of the same point metrics with plain scikit-learn, for both models,
  (c) a naive row-level paired bootstrap of those scikit-learn metrics with `--naive` resamples,
      extrapolated linearly to `--resamples`,
and prints a/b (goal: at most 3x) and c/a (goal: at least 100x).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn import metrics as skm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from modelci.stats import compare_classification, compare_regression


def classification_data(rows: int, seed: int) -> tuple[np.ndarray, ...]:
    """Binary labels and two models' probabilities that share most of their errors."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows)
    shared = rng.normal(size=rows)
    out = [y]
    for strength in (1.2, 1.3):
        logit = strength * (2 * y - 1) + shared + 0.8 * rng.normal(size=rows)
        p = 1 / (1 + np.exp(-logit))
        out += [(p > 0.5).astype(np.int64), np.column_stack([1 - p, p])]
    return tuple(out)


def regression_data(rows: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = rng.gamma(3.0, 2.0, rows) + 0.1
    shared = rng.normal(size=rows)
    return y, y + shared + rng.normal(size=rows), y + 0.9 * shared + rng.normal(size=rows)


def sklearn_classification(y: np.ndarray, pred: np.ndarray, proba: np.ndarray) -> list[float]:
    return [
        skm.accuracy_score(y, pred),
        skm.balanced_accuracy_score(y, pred),
        skm.precision_score(y, pred),
        skm.recall_score(y, pred),
        skm.f1_score(y, pred),
        skm.precision_score(y, pred, average="macro"),
        skm.recall_score(y, pred, average="macro"),
        skm.f1_score(y, pred, average="macro"),
        skm.roc_auc_score(y, proba[:, 1]),
        skm.average_precision_score(y, proba[:, 1]),
        skm.log_loss(y, proba),
        skm.brier_score_loss(y, proba[:, 1]),
        skm.matthews_corrcoef(y, pred),
    ]


def sklearn_regression(y: np.ndarray, pred: np.ndarray) -> list[float]:
    return [
        float(np.sqrt(skm.mean_squared_error(y, pred))),
        skm.mean_absolute_error(y, pred),
        skm.r2_score(y, pred),
        skm.median_absolute_error(y, pred),
        skm.max_error(y, pred),
        skm.mean_absolute_percentage_error(y, pred),
    ]


def seconds(work: Callable[[], object], repeat: int = 1) -> float:
    """Median wall time of `repeat` runs (the machine may be shared: one run can be unlucky)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return float(np.median(times))


def naive_bootstrap(rows: int, resamples: int, seed: int, one: Callable[[np.ndarray], object]):
    """Time `resamples` row-level resamples, each scoring both models on the same rows."""
    rng = np.random.default_rng(seed)

    def run() -> None:
        for _ in range(resamples):
            one(rng.integers(0, rows, rows))

    return seconds(run)


def report(task: str, a: float, b: float, c_measured: float, naive: int, resamples: int) -> None:
    c = c_measured * resamples / naive
    rows = [
        (f"(a) modelci compare, {resamples} resamples", a),
        ("(b) scikit-learn point metrics, both models", b),
        (f"(c) naive paired bootstrap, {naive} resamples", c_measured),
        (f"    extrapolated to {resamples} resamples", c),
    ]
    print(f"\n{task}")
    for label, value in rows:
        print(f"  {label:<48}{value:10.2f} s")
    print(f"  a/b = {a / b:8.2f}x   (goal <= 3x)")
    print(f"  c/a = {c / a:8.0f}x   (goal >= 100x)")


def warm_up() -> None:
    """Pay imports and BLAS start-up before any timing, on a small problem."""
    y, pred_a, proba_a, pred_b, proba_b = classification_data(20_000, 1)
    compare_classification(y, pred_a, proba_a, pred_b, proba_b, n_classes=2, resamples=50)
    sklearn_classification(y, pred_a, proba_a)
    yr, reg_a, reg_b = regression_data(20_000, 1)
    compare_regression(yr, reg_a, reg_b, resamples=50)
    sklearn_regression(yr, reg_a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=5, help="naive bootstrap resamples to time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b); median")
    args = parser.parse_args()
    # scikit-learn may warn (e.g. deprecations); the timings are what this script is about.
    warnings.simplefilter("ignore")
    print(f"rows={args.rows:,} resamples={args.resamples} naive={args.naive} repeat={args.repeat}")
    warm_up()

    y, pred_a, proba_a, pred_b, proba_b = classification_data(args.rows, args.seed)
    a = seconds(
        lambda: compare_classification(
            y, pred_a, proba_a, pred_b, proba_b, n_classes=2, resamples=args.resamples
        ),
        args.repeat,
    )
    b = seconds(
        lambda: (
            sklearn_classification(y, pred_a, proba_a),
            sklearn_classification(y, pred_b, proba_b),
        ),
        args.repeat,
    )
    c = naive_bootstrap(
        args.rows,
        args.naive,
        args.seed,
        lambda i: (
            sklearn_classification(y[i], pred_a[i], proba_a[i]),
            sklearn_classification(y[i], pred_b[i], proba_b[i]),
        ),
    )
    report("binary classification", a, b, c, args.naive, args.resamples)

    yr, reg_a, reg_b = regression_data(args.rows, args.seed)
    a = seconds(lambda: compare_regression(yr, reg_a, reg_b, resamples=args.resamples), args.repeat)
    b = seconds(lambda: (sklearn_regression(yr, reg_a), sklearn_regression(yr, reg_b)), args.repeat)
    c = naive_bootstrap(
        args.rows,
        args.naive,
        args.seed,
        lambda i: (sklearn_regression(yr[i], reg_a[i]), sklearn_regression(yr[i], reg_b[i])),
    )
    report("regression", a, b, c, args.naive, args.resamples)


if __name__ == "__main__":
    main()
