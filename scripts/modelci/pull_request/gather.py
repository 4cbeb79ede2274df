"""The report job of a pull-request run: every candidate's result, its check, one HTML report.

The candidate jobs upload one artifact each, `modelci-compare-<id>`, holding `candidate/` (the
evaluated run), and when there was a baseline `baseline/` and `compare/`. Downloaded side by side
into one root, `gather` finds each planned candidate's report directory (the compare directory,
else the run alone), posts its check run, writes the HTML report of them all, and sets the step
outputs the comment and the final gate step read: `dirs`, `failed`, `markdown`, `html`. It reads
the artifacts as documents and never runs the pull request's code, so its job may hold a write
token. One process for all of it: the comment action is the only other one in the job.

  python -m modelci.pull_request.gather --root "$RUNNER_TEMP/gather" --report "$RUNNER_TEMP/report"
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from modelci.errors import ModelciError, UserError
from modelci.github import workflow
from modelci.github.environment import ActionsEnvironment
from modelci.pull_request.plan import Candidate, Plan, plan_from

if TYPE_CHECKING:
    from modelci.report.inputs import Report

ARTIFACT_PREFIX = "modelci-compare-"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Result:
    """One candidate's report directory and what it says."""

    candidate: Candidate
    directory: Path
    report: Report

    @property
    def failed_gates(self) -> tuple[str, ...] | None:
        """The failed gates when the verdict is fail; None when it passed or nothing was gated.
        Without a baseline, the evaluation's absolute gates (its config's min/max)."""
        comparison = self.report.comparison
        if comparison is None:
            gates = self.report.candidate.gates if self.report.candidate else None
            if gates is None or gates.verdict != "fail":
                return None
            return tuple(result.name for result in gates.failed)
        if comparison.verdict != "fail":
            return None
        return comparison.failed_gates


def artifact_folder(root: Path, candidate: Candidate) -> Path:
    return root / f"{ARTIFACT_PREFIX}{candidate.id}"


def report_directory(folder: Path) -> Path:
    """The compare directory when the candidate was compared, else its evaluated run."""
    compare, candidate = folder / "compare", folder / "candidate"
    if compare.is_dir():
        return compare
    if candidate.is_dir():
        return candidate
    raise UserError(
        "no compare/ or candidate/ folder: the candidate job did not upload its result",
        where=str(folder),
        fix="look at that candidate's job: it failed or uploaded another artifact name",
    )


def collect(root: Path, plan: Plan) -> list[Result]:
    """Every planned candidate's result, in the plan's order."""
    from modelci.report.inputs import load_report

    results = []
    for candidate in plan.candidates:
        directory = report_directory(artifact_folder(root, candidate))
        results.append(
            Result(candidate=candidate, directory=directory, report=load_report(directory))
        )
    return results


def failed_text(results: Sequence[Result]) -> str:
    """The failed candidates in one line, e.g. `a.yaml (roc_auc); b.yaml (the comparison)`; ""
    when every candidate passed."""
    parts = []
    for result in results:
        gates = result.failed_gates
        if gates is not None:
            parts.append(f"{result.candidate.config} ({', '.join(gates) or 'the comparison'})")
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modelci.pull_request.gather")
    parser.add_argument("--root", type=Path, required=True, help="the downloaded artifacts")
    parser.add_argument("--report", type=Path, required=True, help="folder for report.md/.html")
    parser.add_argument(
        "--checks",
        choices=("true", "false"),
        default="true",
        help="post a check run per candidate (false on a fork's pull request: no write token)",
    )
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    try:
        return _gather(args, environ)
    except ModelciError as error:
        print(workflow.command("error", error.line(), title="modelci report"), flush=True)
        return int(error.exit_code)


def _gather(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from modelci.commands import check
    from modelci.commands.github_options import github_session
    from modelci.commands.report import write_report

    results = collect(args.root, plan_from(environ))
    env = ActionsEnvironment.from_env(environ)
    if args.checks == "true":
        with github_session(env) as github:
            for result in results:
                check.post(result.directory, github=github, env=env, name=result.candidate.check)
    markdown, html = args.report / "report.md", args.report / "report.html"
    args.report.mkdir(parents=True, exist_ok=True)
    dirs = [result.directory for result in results]
    write_report(dirs, markdown, html=html)
    outputs = {
        "dirs": "\n".join(str(directory) for directory in dirs),
        "failed": failed_text(results),
        "markdown": str(markdown.resolve()),
        "html": str(html.resolve()),
    }
    if not workflow.set_outputs(outputs, env=env):
        for name, value in outputs.items():
            print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
