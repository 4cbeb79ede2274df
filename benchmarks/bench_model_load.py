"""Loading a 500-tree random forest: the tree checks `persist.load` runs after skops, against a
plain `skops.io.load` of the same file; and the whole `persist.load` (sha256, allowlist scan,
load, tree checks) for scale.

Goal: (skops load + tree checks) / skops load <= 1.25: validating every tree must cost little
next to constructing them.

  python benchmarks/bench_model_load.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def best_of(repeats: int, call: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    import numpy as np
    import skops.io as sio
    from sklearn.ensemble import RandomForestClassifier

    from modelci import persist, tree_checks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, 20))
    y = (X[:, 0] + rng.normal(size=args.rows) > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=args.trees, n_jobs=1, random_state=0).fit(X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.skops"
        digest = persist.save(forest, path)
        trusted = sio.get_untrusted_types(file=path)
        plain = best_of(args.repeats, lambda: sio.load(path, trusted=trusted))
        checked = best_of(args.repeats, lambda: persist.load(path, expected_sha256=digest))
        model = sio.load(path, trusted=trusted)
        checks = best_of(args.repeats, lambda: tree_checks.find_problem(model))
        size = path.stat().st_size
    nodes = sum(tree.tree_.node_count for tree in forest.estimators_)
    print(f"forest: {args.trees} trees, {nodes:,} nodes, {size / 1e6:.1f} MB file")
    print(f"skops.io.load                 {plain:7.3f} s")
    print(f"persist.load (all checks)     {checked:7.3f} s")
    print(f"tree checks alone             {checks:7.3f} s")
    print(f"ratio (load + checks) / load  {(plain + checks) / plain:7.2f}x  (goal <= 1.25)")
    print(f"ratio persist.load / load     {checked / plain:7.2f}x  (sha256 + allowlist scan too)")


if __name__ == "__main__":
    main()
