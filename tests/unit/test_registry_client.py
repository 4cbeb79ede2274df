"""modelci.registry.client against the fake registry: skips, retries, digest checks, pull."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.registry import TOKEN, FakeRegistry
from tests.registry_support import make_run_dir
from tests.retry_support import registry_retry

from modelci.errors import UserError
from modelci.http_retry import RetryPolicy
from modelci.registry import Credentials, NotFound, RegistryClient, RegistryError, pull, push_run
from modelci.registry.client import OCI_MANIFEST, Blob, sha256_digest

pytest_plugins = ["tests.registry_fixture"]


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.lines: list[str] = []


def recorded_retry(recorder: Recorder, **changes: Any) -> RetryPolicy:
    """The default policy with exact waits (the policy's tests cover jitter), recorded."""
    return registry_retry(
        jitter=0.0, sleep=recorder.sleeps.append, log=recorder.lines.append, **changes
    )


def make_client(
    fake: FakeRegistry, recorder: Recorder, actions: str = "pull,push"
) -> RegistryClient:
    return RegistryClient(
        fake.host,
        credentials=Credentials(username="u", password=TOKEN),
        plain_http=True,
        actions=actions,
        retry=recorded_retry(recorder),
    )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_push_skips_blobs_the_registry_has(
    fake_registry: FakeRegistry, recorder: Recorder, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run")
    with make_client(fake_registry, recorder) as first:
        result = push_run(run, f"{fake_registry.host}/o/m:1.0.0", client=first)
    assert first.stats.blobs_uploaded == 8 and first.stats.blobs_skipped == 0
    assert first.stats.bytes_uploaded == sum(len(b) for b in fake_registry.blobs.values())
    with make_client(fake_registry, recorder) as second:
        again = push_run(run, f"{fake_registry.host}/o/m:1.0.0", client=second)
    assert again.digest == result.digest
    assert second.stats.blobs_uploaded == 0 and second.stats.bytes_uploaded == 0
    assert second.stats.blobs_skipped == 8
    uploads = [r for r in fake_registry.requests if r[0] in ("POST", "PATCH")]
    assert len(uploads) == 2 * 8  # only from the first push


def test_5xx_is_retried_with_backoff(fake_registry: FakeRegistry, recorder: Recorder) -> None:
    with make_client(fake_registry, recorder) as client:
        client.put_manifest("o/m", "warmup", b"{}", OCI_MANIFEST)  # gets the token
        fake_registry.fail_next(503, 2)
        assert client.blob_size("o/m", "sha256:" + "0" * 64) is None
    assert recorder.sleeps == [1.0, 2.0]
    assert "503" in recorder.lines[0] and "retry 1 of 3" in recorder.lines[0]


def test_persistent_5xx_fails_after_bounded_retries(
    fake_registry: FakeRegistry, recorder: Recorder
) -> None:
    with make_client(fake_registry, recorder) as client:
        client.put_manifest("o/m", "warmup", b"{}", OCI_MANIFEST)
        fake_registry.fail_next(500, 10)
        with pytest.raises(RegistryError) as raised:
            client.get_manifest("o/m", "warmup")
    assert len(recorder.sleeps) == 3
    line = raised.value.line()
    assert "500" in line and "after 4 attempts" in line and "UNAVAILABLE" in line
    assert raised.value.exit_code == 3


def test_interrupted_upload_restarts_in_a_new_session(
    fake_registry: FakeRegistry, recorder: Recorder
) -> None:
    blob = Blob.from_bytes(b"model bytes" * 1000)
    with make_client(fake_registry, recorder) as client:
        client.put_manifest("o/m", "warmup", b"{}", OCI_MANIFEST)
        # The first PATCH is answered 502: the client opens a new session and sends it again.
        original = fake_registry._handle
        patches = []

        def flaky(handler: Any) -> None:
            if handler.command == "PATCH" and not patches:
                patches.append(handler.path)
                fake_registry.fail_next(502)
            original(handler)

        fake_registry._handle = flaky  # type: ignore[method-assign]
        assert client.push_blob("o/m", blob) is True
    assert fake_registry.blobs[blob.digest] == b"model bytes" * 1000
    assert not fake_registry.uploads  # the abandoned session was deleted
    assert any("restarting the upload" in line for line in recorder.lines)
    assert client.stats.bytes_uploaded == 2 * blob.size


def test_corrupt_blob_is_refused(
    fake_registry: FakeRegistry, recorder: Recorder, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run")
    with make_client(fake_registry, recorder) as client:
        push_run(run, f"{fake_registry.host}/o/m:1", client=client)
    fake_registry.corrupt_blobs = True
    with pytest.raises(RegistryError, match="does not match"):
        pull(f"{fake_registry.host}/o/m:1", tmp_path / "out", plain_http=True)
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_pull_by_digest_checks_the_manifest(
    fake_registry: FakeRegistry, recorder: Recorder, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run")
    with make_client(fake_registry, recorder) as client:
        result = push_run(run, f"{fake_registry.host}/o/m:1", client=client)
    pulled = pull(f"{fake_registry.host}/o/m@{result.digest}", tmp_path / "out", plain_http=True)
    assert pulled.manifest_digest == result.digest
    # A registry answering a digest with other bytes is caught.
    body, media = fake_registry.manifests[("o/m", result.digest)]
    fake_registry.manifests[("o/m", result.digest)] = (body + b" ", media)
    with pytest.raises(RegistryError, match="does not match its digest"):
        pull(f"{fake_registry.host}/o/m@{result.digest}", tmp_path / "again", plain_http=True)


def test_pull_missing_tag_is_not_found(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"404.*MANIFEST_UNKNOWN"):
        pull(f"{fake_registry.host}/o/none:1", tmp_path / "out", plain_http=True)


def test_pull_writes_duplicate_content_once_per_path(
    fake_registry: FakeRegistry, recorder: Recorder, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run", plots=1)
    (run / "plots" / "copy.png").write_bytes((run / "plots" / "plot0.png").read_bytes())
    with make_client(fake_registry, recorder) as client:
        push_run(run, f"{fake_registry.host}/o/m:1", client=client)
    pulled = pull(f"{fake_registry.host}/o/m:1", tmp_path / "out", plain_http=True)
    assert "plots/copy.png" in pulled.files
    assert (tmp_path / "out/plots/copy.png").read_bytes() == (run / "plots/plot0.png").read_bytes()


def test_pull_out_directory_guards(
    fake_registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty and is not a run directory"):
        pull(f"{fake_registry.host}/o/m:1", busy, plain_http=True)
    monkeypatch.chdir(busy)
    with pytest.raises(UserError, match="working directory"):
        pull(f"{fake_registry.host}/o/m:1", Path("."), plain_http=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        pull(f"{fake_registry.host}/o/m:1", tmp_path / "file", plain_http=True)


def test_pull_replaces_a_run_directory_whole(
    fake_registry: FakeRegistry, recorder: Recorder, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run")
    with make_client(fake_registry, recorder) as client:
        push_run(run, f"{fake_registry.host}/o/m:1", client=client)
    out = make_run_dir(tmp_path / "out", model=b"old")
    (out / "stale.txt").write_text("from before")
    pull(f"{fake_registry.host}/o/m:1", out, plain_http=True)
    assert not (out / "stale.txt").exists()
    assert (out / "model.skops").read_bytes() == (run / "model.skops").read_bytes()


def test_push_refuses_a_changed_model_and_a_digest_ref(
    fake_registry: FakeRegistry, recorder: Recorder, tmp_path: Path
) -> None:
    run = make_run_dir(tmp_path / "run")
    with make_client(fake_registry, recorder) as client:
        with pytest.raises(UserError, match="needs a tag"):
            push_run(run, f"{fake_registry.host}/o/m@sha256:{'a' * 64}", client=client)
        (run / "model.skops").write_bytes(b"tampered")
        with pytest.raises(UserError, match=r"does not match the sha256 in run\.json"):
            push_run(run, f"{fake_registry.host}/o/m:1", client=client)
    with pytest.raises(UserError, match="not found"):
        push_run(tmp_path / "nowhere", f"{fake_registry.host}/o/m:1", client=client)


def test_manifest_put_returns_the_digest(fake_registry: FakeRegistry, recorder: Recorder) -> None:
    body = json.dumps({"schemaVersion": 2}).encode()
    with make_client(fake_registry, recorder) as client:
        assert client.put_manifest("o/m", "t", body, OCI_MANIFEST) == sha256_digest(body)
        fetched = client.get_manifest("o/m", "t")
    assert (fetched.body, fetched.digest) == (body, sha256_digest(body))


def test_connection_refused_says_where(recorder: Recorder) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RegistryClient(
        f"127.0.0.1:{port}",
        plain_http=True,
        retry=recorded_retry(recorder, max_retries=1),
    )
    with pytest.raises(RegistryError) as raised:
        client.blob_size("o/m", "sha256:" + "0" * 64)
    assert "after 2 attempts" in raised.value.line()
    assert f"127.0.0.1:{port}" in raised.value.line()


def test_an_upload_failing_every_time_gives_up(
    fake_registry: FakeRegistry, recorder: Recorder
) -> None:
    blob = Blob.from_bytes(b"x" * 10_000)
    original = fake_registry._handle

    def always_502(handler: Any) -> None:
        if handler.command == "PATCH":
            fake_registry.fail_next(502)
        original(handler)

    fake_registry._handle = always_502  # type: ignore[method-assign]
    with make_client(fake_registry, recorder) as client, pytest.raises(RegistryError) as raised:
        client.push_blob("o/m", blob)
    line = raised.value.line()
    assert "502" in line and "tried 4 times" in line and raised.value.exit_code == 3
    assert recorder.sleeps == [1.0, 2.0, 4.0]
