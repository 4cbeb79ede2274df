"""Posting the report comment: directly from the pull request's job, or as a bundle for later.

`post_report` commits the plots to the assets branch, writes the job summary and upserts the
sticky comment; where GitHub forbids posting (a fork's read-only token) it writes the bundle
instead (`write_comment_bundle`), which a trusted job posts with `modelci.pull_request.from_run`.
Both paths post a `Rendering` through `publish`, so a comment looks the same whoever posts it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from modelci.github import ActionsEnvironment, workflow
from modelci.github.client import Forbidden, GitHub
from modelci.pull_request import bundle, plot_branch, rendering, sticky

SUMMARY_LIMIT = 1 << 20  # GitHub drops a step summary over 1 MiB
DEFAULT_BUNDLE_DIR = "modelci-comment"
ARTIFACT_NAME = bundle.DEFAULT_ARTIFACT


class StepLog:
    """What a comment step writes besides the comment: log annotations, the job summary, the
    step outputs, and the URL of each comment on stdout."""

    def __init__(self, env: ActionsEnvironment, out: TextIO):
        self.env = env
        self.out = out
        self.summary_written = False
        self._warned: set[str] = set()

    def annotate(self, kind: str, text: str) -> None:
        print(workflow.command(kind, text), file=self.out, flush=True)

    def warn(self, text: str) -> None:
        """A warning annotation, once: the bundle reads the plots the comment already read."""
        if text not in self._warned:
            self._warned.add(text)
            self.annotate("warning", f"modelci comment: {text}")

    def print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def summary(self, markdown: str) -> None:
        workflow.append_summary(markdown, env=self.env)
        self.summary_written = True

    def outputs(self, values: Mapping[str, str]) -> None:
        workflow.set_outputs(values, env=self.env)

    def run_url(self, run_id: int | None) -> str | None:
        if run_id is None or not self.env.repository:
            return None
        return f"{self.env.server_url}/{self.env.repository}/actions/runs/{run_id}"


@dataclass(frozen=True, kw_only=True)
class Target:
    """Which sticky comment: the repository, the pull request, the key, and whose comments."""

    owner: str
    repo: str
    pr: int
    key: str
    author: str


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


# -- posting -----------------------------------------------------------------------------------


def upload_plots(
    github: GitHub,
    log: StepLog,
    plots: Mapping[str, bytes],
    *,
    target: Target,
    run_id: int | None,
    run_attempt: int | None,
    folder: str = "",
) -> dict[str, str]:
    """Commit the plots to the assets branch (under `folder/` when given); their URLs by path."""
    from modelci import progress

    if not plots:
        return {}
    prefix = f"{folder}/" if folder else ""
    uploaded = plot_branch.upload_images(
        github,
        target.owner,
        target.repo,
        {prefix + path: data for path, data in plots.items()},
        pr=target.pr,
        run_id=run_id,
        run_attempt=run_attempt,
        server_url=log.env.server_url,
        log=log.warn,
    )
    progress.current.info(
        f"committed {len(uploaded.urls)} plots to {uploaded.branch} at "
        f"{uploaded.commit_sha[:12]} ({uploaded.requests} requests)"
    )
    return {path: uploaded.urls[prefix + path] for path in plots}


def publish(
    github: GitHub,
    log: StepLog,
    content: rendering.Rendering,
    urls: Mapping[str, str],
    *,
    target: Target,
    summary_url: str | None,
    summary_heading: str = "",
    summary_share: int = 1,
) -> sticky.CommentResult:
    """Write the job summary (`summary_share` comments split it) and upsert the comment."""

    def render(limit: int, *, link: str | None = summary_url) -> str:
        return content.render(urls.get, limit, link)

    room = SUMMARY_LIMIT // summary_share - len(summary_heading.encode("utf-8"))
    log.summary(summary_heading + sticky.fit(lambda limit: render(limit, link=None), room, room))
    body = sticky.compose_body(render, key=target.key, summary_url=summary_url)
    return sticky.upsert_comment(
        github,
        target.owner,
        target.repo,
        target.pr,
        body,
        key=target.key,
        author_login=target.author,
        log=log.warn,
    )


def post_report(
    github: GitHub,
    log: StepLog,
    directories: Sequence[Path],
    content: rendering.Rendering,
    *,
    target: Target,
    images: bool,
) -> int:
    """Post `content` (the report of `directories`) on the pull request; where posting is
    forbidden, write the bundle of `directories` instead."""
    env = log.env

    def fall_back(error: Forbidden) -> int:
        return write_comment_bundle(
            log,
            directories,
            content,
            key=target.key,
            pr=target.pr,
            images=images,
            outdir=Path(DEFAULT_BUNDLE_DIR),
            reason=error,
        )

    try:
        urls = upload_plots(
            github,
            log,
            content.plots,
            target=target,
            run_id=env.run_id,
            run_attempt=env.run_attempt,
        )
    except Forbidden as error:
        if is_fork(env.event) is not False:
            return fall_back(error)
        log.warn(
            f"cannot commit the plots ({error.line()}); posting the comment without "
            "them. Grant the workflow `contents: write` to show them."
        )
        urls = {}
    try:
        result = publish(
            github, log, content, urls, target=target, summary_url=log.run_url(env.run_id)
        )
    except Forbidden as error:
        return fall_back(error)
    log.outputs(outcome_outputs(result))
    log.print(result.url)
    return 0


def outcome_outputs(result: sticky.CommentResult) -> dict[str, str]:
    return {
        "comment-url": result.url,
        "comment-id": str(result.id),
        "comment-action": result.action,
    }


# -- the fork path: a bundle for the trusted workflow ------------------------------------------


def write_comment_bundle(
    log: StepLog,
    directories: Sequence[Path],
    content: rendering.Rendering,
    *,
    key: str,
    pr: int | None,
    images: bool,
    outdir: Path,
    reason: Exception | None,
) -> int:
    """Write the documents and plots of `directories` as a bundle in `outdir`, and say what next."""
    env = log.env
    event = env.event
    head = ((event.get("pull_request") or {}).get("head") or {}).get("sha")
    head_sha = head if isinstance(head, str) and bundle.SHA.fullmatch(head) else env.sha
    if head_sha is not None and not bundle.SHA.fullmatch(head_sha):
        head_sha = None
    from modelci import fsutil, protected

    reads = [path for directory in directories for path in protected.report_inputs(directory)]
    fsutil.check_replaceable(outdir, marker=bundle.METADATA, inputs=reads, flag="--bundle")
    bundle.write_bundle(
        bundle.CommentBundle(
            key=key,
            reports=rendering.bundled_reports(directories, images=images, warn=log.warn),
            run_id=env.run_id,
            run_attempt=env.run_attempt,
            head_sha=head_sha,
            pr_number_claimed=pr,
        ),
        outdir,
    )
    if not log.summary_written:
        log.summary(
            sticky.fit(
                lambda limit: content.render(lambda path: None, limit, None),
                SUMMARY_LIMIT,
                SUMMARY_LIMIT,
            )
        )
    fork = is_fork(event)
    why = (
        f"Posting is forbidden here ({_short(reason)}): a pull request from a fork gets a "
        "read-only token. "
        if reason is not None
        else ""
    )
    if reason is not None and fork is False:
        why += (
            "This pull request is not from a fork: grant the job `pull-requests: write` and "
            "`contents: write` to post directly. "
        )
    log.annotate(
        "notice" if reason is None or fork is not False else "warning",
        f"{why}modelci wrote the comment bundle to {outdir}/. Upload that directory "
        f"with actions/upload-artifact as an artifact named {ARTIFACT_NAME}; the "
        "post-comment.yml workflow (on: workflow_run) then posts it on the pull request "
        "with `modelci comment --from-run`.",
    )
    log.outputs({"bundle-dir": str(outdir), "comment-action": "bundled"})
    return 0


def _short(error: Exception | None) -> str:
    if error is None:
        return ""
    line: Callable[[], str] | None = getattr(error, "line", None)
    text = line() if callable(line) else str(error)
    return " ".join(str(text).split())[:200]
