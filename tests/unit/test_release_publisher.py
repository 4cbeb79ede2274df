"""`ReleasePublisher` against an in-memory stand-in for a repository's releases: the order of
calls, and the cases the fake GitHub cannot show (immutable releases, a failed publish call)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from modelci.errors import ExternalError, UserError
from modelci.github.client import Unauthorized
from modelci.release.contents import AssetFile
from modelci.release.publish import ReleasePublisher
from modelci.release.tags import parse_tag

FILES = [AssetFile.from_bytes("run.json", b"{}"), AssetFile.from_bytes("SHA256SUMS", b"x\n")]


def uploaded(file: AssetFile, asset_id: int) -> dict[str, Any]:
    return {
        "id": asset_id,
        "name": file.name,
        "size": file.size,
        "state": "uploaded",
        "digest": "sha256:" + hashlib.sha256(file.source).hexdigest(),  # type: ignore[arg-type]
        "browser_download_url": f"https://h/o/r/releases/download/v1/{file.name}",
    }


class Releases:
    """Records calls; `fail` maps a call name to the exception it raises."""

    def __init__(self, existing: list[dict[str, Any]] | None = None, **fail: Exception):
        self.calls: list[tuple[str, Any]] = []
        self.held = list(existing or [])
        self.fail = fail

    def _call(self, name: str, detail: Any = None) -> None:
        self.calls.append((name, detail))
        if name in self.fail:
            raise self.fail[name]

    def create_draft(self, **fields: Any) -> dict[str, Any]:
        self._call("create", fields)
        return {
            "id": 1,
            "draft": True,
            "html_url": "https://h/o/r/releases/tag/untagged-1",
            **fields,
        }

    def update(self, release_id: int, **fields: Any) -> dict[str, Any]:
        self._call("update", fields)
        return {
            "id": release_id,
            "draft": fields.get("draft", True),
            "html_url": "https://h/r",
            "prerelease": fields.get("prerelease"),
            "assets": self.held,
        }

    def assets(self, release_id: int) -> list[dict[str, Any]]:
        self._call("assets")
        return list(self.held)

    def upload(self, release: Any, file: AssetFile) -> dict[str, Any]:
        self._call("upload", file.name)
        asset = uploaded(file, 100 + len(self.held))
        self.held.append(asset)
        return asset


def publish(releases: Releases, existing: dict[str, Any] | None, **kwargs: Any) -> Any:
    return ReleasePublisher(releases, log=lambda t: None, warn=lambda t: None).publish(  # type: ignore[arg-type]
        tag=parse_tag(kwargs.pop("tag", "v1.0.0")),
        body="notes",
        files=FILES,
        existing=existing,
        make_latest=kwargs.pop("make_latest", "true"),
        **kwargs,
    )


def test_draft_then_assets_then_publish() -> None:
    releases = Releases()
    done = publish(releases, None)
    assert [c[0] for c in releases.calls] == ["create", "assets", "upload", "upload", "update"]
    assert releases.calls[0][1]["prerelease"] is False
    assert releases.calls[-1][1] == {
        "name": "v1.0.0",
        "body": "notes",
        "prerelease": False,
        "make_latest": "true",
        "draft": False,
    }
    assert not done.draft and done.created and done.uploaded == ("run.json", "SHA256SUMS")
    assert done.assets["run.json"].endswith("/run.json")


def test_a_prerelease_is_created_as_one() -> None:
    releases = Releases()
    publish(releases, None, tag="v1.0.0-rc.1", make_latest="false")
    assert releases.calls[0][1]["prerelease"] is True
    assert releases.calls[-1][1]["make_latest"] == "false"


def test_an_existing_draft_is_reused_and_same_assets_are_kept() -> None:
    releases = Releases(existing=[uploaded(FILES[0], 7)])
    done = publish(releases, {"id": 5, "draft": True})
    names = [c[0] for c in releases.calls]
    assert names == ["update", "assets", "upload", "update"]
    assert done.uploaded == ("SHA256SUMS",) and done.unchanged == ("run.json",)


def test_a_published_immutable_release_is_never_changed() -> None:
    releases = Releases(existing=[uploaded(AssetFile.from_bytes("run.json", b"other"), 7)])
    release = {"id": 5, "draft": False, "immutable": True, "name": "v1.0.0", "body": "notes"}
    with pytest.raises(UserError, match="immutable"):
        publish(releases, release)
    assert [c[0] for c in releases.calls] == ["assets"]


def test_a_published_immutable_release_with_the_same_assets_is_left_alone() -> None:
    releases = Releases(existing=[uploaded(f, i) for i, f in enumerate(FILES)])
    release = {
        "id": 5,
        "draft": False,
        "immutable": True,
        "name": "v1.0.0",
        "body": "notes",
        "prerelease": False,
        "html_url": "https://h/r",
    }
    done = publish(releases, release)
    assert [c[0] for c in releases.calls] == ["assets"]
    assert done.uploaded == () and not done.draft


def test_a_failed_publish_call_leaves_the_draft_and_says_so() -> None:
    stale = Unauthorized(
        "GitHub PATCH /repos/o/r/releases/1: 401 Unauthorized: Bad credentials",
        method="PATCH",
        path="/repos/o/r/releases/1",
        status=401,
        fix="Check that the step receives a valid token.",
    )

    class FailingPublish(Releases):
        def update(self, release_id: int, **fields: Any) -> dict[str, Any]:
            if fields.get("draft") is False:
                self._call("publish")
                raise stale
            return super().update(release_id, **fields)

    releases = FailingPublish()
    with pytest.raises(ExternalError) as caught:
        publish(releases, None)
    line = caught.value.line()
    assert "401" in line and "left as an unpublished draft" in line
    assert "untagged-1" in line and "valid token" in line and "\n" not in line
    assert caught.value.exit_code == 3
