"""How much of `evaluate` and `compare` is matplotlib?

    python benchmarks/bench_plots.py --repeat 5

Trains the demo's two models (bundled breast-cancer data, not timed), then in this one process
times, as CPU seconds of this process (the machine is shared; wall time is printed too):
  (a) `evaluate` of the candidate with plots, and the same run trained with `metrics.plots: false`
      (the plain baseline: everything but the plots),
  (b) the evaluation plots alone, rendered again from the evaluation just written,
  (c) `compare` (which always draws its overlays) and its plots alone,
and, in fresh interpreters, importing matplotlib's Agg figure machinery. It prints each plot
share: the plots alone over the whole `evaluate` (or `compare`) that drew them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from modelci import comparison, config, documents, evaluation, plots, progress, training
from modelci.commands import demo
from modelci.rundir import Run

IMPORT = (
    "import time; t = time.perf_counter(); "
    "from matplotlib.figure import Figure; "
    "from matplotlib.backends.backend_agg import FigureCanvasAgg; "
    "print(time.perf_counter() - t)"
)


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median CPU and wall seconds of `repeat` runs."""
    cpu, wall = [], []
    for _ in range(repeat):
        began_cpu, began_wall = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - began_cpu)
        wall.append(time.perf_counter() - began_wall)
    return statistics.median(cpu), statistics.median(wall)


def train(root: Path, label: str, text: str) -> Run:
    path = root / f"{label}.yaml"
    path.write_text(text, encoding="utf-8")
    training.train(config.load(path), root / label)
    return Run.open(root / label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    progress.current.level = progress.QUIET
    with tempfile.TemporaryDirectory(prefix="bench-plots-") as scratch:
        root = Path(scratch)
        baseline = train(root, "baseline", demo.BASELINE)
        candidate = train(root, "candidate", demo.CANDIDATE)
        no_plots = demo.CANDIDATE.replace(
            "  primary: roc_auc\n", "  primary: roc_auc\n  plots: false\n"
        )
        plain = train(root, "candidate-no-plots", no_plots)
        evaluation.evaluate(baseline)
        # Warm up once, so that imports and font caches are not charged to the first timing.
        written = evaluation.evaluate(candidate)
        settings = comparison.settings_from(candidate, alpha=None, strict=None)
        compared = comparison.compare(candidate, baseline, root / "compare", settings)

        results = {
            "evaluate with plots": timed(lambda: evaluation.evaluate(candidate), args.repeat),
            "evaluate without plots": timed(lambda: evaluation.evaluate(plain), args.repeat),
            "evaluation plots alone": timed(
                lambda: plots.render_evaluation_plots(written, root / "again"), args.repeat
            ),
            "compare": timed(
                lambda: comparison.compare(candidate, baseline, root / "compare", settings),
                args.repeat,
            ),
            "comparison plots alone": timed(
                lambda: plots.render_comparison_plots(compared, root / "again"), args.repeat
            ),
        }
        sizes = sum(p.stat().st_size for p in (root / "compare" / "plots").iterdir())
        sizes += sum(p.stat().st_size for p in (candidate.path / "plots").iterdir())
        count = len(documents.read_evaluation(candidate.path / "evaluation.json").plots)
    imports = [
        float(
            subprocess.run(
                [sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    width = max(len(name) for name in results)
    for name, (cpu, wall) in results.items():
        print(f"{name:<{width}}  cpu {cpu:6.3f} s   wall {wall:6.3f} s")
    with_plots, without = results["evaluate with plots"][0], results["evaluate without plots"][0]
    eval_plots = results["evaluation plots alone"][0]
    compare_total, compare_plots = results["compare"][0], results["comparison plots alone"][0]
    print(f"{'import matplotlib (fresh)':<{width}}  wall {statistics.median(imports):6.3f} s")
    print(
        f"plots' share of evaluate: {eval_plots / with_plots:.0%} ({count} plots; evaluate "
        f"with/without plots {with_plots / without:.2f}x)"
    )
    print(f"plots' share of compare:  {compare_plots / compare_total:.0%}")
    print(f"PNG bytes written (evaluation + comparison plots): {sizes:,}")


if __name__ == "__main__":
    main()
