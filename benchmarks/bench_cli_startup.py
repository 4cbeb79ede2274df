"""`modelci --help` vs importing scikit-learn + pandas + matplotlib, each in a fresh interpreter.

Goal: ratio <= 0.1 (the CLI must not import heavy libraries to print help).

  python benchmarks/bench_cli_startup.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeats: int, argv: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    empty = best_of(args.repeats, [python, "-c", "pass"])
    help_ = best_of(args.repeats, [python, "-m", "modelci", "--help"])
    heavy = best_of(
        args.repeats, [python, "-c", "import sklearn.ensemble, pandas, matplotlib.pyplot"]
    )
    print(f"python -c pass                         {empty:7.3f} s")
    print(f"modelci --help                         {help_:7.3f} s")
    print(f"import sklearn + pandas + matplotlib   {heavy:7.3f} s")
    print(
        f"ratio help/imports {help_ / heavy:5.3f}x (goal <= 0.1x); "
        f"net of interpreter start {(help_ - empty) / (heavy - empty):5.3f}x"
    )


if __name__ == "__main__":
    main()
