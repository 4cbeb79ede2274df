"""Post the verdict of a comparison as a GitHub check run named `modelci`.

DIR is the output of `modelci compare` (comparison.json): the check concludes success or
failure with the report's headline and metrics table, and one annotation per failed gate on
the `gates:` line of the candidate's config. A run directory after `modelci evaluate` (no
baseline yet) is judged by its config's absolute gates (`min`/`max`, evaluation.json `gates`):
failure or success likewise, neutral when it has none. The check goes on the pull request's
head commit (or GITHUB_SHA, or --sha). A token without `checks: write` gets a commit status
instead.

Failed gates are also printed as `::error` workflow commands. The command exits 0 once the
verdict is posted, whatever it is (`compare` and `evaluate --gate` fail the job on a failed gate),
3 when GitHub fails after retries, 2 on bad input. Outputs: check-url, conclusion.

examples:
  modelci check runs/compare
  modelci check runs/compare --name "modelci (tabular)" --token-env MODELCI_TOKEN
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from modelci.commands.github_options import GitHubContext, add_github_options

if TYPE_CHECKING:
    from modelci.github import ActionsEnvironment, GitHub

HELP = "post the comparison's verdict as a GitHub check run"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", type=Path, help="compare or evaluated run directory")
    parser.add_argument("--name", default="modelci", help="the check run's name (default: modelci)")
    parser.add_argument("--sha", help="commit to put the check on (default: the PR's head)")
    add_github_options(parser)


def run(args: argparse.Namespace, context: GitHubContext | None = None) -> int:
    context = context or GitHubContext.of(args)
    with context.session() as github:
        return post(
            args.dir, github=github, env=context.env, name=args.name, sha=args.sha, out=context.out
        )


def post(
    source: Path,
    *,
    github: GitHub,
    env: ActionsEnvironment,
    name: str = "modelci",
    sha: str | None = None,
    out: TextIO | None = None,
    root: Path | None = None,
) -> int:
    """Load the report in `source`, post its check, print the log lines, set the outputs."""
    from modelci import progress
    from modelci.errors import UserError
    from modelci.github import workflow
    from modelci.pull_request import check_run
    from modelci.report import inputs

    out = out or sys.stdout
    name = " ".join(name.split())
    if not name:
        raise UserError("--name must not be empty")
    report = inputs.load_report(source)
    owner, repo = env.require_repository()
    env.require_token()
    target = sha or check_run.head_sha(env.event_name, env.event, env.sha)
    if not target:
        raise UserError(
            "no commit to put the check on",
            fix="run inside GitHub Actions (which sets GITHUB_SHA), or pass --sha",
        )
    if not check_run.is_sha(target):
        raise UserError(f"--sha must be a full hex commit sha, got {target!r}")

    details_url = (
        f"{env.server_url}/{owner}/{repo}/actions/runs/{env.run_id}" if env.run_id else None
    )
    config = check_run.locate_config(source, report, root=root or Path(os.getcwd()))
    check = check_run.build_check(report, config=config, details_url=details_url)

    if progress.current.level >= progress.NORMAL:
        _print(out, check_run.log_lines(check))
    _print(out, check_run.gate_commands(check))
    posted = check_run.post_check(
        github,
        owner,
        repo,
        sha=target,
        check=check,
        name=name,
        details_url=details_url,
        log=progress.current.info,
    )
    what = "check run" if posted.kind == "check_run" else "commit status"
    where = f": {posted.url}" if posted.url else ""
    _print(out, [f"{what} {name!r} on {target[:12]}: {check.conclusion}{where}"])
    workflow.set_outputs({"check-url": posted.url or "", "conclusion": check.conclusion}, env=env)
    return 0


def _print(out: TextIO, lines: list[str]) -> None:
    for line in lines:
        print(line, file=out)
    out.flush()
