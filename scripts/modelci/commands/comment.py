"""Post the report of DIR as one sticky comment on the pull request, plots included.

DIR is the output of `modelci compare` or an evaluated run directory. Several DIRs, each a
comparison of one candidate with the same baseline (or, with no baseline yet, each an evaluated
run directory), post one leaderboard comment (as `modelci report` renders it), their plots in one assets commit under a folder per candidate. The plots are committed to
the branch `modelci-assets` (one commit per run) and linked from the comment by commit, so they
show in private repositories too. The comment is found again by a hidden marker and updated in
place on every run; `--key` keeps several reports apart on one pull request. The full report is
appended to the job summary, and the step sets the outputs `comment-url`, `comment-id` and
`comment-action` (created, updated, unchanged or bundled).

Pull requests from forks get a read-only token. When posting is refused (403), or with `--bundle`,
the comment is written as a bundle directory instead: upload it with actions/upload-artifact as
an artifact named `modelci-comment` (or `modelci-comment-<id>`, one per candidate), and a trusted
`workflow_run` job (post-comment.yml) posts it with `modelci comment --from-run RUN_ID`, which
posts every such artifact of the run into the sticky comment of its bundle's key, refuses a
bundle rendered for another head commit, takes the pull request from GitHub's record of the run,
never from the bundle, and posts nothing (a notice, exit 0) for a run that uploaded no bundle.

The token comes from $GITHUB_TOKEN (or --token-env NAME), the repository and run from the usual
GITHUB_* variables, the pull request from the event (or --pr).

examples:
  modelci comment runs/compare
  modelci comment runs/candidate --key nightly --images none
  modelci comment runs/compare --bundle modelci-comment
  modelci comment runs/compare-hgb runs/compare-rf
  modelci comment --from-run ${{ github.event.workflow_run.id }}
"""

from __future__ import annotations

import argparse
from pathlib import Path

from modelci.commands.github_options import GitHubContext, add_github_options

HELP = "post the report as one sticky pull-request comment, plots included"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        metavar="DIR",
        type=Path,
        nargs="*",
        help="compare or evaluated run directory; several of either kind post a leaderboard",
    )
    parser.add_argument(
        "--pr", type=_positive_int, help="pull request number (default: the event's)"
    )
    parser.add_argument(
        "--key",
        help="which sticky comment to update, for several reports on one pull request "
        "(default: 'default'; with --from-run, the bundle's)",
    )
    parser.add_argument(
        "--images",
        choices=("branch", "none"),
        default="branch",
        help="commit the plots to the modelci-assets branch and show them (default), or not",
    )
    parser.add_argument(
        "--bundle",
        metavar="OUTDIR",
        type=Path,
        nargs="?",
        const=Path("modelci-comment"),
        help="do not post: write the comment bundle for a trusted workflow to OUTDIR "
        "(default modelci-comment/); also what happens when posting is forbidden",
    )
    parser.add_argument(
        "--from-run",
        metavar="RUN_ID",
        type=_positive_int,
        help="post every comment bundle uploaded by this workflow run (the trusted "
        "workflow_run job); no DIR",
    )
    parser.add_argument(
        "--author",
        metavar="LOGIN",
        help="the login the token comments as, when it is not github-actions[bot] "
        "(a personal access token's user, a GitHub App's 'slug[bot]')",
    )
    add_github_options(parser)


def run(args: argparse.Namespace, context: GitHubContext | None = None) -> int:
    from modelci.errors import UserError
    from modelci.pull_request import comment_flow, from_run, rendering, sticky

    context = context or GitHubContext.of(args)
    env = context.env
    log = comment_flow.StepLog(env, context.out)
    author = sticky.comment_author(args.author)
    images = args.images == "branch"
    no_token_fix = (
        f"Pass the workflow's token to the step (env: {args.token_env}: ${{{{ github.token }}}}), "
        "or write a bundle with --bundle for a trusted workflow to post"
    )
    if args.from_run is not None:
        if args.dir or args.pr is not None or args.bundle is not None:
            raise UserError(
                "--from-run takes no DIR, --pr or --bundle: the bundle comes from the run, and "
                "the pull request from GitHub's record of it"
            )
        owner, repo = env.require_repository()
        options = from_run.Options(run_id=args.from_run, key=args.key, author=author, images=images)
        with context.session(fix=no_token_fix) as client:
            return from_run.post_from_run(client, log, owner=owner, repo=repo, options=options)

    if not args.dir:
        raise UserError("give DIR, the output of `modelci compare` or an evaluated run directory")
    key = sticky.validate_key(args.key or sticky.DEFAULT_KEY)
    content = rendering.from_directories(args.dir, images=images, warn=log.warn)
    pr = args.pr or comment_flow.pr_from_event(env.event)
    if args.bundle is not None:
        return comment_flow.write_comment_bundle(
            log, args.dir, content, key=key, pr=pr, images=images, outdir=args.bundle, reason=None
        )
    owner, repo = env.require_repository()
    with context.session(fix=no_token_fix) as client:
        if pr is None:
            raise UserError(
                "no pull request to comment on", fix="Run on a pull_request event, or pass --pr N"
            )
        target = comment_flow.Target(owner=owner, repo=repo, pr=pr, key=key, author=author)
        return comment_flow.post_report(
            client, log, args.dir, content, target=target, images=images
        )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
