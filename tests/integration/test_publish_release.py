"""`modelci publish release` against the fake GitHub: draft → assets → publish, re-runs, tags,
notes with deltas, faults."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from tests.fakes.github import FakeGitHub
from tests.fakes.github.world import REPO, TOKEN
from tests.integration.release_world import (
    RecordingSession,
    assets_of,
    clean_environment,
    no_sleep_client,
    one_line_error,
    outputs,
    publish,
    release_of,
    releases,
    train_runs,
    uploads,
    use,
)

from modelci.release import contents as release_contents

RUN_ASSETS = {"model.skops", "run.json", "metrics.json", "evaluation.json"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return train_runs(tmp_path_factory.mktemp("release-runs"))


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> RecordingSession:
    return no_sleep_client(monkeypatch)


@pytest.fixture
def output(monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub, tmp_path: Path) -> Path:
    return use(monkeypatch, fake_github, tmp_path)


def test_publishes_every_asset_then_the_release(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    result = publish(runs["base"], "cancer@v1.0.0")
    assert result.code == 0, result.stderr
    release = release_of(fake_github, "cancer@v1.0.0")
    assert not release.draft and not release.prerelease
    assert release.name == "cancer v1.0.0"
    held = assets_of(fake_github, release)
    plots = {n for n in held if n.startswith("plot-")}
    assert plots == {
        "plot-roc.png",
        "plot-pr.png",
        "plot-calibration.png",
        "plot-confusion_matrix.png",
    }
    assert set(held) == RUN_ASSETS | plots | {"MODEL_CARD.md", "SHA256SUMS"}
    assert held["model.skops"].content_type == "application/zip"
    assert held["run.json"].content_type == "application/json"
    assert held["plot-roc.png"].content_type == "image/png"
    assert held["MODEL_CARD.md"].content_type.startswith("text/markdown")
    assert held["model.skops"].data == (runs["base"] / "model.skops").read_bytes()

    # SHA256SUMS covers every other asset, by name, in sha256sum's format.
    sums = release_contents.parse_sha256sums(held["SHA256SUMS"].data.decode())
    assert set(sums) == set(held) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(held[name].data).hexdigest() == digest, name

    # Created as a draft, published by the last call only.
    posts = [b for m, u, b in sent.sent if m == "POST" and u.endswith("/releases")]
    assert posts == [
        {
            "tag_name": "cancer@v1.0.0",
            "name": "cancer v1.0.0",
            "body": posts[0]["body"],
            "draft": True,
            "prerelease": False,
        }
    ]
    patches = [b for m, u, b in sent.sent if m == "PATCH"]
    assert patches[-1]["draft"] is False and patches[-1]["make_latest"] == "true"
    last_upload = max(i for i, (m, u, _) in enumerate(sent.sent) if "/api/uploads/" in u)
    publish_call = max(i for i, (m, _, _) in enumerate(sent.sent) if m == "PATCH")
    assert last_upload < publish_call

    card = held["MODEL_CARD.md"].data.decode()
    assert "Flags malignant tumours" in card and "not for diagnosis" in card
    assert "569 rows from one hospital" in card and "| License | MIT |" in card
    fingerprint = json.loads((runs["base"] / "run.json").read_text())["data"]["split"][
        "test_fingerprint"
    ]
    assert fingerprint in card
    assert "95% CI" in card and "delong" in card

    body = release.body or ""
    assert "The first release of this model" in body
    card_url = f"{fake_github.server_url}/{REPO}/releases/download/cancer@v1.0.0/MODEL_CARD.md"
    assert f"[Model card]({card_url})" in body

    found = outputs(output)
    assert found["tag"] == "cancer@v1.0.0" and found["published"] == "true"
    assert found["release-url"].endswith("/releases/tag/cancer@v1.0.0")
    urls = json.loads(found["asset-urls"])
    assert set(urls) == set(held)
    assert urls["MODEL_CARD.md"] == card_url
    assert "tag=cancer@v1.0.0" in result.stdout.splitlines()
    assert (
        json.loads(
            next(line for line in result.stdout.splitlines() if line.startswith("asset-urls="))[11:]
        )
        == urls
    )


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs the sha256sum command")
def test_sha256sums_passes_sha256sum_check(
    fake_github: FakeGitHub,
    runs: dict[str, Path],
    output: Path,
    sent: RecordingSession,
    tmp_path: Path,
) -> None:
    assert publish(runs["plain"], "v1.0.0").code == 0
    folder = tmp_path / "downloaded"
    folder.mkdir()
    for name, asset in assets_of(fake_github, release_of(fake_github, "v1.0.0")).items():
        (folder / name).write_bytes(asset.data)
    done = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_checksums_out_is_the_uploaded_sha256sums(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, tmp_path: Path
) -> None:
    result = publish(runs["plain"], "v1.0.0", "--checksums-out", "out/SHA256SUMS")
    assert result.code == 0, result.stderr
    uploaded = assets_of(fake_github, release_of(fake_github, "v1.0.0"))["SHA256SUMS"].data
    assert (tmp_path / "out/SHA256SUMS").read_bytes() == uploaded
    assert "model.skops" in uploaded.decode()


def test_publishing_twice_keeps_one_release_and_no_duplicate_assets(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    assert publish(runs["plain"], "v1.0.0").code == 0
    first_uploads = len(uploads(fake_github))
    again = publish(runs["plain"], "v1.0.0")
    assert again.code == 0, again.stderr
    assert len(releases(fake_github)) == 1
    assert len(uploads(fake_github)) == first_uploads  # every asset was already there
    assert "0 assets uploaded" in again.stdout
    assert len(assets_of(fake_github, release_of(fake_github, "v1.0.0"))) == 6


def test_a_changed_run_replaces_same_name_assets(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    assert publish(runs["base"], "cancer@v1.0.0", "--draft-only").code == 0
    assert release_of(fake_github, "cancer@v1.0.0").draft
    result = publish(runs["tuned"], "cancer@v1.0.0")
    assert result.code == 0, result.stderr
    release = release_of(fake_github, "cancer@v1.0.0")
    assert not release.draft and len(releases(fake_github)) == 1
    held = assets_of(fake_github, release)
    assert held["model.skops"].data == (runs["tuned"] / "model.skops").read_bytes()
    # The draft's plots are not the tuned run's; they are left, never duplicated.
    assert "plot-roc.png" in held
    # The replaced ones went through 422 already_exists → delete → upload.
    assert fake_github.calls("DELETE", "/repos/*/*/releases/assets/*")


def test_draft_only_stops_before_publishing(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    result = publish(runs["plain"], "v2.0.0", "--draft-only")
    assert result.code == 0, result.stderr
    assert release_of(fake_github, "v2.0.0").draft
    assert outputs(output)["published"] == "false"
    assert not [b for m, _, b in sent.sent if m == "PATCH"]


def test_prerelease_is_never_latest(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    assert publish(runs["plain"], "v1.0.0").code == 0
    result = publish(runs["plain"], "v1.1.0-rc.1")
    assert result.code == 0, result.stderr
    assert "prerelease, not latest" in result.stdout
    assert release_of(fake_github, "v1.1.0-rc.1").prerelease
    assert [b for m, _, b in sent.sent if m == "PATCH"][-1]["make_latest"] == "false"
    # GitHub's "latest" stays the release.
    answer = requests.get(
        f"{fake_github.api_url}/repos/{REPO}/releases/latest",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    ).json()
    assert answer["tag_name"] == "v1.0.0"


def test_a_patch_to_an_older_line_is_not_made_latest(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    assert publish(runs["plain"], "v2.0.0").code == 0
    assert publish(runs["plain"], "v1.0.1").code == 0
    assert [b for m, _, b in sent.sent if m == "PATCH"][-1]["make_latest"] == "false"


def test_notes_show_deltas_against_the_same_models_previous_release(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    assert publish(runs["base"], "cancer@v1.0.0").code == 0
    assert publish(runs["plain"], "v3.0.0").code == 0  # another model's line: ignored
    assert publish(runs["base"], "cancer@v1.1.0-rc.1").code == 0  # a prerelease: ignored
    result = publish(runs["tuned"], "cancer@v1.1.0")
    assert result.code == 0, result.stderr
    body = release_of(fake_github, "cancer@v1.1.0").body or ""
    assert "| Metric | Value | 95% CI | `cancer@v1.0.0` | Δ |" in body, body
    before = json.loads((runs["base"] / "metrics.json").read_text())
    after = json.loads((runs["tuned"] / "metrics.json").read_text())
    line = next(row for row in body.splitlines() if row.startswith("| **roc\\_auc** |"))
    from modelci.report.numbers import Precision

    # The row in the decimals the new release's interval supports, its delta too.
    ci = json.loads((runs["tuned"] / "evaluation.json").read_text())["metrics"]["roc_auc"]["ci"]
    row = Precision.of(ci, after["roc_auc"], before["roc_auc"])
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[1] == row.value(after["roc_auc"]) and cells[3] == row.value(before["roc_auc"])
    assert cells[4].startswith(row.delta(after["roc_auc"] - before["roc_auc"]))
    assert len(cells[1].partition(".")[2]) == row.decimals == 3
    assert "the previous release of this model" in body
    assert "/releases/tag/cancer@v1.0.0)" in body  # links the previous release
    assert "/releases/download/cancer@v1.1.0/MODEL_CARD.md" in body


def test_monorepo_tag_must_name_the_runs_model(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    result = publish(runs["base"], "churn@v1.0.0")
    assert result.code == 2
    line = one_line_error(result, "publish")
    assert "model 'churn'" in line and "cancer@v1.0.0" in line
    assert releases(fake_github) == []


def test_a_plain_tag_for_a_named_model_warns(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    result = publish(runs["base"], "v1.0.0")
    assert result.code == 0, result.stderr
    assert "::warning::" in result.stdout and "cancer@" in result.stdout


def test_a_502_on_an_upload_is_retried(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    fault = fake_github.faults.add(path="/repos/*/*/releases/*/assets", method="POST", status=502)
    result = publish(runs["plain"], "v1.0.0")
    assert result.code == 0, result.stderr
    assert fault.hits == 1
    assert len(assets_of(fake_github, release_of(fake_github, "v1.0.0"))) == 6


def test_a_retried_upload_that_had_landed_is_kept(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    # The first upload is stored, then the connection drops: the client retries, GitHub says
    # 422 already_exists, and the asset that landed is ours (same digest) — kept, not deleted.
    fault = fake_github.faults.add(
        path="/repos/*/*/releases/*/assets", method="POST", drop="after", nth=2
    )
    result = publish(runs["plain"], "v1.0.0")
    assert result.code == 0, result.stderr
    assert fault.hits == 1
    held = assets_of(fake_github, release_of(fake_github, "v1.0.0"))
    assert held["run.json"].data == (runs["plain"] / "run.json").read_bytes()
    assert not fake_github.calls("DELETE", "/repos/*/*/releases/assets/*")


def test_a_stale_token_leaves_a_draft_that_the_next_run_finishes(
    fake_github: FakeGitHub, runs: dict[str, Path], output: Path, sent: RecordingSession
) -> None:
    fake_github.faults.add(
        path="/repos/*/*/releases/*/assets", method="POST", status=401, nth=3, times=None
    )
    result = publish(runs["plain"], "v1.0.0")
    assert result.code == 3
    line = one_line_error(result, "publish")
    assert "401" in line and "left as an unpublished draft" in line and "re-run" in line
    release = release_of(fake_github, "v1.0.0")
    assert release.draft
    assert len(assets_of(fake_github, release)) == 2
    assert "release-url" not in outputs(output)

    fake_github.faults.clear()
    before = len(uploads(fake_github))
    again = publish(runs["plain"], "v1.0.0")
    assert again.code == 0, again.stderr
    assert len(releases(fake_github)) == 1 and not release_of(fake_github, "v1.0.0").draft
    assert len(uploads(fake_github)) - before == 4  # only what was missing
    assert len(assets_of(fake_github, release_of(fake_github, "v1.0.0"))) == 6


def test_bad_input_is_one_line_and_exit_2(
    fake_github: FakeGitHub,
    runs: dict[str, Path],
    output: Path,
    sent: RecordingSession,
    tmp_path: Path,
) -> None:
    bad_tag = publish(runs["plain"], "release-1")
    assert bad_tag.code == 2 and "v1.2.3" in one_line_error(bad_tag, "publish")
    unevaluated = tmp_path / "unevaluated"
    shutil.copytree(runs["plain"], unevaluated)
    (unevaluated / "evaluation.json").unlink()
    result = publish(unevaluated, "v1.0.0")
    assert result.code == 2 and "modelci evaluate" in one_line_error(result, "publish")
    changed = tmp_path / "changed"
    shutil.copytree(runs["plain"], changed)
    with (changed / "model.skops").open("ab") as handle:
        handle.write(b"\0")
    result = publish(changed, "v1.0.0")
    assert result.code == 2 and "does not match" in one_line_error(result, "publish")
    assert releases(fake_github) == []
