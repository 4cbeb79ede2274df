"""Release tags: `v1.2.3`, `1.2.3`, prereleases `v1.2.3-rc.1`, per-model `NAME@v1.2.3`.

The per-model form is iterative/gto's convention for monorepos: every model has its own line
of versions, and "the previous release" or "the latest release" means of the same model. A
plain tag belongs to the unnamed model of a single-model repository. Versions order by semantic
versioning precedence (a prerelease sorts before its release; build metadata is ignored).

Everything here is pure: it reads tag names and release JSON as GitHub returns it.

    >>> tag = parse_tag("churn@v1.4.0-rc.2")
    >>> tag.name, tag.version, tag.prerelease, tag.title
    ('churn', '1.4.0-rc.2', True, 'churn v1.4.0-rc.2')
    >>> parse_tag("1.2.3") < parse_tag("v1.10.0")
    True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from modelci import semver
from modelci.errors import UserError
from modelci.semver import Version

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXAMPLES = "v1.2.3, 1.2.3, v1.2.3-rc.1 or NAME@v1.2.3"


@functools.total_ordering
@dataclass(frozen=True, kw_only=True)
class ReleaseTag:
    """A parsed tag. Ordering is semver precedence (compare tags of one model only)."""

    raw: str
    name: str | None
    semver: Version

    @property
    def major(self) -> int:
        return self.semver.major

    @property
    def minor(self) -> int:
        return self.semver.minor

    @property
    def patch(self) -> int:
        return self.semver.patch

    @property
    def pre(self) -> tuple[str, ...]:
        return self.semver.pre

    @property
    def build(self) -> str | None:
        return ".".join(self.semver.build) or None

    @property
    def prerelease(self) -> bool:
        return self.semver.prerelease

    @property
    def version(self) -> str:
        """The version without the model name or a `v`: '1.2.3-rc.1'."""
        return str(self.semver)

    @property
    def title(self) -> str:
        """The release's title: 'churn v1.2.3', or the tag itself for a plain tag."""
        return f"{self.name} v{self.version}" if self.name else self.raw

    def precedence(self) -> tuple[Any, ...]:
        return self.semver.precedence()

    def same_model(self, other: ReleaseTag) -> bool:
        return self.name == other.name

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ReleaseTag):
            return NotImplemented
        return self.semver < other.semver

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReleaseTag):
            return NotImplemented
        return self.name == other.name and self.semver == other.semver

    def __hash__(self) -> int:
        return hash((self.name, self.semver))


def try_parse(text: str) -> ReleaseTag | None:
    """The tag, or None when `text` is not a release tag in one of the accepted forms.

    >>> try_parse("nightly") is None, try_parse("v01.2.3") is None, try_parse("a..b@v1.0.0") is None
    (True, True, True)
    >>> try_parse("v1.2.3-rc.01") is None  # semver: numeric identifiers have no leading zeros
    True
    """
    name, at, rest = text.rpartition("@")
    if at and not _NAME.fullmatch(name):
        return None
    if ".." in name or name.endswith((".", ".lock")):
        return None  # git refuses these in a ref name
    version = semver.parse_v(rest)
    if version is None:
        return None
    return ReleaseTag(raw=text, name=name if at else None, semver=version)


def parse_tag(text: str, *, where: str = "--tag") -> ReleaseTag:
    """Parse a release tag, or raise a `UserError` that shows the accepted forms."""
    text = text.strip()
    if text.startswith("refs/tags/"):  # GITHUB_REF passed as is
        text = text[len("refs/tags/") :]
    tag = try_parse(text)
    if tag is None:
        raise UserError(
            f"{where} {text!r} is not a release tag",
            fix=f"Use a semantic version tag: {_EXAMPLES} (NAME: letters, digits, . _ -)",
        )
    return tag


# -- choosing among a repository's releases ------------------------------------------------------


def _published(
    releases: Iterable[Mapping[str, Any]], name: str | None
) -> list[tuple[ReleaseTag, Mapping[str, Any]]]:
    """Published, non-prerelease releases of model `name`, with their parsed tags."""
    found = []
    for release in releases:
        if release.get("draft") or release.get("prerelease"):
            continue
        tag = try_parse(str(release.get("tag_name") or ""))
        if tag is None or tag.name != name or tag.prerelease:
            continue
        found.append((tag, release))
    return found


def latest_release(
    releases: Iterable[Mapping[str, Any]], name: str | None
) -> Mapping[str, Any] | None:
    """The highest-versioned published, non-prerelease release of model `name` (None: plain tags).

    >>> rs = [{"tag_name": "m@v1.0.0"}, {"tag_name": "m@v2.0.0-rc.1", "prerelease": True},
    ...       {"tag_name": "v9.0.0"}, {"tag_name": "m@v1.1.0", "draft": True}]
    >>> latest_release(rs, "m")["tag_name"], latest_release(rs, None)["tag_name"]
    ('m@v1.0.0', 'v9.0.0')
    """
    found = _published(releases, name)
    return max(found, key=_order)[1] if found else None


def previous_release(
    releases: Iterable[Mapping[str, Any]], tag: ReleaseTag
) -> Mapping[str, Any] | None:
    """The release `tag`'s notes compare with: the same model's highest published, non-prerelease
    version below it.

    >>> rs = [{"tag_name": "v1.0.0"}, {"tag_name": "v1.1.0"}, {"tag_name": "v2.0.0"}]
    >>> previous_release(rs, parse_tag("v1.2.0"))["tag_name"]
    'v1.1.0'
    >>> previous_release(rs, parse_tag("v1.0.0")) is None
    True
    """
    found = [(t, r) for t, r in _published(releases, tag.name) if t < tag]
    return max(found, key=_order)[1] if found else None


def history(
    releases: Iterable[Mapping[str, Any]], tag: ReleaseTag, count: int
) -> list[Mapping[str, Any]]:
    """The last `count` published, non-prerelease releases of `tag`'s model up to and including
    `tag`, oldest first: the trend `tag` ends.

    >>> rs = [{"tag_name": t} for t in ("v1.0.0", "v1.1.0", "v2.0.0", "m@v1.0.0", "v1.2.0-rc.1")]
    >>> [r["tag_name"] for r in history(rs, parse_tag("v1.1.0"), 5)]
    ['v1.0.0', 'v1.1.0']
    >>> [r["tag_name"] for r in history(rs, parse_tag("v2.0.0"), 2)], history(rs, parse_tag("v2.0.0"), 0)
    (['v1.1.0', 'v2.0.0'], [])
    """
    found = sorted(((t, r) for t, r in _published(releases, tag.name) if not t > tag), key=_order)
    return [r for _, r in found[-count:]] if count > 0 else []


def make_latest(releases: Iterable[Mapping[str, Any]], tag: ReleaseTag) -> str:
    """GitHub's `make_latest` for publishing `tag`: "false" for a prerelease or for a version
    below the model's newest published one (a patch to an older line), else "true".

    >>> make_latest([{"tag_name": "v2.0.0"}], parse_tag("v1.9.1")), make_latest([], parse_tag("v1.0.0"))
    ('false', 'true')
    >>> make_latest([], parse_tag("v1.0.0-rc.1"))
    'false'
    """
    if tag.prerelease:
        return "false"
    newer = [
        t for t, r in _published(releases, tag.name) if t > tag and r.get("tag_name") != tag.raw
    ]
    return "false" if newer else "true"


def _order(item: tuple[ReleaseTag, Mapping[str, Any]]) -> tuple[Any, ...]:
    tag, release = item
    # Equal versions (v1.2.3 and 1.2.3): the later publication wins.
    return (tag.precedence(), str(release.get("published_at") or ""), release.get("id") or 0)
