"""What do slices and churn add to `compare` of two runs at a million rows?

    python benchmarks/bench_compare_slices.py --rows 1000000

Two runs made by modelci's own `train` (on 20,000 rows) and `evaluate` (on a test file of
`--rows` rows with two categorical columns of 12 and 8 levels: 20 automatic slices), then, in the
same process and interleaved, `comparison.compare()` of the two
  (a) without slices and churn (`slices.automatic: false`, churn left out): today's compare,
  (b) with the 20 automatic slices on the primary and gated metrics and churn with its gate,
      flips.csv included; the test rows' columns are read again from the data file, as a
      compare of two evaluated runs does,
and prints b/a (goal: at most 2x) and the slices stage's time (`--verbose`: every stage of both).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_slices import categorical_features
from modelci import cli, comparison, documents, prediction_churn, progress
from modelci.config import SlicesConfig
from modelci.rundir import Run

CONFIG = """\
data: {{train: train.csv, test: test.csv, target: label, seed: 0}}
model: {{estimator: sklearn.linear_model.LogisticRegression, params: {{C: {c}, max_iter: 200}}}}
metrics: {{plots: false, importance: false, resamples: {resamples}}}
gates:
  recall: {{max_drop: 0.02, slices: true}}
  accuracy: {{max_drop: 0.02}}
churn: {{max_harmful: 0.02}}
"""


def table(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(categorical_features(rows, seed))
    x = rng.normal(size=(rows, 4))
    logit = x @ np.array([1.0, -0.8, 0.5, 0.2]) + (frame["plan"] == "pro") * 0.7
    frame["label"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    for i in range(4):
        frame[f"x{i}"] = x[:, i]
    return frame


def make_runs(where: Path, rows: int, resamples: int) -> tuple[Run, Run]:
    table(20_000, 1).to_csv(where / "train.csv", index=False)
    table(rows, 2).to_csv(where / "test.csv", index=False)
    for name, c in (("baseline", 1.0), ("candidate", 0.001)):
        (where / f"{name}.yaml").write_text(CONFIG.format(c=c, resamples=resamples))
        for args in (["train", "-c", f"{name}.yaml", "--out", name], ["evaluate", name]):
            with contextlib.chdir(where):
                assert cli.main(["--quiet", *args]) == 0, args
    return Run.open(where / "candidate"), Run.open(where / "baseline")


@contextlib.contextmanager
def without_churn():
    """Today's compare had no churn: its call measures nothing (the gate is off, no file)."""
    measure = prediction_churn.measure
    nothing = prediction_churn.Measured(
        report=None,
        failed=False,
        flipped=prediction_churn.FlippedRows(
            row_id=np.empty(0),
            baseline=np.empty(0),
            candidate=np.empty(0),
            truth=np.empty(0),
            kind=np.empty(0),
            error_growth=None,
        ),
    )
    prediction_churn.measure = lambda *args, **kwargs: nothing  # type: ignore[assignment]
    try:
        yield
    finally:
        prediction_churn.measure = measure  # type: ignore[assignment]


def timed(work, log: io.StringIO | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of `work`: on a shared machine the process's CPU time is the
    steadier figure (other processes stretch the wall clock, not this one's CPU)."""
    began, cpu = time.perf_counter(), time.process_time()
    progress.current = progress.Progress(progress.NORMAL if log else progress.QUIET, log)
    work()
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of each; median")
    parser.add_argument("--verbose", action="store_true", help="print (b)'s stage times")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        print(f"rows={args.rows:,} resamples={args.resamples}: making two runs …", flush=True)
        candidate, baseline = make_runs(where, args.rows, args.resamples)
        full = comparison.settings_from(candidate, baseline, alpha=None, strict=None)
        assert full.slices.automatic and full.churn.max_harmful == 0.02
        plain = dataclasses.replace(full, slices=SlicesConfig(automatic=False))

        def today() -> None:
            with without_churn():
                done = comparison.compare(candidate, baseline, where / "a", plain)
            assert done.slices is None and done.churn is None

        def sliced() -> None:
            done = comparison.compare(candidate, baseline, where / "b", full)
            assert done.slices is not None and len(done.slices.slices) == 20
            assert done.churn is not None and done.churn.gate is not None

        a, b, logs_a, logs_b = [], [], [], []
        for _ in range(args.repeat):
            logs_a.append(io.StringIO())
            a.append(timed(today, logs_a[-1]))
            logs_b.append(io.StringIO())
            b.append(timed(sliced, logs_b[-1]))
        churn = documents.read_comparison(where / "b" / "comparison.json").churn
        assert churn is not None
        (a_wall, a_cpu), (b_wall, b_cpu) = np.median(a, axis=0), np.median(b, axis=0)
        print(f"  {'':<44}{'wall':>8}{'CPU':>10}")
        print(f"  {'(a) compare, no slices or churn':<44}{a_wall:8.2f}{a_cpu:8.2f} s")
        print(f"  {'(b) compare, 20 automatic slices + churn':<44}{b_wall:8.2f}{b_cpu:8.2f} s")
        print(f"  b/a = {b_wall / a_wall:.2f}x wall, {b_cpu / a_cpu:.2f}x CPU   (goal <= 2x)")
        print(
            f"  churn: {churn.overall.changed:,} of {churn.overall.rows:,} rows changed, "
            f"flips.csv {(where / 'b' / 'flips.csv').stat().st_size / 1e6:.1f} MB"
        )
        for name, times, logs in (("a", a, logs_a), ("b", b, logs_b)):
            walls = [wall for wall, _ in times]
            lines = logs[int(np.argsort(walls)[len(walls) // 2])].getvalue().splitlines()
            for line in lines if args.verbose else [x for x in lines if "slices" in x]:
                print(f"  ({name}) {line}")


if __name__ == "__main__":
    main()
