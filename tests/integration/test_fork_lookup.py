"""The trusted half of the fork flow against the fake GitHub: find the PR, fetch the bundle."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes.github import FakeGitHub
from tests.fakes.github.state import Pull, Repo
from tests.fakes.github.world import READ_ONLY_TOKEN, REPO, TOKEN
from tests.integration.test_comment import png
from tests.retry_support import github_retry, silent

from modelci.errors import UserError
from modelci.github import GitHub, GitHubError
from modelci.pull_request.bundle import (
    BundledReport,
    CommentBundle,
    download_artifact,
    download_bundle,
    find_pull_request,
    list_bundle_artifacts,
    read_untrusted_bundle,
    write_bundle,
)

OWNER, NAME = REPO.split("/")
PNG = png(1)  # a valid image: bundles are checked chunk by chunk


def client(fake: FakeGitHub, token: str = TOKEN) -> GitHub:
    return GitHub(api_url=fake.api_url, token=token, retry=github_retry(log=silent))


@pytest.fixture
def github(fake_github: FakeGitHub) -> Iterator[GitHub]:
    with client(fake_github) as made:
        yield made


def repo_of(fake: FakeGitHub) -> Repo:
    return fake.state.repo(REPO)


def fork_pull(fake: FakeGitHub, *, branch: str = "patch-1") -> Pull:
    fake.state.add_repo("forker/demo")
    return fake.state.add_pull(
        repo_of(fake), head=branch, head_repo="forker/demo", login="forker", title="From a fork"
    )


def fork_run(fake: FakeGitHub, pull: Pull, branch: str = "patch-1") -> int:
    # GitHub leaves a fork run's pull_requests empty: no pull_numbers.
    return fake.state.add_run(
        repo_of(fake), head_sha=pull.head_sha, head_branch=branch, head_repo="forker/demo"
    ).id


# -- find_pull_request ----------------------------------------------------------------------------


def test_a_same_repository_pull_request(fake_github: FakeGitHub, github: GitHub) -> None:
    pull = repo_of(fake_github).pulls[1]
    run = fake_github.state.add_run(repo_of(fake_github), head_branch="feature", pull_numbers=[1])
    assert find_pull_request(github, OWNER, NAME, run.id) == (1, pull.head_sha)


def test_a_fork_pull_request_is_found_without_the_runs_list(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    pull = fork_pull(fake_github)
    run_id = fork_run(fake_github, pull)
    assert find_pull_request(github, OWNER, NAME, run_id) == (pull.number, pull.head_sha)
    listed = fake_github.calls("GET", f"/repos/{REPO}/pulls")
    assert listed and "head=forker%3Apatch-1" in listed[0].query


def test_a_fork_commit_github_does_not_associate_is_found_by_head_label(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    pull = fork_pull(fake_github)
    run_id = fork_run(fake_github, pull)
    # What GitHub answers for a commit that only exists in the fork.
    unknown = fake_github.faults.add(
        path=f"/repos/{REPO}/commits/*/pulls",
        status=422,
        body={"message": f"No commit found for SHA: {pull.head_sha}"},
    )
    assert find_pull_request(github, OWNER, NAME, run_id) == (pull.number, pull.head_sha)
    assert unknown.hits == 1


def test_the_number_a_bundle_claims_plays_no_part(fake_github: FakeGitHub, github: GitHub) -> None:
    pull = fork_pull(fake_github)
    run_id = fork_run(fake_github, pull)
    assert find_pull_request(github, OWNER, NAME, run_id)[0] == pull.number != 1


def test_two_open_pull_requests_on_the_same_commit_are_refused(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    # A second PR from the same branch (into another base) has the same head commit.
    repo = repo_of(fake_github)
    fake_github.state.commit(repo, branch="release", files={"r.txt": "r"})
    fake_github.state.add_pull(repo, number=2, head="feature", base="release")
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1, 2])
    with pytest.raises(UserError, match=r"several open pull requests \(#1, #2\)") as caught:
        find_pull_request(github, OWNER, NAME, run.id)
    assert "\n" not in caught.value.line()


def test_the_head_repository_tells_a_fork_pr_from_a_same_repository_one(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    pull = fork_pull(fake_github, branch="feature")  # the same commit as PR #1's head
    run_id = fork_run(fake_github, pull, branch="feature")
    assert find_pull_request(github, OWNER, NAME, run_id) == (pull.number, pull.head_sha)


def test_two_fork_pull_requests_on_one_commit_are_refused(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    pull = fork_pull(fake_github)
    repo = repo_of(fake_github)
    fake_github.state.commit(repo, branch="release", files={"r.txt": "r"})
    fake_github.state.add_pull(repo, head="patch-1", base="release", head_repo="forker/demo")
    run_id = fork_run(fake_github, pull)
    with pytest.raises(UserError, match="several open pull requests"):
        find_pull_request(github, OWNER, NAME, run_id)


def test_no_pull_request_is_refused(fake_github: FakeGitHub, github: GitHub) -> None:
    run = fake_github.state.add_run(repo_of(fake_github), head_branch="main")
    with pytest.raises(UserError, match="no open pull request has head commit") as caught:
        find_pull_request(github, OWNER, NAME, run.id)
    assert "\n" not in caught.value.line()


def test_a_closed_pull_request_is_refused_even_if_the_run_lists_it(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    repo_of(fake_github).pulls[1].state = "closed"
    run = fake_github.state.add_run(repo_of(fake_github), head_branch="feature", pull_numbers=[1])
    with pytest.raises(UserError, match="no open pull request"):
        find_pull_request(github, OWNER, NAME, run.id)


def test_a_pushed_since_pull_request_is_refused(fake_github: FakeGitHub, github: GitHub) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    repo.pulls[1].head_sha = fake_github.state.commit(repo, branch="feature", files={"b": "2"})
    with pytest.raises(UserError, match="no open pull request"):
        find_pull_request(github, OWNER, NAME, run.id)


def test_a_run_not_from_a_pull_request_is_refused(fake_github: FakeGitHub, github: GitHub) -> None:
    run = fake_github.state.add_run(repo_of(fake_github), head_branch="feature", event="push")
    with pytest.raises(UserError, match="triggered by 'push', not by a pull request"):
        find_pull_request(github, OWNER, NAME, run.id)


def test_an_unknown_run_is_a_github_error(github: GitHub) -> None:
    with pytest.raises(GitHubError, match="404"):
        find_pull_request(github, OWNER, NAME, 999_999)


def test_lookup_recovers_from_server_errors(fake_github: FakeGitHub, github: GitHub) -> None:
    pull = fork_pull(fake_github)
    run_id = fork_run(fake_github, pull)
    faults = [
        fake_github.faults.add(path=path, status=502)
        for path in (
            f"/repos/{REPO}/actions/runs/*",
            f"/repos/{REPO}/commits/*/pulls",
            f"/repos/{REPO}/pulls",
        )
    ]
    assert find_pull_request(github, OWNER, NAME, run_id) == (pull.number, pull.head_sha)
    assert [fault.hits for fault in faults] == [1, 1, 1]


def test_a_read_only_token_is_enough_to_find_the_pr(fake_github: FakeGitHub) -> None:
    pull = fork_pull(fake_github)
    run_id = fork_run(fake_github, pull)
    with client(fake_github, READ_ONLY_TOKEN) as github:
        assert find_pull_request(github, OWNER, NAME, run_id)[0] == pull.number


# -- download_bundle ------------------------------------------------------------------------------


def bundle_zip(tmp_path: Path, **changes: object) -> bytes:
    report = BundledReport(
        name="compare",
        documents={"evaluation.json": b'{"note": "<!-- modelci:comment key=evil -->"}'},
        images={"plots/roc.png": PNG},
    )
    fields: dict[str, object] = {
        "key": "modelci",
        "reports": (report,),
        "run_id": 5,
        "run_attempt": 1,
        "head_sha": None,
        "pr_number_claimed": 1,
    }
    folder = tmp_path / "out"
    write_bundle(CommentBundle(**{**fields, **changes}), folder)  # type: ignore[arg-type]
    dest = tmp_path / "artifact.zip"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return dest.read_bytes()


@pytest.mark.parametrize("style", ["github", "ghes"])
def test_download_follows_the_redirect_and_reads_back(
    request: pytest.FixtureRequest, tmp_path: Path, style: str
) -> None:
    fake: FakeGitHub = request.getfixturevalue("fake_github" if style == "github" else "fake_ghes")
    repo = repo_of(fake)
    run = fake.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    fake.state.add_artifact(repo, run_id=run.id, name="other", data=b"PK\x05\x06" + bytes(18))
    artifact = fake.state.add_artifact(
        repo, run_id=run.id, name="modelci-comment", data=bundle_zip(tmp_path)
    )
    with client(fake) as github:
        path = download_bundle(github, OWNER, NAME, run.id, tmp_path / "work")
    assert path.parent == tmp_path / "work" and path.read_bytes() == artifact.data
    assert fake.calls("GET", f"/_fake/objects/artifacts/{artifact.id}")  # the redirect's target
    bundle = read_untrusted_bundle(path)
    assert bundle.key == "modelci" and bundle.reports[0].images == {"plots/roc.png": PNG}
    # Read back as it was written: the documents are data, rendered (and escaped) when posted.
    assert bundle.reports[0].documents["evaluation.json"].startswith(b'{"note": "<!--')


def test_download_picks_the_newest_live_artifact(
    fake_github: FakeGitHub, github: GitHub, tmp_path: Path
) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    old = fake_github.state.add_artifact(repo, run_id=run.id, name="c", data=b"old")
    old.created_at = "2020-01-01T00:00:00Z"
    newest = fake_github.state.add_artifact(repo, run_id=run.id, name="c", data=b"new")
    expired = fake_github.state.add_artifact(repo, run_id=run.id, name="c", data=b"gone")
    expired.expired = True
    path = download_bundle(github, OWNER, NAME, run.id, tmp_path, artifact_name="c")
    assert path.read_bytes() == newest.data == b"new"


def test_a_missing_or_expired_artifact_is_refused(
    fake_github: FakeGitHub, github: GitHub, tmp_path: Path
) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    with pytest.raises(UserError, match="has no artifact named 'modelci-comment'"):
        download_bundle(github, OWNER, NAME, run.id, tmp_path)
    fake_github.state.add_artifact(repo, run_id=run.id, name="modelci-comment", data=b"x")
    for item in repo.artifacts.values():
        item.expired = True
    with pytest.raises(UserError, match="has only expired artifacts"):
        download_bundle(github, OWNER, NAME, run.id, tmp_path)


def test_an_oversized_artifact_is_not_downloaded(
    fake_github: FakeGitHub, github: GitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelci.pull_request import bundle as bundle_module

    monkeypatch.setattr(bundle_module, "MAX_ZIP_BYTES", 10)
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    fake_github.state.add_artifact(repo, run_id=run.id, name="modelci-comment", data=bytes(100))
    with pytest.raises(UserError, match="more than the 10 allowed"):
        download_bundle(github, OWNER, NAME, run.id, tmp_path)
    assert not fake_github.calls("GET", "/_fake/objects/*")


def test_download_recovers_from_a_dropped_transfer(
    fake_github: FakeGitHub, github: GitHub, tmp_path: Path
) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    artifact = fake_github.state.add_artifact(
        repo, run_id=run.id, name="modelci-comment", data=bundle_zip(tmp_path)
    )
    dropped = fake_github.faults.add(path="/_fake/objects/artifacts/*", drop="mid-body")
    failed = fake_github.faults.add(path=f"/repos/{REPO}/actions/runs/*/artifacts", status=503)
    path = download_bundle(github, OWNER, NAME, run.id, tmp_path / "work")
    assert dropped.hits == failed.hits == 1
    assert path.read_bytes() == artifact.data
    assert [p.name for p in (tmp_path / "work").iterdir()] == [path.name]  # no partial files


# -- list_bundle_artifacts -------------------------------------------------------------------------


def test_listing_finds_every_bundle_newest_per_name(
    fake_github: FakeGitHub, github: GitHub, tmp_path: Path
) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    add = fake_github.state.add_artifact
    for name in ("metrics", "modelci-commentary", "modelci-comment-", "x-modelci-comment"):
        add(repo, run_id=run.id, name=name, data=b"x")
    old = add(repo, run_id=run.id, name="modelci-comment-b", data=b"old")
    old.created_at = "2020-01-01T00:00:00Z"
    newest_b = add(repo, run_id=run.id, name="modelci-comment-b", data=bundle_zip(tmp_path))
    plain = add(repo, run_id=run.id, name="modelci-comment", data=b"p")
    gone = add(repo, run_id=run.id, name="modelci-comment-a", data=b"gone")
    gone.expired = True
    other_run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    add(repo, run_id=other_run.id, name="modelci-comment-c", data=b"elsewhere")

    found = list_bundle_artifacts(github, OWNER, NAME, run.id)
    assert [(a["name"], a["id"]) for a in found.live] == [
        ("modelci-comment", plain.id),
        ("modelci-comment-b", newest_b.id),
    ]
    assert found.expired == ["modelci-comment-a"] and found.skipped == []
    path = download_artifact(github, OWNER, NAME, found.live[1], tmp_path / "work")
    assert path.read_bytes() == newest_b.data
    assert read_untrusted_bundle(path).key == "modelci"


def test_listing_is_bounded_and_independent_of_upload_order(
    fake_github: FakeGitHub, github: GitHub
) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    for name in ("d", "b", "a", "c"):
        fake_github.state.add_artifact(
            repo, run_id=run.id, name=f"modelci-comment-{name}", data=b""
        )
    found = list_bundle_artifacts(github, OWNER, NAME, run.id, limit=2)
    assert [a["name"] for a in found.live] == ["modelci-comment-a", "modelci-comment-b"]
    assert found.skipped == ["modelci-comment-c", "modelci-comment-d"]


def test_listing_a_run_without_bundles_is_empty(fake_github: FakeGitHub, github: GitHub) -> None:
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    found = list_bundle_artifacts(github, OWNER, NAME, run.id)
    assert found.live == found.expired == found.skipped == []


def test_an_oversized_listed_artifact_is_not_downloaded(
    fake_github: FakeGitHub, github: GitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelci.pull_request import bundle as bundle_module

    monkeypatch.setattr(bundle_module, "MAX_ZIP_BYTES", 10)
    repo = repo_of(fake_github)
    run = fake_github.state.add_run(repo, head_branch="feature", pull_numbers=[1])
    fake_github.state.add_artifact(repo, run_id=run.id, name="modelci-comment-x", data=bytes(100))
    [artifact] = list_bundle_artifacts(github, OWNER, NAME, run.id).live
    with pytest.raises(UserError, match="'modelci-comment-x' is 100 bytes"):
        download_artifact(github, OWNER, NAME, artifact, tmp_path)
    assert not fake_github.calls("GET", "/_fake/objects/*")
