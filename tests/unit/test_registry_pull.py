"""modelci.registry.pull: a manifest whose config descriptor is malformed is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from modelci.errors import UserError
from modelci.registry import modelpack
from modelci.registry.client import OCI_MANIFEST, FetchedManifest, RegistryClient
from modelci.registry.pull import pull

DIGEST = "sha256:" + "0" * 64


class _StubClient:
    """Serves one manifest; any blob fetch is a test failure (the manifest must be refused first)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def get_manifest(self, repository: str, reference: str) -> FetchedManifest:
        return FetchedManifest(body=self.body, media_type=OCI_MANIFEST, digest=DIGEST)

    def fetch_blob_bytes(self, *args: Any) -> bytes:
        raise AssertionError("the config blob must not be fetched")

    def fetch_blob(self, *args: Any) -> None:
        raise AssertionError("no layer may be fetched")

    def close(self) -> None:
        pass


def _manifest(config: Any) -> bytes:
    layer = {
        "mediaType": modelpack.WEIGHT_CONFIG,
        "digest": DIGEST,
        "size": 2,
        "annotations": {"org.opencontainers.image.title": "run.json"},
    }
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": modelpack.ARTIFACT_TYPE,
            "config": config,
            "layers": [layer],
        }
    ).encode()


@pytest.mark.parametrize(
    "config",
    [
        "sha256:abc",
        ["digest"],
        42,
        True,
        None,
        {},
        {"digest": DIGEST},
        {"digest": 7, "size": 2},
        {"digest": DIGEST, "size": "2"},
        {"digest": DIGEST, "size": True},
    ],
    ids=repr,
)
def test_malformed_config_descriptor_is_a_user_error(
    config: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    client = cast(RegistryClient, _StubClient(_manifest(config)))
    with pytest.raises(UserError) as caught:
        pull("registry.example/team/churn:1", tmp_path / "out", client=client)
    message = str(caught.value)
    assert "no valid config descriptor" in message
    assert "\n" not in message
    assert not (tmp_path / "out").exists()
