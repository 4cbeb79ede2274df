"""`modelci baseline` against the fake GitHub (and a path, and an injected registry pull):
verified downloads, refusals, and the round trip into `modelci compare`."""

from __future__ import annotations

import inspect
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_in_process
from tests.fakes.github import FakeGitHub
from tests.fakes.github.world import REPO
from tests.integration.release_world import (
    assets_of,
    clean_environment,
    no_sleep_client,
    one_line_error,
    outputs,
    publish,
    release_of,
    train_runs,
    use,
)

from modelci import baseline, fsutil
from modelci.errors import UserError


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return train_runs(tmp_path_factory.mktemp("baseline-runs"))


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    no_sleep_client(monkeypatch)


@pytest.fixture
def output(monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub, tmp_path: Path) -> Path:
    return use(monkeypatch, fake_github, tmp_path)


def fetch(*args: str) -> Any:
    return run_in_process("baseline", *args)


def test_release_latest_round_trips_into_compare(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, tmp_path: Path
) -> None:
    assert publish(runs["base"], "cancer@v1.0.0").code == 0
    assert publish(runs["base"], "cancer@v1.1.0-rc.1").code == 0  # prereleases are skipped
    assert publish(runs["plain"], "v9.0.0").code == 0  # another model
    assert publish(runs["plain"], "cancer@v2.0.0", "--draft-only").code == 0  # a draft: skipped
    (tmp_path / "modelci.yaml").write_text((runs["base"].parents[1] / "tuned.yaml").read_text())

    result = fetch("--from", "release:latest", "--out", "runs/baseline")
    assert result.code == 0, result.stderr
    found = outputs(output)
    assert found["found"] == "true" and found["tag"] == "cancer@v1.0.0"
    assert found["dir"] == "runs/baseline" and "found=true" in result.stdout
    fetched = tmp_path / "runs" / "baseline"
    assert sorted(p.name for p in fetched.iterdir()) == [
        "baseline.json",
        "evaluation.json",
        "history.json",  # --history defaults to compare.history, 10
        "metrics.json",
        "model.skops",
        "run.json",
    ]
    assert (fetched / "model.skops").read_bytes() == (runs["base"] / "model.skops").read_bytes()
    provenance = json.loads((fetched / "baseline.json").read_text())
    assert provenance["source"] == "release:latest" and provenance["tag"] == "cancer@v1.0.0"
    assert found["model-sha256"] == provenance["model_sha256"]

    compared = run_in_process(
        "compare", str(runs["tuned"]), "runs/baseline", "--out", "runs/compare"
    )
    assert compared.code in (0, 1), compared.stderr
    comparison = json.loads((tmp_path / "runs" / "compare" / "comparison.json").read_text())
    assert comparison["baseline"]["rescored"] is True  # a release brings no predictions
    assert comparison["baseline"]["model_sha256"] == provenance["model_sha256"]
    roc = next(m for m in comparison["metrics"] if m["name"] == "roc_auc")
    base_auc = json.loads((runs["base"] / "metrics.json").read_text())["roc_auc"]
    assert roc["baseline"] == pytest.approx(base_auc)


def test_name_flag_and_plain_tags(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, tmp_path: Path
) -> None:
    assert publish(runs["plain"], "v1.0.0").code == 0
    assert publish(runs["plain"], "v1.2.0").code == 0
    assert publish(runs["base"], "cancer@v3.0.0").code == 0
    plain = fetch("--from", "release:latest", "--out", "plain")
    assert plain.code == 0 and outputs(output)["tag"] == "v1.2.0"
    named = fetch("--from", "release:latest", "--name", "cancer", "--out", "named")
    assert named.code == 0 and outputs(output)["tag"] == "cancer@v3.0.0"
    pinned = fetch("--from", "release:v1.0.0", "--out", "pinned", "--repo", REPO)
    assert pinned.code == 0 and outputs(output)["tag"] == "v1.0.0"


def test_a_named_model_with_only_plain_tags_finds_them(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, tmp_path: Path
) -> None:
    # One model per repository: the config names it, the tags are plain versions.
    assert publish(runs["plain"], "v1.0.0").code == 0
    assert publish(runs["plain"], "v1.1.0").code == 0
    named = fetch("--from", "release:latest", "--name", "cancer", "--out", "named")
    assert named.code == 0, named.stderr
    assert outputs(output)["tag"] == "v1.1.0"


def test_no_release_is_found_false_and_exit_0(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, tmp_path: Path
) -> None:
    assert publish(runs["plain"], "v1.0.0", "--draft-only").code == 0  # drafts do not count
    result = fetch("--from", "release:latest", "--name", "cancer", "--out", "runs/baseline")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("::notice::modelci baseline: no published release of model")
    assert outputs(output)["found"] == "false"
    assert not (tmp_path / "runs" / "baseline").exists()


def test_a_missing_pinned_release_is_an_error(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path
) -> None:
    result = fetch("--from", "release:v4.0.0", "--out", "runs/baseline")
    assert result.code == 2 and "no published release v4.0.0" in one_line_error(result, "baseline")


@pytest.mark.parametrize("asset", ["model.skops", "run.json", "plot-roc.png", "SHA256SUMS"])
def test_a_tampered_asset_is_refused(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, tmp_path: Path, asset: str
) -> None:
    assert publish(runs["base"], "cancer@v1.0.0").code == 0
    held = assets_of(fake_github, release_of(fake_github, "cancer@v1.0.0"))
    if asset == "SHA256SUMS":  # a forged line: the listed digest no longer matches the model
        text = held[asset].data.decode()
        held[asset].data = text.replace(text[:64], "0" * 64, 1).encode()
    else:
        held[asset].data = held[asset].data[:-1] + bytes([held[asset].data[-1] ^ 1])
    shutil.copytree(runs["plain"], tmp_path / "runs" / "baseline")  # an earlier baseline

    result = fetch("--from", "release:cancer@v1.0.0", "--out", "runs/baseline")
    assert result.code == 2
    line = one_line_error(result, "baseline")
    assert "does not match" in line and "refusing" in line
    assert "found" not in outputs(output)
    kept = tmp_path / "runs" / "baseline" / "model.skops"
    assert kept.read_bytes() == (runs["plain"] / "model.skops").read_bytes()  # left as it was


def test_a_release_without_checksums_is_refused(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path
) -> None:
    assert publish(runs["plain"], "v1.0.0").code == 0
    repo = fake_github.state.repo(REPO)
    (sums,) = [a for a in repo.assets.values() if a.name == "SHA256SUMS"]
    del repo.assets[sums.id]
    result = fetch("--from", "release:latest", "--out", "runs/baseline")
    assert result.code == 2 and "has no SHA256SUMS" in one_line_error(result, "baseline")


def test_path_source_copies_a_verified_run(runs: dict[str, Path], tmp_path: Path) -> None:
    result = fetch("--from", f"path:{runs['plain']}", "--out", "runs/baseline")
    assert result.code == 0, result.stderr
    fetched = tmp_path / "runs" / "baseline"
    assert (fetched / "predictions.csv").is_file()  # compare checks their fingerprint itself
    assert json.loads((fetched / "baseline.json").read_text())["kind"] == "path"

    tampered = tmp_path / "tampered"
    shutil.copytree(runs["plain"], tampered)
    with (tampered / "model.skops").open("ab") as handle:
        handle.write(b"\0")
    refused = fetch("--from", f"path:{tampered}", "--out", "runs/other")
    assert refused.code == 2 and "does not match run.json" in one_line_error(refused, "baseline")
    assert not (tmp_path / "runs" / "other").exists()


def test_out_must_be_new_empty_or_a_run(runs: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    for out in (".", "notes", str(tmp_path.parent)):
        result = fetch("--from", f"path:{runs['plain']}", "--out", out)
        assert result.code == 2 and "--out" in one_line_error(result, "baseline"), out
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"


def test_bad_sources_are_one_line_errors() -> None:
    for source in ("latest", "release:", "s3:bucket/model", "release:nightly"):
        result = fetch("--from", source, "--out", "x")
        assert result.code == 2, source
        one_line_error(result, "baseline")


def test_registry_source_verifies_what_pull_wrote(runs: dict[str, Path], tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def pull(ref: str, out: Path, *, credentials: Any, plain_http: bool) -> None:
        seen.update(ref=ref, credentials=credentials, plain_http=plain_http)
        shutil.copytree(runs["plain"], out)
        names = ["model.skops", "run.json"]
        (out / "SHA256SUMS").write_text(
            "".join(f"{fsutil.sha256_file(out / n)}  {n}\n" for n in names)
        )

    fetched = baseline.from_registry(
        "localhost:5000/cancer:1.0.0",
        tmp_path / "baseline",
        credentials=None,
        plain_http=True,
        pull=pull,
        log=lambda text: None,
    )
    assert fetched.found and seen == {
        "ref": "localhost:5000/cancer:1.0.0",
        "credentials": None,
        "plain_http": True,
    }
    assert json.loads((tmp_path / "baseline" / "baseline.json").read_text())["kind"] == "registry"

    def forged(ref: str, out: Path, **kwargs: Any) -> None:
        pull(ref, out, **kwargs)
        (out / "run.json").write_text((out / "run.json").read_text() + " ")

    with pytest.raises(UserError, match=r"run\.json does not match SHA256SUMS"):
        baseline.from_registry(
            "localhost:5000/cancer:1.0.0", tmp_path / "other", pull=forged, log=lambda text: None
        )
    assert not (tmp_path / "other").exists()


def test_registry_source_end_to_end(runs: dict[str, Path], tmp_path: Path) -> None:
    from tests.fakes.registry import TOKEN, FakeRegistry
    from tests.retry_support import registry_retry, silent

    from modelci.registry import Credentials, RegistryClient, push_run

    fake = FakeRegistry()
    try:
        with RegistryClient(
            fake.host,
            credentials=Credentials(username="anyone", password=TOKEN),
            plain_http=True,
            actions="pull,push",
            retry=registry_retry(log=silent),
        ) as pusher:
            push_run(runs["base"], f"{fake.host}/octo/cancer:1.0.0", client=pusher)
        ref = f"{fake.host}/octo/cancer:1.0.0"
        result = fetch("--from", f"registry:{ref}", "--plain-http", "--out", "runs/baseline")
        assert result.code == 0, result.stderr
        fetched = tmp_path / "runs" / "baseline"
        assert (fetched / "model.skops").read_bytes() == (runs["base"] / "model.skops").read_bytes()
        assert json.loads((fetched / "baseline.json").read_text())["source"] == f"registry:{ref}"
        compared = run_in_process(
            "compare", str(runs["tuned"]), "runs/baseline", "--out", "runs/compare"
        )
        assert compared.code in (0, 1), compared.stderr
        missing = fetch("--from", f"registry:{fake.host}/octo/none:1", "--plain-http", "--out", "x")
        assert missing.code in (2, 3) and one_line_error(missing, "baseline")
    finally:
        fake.close()


def test_registry_pull_has_the_signature_baseline_calls() -> None:
    registry = pytest.importorskip("modelci.registry")
    parameters = inspect.signature(registry.pull).parameters
    assert {"credentials", "plain_http"} <= set(parameters)
    assert inspect.signature(registry.Credentials.from_env).parameters


def test_registry_source_uses_the_credential_flags(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.registry import TOKEN, FakeRegistry
    from tests.retry_support import registry_retry, silent

    from modelci.registry import Credentials, RegistryClient, push_run

    fake = FakeRegistry(anonymous_pull=False)  # a private registry
    try:
        with RegistryClient(
            fake.host,
            credentials=Credentials(username="anyone", password=TOKEN),
            plain_http=True,
            actions="pull,push",
            retry=registry_retry(log=silent),
        ) as pusher:
            push_run(runs["base"], f"{fake.host}/octo/private:1.0.0", client=pusher)
        ref = f"registry:{fake.host}/octo/private:1.0.0"
        refused = fetch("--from", ref, "--plain-http", "--out", "runs/anon")
        assert refused.code == 3 and one_line_error(refused, "baseline")
        monkeypatch.setenv("PRIVATE_REGISTRY_TOKEN", TOKEN)
        result = fetch(
            "--from",
            ref,
            "--plain-http",
            "--out",
            "runs/private",
            "--username",
            "anyone",
            "--password-env",
            "PRIVATE_REGISTRY_TOKEN",
        )
        assert result.code == 0, result.stderr
        assert (tmp_path / "runs/private/model.skops").is_file()
    finally:
        fake.close()
