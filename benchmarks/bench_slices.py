"""Does the slice view stay cheap next to the whole-set comparison at a million rows?

    python benchmarks/bench_slices.py --rows 1000000 --resamples 1000

On one binary task it times, in the same run,
  (a) today's compare: `compare_classification` on all rows, every metric,
  (b) 20 automatic slices (the levels of two categorical text columns, 12 and 8 levels):
      resolving them, `compare_classification_slices` on the primary and gated metrics
      (`--metrics`, Holm-corrected), and `classification_churn` overall, per class and per slice,
and prints b/a (goal: at most 2x). `--with-ap` adds average precision to the slice metrics, the
one whose block bootstrap has a fixed cost per slice, to show what that choice costs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_compare import classification_data, seconds
from modelci.stats import compare_classification
from modelci.stats.churn import classification_churn
from modelci.stats.slice_rows import automatic, resolve
from modelci.stats.slices import compare_classification_slices


def categorical_features(rows: int, seed: int) -> dict[str, np.ndarray]:
    """Two text columns with uneven level sizes, as a DataFrame's object columns arrive."""
    rng = np.random.default_rng(seed)
    region = np.array([f"region-{i}" for i in range(12)], dtype=object)
    plan = np.array(
        ["free", "basic", "pro", "team", "edu", "trial", "gov", "partner"], dtype=object
    )
    return {
        "region": region[
            rng.choice(12, rows, p=np.linspace(1, 3, 12) / np.linspace(1, 3, 12).sum())
        ],
        "plan": plan[rng.choice(8, rows, p=np.linspace(3, 1, 8) / np.linspace(3, 1, 8).sum())],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--metrics", default="roc_auc,accuracy,recall", help="primary and gated")
    parser.add_argument("--with-ap", action="store_true", help="add average_precision to --metrics")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; median")
    args = parser.parse_args()
    metrics = args.metrics.split(",") + (["average_precision"] if args.with_ap else [])
    y, pred_a, proba_a, pred_b, proba_b = classification_data(args.rows, 0)
    features = categorical_features(args.rows, 1)
    print(f"rows={args.rows:,} resamples={args.resamples} metrics={','.join(metrics)}")

    def whole() -> object:
        return compare_classification(
            y, pred_a, proba_a, pred_b, proba_b, n_classes=2, resamples=args.resamples
        )

    def sliced() -> object:
        slices = resolve(features, automatic(["region", "plan"]), rows=y.size)
        assert len(slices.kept) == 20
        found = compare_classification_slices(
            y,
            pred_a,
            proba_a,
            pred_b,
            proba_b,
            n_classes=2,
            slices=slices,
            metrics=metrics,
            resamples=args.resamples,
        )
        churn = classification_churn(y, pred_a, pred_b, n_classes=2, slices=slices.rows_by_name())
        return found, churn

    a = seconds(whole, args.repeat)
    b = seconds(sliced, args.repeat)
    print(f"  {'(a) compare_classification, all rows':<56}{a:10.2f} s")
    print(f"  {'(b) 20 automatic slices + churn':<56}{b:10.2f} s")
    print(f"  b/a = {b / a:8.2f}x   (goal <= 2x)")


if __name__ == "__main__":
    main()
