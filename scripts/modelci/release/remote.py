"""The GitHub release calls modelci makes, over the `GitHub` client it is given.

Two GitHub behaviours shape this module:
- `GET /releases/tags/{tag}` never returns a draft, so finding "our" release, draft or not,
  means listing the releases (`find`);
- an upload whose name is taken answers 422 `already_exists`. `upload` then looks the asset up:
  the same bytes (a retried upload whose first attempt landed after all) are kept, anything
  else (a previous run's file, a broken `starter` upload) is deleted and uploaded again — the
  sequence octokit's `release-assets-conflict` recording shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from modelci.errors import UserError
from modelci.github.client import GitHub, NotFound, Unprocessable
from modelci.release.contents import AssetFile

Release = dict[str, Any]
Asset = dict[str, Any]


def parse_repository(text: str | None, *, flag: str = "--repo") -> tuple[str, str]:
    """(owner, name) from "OWNER/REPO" (--repo, or $GITHUB_REPOSITORY when it is not given).

    >>> parse_repository("octo-org/demo")
    ('octo-org', 'demo')
    """
    owner, _, name = (text or "").strip().partition("/")
    if not owner or not name or "/" in name:
        raise UserError(
            f"the repository must look like OWNER/REPO, got {text!r}",
            fix=f"Pass {flag} OWNER/REPO, or run inside GitHub Actions (GITHUB_REPOSITORY)",
        )
    return owner, name


def same_content(asset: Mapping[str, Any], file: AssetFile) -> bool:
    """Whether an uploaded asset holds exactly `file`: complete, same size and sha256 digest.

    Without GitHub's `digest` (older assets, older GHES) nothing can be shown equal.
    """
    return (
        asset.get("state", "uploaded") == "uploaded"
        and asset.get("size") == file.size
        and str(asset.get("digest") or "").lower() == f"sha256:{file.sha256}"
    )


@dataclass(frozen=True)
class RepoReleases:
    """The releases of one repository."""

    github: GitHub
    owner: str
    repo: str

    @property
    def _base(self) -> str:
        return f"/repos/{quote(self.owner, safe='')}/{quote(self.repo, safe='')}/releases"

    def list_all(self) -> list[Release]:
        """Every release, newest first; drafts only when the token may push."""
        return list(self.github.paginate(self._base))

    def by_tag(self, tag: str) -> Release | None:
        """The published release of `tag` (never a draft), or None."""
        try:
            return self.github.get(f"{self._base}/tags/{quote(tag, safe='')}")
        except NotFound:
            return None

    def find(self, tag: str, releases: list[Release] | None = None) -> Release | None:
        """The release of `tag`, draft or published (a published one wins; then the newest)."""
        matches = [
            r
            for r in (self.list_all() if releases is None else releases)
            if r.get("tag_name") == tag
        ]
        published = [r for r in matches if not r.get("draft")]
        return (published or matches)[0] if matches else None

    def create_draft(
        self,
        *,
        tag: str,
        name: str,
        body: str,
        prerelease: bool,
        target: str | None = None,
    ) -> Release:
        payload: dict[str, Any] = {
            "tag_name": tag,
            "name": name,
            "body": body,
            "draft": True,
            "prerelease": prerelease,
        }
        if target:
            payload["target_commitish"] = target
        return self.github.post(self._base, json=payload)

    def update(self, release_id: int, **fields: Any) -> Release:
        return self.github.patch(f"{self._base}/{int(release_id)}", json=fields)

    def assets(self, release_id: int) -> list[Asset]:
        return list(self.github.paginate(f"{self._base}/{int(release_id)}/assets"))

    def delete_asset(self, asset_id: int) -> None:
        self.github.delete(f"{self._base}/assets/{int(asset_id)}")

    def upload(
        self, release: Mapping[str, Any], file: AssetFile, *, label: str | None = None
    ) -> Asset:
        """Upload `file` to the release; replaces a same-name asset with other content."""
        try:
            return self._post(release, file, label)
        except Unprocessable as error:
            if "already_exists" not in error.error_codes:
                raise
        existing = next(
            (a for a in self.assets(int(release["id"])) if a.get("name") == file.name), None
        )
        if existing is not None and same_content(existing, file):
            return existing
        if existing is not None:
            self.delete_asset(int(existing["id"]))
        return self._post(release, file, label)

    def _post(self, release: Mapping[str, Any], file: AssetFile, label: str | None) -> Asset:
        return self.github.upload(
            str(release["upload_url"]),
            name=file.name,
            data=file.source,
            content_type=file.content_type,
            label=label,
        )

    def download(self, asset: Mapping[str, Any], dest: Path, *, max_bytes: int = 1 << 30) -> int:
        """An asset's bytes into `dest` (through the API, so private repositories work)."""
        return self.github.download(
            f"{self._base}/assets/{int(asset['id'])}", dest, max_bytes=max_bytes
        )

    def download_url(self, server_url: str, tag: str, name: str) -> str:
        """The browser URL an asset of a published release has."""
        return (
            f"{server_url.rstrip('/')}/{quote(self.owner)}/{quote(self.repo)}/releases/download/"
            f"{quote(tag, safe='@')}/{quote(name)}"
        )
