"""modelci.registry.modelpack: the ModelPack manifest of a run directory, and pull planning."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.registry_support import make_run_dir

from modelci.errors import UserError
from modelci.registry import modelpack
from modelci.registry.client import OCI_INDEX, OCI_MANIFEST, Blob

DIGEST = "sha256:" + "0" * 64


def build(run: Path, **kwargs: Any) -> modelpack.Artifact:
    info = json.loads((run / "run.json").read_text())
    files = modelpack.collect_files(run, ["model.skops"])
    blobs = [(path, Blob.from_file(file)) for path, file in files]
    options = {"name": "churn", "version": "1.2.3", **kwargs}
    return modelpack.build_artifact(blobs, weights=["model.skops"], run_info=info, **options)


def test_collect_files_orders_model_then_run_then_sorted(tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "run")
    (run / ".model.skops.tmp123").write_bytes(b"leftover")
    (run / ".staging").mkdir()
    (run / ".staging" / "x").write_text("hidden")
    (run / "MODEL_CARD.md").write_text("# card")
    names = [path for path, _ in modelpack.collect_files(run, ["model.skops"])]
    assert names == [
        "model.skops",
        "run.json",
        "MODEL_CARD.md",
        "evaluation.json",
        "metrics.json",
        "plots/plot0.png",
        "plots/plot1.png",
        "predictions.csv",
    ]


def test_collect_files_refuses_symlinks(tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "run")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish")
    os.symlink(secret, run / "notes.txt")
    with pytest.raises(UserError, match="symbolic link"):
        modelpack.collect_files(run, ["model.skops"])


def test_manifest_is_modelpack(tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "run")
    artifact = build(run, source="https://github.com/octo/churn", annotations={"x.y": "z"})
    manifest = json.loads(artifact.manifest)
    assert manifest["schemaVersion"] == 2
    assert manifest["mediaType"] == OCI_MANIFEST
    assert manifest["artifactType"] == "application/vnd.cncf.model.manifest.v1+json"
    assert manifest["config"]["mediaType"] == "application/vnd.cncf.model.config.v1+json"
    kinds = {
        layer["annotations"]["org.cncf.model.filepath"]: layer["mediaType"]
        for layer in manifest["layers"]
    }
    assert kinds == {
        "model.skops": "application/vnd.cncf.model.weight.v1.raw",
        "run.json": "application/vnd.cncf.model.weight.config.v1.raw",
        "evaluation.json": "application/vnd.cncf.model.doc.v1.raw",
        "metrics.json": "application/vnd.cncf.model.doc.v1.raw",
        "plots/plot0.png": "application/vnd.cncf.model.doc.v1.raw",
        "plots/plot1.png": "application/vnd.cncf.model.doc.v1.raw",
        "predictions.csv": "application/vnd.cncf.model.dataset.v1.raw",
    }
    for layer in manifest["layers"]:
        path = layer["annotations"]["org.cncf.model.filepath"]
        assert layer["annotations"]["org.opencontainers.image.title"] == path
        assert layer["size"] == (run / path).stat().st_size
        metadata = json.loads(layer["annotations"]["org.cncf.model.file.metadata+json"])
        assert metadata["size"] == layer["size"] and metadata["typeflag"] == ord("0")
    annotations = manifest["annotations"]
    assert annotations["org.opencontainers.image.source"] == "https://github.com/octo/churn"
    assert annotations["org.opencontainers.image.revision"].startswith("0123456789abcdef")
    assert annotations["org.opencontainers.image.version"] == "1.2.3"
    assert annotations["org.opencontainers.image.created"] == "2026-11-27T13:40:00Z"
    assert annotations["org.opencontainers.image.description"] == "Predicts churn."
    assert annotations["org.opencontainers.image.licenses"] == "MIT"
    assert annotations["x.y"] == "z"


def test_config_follows_the_spec(tmp_path: Path) -> None:
    artifact = build(make_run_dir(tmp_path / "run"), source="https://github.com/octo/churn")
    assert artifact.config.data is not None
    config = json.loads(artifact.config.data)
    assert set(config) == {"descriptor", "config", "modelfs"}
    assert config["descriptor"] == {
        "createdAt": "2026-11-27T13:40:00Z",
        "name": "churn",
        "version": "1.2.3",
        "revision": "0123456789abcdef0123456789abcdef01234567",
        "sourceURL": "https://github.com/octo/churn",
        "description": "Predicts churn.",
        "licenses": ["MIT"],
    }
    assert config["config"] == {
        "architecture": "sklearn.linear_model.LogisticRegression",
        "format": "skops",
    }
    assert config["modelfs"] == {
        "type": "layers",
        "diffIds": [layer.blob.digest for layer in artifact.layers],
    }


def test_manifest_is_deterministic(tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "run")
    assert build(run).manifest == build(run).manifest
    (run / "metrics.json").write_text('{"roc_auc": 0.5}')
    assert build(run).manifest != build(make_run_dir(tmp_path / "other")).manifest


def test_parse_annotation() -> None:
    assert modelpack.parse_annotation("a.b=c=d") == ("a.b", "c=d")
    assert modelpack.parse_annotation("a=") == ("a", "")
    for bad in ("novalue", "=x", "a b=c"):
        with pytest.raises(UserError):
            modelpack.parse_annotation(bad)


# -- pull planning ---------------------------------------------------------------------------------


def manifest(*layers: dict[str, Any], modelpack_type: bool = True, **extra: Any) -> bytes:
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": DIGEST, "size": 2},
        "layers": list(layers),
        **extra,
    }
    if modelpack_type:
        document["artifactType"] = modelpack.ARTIFACT_TYPE
    return json.dumps(document).encode()


def layer(
    path: str,
    *,
    key: str = modelpack.FILEPATH,
    media: str = modelpack.DOC,
    digest: str = DIGEST,
    size: int = 3,
) -> dict[str, Any]:
    return {"mediaType": media, "digest": digest, "size": size, "annotations": {key: path}}


def test_plan_pull_modelpack_and_oras() -> None:
    kind, files = modelpack.plan_pull(
        manifest(layer("model.skops", media=modelpack.WEIGHT), layer("plots/a.png")), OCI_MANIFEST
    )
    assert kind == "modelpack"
    assert [f.path for f in files] == ["model.skops", "plots/a.png"]
    oras = layer("notes.txt", key=modelpack.TITLE, media="application/vnd.oci.image.layer.v1.tar")
    kind, files = modelpack.plan_pull(manifest(oras, modelpack_type=False), OCI_MANIFEST)
    assert (kind, [f.path for f in files]) == ("oras", ["notes.txt"])


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/etc/passwd", "absolute"),
        ("../outside", "'..'"),
        ("plots/../../x", "'..'"),
        ("a//b", "empty parts"),
        ("./a", "'.'"),
        ("C:evil", "absolute"),
        ("a\\..\\b", "backslash"),
        ("a\nb", "control"),
        ("", "no org.cncf.model.filepath"),
    ],
)
def test_plan_pull_refuses_unsafe_paths(path: str, message: str) -> None:
    with pytest.raises(UserError, match=message.replace(".", r"\.")):
        modelpack.plan_pull(manifest(layer(path)), OCI_MANIFEST)


def test_plan_pull_refuses_duplicates_and_clashes() -> None:
    with pytest.raises(UserError, match="same file"):
        modelpack.plan_pull(manifest(layer("a.json"), layer("a.json")), OCI_MANIFEST)
    with pytest.raises(UserError, match="same file"):
        modelpack.plan_pull(manifest(layer("README.md"), layer("readme.MD")), OCI_MANIFEST)
    with pytest.raises(UserError, match="to be a directory"):
        modelpack.plan_pull(manifest(layer("plots"), layer("plots/a.png")), OCI_MANIFEST)


def test_plan_pull_refuses_what_is_not_a_file_artifact() -> None:
    image_layer = {
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": DIGEST,
        "size": 1,
    }
    with pytest.raises(UserError, match="not container images"):
        modelpack.plan_pull(manifest(image_layer, modelpack_type=False), OCI_MANIFEST)
    with pytest.raises(UserError, match="image index"):
        modelpack.plan_pull(json.dumps({"schemaVersion": 2, "manifests": []}).encode(), OCI_INDEX)
    with pytest.raises(UserError, match="archive"):
        modelpack.plan_pull(
            manifest(layer("w", media="application/vnd.cncf.model.weight.v1.tar")), OCI_MANIFEST
        )
    unpack = layer("dir", key=modelpack.TITLE)
    unpack["annotations"][modelpack.ORAS_UNPACK] = "true"
    with pytest.raises(UserError, match="archive"):
        modelpack.plan_pull(manifest(unpack, modelpack_type=False), OCI_MANIFEST)
    with pytest.raises(UserError, match="no layers"):
        modelpack.plan_pull(manifest(), OCI_MANIFEST)
    with pytest.raises(UserError, match="sha256 only"):
        modelpack.plan_pull(manifest(layer("a", digest="sha512:" + "0" * 128)), OCI_MANIFEST)
    with pytest.raises(UserError, match="invalid size"):
        modelpack.plan_pull(manifest(layer("a", size=-1)), OCI_MANIFEST)
    with pytest.raises(UserError, match="not valid JSON"):
        modelpack.plan_pull(b"{", OCI_MANIFEST)
