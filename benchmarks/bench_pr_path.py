"""The pull-request path as a user meets it: the verdict latency beyond the model's own fit.

Runs the real pull-request workflow (examples/workflows/pull-request.yml calling
.github/workflows/pull-request.yml) under act against the fake GitHub, exactly as the e2e tests do
(tests/e2e/harness.py): a pull request that replaces a DummyClassifier with a LogisticRegression,
baseline `merge-base`. A first run installs modelci's venv into the shared cache and is not
counted; then each measured run is timed from act's start to its exit (the sticky comment is the
last thing the workflow does), and the fit stages the jobs logged (`fit LogisticRegression …s`)
are subtracted: what is left is what modelci and the workflow cost around the model.

Also prints the number of sequential job levels before the comment: the longest chain of the
reusable workflow's `needs:` graph (each level is a runner start, checkout, setup-python and venv
restore on GitHub).

Goals: <= 10 s beyond the fit on a quiet machine (<= 15 s under a parallel test run); <= 2 levels.

`--against REV` also measures another commit of this repository (e.g. the one before a change),
its runs interleaved with this checkout's so that both see the same load.

  python benchmarks/bench_pr_path.py --repeats 2
  python benchmarks/bench_pr_path.py --repeats 3 --against main
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]

import yaml  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    DUMMY,
    LOGISTIC,
    REPO,
    caller,
    copy_modelci,
    make_repo,
    run_pull_request,
    running_fake,
)
from tests.fakes.github.world import TOKEN  # noqa: E402

WORKFLOW = Path(".github") / "workflows" / "pull-request.yml"
GOAL_SECONDS, GOAL_LEVELS = 10.0, 2
FIT_LINE = re.compile(r"\bfit \w+\s+(\d+\.\d+)s\s+\(total")


def job_levels(workflow: Path) -> int:
    """The longest chain of jobs linked by `needs:` (a job with no needs is level 1)."""
    jobs = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]

    def level(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name in seen:
            raise ValueError(f"{workflow}: the needs of {name} form a cycle")
        needs = jobs[name].get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        return 1 + max((level(need, seen | {name}) for need in needs), default=0)

    return max(level(name) for name in jobs)


def fit_seconds(log: str) -> float:
    """The fit stages every job printed; on the critical path or not, they are the model's time."""
    return sum(float(seconds) for seconds in FIT_LINE.findall(log))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="measured runs (default 2)")
    parser.add_argument("--against", metavar="REV", help="also measure this commit, interleaved")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelci-bench-pr-") as scratch:
        workdir = Path(scratch)
        sources = {"this checkout": ROOT}
        if args.against:
            sources[args.against] = workdir / "against-checkout"
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(sources[args.against]), args.against],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        try:
            measure(workdir, sources, args.repeats)
        finally:
            if args.against:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(sources[args.against])],
                    cwd=ROOT,
                    check=False,
                )


def measure(workdir: Path, sources: dict[str, Path], repeats: int) -> None:
    rounds = repeats + 1  # the first one warms each venv cache
    numbers = iter(range(1, rounds * len(sources) + 1))
    seed = {
        "users": [{"login": "octocat"}],
        "tokens": [{"token": TOKEN, "login": "github-actions[bot]", "permissions": "write"}],
        "repos": [
            {
                "full_name": REPO,
                "pulls": [
                    {"number": n, "head": f"improve-{n}", "title": "A better model"}
                    for n in range(1, rounds * len(sources) + 1)
                ],
            }
        ],
    }
    copies = {
        label: copy_modelci(workdir, source, f"modelci-{index}")
        for index, (label, source) in enumerate(sources.items())
    }
    beyond: dict[str, list[tuple[float, float, float]]] = {label: [] for label in sources}
    cache = workdir / "tool-cache"
    cache.mkdir()
    with running_fake(workdir, seed) as fake:
        for round_ in range(rounds):
            for label, modelci in copies.items():
                number = next(numbers)
                scenario = make_repo(
                    workdir,
                    f"improve-{number}",
                    base={"modelci.yaml": DUMMY},
                    head={"modelci.yaml": LOGISTIC, ".github/workflows/modelci.yml": caller()},
                    branch=f"improve-{number}",
                )
                began = time.monotonic()
                done, log = run_pull_request(
                    scenario, number, fake=fake, modelci=modelci, cache=cache
                )
                wall = time.monotonic() - began
                if done.returncode != 0 or len(fake.comments(number)) != 1:
                    sys.exit(
                        f"{label}: run {number} failed (exit {done.returncode}):\n{log[-4000:]}"
                    )
                fit = fit_seconds(log)
                what = "warm-up (installs the venv)" if round_ == 0 else f"run {round_}"
                print(
                    f"{label:<14} {what:<28} wall {wall:6.1f}s  fit {fit:5.2f}s  "
                    f"beyond {wall - fit:6.1f}s",
                    flush=True,
                )
                if round_ > 0:
                    beyond[label].append((wall - fit, wall, fit))
    for label, source in sources.items():
        best, wall, fit = min(beyond[label])
        print(
            f"{label}: verdict latency beyond the fit {best:.1f} s (best of {len(beyond[label])}; "
            f"wall {wall:.1f} s, fit {fit:.2f} s), goal <= {GOAL_SECONDS:.0f} s; "
            f"sequential job levels before the comment: {job_levels(source / WORKFLOW)}, "
            f"goal <= {GOAL_LEVELS}"
        )


if __name__ == "__main__":
    main()
