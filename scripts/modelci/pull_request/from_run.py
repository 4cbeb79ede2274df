"""The trusted `workflow_run` job: post every comment bundle a pull request's run uploaded.

Each bundle is read as hostile (`bundle.read_untrusted_bundle`), refused when rendered for
another head commit than GitHub says the run built, rendered here from its documents
(`rendering.from_bundle`) and posted into the sticky comment of its key on the pull request
GitHub's record of the run names (`bundle.find_pull_request`), never the one the bundle claims.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.errors import UserError
from modelci.github.client import GitHub
from modelci.pull_request import bundle, rendering, sticky
from modelci.pull_request.comment_flow import (
    ARTIFACT_NAME,
    StepLog,
    Target,
    outcome_outputs,
    publish,
    upload_plots,
)


@dataclass(frozen=True, kw_only=True)
class Options:
    """What the trusted job's command line may choose: everything else comes from GitHub."""

    run_id: int
    key: str | None  # one key for the run's only bundle; None: each bundle's own
    author: str
    images: bool


def post_from_run(github: GitHub, log: StepLog, *, owner: str, repo: str, options: Options) -> int:
    """Post the run's bundles; exit 0 when every one was posted (or the run uploaded none)."""
    run_id = options.run_id
    found = bundle.list_bundle_artifacts(github, owner, repo, run_id)
    for name in found.skipped:
        log.warn(
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
        log.annotate(
            "notice",
            f"modelci comment: workflow run {run_id} has no {ARTIFACT_NAME} artifact, so "
            "there is nothing to post (the pull request's job posted its comment "
            "directly, or wrote no bundle).",
        )
        log.outputs({"comment-action": "none", "comments": "[]"})
        return 0
    for name in found.expired:
        log.warn(f"workflow run {run_id}: artifact {name} has expired; not posted")
    several = len(found.live) > 1
    if options.key and several:
        raise UserError(
            f"--key names one comment, but workflow run {run_id} has {len(found.live)} "
            "comment bundles, each with its own key",
            fix="leave out --key",
        )
    pr, head_sha = bundle.find_pull_request(github, owner, repo, run_id)
    posted: list[dict[str, Any]] = []
    refused: list[tuple[str, UserError]] = []
    keys: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="modelci-bundle-") as workdir:
        for artifact in found.live:
            name = str(artifact["name"])
            try:
                archive = bundle.download_artifact(github, owner, repo, artifact, Path(workdir))
                received = bundle.read_untrusted_bundle(archive)
                archive.unlink()
                bundle.check_head_sha(received, head_sha, what=f"artifact {name}", run_id=run_id)
                key = sticky.validate_key(options.key or received.key)
                if key in keys:
                    raise UserError(
                        f"comment bundle refused: artifact {name} has the key {key!r} of "
                        "another bundle of this run; nothing posted for it"
                    )
                keys.add(key)
                result = _post_bundle(
                    github,
                    log,
                    received,
                    target=Target(owner=owner, repo=repo, pr=pr, key=key, author=options.author),
                    options=options,
                    folder=f"comment-{key}" if several else "",
                    share=len(found.live),
                )
            except UserError as error:
                refused.append((name, error))
                if several:
                    log.annotate("error", error.line())
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
            log.print(result.url)
    outputs = {"pr-number": str(pr), "comments": json.dumps(posted)}
    if posted:
        last = posted[-1]
        outputs.update(
            outcome_outputs(
                sticky.CommentResult(id=last["id"], url=last["url"], action=last["action"])
            )
        )
    log.outputs(outputs)
    if refused and not several:
        raise refused[0][1]
    if refused:
        raise UserError(
            f"{len(refused)} of {len(found.live)} comment bundles of workflow run {run_id} "
            f"refused ({', '.join(name for name, _ in refused)}); see the errors above"
        )
    return 0


def _post_bundle(
    github: GitHub,
    log: StepLog,
    received: bundle.CommentBundle,
    *,
    target: Target,
    options: Options,
    folder: str,
    share: int,
) -> sticky.CommentResult:
    """Render one bundle here and post it as the sticky comment `target.key`.

    With several bundles, each one's plots go under `<folder>/` in the run's assets folder, so
    that bundles with the same plot names do not overwrite each other's; they share the summary.
    """
    content = rendering.from_bundle(received)
    attempt = received.run_attempt
    urls = (
        upload_plots(
            github,
            log,
            content.plots,
            target=target,
            run_id=options.run_id,
            run_attempt=attempt if attempt and 0 < attempt < 1000 else 1,
            folder=folder,
        )
        if options.images
        else {}
    )
    return publish(
        github,
        log,
        content,
        urls,
        target=target,
        summary_url=log.run_url(options.run_id),
        summary_heading=(
            f"modelci: the report of workflow run {options.run_id}, posted on pull request "
            f"#{target.pr} (comment {target.key})\n\n"
        ),
        summary_share=share,
    )
