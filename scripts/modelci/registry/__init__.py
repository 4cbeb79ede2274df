"""OCI registries: push a run as a CNCF ModelPack artifact, pull one back.

    from modelci.registry import Credentials, pull
    ref = "ghcr.io/octo-org/churn:1.2.0"
    result = pull(ref, Path("runs/baseline"), credentials=Credentials.from_env("ghcr.io"))
    result.manifest_digest, result.files

`reference` parses REGISTRY/NAME:TAG and expands semver tags, `auth` holds credentials and
challenges, `client` is the distribution-API transport, `modelpack` builds and checks
manifests (pure), `push` and `pull` put them together.
"""

from __future__ import annotations

from modelci.registry.auth import Credentials
from modelci.registry.client import (
    NotFound,
    RegistryAuthError,
    RegistryClient,
    RegistryError,
    TransferStats,
)
from modelci.registry.pull import PullResult, pull
from modelci.registry.push import PushResult, push_run
from modelci.registry.reference import Reference, expand_tags

__all__ = [
    "Credentials",
    "NotFound",
    "PullResult",
    "PushResult",
    "Reference",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryError",
    "TransferStats",
    "expand_tags",
    "pull",
    "push_run",
]
