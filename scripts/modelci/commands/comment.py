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
import re
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HELP = "post the report as one sticky pull-request comment, plots included"

DEFAULT_BUNDLE_DIR = "modelci-comment"
ARTIFACT_NAME = "modelci-comment"
SUMMARY_LIMIT = 1 << 20  # GitHub drops a step summary over 1 MiB
URL_ROOM = 400  # characters reserved per image for the URL that replaces its placeholder
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_URL_SAFE = ":/?#[]@!$&'*+,;=%~"  # as report.markdown quotes link targets
# A mention starts a word; an e-mail address or a URL's user part does not notify anyone.
_MENTION = re.compile(r"(?<![A-Za-z0-9_.@/+-])@(?=[A-Za-z0-9])")
_IMAGE_LINK = re.compile(r"!\[((?:\\.|[^\]\\\n])*)\]\(([^)\s]+)\)")


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
        const=Path(DEFAULT_BUNDLE_DIR),
        help="do not post: write the comment bundle for a trusted workflow to OUTDIR "
        f"(default {DEFAULT_BUNDLE_DIR}/); also what happens when posting is forbidden",
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        default="GITHUB_TOKEN",
        help="environment variable holding the token (default GITHUB_TOKEN)",
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


def run(args: argparse.Namespace) -> int:
    return comment(args)


def comment(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    github: Any = None,
    out: Any = None,
) -> int:
    """The command, with its environment and GitHub client injectable (tests pass a fake's)."""
    from modelci.github.environment import ActionsEnvironment

    env = ActionsEnvironment.from_env(environ, token_var=args.token_env)
    step = _Step(env, args, github=github, out=out or sys.stdout)
    try:
        if args.from_run is not None:
            return step.post_from_run(args.from_run)
        return step.post_report()
    finally:
        step.close()


# -- pure helpers ----------------------------------------------------------------------------------


def pr_from_event(event: Mapping[str, Any]) -> int | None:
    """The pull request (or issue) number of a webhook payload, if it has one.

    >>> pr_from_event({"pull_request": {"number": 7}, "number": 7})
    7
    >>> pr_from_event({"issue": {"number": 3}}), pr_from_event({"ref": "refs/heads/main"})
    (3, None)
    """
    for field in ("pull_request", "issue"):
        item = event.get(field)
        if isinstance(item, Mapping):
            number = item.get("number")
            if type(number) is int and number > 0:
                return number
    return None


def is_fork(event: Mapping[str, Any]) -> bool | None:
    """Whether the event's pull request comes from another repository; None when unknown."""
    pull = event.get("pull_request")
    if not isinstance(pull, Mapping):
        return None
    names = []
    for side in ("head", "base"):
        repo = (pull.get(side) or {}).get("repo") if isinstance(pull.get(side), Mapping) else None
        names.append(repo.get("full_name") if isinstance(repo, Mapping) else None)
    head, base = names
    if not isinstance(head, str) or not isinstance(base, str):
        return None
    return head.lower() != base.lower()


def relink_images(markdown: str, urls: Mapping[str, str], placeholders: set[str]) -> str:
    """Point the bundle's placeholder image links (relative plot paths) at their uploaded URLs.

    A placeholder without a URL (no upload) is dropped rather than left broken; other links are
    left as they are.

    >>> relink_images("![ROC](plots/roc.png) ![PR](plots/pr.png)",
    ...               {"plots/roc.png": "https://x/roc.png?raw=true"}, {"plots/roc.png", "plots/pr.png"})
    '![ROC](https://x/roc.png?raw=true) '
    """

    def replace(match: re.Match[str]) -> str:
        target = urllib.parse.unquote(match.group(2))
        if target not in placeholders:
            return match.group(0)
        url = urls.get(target)
        if url is None:
            return ""
        return f"![{match.group(1)}]({urllib.parse.quote(url, safe=_URL_SAFE)})"

    return _IMAGE_LINK.sub(replace, markdown)


def neutralize_mentions(markdown: str) -> str:
    """Keep `@name` readable but no longer a mention (a word joiner after the @).

    The bundle's markdown was written by the pull request's code; posted by our token, its
    mentions would notify whoever it names.

    >>> neutralize_mentions("cc @octo-org/team, mail a@b.c") == "cc @\u2060octo-org/team, mail a@b.c"
    True
    """
    return _MENTION.sub("@\u2060", markdown)


def workflow_command(kind: str, message: str) -> str:
    """A `::notice::`/`::warning::` line, its message escaped as the runner expects.

    >>> workflow_command("notice", "50% done\\nnext")
    '::notice::50%25 done%0Anext'
    """
    text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{kind}::{text}"


def plot_images(
    directory: Path, plots: tuple[str, ...], warn: Callable[[str], None]
) -> dict[str, bytes]:
    """The report's plots that exist as PNG files, by relative path."""
    images: dict[str, bytes] = {}
    for plot in plots:
        path = directory / plot
        if not path.is_file():
            warn(f"{path}: listed in the report but missing; the comment shows it without")
            continue
        data = path.read_bytes()
        if not data.startswith(PNG_SIGNATURE):
            warn(f"{path}: not a PNG image; left out of the comment")
            continue
        images[plot] = data
    return images


def bundle_image_name(path: str) -> str:
    """A leaderboard's plot path (`<candidate>/plots/roc.png`) as a bundle holds it, flat.

    >>> bundle_image_name("hgb/plots/roc.png")
    'plots/hgb-roc.png'
    """
    slug, _, rest = path.partition("/")
    flat = "-".join(part for part in rest.split("/") if part != "plots")
    return f"plots/{slug}-{flat}"


@dataclass(frozen=True, kw_only=True)
class Rendering:
    """What the comment shows: one report, or the leaderboard of several.

    `plots` are keyed by the paths the markdown names them by; `render(image_url, limit, link)`
    is the markdown, at most `limit` characters.
    """

    plots: dict[str, bytes]
    render: Callable[[Callable[[str], str | None], int, str | None], str]
    leaderboard: bool


def load_rendering(
    directories: Sequence[Path], *, images: bool, warn: Callable[[str], None]
) -> Rendering:
    """Load one report, or the leaderboard of several compare (or evaluated run) directories,
    and their plots."""
    from modelci.report import inputs, leaderboard, markdown

    reports = [inputs.load_report(directory) for directory in directories]
    if len(reports) == 1:
        report = reports[0]
        return Rendering(
            plots=plot_images(directories[0], report.plots, warn) if images else {},
            render=lambda url, limit, link: markdown.render_markdown(
                report, image_url=url, limit=limit, full_report_url=link
            ),
            leaderboard=False,
        )
    board = leaderboard.build_leaderboard(reports)
    plots: dict[str, bytes] = {}
    if images:
        for path, (source, plot) in board.plots.items():
            found = plot_images(Path(source), (plot,), warn)
            if plot in found:
                plots[path] = found[plot]
    return Rendering(
        plots=plots,
        render=lambda url, limit, link: markdown.render_leaderboard_markdown(
            board, image_url=url, limit=limit, full_report_url=link
        ),
        leaderboard=True,
    )


# -- the step --------------------------------------------------------------------------------------


class _Step:
    """One run of the command: the environment, the client (built on first use), the outputs."""

    def __init__(self, env: Any, args: argparse.Namespace, *, github: Any, out: Any):
        self.env = env
        self.args = args
        self.out = out
        self._github = github
        self._own_github = False
        self._summary_written = False

    def close(self) -> None:
        if self._own_github and self._github is not None:
            self._github.close()

    # -- posting from a report directory ---------------------------------------------------------

    def post_report(self) -> int:
        from modelci import progress
        from modelci.github.client import Forbidden
        from modelci.pull_request import plot_branch, sticky

        args, env = self.args, self.env
        if not args.dir:
            raise _usage("give DIR, the output of `modelci compare` or an evaluated run directory")
        key = sticky.validate_key(args.key or sticky.DEFAULT_KEY)
        author = sticky.comment_author(args.author)
        report = load_rendering(args.dir, images=args.images == "branch", warn=self.warn)
        plots = report.plots
        pr = args.pr or pr_from_event(env.event)
        if args.bundle is not None:
            return self.write_bundle(report, plots, key=key, pr=pr, outdir=args.bundle, reason=None)

        owner, repo = self.repository()
        self.token()
        if pr is None:
            raise _usage(
                "no pull request to comment on",
                fix="Run on a pull_request event, or pass --pr N",
            )
        github = self.github()
        urls: dict[str, str] = {}
        if plots:
            try:
                uploaded = plot_branch.upload_images(
                    github,
                    owner,
                    repo,
                    plots,
                    pr=pr,
                    run_id=env.run_id,
                    run_attempt=env.run_attempt,
                    server_url=env.server_url,
                    log=self.warn,
                )
                urls = uploaded.urls
                progress.current.info(
                    f"committed {len(urls)} plots to {uploaded.branch} at "
                    f"{uploaded.commit_sha[:12]} ({uploaded.requests} requests)"
                )
            except Forbidden as error:
                if is_fork(env.event) is not False:
                    return self.write_bundle(
                        report, plots, key=key, pr=pr, outdir=_default_bundle(), reason=error
                    )
                self.warn(
                    f"cannot commit the plots ({error.line()}); posting the comment without "
                    "them. Grant the workflow `contents: write` to show them."
                )

        summary_url = self.run_url(env.run_id)

        def render(limit: int, *, link: str | None = summary_url) -> str:
            return report.render(urls.get, limit, link)

        self.summary(
            sticky.fit(lambda limit: render(limit, link=None), SUMMARY_LIMIT, SUMMARY_LIMIT)
        )
        body = sticky.compose_body(render, key=key, summary_url=summary_url)
        try:
            result = sticky.upsert_comment(
                github,
                owner,
                repo,
                pr,
                body,
                key=key,
                author_login=author,
                log=self.warn,
            )
        except Forbidden as error:
            return self.write_bundle(
                report, plots, key=key, pr=pr, outdir=_default_bundle(), reason=error
            )
        return self.done(result)

    # -- the fork path: a bundle for the trusted workflow ----------------------------------------

    def write_bundle(
        self,
        report: Rendering,
        plots: dict[str, bytes],
        *,
        key: str,
        pr: int | None,
        outdir: Path,
        reason: Exception | None,
    ) -> int:
        from modelci.github.environment import set_outputs
        from modelci.pull_request import bundle, sticky

        # A leaderboard's plots sit in a folder per candidate; a bundle holds them flat.
        names = {path: bundle_image_name(path) if report.leaderboard else path for path in plots}
        images: dict[str, bytes] = {}
        for path, data in plots.items():
            if bundle.IMAGE.fullmatch(names[path]) and names[path] not in images:
                images[names[path]] = data
            else:
                self.warn(f"{path}: a bundle holds only plots/<name>.png; left out of the comment")

        def bundled(path: str) -> str | None:
            name = names.get(path)
            return name if name in images else None

        # Room for the trusted job's marker and footer, and for URLs longer than the paths.
        room = sticky.MAX_CHARS - 1_000 - URL_ROOM * len(images)
        text = sticky.fit(
            lambda limit: report.render(bundled, limit, None),
            room,
            min(sticky.MAX_BYTES - 4 * URL_ROOM * len(images), bundle.MAX_MARKDOWN_BYTES),
        )
        event = self.env.event
        head = ((event.get("pull_request") or {}).get("head") or {}).get("sha")
        head_sha = head if isinstance(head, str) and bundle.SHA.fullmatch(head) else self.env.sha
        if head_sha is not None and not bundle.SHA.fullmatch(head_sha):
            head_sha = None
        from modelci import fsutil, protected

        reads = [path for directory in self.args.dir for path in protected.report_inputs(directory)]
        fsutil.check_replaceable(outdir, marker=bundle.METADATA, inputs=reads, flag="--bundle")
        bundle.write_bundle(
            bundle.CommentBundle(
                markdown=text,
                key=key,
                images=images,
                run_id=self.env.run_id,
                run_attempt=self.env.run_attempt,
                head_sha=head_sha,
                pr_number_claimed=pr,
            ),
            outdir,
        )
        if not self._summary_written:
            self.summary(
                sticky.fit(
                    lambda limit: report.render(lambda path: None, limit, None),
                    SUMMARY_LIMIT,
                    SUMMARY_LIMIT,
                )
            )
        why = (
            f"Posting is forbidden here ({_short(reason)}): a pull request from a fork gets a "
            "read-only token. "
            if reason is not None
            else ""
        )
        if reason is not None and is_fork(event) is False:
            why += (
                "This pull request is not from a fork: grant the job `pull-requests: write` and "
                "`contents: write` to post directly. "
            )
        print(
            workflow_command(
                "notice" if reason is None or is_fork(event) is not False else "warning",
                f"{why}modelci wrote the comment bundle to {outdir}/. Upload that directory "
                f"with actions/upload-artifact as an artifact named {ARTIFACT_NAME}; the "
                "post-comment.yml workflow (on: workflow_run) then posts it on the pull request "
                "with `modelci comment --from-run`.",
            ),
            file=self.out,
            flush=True,
        )
        set_outputs(self.env, {"bundle-dir": str(outdir), "comment-action": "bundled"})
        return 0

    # -- the trusted workflow_run job ------------------------------------------------------------

    def post_from_run(self, run_id: int) -> int:
        import json

        from modelci.errors import UserError
        from modelci.github.environment import set_outputs
        from modelci.pull_request import bundle, sticky

        args, env = self.args, self.env
        if args.dir or args.pr is not None or args.bundle is not None:
            raise _usage(
                "--from-run takes no DIR, --pr or --bundle: the bundle comes from the run, and "
                "the pull request from GitHub's record of it"
            )
        author = sticky.comment_author(args.author)
        owner, repo = self.repository()
        self.token()
        github = self.github()
        found = bundle.list_bundle_artifacts(github, owner, repo, run_id)
        for name in found.skipped:
            self.warn(
                f"workflow run {run_id}: artifact {name} not posted, past the "
                f"{bundle.MAX_BUNDLES} comment bundles one run may post"
            )
        if not found.live:
            if found.expired:
                raise UserError(
                    f"workflow run {run_id} has only expired comment bundles "
                    f"({', '.join(found.expired)})",
                    fix="rerun the pull request's workflow to upload them again",
                )
            print(
                workflow_command(
                    "notice",
                    f"modelci comment: workflow run {run_id} has no {ARTIFACT_NAME} artifact, so "
                    "there is nothing to post (the pull request's job posted its comment "
                    "directly, or wrote no bundle).",
                ),
                file=self.out,
                flush=True,
            )
            set_outputs(env, {"comment-action": "none", "comments": "[]"})
            return 0
        for name in found.expired:
            self.warn(f"workflow run {run_id}: artifact {name} has expired; not posted")
        if args.key and len(found.live) > 1:
            raise _usage(
                f"--key names one comment, but workflow run {run_id} has {len(found.live)} "
                "comment bundles, each with its own key",
                fix="leave out --key",
            )
        pr, head_sha = bundle.find_pull_request(github, owner, repo, run_id)
        posted: list[dict[str, Any]] = []
        refused: list[tuple[str, Exception]] = []
        keys: set[str] = set()
        several = len(found.live) > 1
        with tempfile.TemporaryDirectory(prefix="modelci-bundle-") as workdir:
            for artifact in found.live:
                name = str(artifact["name"])
                try:
                    archive = bundle.download_artifact(github, owner, repo, artifact, Path(workdir))
                    received = bundle.read_untrusted_bundle(archive)
                    archive.unlink()
                    bundle.check_head_sha(
                        received, head_sha, what=f"artifact {name}", run_id=run_id
                    )
                    key = sticky.validate_key(args.key or received.key)
                    if key in keys:
                        raise UserError(
                            f"comment bundle refused: artifact {name} has the key {key!r} of "
                            "another bundle of this run; nothing posted for it"
                        )
                    keys.add(key)
                    result = self.post_bundle(
                        received,
                        key=key,
                        pr=pr,
                        run_id=run_id,
                        author=author,
                        folder=f"comment-{key}" if several else "",
                        share=len(found.live),
                    )
                except UserError as error:
                    refused.append((name, error))
                    if several:
                        print(workflow_command("error", error.line()), file=self.out, flush=True)
                    continue
                posted.append(
                    {
                        "artifact": name,
                        "key": key,
                        "url": result.url,
                        "id": result.id,
                        "action": result.action,
                    }
                )
                print(result.url, file=self.out, flush=True)
        outputs = {"pr-number": str(pr), "comments": json.dumps(posted)}
        if posted:
            last = posted[-1]
            outputs.update(
                {
                    "comment-url": last["url"],
                    "comment-id": str(last["id"]),
                    "comment-action": last["action"],
                }
            )
        set_outputs(env, outputs)
        if refused and not several:
            raise refused[0][1]
        if refused:
            raise UserError(
                f"{len(refused)} of {len(found.live)} comment bundles of workflow run {run_id} "
                f"refused ({', '.join(name for name, _ in refused)}); see the errors above"
            )
        return 0

    def post_bundle(
        self,
        received: Any,
        *,
        key: str,
        pr: int,
        run_id: int,
        author: str,
        folder: str,
        share: int,
    ) -> Any:
        """Post one received bundle as the sticky comment `key`; `share` bundles split the summary.

        With several bundles, each one's plots go under `<folder>/` in the run's assets folder, so
        that bundles with the same plot names do not overwrite each other's.
        """
        from modelci.pull_request import plot_branch, sticky

        env = self.env
        owner, repo = self.repository()
        github = self.github()
        urls: dict[str, str] = {}
        if received.images and self.args.images == "branch":
            attempt = received.run_attempt if type(received.run_attempt) is int else None
            prefix = f"{folder}/" if folder else ""
            uploaded = plot_branch.upload_images(
                github,
                owner,
                repo,
                {prefix + path: data for path, data in received.images.items()},
                pr=pr,
                run_id=run_id,
                run_attempt=attempt if attempt and 0 < attempt < 1000 else 1,
                server_url=env.server_url,
                log=self.warn,
            ).urls
            urls = {path: uploaded[prefix + path] for path in received.images}
        text = relink_images(neutralize_mentions(received.markdown), urls, set(received.images))
        summary_url = self.run_url(run_id)
        self.summary(
            f"modelci: the report of workflow run {run_id}, posted on pull request #{pr}"
            f" (comment {key})\n\n"
            + sticky.truncate_markdown(
                text, SUMMARY_LIMIT // 4 // share, (SUMMARY_LIMIT - 1_000) // share - 1_000
            )
        )
        body = sticky.compose_body(text, key=key, summary_url=summary_url)
        return sticky.upsert_comment(
            github,
            owner,
            repo,
            pr,
            body,
            key=key,
            author_login=author,
            log=self.warn,
        )

    # -- shared ------------------------------------------------------------------------------------

    def done(self, result: Any, extra: Mapping[str, str] | None = None) -> int:
        from modelci.github.environment import set_outputs

        set_outputs(
            self.env,
            {
                "comment-url": result.url,
                "comment-id": str(result.id),
                "comment-action": result.action,
                **(extra or {}),
            },
        )
        print(result.url, file=self.out, flush=True)
        return 0

    def github(self) -> Any:
        if self._github is None:
            from modelci.github.client import GitHub

            self._github = GitHub.from_environment(self.env)
            self._own_github = True
        return self._github

    def repository(self) -> tuple[str, str]:
        return self.env.require_repository()

    def token(self) -> str:
        from modelci.errors import UserError

        if self._github is None and not self.env.token:
            name = self.args.token_env
            raise UserError(
                f"no GitHub token in ${name}",
                fix=f"Pass the workflow's token to the step (env: {name}: ${{{{ github.token }}}}), "
                "or write a bundle with --bundle for a trusted workflow to post",
            )
        return self.env.token or ""

    def run_url(self, run_id: int | None) -> str | None:
        if run_id is None or not self.env.repository:
            return None
        return f"{self.env.server_url}/{self.env.repository}/actions/runs/{run_id}"

    def summary(self, text: str) -> None:
        from modelci.github.environment import append_step_summary

        append_step_summary(self.env, text)
        self._summary_written = True

    def warn(self, text: str) -> None:
        print(workflow_command("warning", f"modelci comment: {text}"), file=self.out, flush=True)


def _default_bundle() -> Path:
    return Path(DEFAULT_BUNDLE_DIR)


def _short(error: Exception | None) -> str:
    if error is None:
        return ""
    line = getattr(error, "line", None)
    text = line() if callable(line) else str(error)
    return " ".join(str(text).split())[:200]


def _usage(message: str, *, fix: str | None = None) -> Exception:
    from modelci.errors import UserError

    return UserError(message, fix=fix)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
