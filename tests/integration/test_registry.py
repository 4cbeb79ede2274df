"""`modelci publish registry` and `modelci pull` against a real registry (CNCF distribution 2.8,
Debian's docker-registry) on 127.0.0.1, checked with skopeo as an independent client."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.conftest import Result, run_in_process
from tests.fakes.runner import parse_outputs
from tests.registry_support import (
    BASIC_PASSWORD,
    BASIC_USER,
    FaultProxy,
    LocalRegistry,
    make_run_dir,
)
from tests.retry_support import registry_retry, silent

from modelci.errors import ExitCode
from modelci.registry import Credentials, RegistryClient, pull, push_run
from modelci.registry.client import OCI_MANIFEST, Blob

pytest_plugins = ["tests.registry_fixture"]
pytestmark = pytest.mark.registry

Skopeo = Callable[..., Any]


def repository() -> str:
    return f"octo/churn-{uuid.uuid4().hex[:8]}"


def publish(
    *args: str, env: dict[str, str] | None = None, monkeypatch: pytest.MonkeyPatch
) -> Result:
    for key in (
        "GITHUB_OUTPUT",
        "GITHUB_REPOSITORY",
        "GITHUB_SERVER_URL",
        "MODELCI_REGISTRY_PASSWORD",
        "MODELCI_REGISTRY_USERNAME",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    return run_in_process("publish", "registry", *args, "--plain-http")


def test_publish_writes_a_modelpack_artifact(
    registry: LocalRegistry, skopeo: Skopeo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run_dir(tmp_path / "run")
    (run / "MODEL_CARD.md").write_text("# churn\n")
    (run / "SHA256SUMS").write_text("0  model.skops\n")
    name = repository()
    outputs = tmp_path / "github_output"
    outputs.touch()
    env = {
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_REPOSITORY": "Octo/Churn",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    result = publish(
        str(run),
        "--ref",
        f"{registry.host}/{name.upper()}:v1.2.3",
        "--annotation",
        "org.example.team=ml",
        env=env,
        monkeypatch=monkeypatch,
    )
    assert result.code == 0, result.stderr
    digest = result.stdout.strip()

    raw = skopeo("inspect", "--raw", f"docker://{registry.host}/{name}:1.2.3")
    body = json.dumps(raw)  # skopeo printed the stored bytes; check the digest on a fresh fetch
    manifest_bytes = requests.get(
        f"http://{registry.host}/v2/{name}/manifests/1.2.3",
        headers={"Accept": OCI_MANIFEST},
        timeout=10,
    ).content
    assert "sha256:" + hashlib.sha256(manifest_bytes).hexdigest() == digest
    assert json.loads(manifest_bytes) == raw, body
    assert raw["mediaType"] == OCI_MANIFEST
    assert raw["artifactType"] == "application/vnd.cncf.model.manifest.v1+json"
    assert raw["config"]["mediaType"] == "application/vnd.cncf.model.config.v1+json"
    paths = {layer["annotations"]["org.cncf.model.filepath"]: layer for layer in raw["layers"]}
    assert set(paths) == {
        "model.skops",
        "run.json",
        "MODEL_CARD.md",
        "SHA256SUMS",
        "evaluation.json",
        "metrics.json",
        "plots/plot0.png",
        "plots/plot1.png",
        "predictions.csv",
    }
    assert paths["model.skops"]["mediaType"] == "application/vnd.cncf.model.weight.v1.raw"
    assert paths["MODEL_CARD.md"]["mediaType"] == "application/vnd.cncf.model.doc.v1.raw"
    for path, layer in paths.items():
        assert layer["annotations"]["org.opencontainers.image.title"] == path
    annotations = raw["annotations"]
    assert annotations["org.opencontainers.image.source"] == "https://github.com/Octo/Churn"
    assert (
        annotations["org.opencontainers.image.revision"]
        == "0123456789abcdef0123456789abcdef01234567"
    )
    assert annotations["org.opencontainers.image.version"] == "1.2.3"
    assert annotations["org.opencontainers.image.created"] == "2026-11-27T13:40:00Z"
    assert annotations["org.opencontainers.image.description"] == "Predicts churn."
    assert annotations["org.example.team"] == "ml"

    tags = skopeo("list-tags", f"docker://{registry.host}/{name}")["Tags"]
    assert sorted(tags) == ["1", "1.2", "1.2.3", "latest"]
    for tag in tags:
        assert skopeo("inspect", "--raw", f"docker://{registry.host}/{name}:{tag}") == raw

    config = requests.get(
        f"http://{registry.host}/v2/{name}/blobs/{raw['config']['digest']}", timeout=10
    ).json()
    assert config["descriptor"]["version"] == "1.2.3"
    assert config["modelfs"] == {
        "type": "layers",
        "diffIds": [layer["digest"] for layer in raw["layers"]],
    }

    written = outputs.read_text()
    assert f"\n{digest}\n" in written
    assert f"\n{registry.host}/{name}@{digest}\n" in written
    assert f"{registry.host}/{name}:1.2.3\n{registry.host}/{name}:1.2\n" in written


def test_pull_round_trip_restores_identical_bytes(
    registry: LocalRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run_dir(tmp_path / "run", model=bytes(range(256)) * 4096)
    name = repository()
    pushed = push_run(run, f"{registry.host}/{name}:2.0.0-rc.1", plain_http=True)
    assert [tag.tag for tag in pushed.tags] == ["2.0.0-rc.1"]  # a prerelease moves nothing

    by_tag = pull(f"{registry.host}/{name}:2.0.0-rc.1", tmp_path / "by-tag", plain_http=True)
    by_digest = pull(
        f"{registry.host}/{name}@{pushed.digest}", tmp_path / "by-digest", plain_http=True
    )
    assert by_tag.manifest_digest == by_digest.manifest_digest == pushed.digest
    originals = sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file())
    assert sorted(by_tag.files) == originals
    for out in (tmp_path / "by-tag", tmp_path / "by-digest"):
        for path in originals:
            assert (out / path).read_bytes() == (run / path).read_bytes(), path

    # The CLI: digest on stdout, then every file written.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "outputs"))
    result = run_in_process(
        "pull", f"{registry.host}/{name}:2.0.0-rc.1", "--out", "cli", "--plain-http"
    )
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == pushed.digest
    assert len(lines) == 1 + len(originals)
    # The step outputs, for the next step of a workflow.
    outputs = parse_outputs((tmp_path / "outputs").read_text())
    assert outputs["digest"] == pushed.digest and outputs["dir"] == "cli"
    assert sorted(outputs["files"].splitlines()) == originals


def test_repush_of_an_unchanged_run_uploads_nothing(
    registry: LocalRegistry, registry_proxy: FaultProxy, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run")
    ref = f"{registry_proxy.host}/{repository()}:1.0.0"
    first = push_run(run, ref, plain_http=True)
    sent = registry_proxy.upload_bytes
    assert sent == first.stats.bytes_uploaded  # the proxy saw what the client counted
    assert first.stats.blobs_uploaded == 8 and sent > 100_000
    again = push_run(run, ref, plain_http=True)
    assert again.digest == first.digest
    assert registry_proxy.upload_bytes == sent  # 0 blob bytes the second time
    assert again.stats.bytes_uploaded == 0 and again.stats.blobs_skipped == 8


def test_an_upload_dropped_midway_is_restarted(
    registry: LocalRegistry, registry_proxy: FaultProxy, skopeo: Skopeo, tmp_path: Path
) -> None:
    model = bytes(range(256)) * 2048  # 512 KiB
    run = make_run_dir(tmp_path / "run", model=model)
    name = repository()
    registry_proxy.drop_upload_after(200_000)  # the first blob is the model: cut it at ~40 %
    before = registry.upload_sessions()
    client = RegistryClient(
        registry_proxy.host,
        plain_http=True,
        actions="pull,push",
        retry=registry_retry(log=silent),
    )
    with client:
        pushed = push_run(run, f"{registry_proxy.host}/{name}:1.0.0", client=client)
    assert registry_proxy.drops == 1
    assert client.stats.blobs_uploaded == 8 and client.stats.retries == 1
    # The model's bytes went once whole, after the cut-off part.
    assert client.stats.bytes_uploaded >= len(model) + 190_000
    raw = skopeo("inspect", "--raw", f"docker://{registry.host}/{name}:1.0.0")
    digests = [layer["digest"] for layer in raw["layers"]]
    assert len(digests) == len(set(digests)) == 7
    # distribution 2.8 refuses to cancel a session whose size no longer matches its state, so
    # the broken one may stay until its upload purging removes it; never more than that one.
    assert registry.upload_sessions() - before <= 1
    out = tmp_path / "out"
    pull(f"{registry.host}/{name}@{pushed.digest}", out, plain_http=True)
    assert (out / "model.skops").read_bytes() == model


def test_basic_auth(
    registry_basic: LocalRegistry, skopeo: Skopeo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run_dir(tmp_path / "run")
    name = repository()
    ref = f"{registry_basic.host}/{name}:0.3.0"
    anonymous = publish(str(run), "--ref", ref, monkeypatch=monkeypatch)
    assert anonymous.code == ExitCode.EXTERNAL_ERROR
    assert anonymous.stderr.count("\n") == 1 + anonymous.stderr.count("s  (total")
    assert "401" in anonymous.stderr and "MODELCI_REGISTRY_PASSWORD" in anonymous.stderr

    wrong = publish(
        str(run),
        "--ref",
        ref,
        "--username",
        BASIC_USER,
        env={"MODELCI_REGISTRY_PASSWORD": "nope-wrong"},
        monkeypatch=monkeypatch,
    )
    assert wrong.code == ExitCode.EXTERNAL_ERROR
    assert "nope-wrong" not in wrong.stderr + wrong.stdout

    good = publish(
        str(run),
        "--ref",
        ref,
        "--username",
        BASIC_USER,
        "--password-env",
        "REG_PW",
        env={"REG_PW": BASIC_PASSWORD},
        monkeypatch=monkeypatch,
    )
    assert good.code == 0, good.stderr
    assert BASIC_PASSWORD not in good.stderr + good.stdout
    tags = skopeo(
        "list-tags",
        "--creds",
        f"{BASIC_USER}:{BASIC_PASSWORD}",
        f"docker://{registry_basic.host}/{name}",
    )["Tags"]
    assert sorted(tags) == ["0.3", "0.3.0", "latest"]

    credentials = Credentials(username=BASIC_USER, password=BASIC_PASSWORD)
    pulled = pull(ref, tmp_path / "out", credentials=credentials, plain_http=True)
    assert pulled.manifest_digest == good.stdout.strip()


def test_pull_refuses_a_path_traversal_artifact(
    registry: LocalRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = repository()
    evil = Blob.from_bytes(b"owned")
    empty = Blob.from_bytes(b"{}")
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.example+type",
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": empty.digest,
            "size": empty.size,
        },
        "layers": [
            {
                "mediaType": "text/plain",
                "digest": evil.digest,
                "size": evil.size,
                "annotations": {"org.opencontainers.image.title": "../escaped.txt"},
            }
        ],
    }
    with RegistryClient(registry.host, plain_http=True, actions="pull,push") as client:
        client.push_blob(name, evil)
        client.push_blob(name, empty)
        client.put_manifest(name, "evil", json.dumps(manifest).encode(), OCI_MANIFEST)
    monkeypatch.chdir(tmp_path)
    result = run_in_process("pull", f"{registry.host}/{name}:evil", "--out", "out", "--plain-http")
    assert result.code == ExitCode.USER_ERROR
    assert "'..'" in result.stderr
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "out").exists()


def test_bad_input_exits_2(
    registry: LocalRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run_dir(tmp_path / "run")
    for args in (
        [str(run), "--ref", "no-registry-host:1.0"],
        [str(run), "--ref", f"{registry.host}/{repository()}"],  # no tag
        [str(tmp_path / "missing"), "--ref", f"{registry.host}/{repository()}:1"],
        [str(run), "--ref", f"{registry.host}/{repository()}:1", "--annotation", "novalue"],
    ):
        result = publish(*args, monkeypatch=monkeypatch)
        assert result.code == ExitCode.USER_ERROR, (args, result.stderr)
        assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1
    assert (
        run_in_process("pull", "nohost:1", "--out", str(tmp_path / "o")).code == ExitCode.USER_ERROR
    )
