"""Publishing a run as a GitHub release: draft first, every asset uploaded, then published.

A release becomes public (and, on a repository with immutable releases, frozen) only by the
last call, so a failure anywhere before it leaves a draft that the next run reuses: assets
already uploaded with the same bytes are kept, others are replaced, nothing is duplicated.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import documents
from modelci.errors import ExternalError, UserError
from modelci.github.client import Forbidden, GitHubError, Unauthorized
from modelci.release import card, contents, notes, tags
from modelci.release.contents import AssetFile
from modelci.release.remote import Release, RepoReleases, same_content
from modelci.release.tags import ReleaseTag

Log = Callable[[str], None]
METRICS_LIMIT = 10 << 20


@dataclass(frozen=True, kw_only=True)
class Published:
    """What a publish did; the command turns it into outputs."""

    tag: str
    release_id: int
    url: str
    draft: bool
    prerelease: bool
    make_latest: str | None
    assets: dict[str, str]  # asset name → download URL
    uploaded: tuple[str, ...]
    unchanged: tuple[str, ...]
    created: bool
    previous: str | None = None
    checksums: str = ""  # the SHA256SUMS asset's text (for attestations: subject-checksums)


class ReleasePublisher:
    """Draft → upload → publish, for one repository's releases."""

    def __init__(self, releases: RepoReleases, *, log: Log = print, warn: Log = print):
        self.releases = releases
        self.log = log
        self.warn = warn

    def publish(
        self,
        *,
        tag: ReleaseTag,
        body: str,
        files: Sequence[AssetFile],
        existing: Release | None,
        make_latest: str,
        target: str | None = None,
        draft_only: bool = False,
    ) -> Published:
        created = existing is None
        if existing is None:
            release = self.releases.create_draft(
                tag=tag.raw, name=tag.title, body=body, prerelease=tag.prerelease, target=target
            )
            self.log(f"created draft release {tag.raw}")
        elif existing.get("draft"):
            release = self.releases.update(
                int(existing["id"]), name=tag.title, body=body, prerelease=tag.prerelease
            )
            self.log(f"reusing draft release {tag.raw}")
        else:
            release = existing
        current = {a["name"]: a for a in self.releases.assets(int(release["id"]))}
        changed = [f.name for f in files if not _kept(current.get(f.name), f)]
        if not release.get("draft") and changed:
            if release.get("immutable"):
                raise UserError(
                    f"release {tag.raw} is already published and immutable, and its "
                    f"{', '.join(changed)} differ from this run's",
                    fix="Publish the run under a new version tag",
                )
            self.warn(
                f"release {tag.raw} is already published; replacing {', '.join(changed)} in place"
            )

        uploaded: list[str] = []
        urls = {name: str(a.get("browser_download_url") or "") for name, a in current.items()}
        try:
            for file in files:
                if file.name not in changed:
                    continue
                asset = self.releases.upload(release, file)
                uploaded.append(file.name)
                urls[file.name] = str(asset.get("browser_download_url") or "")
                self.log(f"uploaded {file.name} ({file.size} bytes)")
            if draft_only:
                final = release
            elif release.get("draft") or _differs(release, tag, body):
                fields: dict[str, Any] = {
                    "name": tag.title,
                    "body": body,
                    "prerelease": tag.prerelease,
                    "make_latest": make_latest,
                }
                if release.get("draft"):
                    fields["draft"] = False
                final = self.releases.update(int(release["id"]), **fields)
            else:
                final = release
        except GitHubError as error:
            if not release.get("draft"):
                raise
            raise ExternalError(
                f"{error.message}; the release {tag.raw} was left as an unpublished draft "
                f"({release.get('html_url')})",
                fix=f"{error.fix or ''} Then re-run: the draft is reused and finished".strip(),
            ) from error
        for asset in final.get("assets") or []:
            if asset.get("name") in urls and asset.get("browser_download_url"):
                urls[asset["name"]] = str(asset["browser_download_url"])
        names = [f.name for f in files]
        return Published(
            tag=tag.raw,
            release_id=int(final["id"]),
            url=str(final.get("html_url") or ""),
            draft=bool(final.get("draft")),
            prerelease=bool(final.get("prerelease")),
            make_latest=None if draft_only else make_latest,
            assets={name: urls.get(name, "") for name in names},
            uploaded=tuple(uploaded),
            unchanged=tuple(n for n in names if n not in uploaded),
            created=created,
        )


def _kept(asset: Mapping[str, Any] | None, file: AssetFile) -> bool:
    return asset is not None and same_content(asset, file)


def _differs(release: Mapping[str, Any], tag: ReleaseTag, body: str) -> bool:
    return (
        release.get("name") != tag.title
        or (release.get("body") or "") != body
        or bool(release.get("prerelease")) != tag.prerelease
    )


def publish_run(
    run_dir: Path,
    *,
    tag: ReleaseTag,
    releases: RepoReleases,
    server_url: str,
    target: str | None = None,
    draft_only: bool = False,
    log: Log = print,
    warn: Log = print,
) -> Published:
    """Publish the evaluated run in `run_dir` as the release `tag` (see the module docstring)."""
    run = contents.open_run(run_dir, warn=warn)
    if tag.name and run.name and tag.name != run.name:
        raise UserError(
            f"tag {tag.raw} is for model {tag.name!r}, but {run_dir} is a run of model "
            f"{run.name!r} (name: in its config)",
            fix=f"Tag it {run.name}@v{tag.version}, or publish the run of {tag.name!r}",
        )
    if run.name and not tag.name:
        warn(
            f"{run_dir} is a run of model {run.name!r} but {tag.raw} has no '{run.name}@' "
            f"prefix; `modelci baseline --from release:latest` looks for {run.name}@ tags"
        )
    listing = releases.list_all()
    previous = tags.previous_release(listing, tag)
    previous_metrics, problem = _previous_metrics(releases, previous, warn)
    trend = _trend(releases, listing, tag, run, warn)
    card_text = card.render(card.build(run.info, run.evaluation, tag=tag))
    body = notes.render(
        notes.build(
            tag=tag,
            info=run.info,
            evaluation=run.evaluation,
            metrics=run.metrics.values,
            card_url=releases.download_url(server_url, tag.raw, contents.MODEL_CARD),
            sums_url=releases.download_url(server_url, tag.raw, contents.SHA256SUMS),
            previous_tag=str(previous["tag_name"]) if previous else None,
            previous_url=(previous or {}).get("html_url"),
            previous_metrics=previous_metrics,
            previous_problem=problem,
            trend_url=None
            if trend is None
            else releases.download_url(server_url, tag.raw, contents.HISTORY_PLOT),
            trend_releases=0 if trend is None else trend[1],
        )
    )
    files = contents.release_assets(
        run, card=card_text, trend_png=None if trend is None else trend[0]
    )
    published = ReleasePublisher(releases, log=log, warn=warn).publish(
        tag=tag,
        body=body,
        files=files,
        existing=releases.find(tag.raw, listing),
        make_latest=tags.make_latest(listing, tag),
        target=target,
        draft_only=draft_only,
    )
    checksums = contents.sha256sums(f for f in files if f.name != contents.SHA256SUMS)
    return dataclasses.replace(
        published,
        previous=str(previous["tag_name"]) if previous else None,
        checksums=checksums,
    )


def _trend(
    releases: RepoReleases,
    listing: Sequence[Mapping[str, Any]],
    tag: ReleaseTag,
    run: contents.ReleaseRun,
    warn: Log,
) -> tuple[bytes, int] | None:
    """The trend plot over the model's previous releases (up to the run's compare.history) and
    this one, and how many previous releases it shows; None for a first release."""
    from modelci import history_plot, release_history
    from modelci.config import CompareConfig

    count = CompareConfig.from_dict(run.info.section("compare")).history
    points = release_history.previous_points(releases, listing, tag, count, warn=warn)
    gates = run.info.config.get("gates")
    gated = list(gates) if isinstance(gates, Mapping) else []
    trend = history_plot.of_release(points, tag.raw, run.evaluation, gated)
    drawn = None if trend is None else history_plot.png(trend)
    return None if drawn is None else (drawn, len(points))


def _previous_metrics(
    releases: RepoReleases, previous: Mapping[str, Any] | None, warn: Log
) -> tuple[dict[str, Any] | None, str | None]:
    """The previous release's metrics.json, or why there is none to compare with."""
    if previous is None:
        return None, None
    name = f"`{previous['tag_name']}`"  # markdown: in plain text name@v1 is a mention
    asset = next((a for a in previous.get("assets") or [] if a.get("name") == "metrics.json"), None)
    if asset is None:
        return None, f"{name} has no metrics.json asset"
    with tempfile.TemporaryDirectory(prefix="modelci-previous-") as scratch:
        dest = Path(scratch) / "metrics.json"
        try:
            releases.download(asset, dest, max_bytes=METRICS_LIMIT)
            data = documents.read_metrics(dest)
        except (Unauthorized, Forbidden):
            raise
        except GitHubError as error:
            warn(f"could not read metrics.json of {previous['tag_name']}: {error.message}")
            return None, f"metrics.json of {name} could not be read"
        except UserError as error:
            warn(f"metrics.json of {previous['tag_name']}: {error.message}")
            return None, f"metrics.json of {name} is not a modelci metrics file"
    return dict(data.values), None
