"""Image references (`REGISTRY/NAME:TAG`, `REGISTRY/NAME@sha256:…`) and semver tag expansion.

>>> ref = Reference.parse("ghcr.io/Octo-Org/Churn-Model:v1.2.3")
>>> ref
Reference(registry='ghcr.io', repository='octo-org/churn-model', tag='v1.2.3', digest=None)
>>> expand_tags("v1.2.3")
['1.2.3', '1.2', '1', 'latest']
>>> expand_tags("1.2.3-rc.1")
['1.2.3-rc.1']
>>> expand_tags("nightly")
['nightly']
"""

from __future__ import annotations

import dataclasses
import re

from modelci import semver
from modelci.errors import UserError

# OCI distribution spec, "Pulling manifests": name and tag grammar.
_NAME_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_NAME = re.compile(rf"{_NAME_COMPONENT}(?:/{_NAME_COMPONENT})*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_EXAMPLE = "ghcr.io/OWNER/MODEL:1.0.0"


@dataclasses.dataclass(frozen=True)
class Reference:
    """Where an artifact lives: registry host[:port], repository, and a tag and/or a digest."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> Reference:
        """Parse `REGISTRY/NAME[:TAG][@sha256:HEX]`; the repository name is lowercased.

        The registry host is required (there is no implicit Docker Hub): the first path part
        must hold a dot or a port, or be `localhost`.
        """
        raw = text.strip()
        if not raw or any(c.isspace() for c in raw):
            raise UserError(f"registry reference {text!r} is empty or has spaces", fix=_fix())
        remainder, _, digest = raw.partition("@")
        if digest and not _DIGEST.fullmatch(digest):
            raise UserError(
                f"registry reference {text!r}: the digest must be sha256:<64 lowercase hex digits>"
            )
        registry, slash, path = remainder.partition("/")
        looks_like_host = "." in registry or ":" in registry or registry == "localhost"
        if not slash or not path or not looks_like_host or not _HOST.fullmatch(registry):
            raise UserError(
                f"registry reference {text!r} must start with the registry host", fix=_fix()
            )
        name, tag = path, None
        last = path.rsplit("/", 1)[-1]
        if ":" in last:
            name, _, tag = path.rpartition(":")
            if not _TAG.fullmatch(tag):
                raise UserError(
                    f"registry reference {text!r}: tag {tag!r} is not a valid tag",
                    fix="Use letters, digits, '_', '.' and '-' (at most 128, not starting "
                    "with '.' or '-')",
                )
        # OCI names are lowercase; GitHub owners and repositories often are not (ghcr.io
        # refuses uppercase), so `ghcr.io/${{ github.repository }}` should just work.
        name = name.lower()
        if not _NAME.fullmatch(name):
            raise UserError(
                f"registry reference {text!r}: {name!r} is not a valid repository name",
                fix="Use lowercase letters, digits and single '.', '_' or '-' between them, "
                "parts separated by '/'",
            )
        return cls(registry=registry.lower(), repository=name, tag=tag, digest=digest or None)

    @property
    def host(self) -> str:
        """The registry host without its port (for choosing credentials)."""
        if self.registry.startswith("["):
            return self.registry.split("]", 1)[0] + "]"
        return self.registry.rsplit(":", 1)[0] if ":" in self.registry else self.registry

    @property
    def api_host(self) -> str:
        """Where the distribution API answers: Docker Hub's API is not on docker.io itself."""
        return (
            "registry-1.docker.io"
            if self.registry in ("docker.io", "index.docker.io")
            else (self.registry)
        )

    @property
    def reference(self) -> str:
        """What goes after /manifests/: the digest when there is one, else the tag."""
        return self.digest or self.tag or "latest"

    def with_tag(self, tag: str) -> Reference:
        return dataclasses.replace(self, tag=tag, digest=None)

    def with_digest(self, digest: str) -> Reference:
        return dataclasses.replace(self, tag=None, digest=digest)

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}"
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def expand_tags(tag: str) -> list[str]:
    """The tags a push of `tag` writes, first the exact one.

    A semantic version `[v]X.Y.Z` also tags `X.Y`, `X` (not for `0.y.z`, where every minor may
    break) and `latest`; the leading `v` is dropped. A prerelease (`X.Y.Z-rc.1`) tags only
    itself, so it never moves `1.2`, `1` or `latest`; build metadata is dropped (OCI tags have
    no `+`). Anything else, including what semver refuses (`1.2.3-rc.01`), is pushed as given.
    """
    version = semver.parse_v(tag)
    if version is None:
        return [tag]
    if version.prerelease:
        return [f"{version.core}-{'.'.join(version.pre)}"]
    tags = [version.core, f"{version.major}.{version.minor}"]
    if version.major:
        tags.append(str(version.major))
    tags.append("latest")
    return tags


def version_of(tag: str) -> str:
    """The version an artifact tagged `tag` carries: a semver without its `v`, else the tag."""
    return expand_tags(tag)[0]


def _fix() -> str:
    return f"Give REGISTRY/NAME:TAG, e.g. {_EXAMPLE}"
