"""`modelci comment` against the fake GitHub: the sticky comment, the assets branch, forks, faults.

The command runs in-process with the fake's client injected (no real sleeps between retries); a
few tests go through `modelci.cli.main` to cover the entry itself. The report is the fixture
compare directory plus four tiny PNGs, so nothing here trains a model.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
import requests
from tests.fakes.github import FakeGitHub
from tests.fakes.github.state import Comment
from tests.fakes.github.world import BOT, READ_ONLY_TOKEN, REPO, TOKEN
from tests.fakes.runner import parse_outputs
from tests.retry_support import github_retry, silent

from modelci import cli
from modelci.commands import comment as comment_command
from modelci.commands.github_options import GitHubContext
from modelci.errors import ExternalError, ModelciError
from modelci.github import GitHub, GitHubError
from modelci.pull_request import plot_branch, sticky

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "report" / "binary_pass"
PLOTS = ("metric_deltas", "roc", "pr", "calibration")
MARKER = "<!-- modelci:comment key=default -->"
OWNER, NAME = REPO.split("/")


def png(seed: int, size: int = 1) -> bytes:
    """A valid PNG whose bytes differ by `seed`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes([seed % 256, (seed // 256) % 256, 7]) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def compare_dir(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "binary_pass")
    directory = tmp_path / "binary_pass" / "compare"
    (directory / "plots").mkdir()
    for seed, name in enumerate(PLOTS):
        (directory / "plots" / f"{name}.png").write_bytes(png(seed))
    return directory


@dataclass
class Outcome:
    code: int
    stdout: str
    error: str  # the one line cli.main would print
    outputs: dict[str, str]
    summary: str

    @property
    def url(self) -> str:
        return self.stdout.strip().splitlines()[-1]


class Runner:
    """Run `modelci comment` as a workflow step would, against one fake."""

    def __init__(self, fake: FakeGitHub, workdir: Path):
        self.fake = fake
        self.workdir = workdir
        self.count = 0
        self.log: list[str] = []
        self.client_class: type[GitHub] = GitHub

    def environ(self, *, token: str | None, run_id: int | None, attempt: int, event: Any) -> dict:
        self.count += 1
        step = self.workdir / f"step{self.count}"
        step.mkdir(parents=True)
        env = {
            "GITHUB_API_URL": self.fake.api_url,
            "GITHUB_SERVER_URL": self.fake.server_url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_RUN_ATTEMPT": str(attempt),
            "GITHUB_STEP_SUMMARY": str(step / "summary.md"),
            "GITHUB_OUTPUT": str(step / "output.txt"),
        }
        if run_id is not None:
            env["GITHUB_RUN_ID"] = str(run_id)
        if token is not None:
            env["GITHUB_TOKEN"] = token
        if event is not None:
            (step / "event.json").write_text(json.dumps(event))
            env["GITHUB_EVENT_PATH"] = str(step / "event.json")
            env["GITHUB_EVENT_NAME"] = "pull_request"
        return env

    def client(self, token: str | None, **kwargs: Any) -> GitHub:
        return self.client_class(
            api_url=self.fake.api_url,
            token=token,
            retry=github_retry(log=self.log.append),
            **kwargs,
        )

    def __call__(
        self,
        *argv: str,
        token: str | None = TOKEN,
        run_id: int | None = 100,
        attempt: int = 1,
        event: Any = None,
        environ: dict[str, str] | None = None,
        client: dict[str, Any] | None = None,
    ) -> Outcome:
        env = self.environ(token=token, run_id=run_id, attempt=attempt, event=event)
        env.update(environ or {})
        args = cli.build_parser().parse_args(["comment", *argv])
        out = io.StringIO()
        error = ""
        with self.client(env.get("GITHUB_TOKEN"), **(client or {})) as github:
            try:
                context = GitHubContext.of(args, environ=env, client=github, out=out)
                code = comment_command.run(args, context)
            except ModelciError as raised:
                code, error = int(raised.exit_code), raised.line()
        output = Path(env["GITHUB_OUTPUT"])
        summary = Path(env["GITHUB_STEP_SUMMARY"])
        return Outcome(
            code=code,
            stdout=out.getvalue(),
            error=error,
            outputs=parse_outputs(output.read_text()) if output.exists() else {},
            summary=summary.read_text() if summary.exists() else "",
        )


@pytest.fixture
def run(fake_github: FakeGitHub, tmp_path: Path) -> Runner:
    return Runner(fake_github, tmp_path / "steps")


def ours(fake: FakeGitHub, key: str = "default") -> list[Comment]:
    repo = fake.state.repo(REPO)
    mark = f"<!-- modelci:comment key={key} -->"
    return sorted(
        (c for c in repo.comments.values() if mark in c.body and c.login == BOT),
        key=lambda c: c.id,
    )


def branch_head(fake: FakeGitHub) -> str | None:
    return fake.state.repo(REPO).refs.get("refs/heads/modelci-assets")


def branch_files(fake: FakeGitHub, sha: str | None = None) -> dict[str, bytes]:
    repo = fake.state.repo(REPO)
    sha = sha or branch_head(fake)
    if sha is None:
        return {}
    return {
        path: repo.blobs[blob]
        for path, (_mode, blob) in repo.flatten(repo.commits[sha].tree).items()
    }


def image_urls(body: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", body)


def assert_images_resolve(fake: FakeGitHub, body: str, count: int = len(PLOTS)) -> None:
    """Every image of the comment is served by the web side, pinned to a commit of the branch."""
    urls = image_urls(body)
    assert len(urls) == count
    repo = fake.state.repo(REPO)
    head = branch_head(fake)
    for url in urls:
        match = re.fullmatch(
            re.escape(fake.server_url) + rf"/{REPO}/blob/([0-9a-f]{{40}})/(pr-\d+/[^?]+)\?raw=true",
            url,
        )
        assert match, url
        assert repo.is_ancestor(match.group(1), head)
        served = requests.get(url, timeout=5)
        assert served.status_code == 200
        assert served.content.startswith(b"\x89PNG")


def html_of(body: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(
        body, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
    )


def add_comment(fake: FakeGitHub, body: str, *, login: str = BOT, number: int = 1) -> Comment:
    state = fake.state
    with state.lock:
        state.add_user(login, type="Bot" if login.endswith("[bot]") else "User")
        item = Comment(id=state.next_id(), issue_number=number, body=body, login=login)
        state.repo(REPO).comments[item.id] = item
    return item


# -- the sticky comment ----------------------------------------------------------------------------


def test_first_run_creates_branch_and_comment(run: Runner, fake_github: FakeGitHub, compare_dir):
    done = run(str(compare_dir), "--pr", "1")
    assert done.code == 0, done.error
    [comment] = ours(fake_github)
    assert done.url == f"{fake_github.server_url}/{REPO}/pull/1#issuecomment-{comment.id}"
    assert done.outputs == {
        "comment-url": done.url,
        "comment-id": str(comment.id),
        "comment-action": "created",
    }
    assert comment.body.startswith(MARKER + "\n")
    assert comment.body.rstrip().endswith(
        f"[job summary]({fake_github.server_url}/{REPO}/actions/runs/100).</sub>"
    )
    assert len(comment.body) <= sticky.MAX_CHARS
    files = branch_files(fake_github)
    assert {f"pr-1/100-1/plots/{name}.png" for name in PLOTS} <= set(files)
    assert "README.md" in files
    assert_images_resolve(fake_github, comment.body)
    # The job summary holds the full report, with the same pinned images.
    assert "#### Metrics" in done.summary
    assert set(image_urls(done.summary)) == set(image_urls(comment.body))


def test_reruns_update_the_one_comment(run: Runner, fake_github: FakeGitHub, compare_dir):
    actions = []
    for run_id in (100, 101, 102):
        done = run(str(compare_dir), "--pr", "1", run_id=run_id)
        assert done.code == 0, done.error
        actions.append(done.outputs["comment-action"])
    assert actions == ["created", "updated", "updated"]
    [comment] = ours(fake_github)
    assert "/pr-1/102-1/plots/roc.png" in comment.body
    files = branch_files(fake_github)
    for run_id in (100, 101, 102):
        assert f"pr-1/{run_id}-1/plots/roc.png" in files
    # One commit per run, each on top of the last: nothing was forced.
    repo = fake_github.state.repo(REPO)
    head = branch_head(fake_github)
    chain = []
    while head:
        chain.append(head)
        parents = repo.commits[head].parents
        head = parents[0] if parents else None
    assert len(chain) == 3
    assert len(fake_github.calls("PATCH", "/repos/*/*/git/refs/*")) == 0  # GraphQL did the moves


def test_unchanged_body_is_not_patched(run: Runner, fake_github: FakeGitHub, compare_dir):
    first = run(str(compare_dir), "--pr", "1", "--images", "none")
    assert first.outputs["comment-action"] == "created"
    fake_github.clear_requests()
    again = run(str(compare_dir), "--pr", "1", "--images", "none")
    assert again.code == 0
    assert again.outputs["comment-action"] == "unchanged"
    assert again.url == first.url
    assert fake_github.calls("PATCH") == []
    assert [(r.method, r.path) for r in fake_github.calls()] == [
        ("GET", f"/repos/{REPO}/issues/1/comments")
    ]


def test_finds_ours_on_the_last_of_many_pages(run: Runner, fake_github: FakeGitHub, compare_dir):
    for index in range(300):
        add_comment(fake_github, f"comment {index}", login="octocat")
    mine = add_comment(fake_github, MARKER + "\nan old report")
    fake_github.clear_requests()
    done = run(str(compare_dir), "--pr", "1", "--images", "none")
    assert done.code == 0, done.error
    assert done.outputs["comment-action"] == "updated"
    assert done.outputs["comment-id"] == str(mine.id)
    assert [c.id for c in ours(fake_github)] == [mine.id]
    assert len(fake_github.state.repo(REPO).comments) == 301
    pages = fake_github.calls("GET", f"/repos/{REPO}/issues/1/comments")
    assert len(pages) == 4
    assert all("per_page=100" in page.query for page in pages)


def test_human_comment_with_the_marker_is_left_alone(
    run: Runner, fake_github: FakeGitHub, compare_dir
):
    human = add_comment(fake_github, MARKER + "\nI pasted the marker", login="octocat")
    done = run(str(compare_dir), "--pr", "1", "--images", "none")
    assert done.outputs["comment-action"] == "created"
    assert fake_github.state.repo(REPO).comments[human.id].body == MARKER + "\nI pasted the marker"
    assert len(ours(fake_github)) == 1


def test_duplicates_from_an_earlier_race_are_removed(
    run: Runner, fake_github: FakeGitHub, compare_dir
):
    first, second, third = (add_comment(fake_github, MARKER + f"\nold {i}") for i in range(3))
    done = run(str(compare_dir), "--pr", "1", "--images", "none")
    assert done.code == 0, done.error
    # The oldest stays (its place in the timeline, and racing runs all agree on it).
    assert [c.id for c in ours(fake_github)] == [first.id]
    assert done.outputs["comment-id"] == str(first.id)
    deleted = {r.path.rsplit("/", 1)[1] for r in fake_github.calls("DELETE")}
    assert deleted == {str(second.id), str(third.id)}


def test_keys_keep_reports_apart(run: Runner, fake_github: FakeGitHub, compare_dir):
    run(str(compare_dir), "--pr", "1", "--images", "none")
    nightly = run(str(compare_dir), "--pr", "1", "--images", "none", "--key", "nightly")
    assert nightly.outputs["comment-action"] == "created"
    again = run(str(compare_dir), "--pr", "1", "--images", "none", "--key", "nightly")
    assert again.outputs["comment-action"] == "unchanged"
    assert len(ours(fake_github)) == 1
    assert len(ours(fake_github, "nightly")) == 1
    bad = run(str(compare_dir), "--pr", "1", "--key", "no spaces")
    assert bad.code == 2
    assert "comment key" in bad.error


def test_pr_number_comes_from_the_event(run: Runner, fake_github: FakeGitHub, compare_dir):
    event = {"number": 1, "pull_request": {"number": 1}}
    done = run(str(compare_dir), "--images", "none", event=event)
    assert done.code == 0, done.error
    assert len(ours(fake_github)) == 1
    missing = run(str(compare_dir), "--images", "none", event={"ref": "refs/heads/main"})
    assert missing.code == 2
    assert "--pr" in missing.error


def test_rendered_comment_has_table_images_and_details(
    run: Runner, fake_github: FakeGitHub, compare_dir
):
    run(str(compare_dir), "--pr", "1")
    [comment] = ours(fake_github)
    html = html_of(comment.body)
    assert "<table>" in html
    assert "<details>" in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == len(PLOTS)
    for source in sources:
        assert re.search(r"/blob/[0-9a-f]{40}/pr-1/100-1/plots/\w+\.png\?raw=true$", source)


def test_images_none_shows_no_images_and_touches_no_branch(
    run: Runner, fake_github: FakeGitHub, compare_dir
):
    done = run(str(compare_dir), "--pr", "1", "--images", "none")
    assert done.code == 0
    [comment] = ours(fake_github)
    assert "<img" not in html_of(comment.body)
    assert branch_head(fake_github) is None
    assert fake_github.calls("POST", "/graphql") == []


def test_ghes_urls(fake_ghes: FakeGitHub, tmp_path: Path, compare_dir):
    run = Runner(fake_ghes, tmp_path / "steps")
    first = run(str(compare_dir), "--pr", "1", run_id=5)
    second = run(str(compare_dir), "--pr", "1", run_id=6)
    assert (first.code, second.code) == (0, 0), (first.error, second.error)
    assert second.url.startswith(f"{fake_ghes.server_url}/{REPO}/pull/1#issuecomment-")
    [comment] = ours(fake_ghes)
    assert_images_resolve(fake_ghes, comment.body)
    assert all("/api/v3" not in url for url in image_urls(comment.body))
    # GraphQL lives at /api/graphql on GHES, beside (not under) /api/v3.
    [graphql] = fake_ghes.calls("POST", "/graphql")
    assert graphql.status == 200


def test_large_non_ascii_report_fits_both_limits(fake_github: FakeGitHub, github_client: GitHub):
    def render(limit: int) -> str:
        text = "| a | b |\n|---|---|\n" + "| 😀😀😀😀 | ünïcödé |\n" * 20_000
        return text[:limit]

    body = sticky.compose_body(render, summary_url="https://github.com/o/r/actions/runs/1")
    assert len(body) <= sticky.MAX_CHARS
    assert len(body.encode()) <= sticky.MAX_BYTES
    result = sticky.upsert_comment(github_client, OWNER, NAME, 1, body)
    assert result.action == "created"
    assert fake_github.state.repo(REPO).comments[result.id].body == body


# -- concurrency -----------------------------------------------------------------------------------


@pytest.mark.parametrize("branch_exists", [True, False])
def test_racing_runs_leave_one_comment_and_both_commits(
    run: Runner, fake_github: FakeGitHub, compare_dir, branch_exists: bool
):
    if branch_exists:
        plot_branch.upload_images(
            GitHub(api_url=fake_github.api_url, token=TOKEN),
            OWNER,
            NAME,
            {"plots/seed.png": png(99)},
            pr=1,
            run_id=1,
            run_attempt=1,
            server_url=fake_github.server_url,
        )
    # Each run waits for the other before its first write to the branch and before creating
    # the comment, so both have read the same head and both have found no comment: both commit
    # on the same head and both create.
    steps = {
        "branch": (("POST", "/graphql"), ("POST", "/git/blobs")),
        "comment": (("POST", "/issues/1/comments"),),
    }
    barriers = {name: threading.Barrier(2) for name in steps}

    class Gated(GitHub):
        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            done = self.__dict__.setdefault("gated", set())
            for name, calls in steps.items():
                if name not in done and any(method == m and p in path for m, p in calls):
                    done.add(name)
                    barriers[name].wait(timeout=10)
            return super().request(method, path, **kwargs)

    run.client_class = Gated
    results: dict[int, Outcome] = {}

    def step(run_id: int) -> None:
        results[run_id] = run(str(compare_dir), "--pr", "1", run_id=run_id)

    threads = [threading.Thread(target=step, args=(run_id,)) for run_id in (200, 201)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {run_id: r.code for run_id, r in results.items()} == {200: 0, 201: 0}
    [comment] = ours(fake_github)
    assert {r.outputs["comment-id"] for r in results.values()} == {str(comment.id)}
    files = branch_files(fake_github)
    for run_id in (200, 201):
        assert f"pr-1/{run_id}-1/plots/roc.png" in files  # both commits reachable from the head
    assert_images_resolve(fake_github, comment.body)
    # They really raced: two creates, and one run had to make its commit again.
    assert len(fake_github.calls("POST", f"/repos/{REPO}/issues/1/comments")) == 2
    if branch_exists:  # one createCommitOnBranch met a stale expectedHeadOid and was redone
        assert len(fake_github.calls("POST", "/graphql")) == 3
    else:  # one run lost the branch creation ("Reference already exists") and committed on top
        created = fake_github.calls("POST", "/repos/*/*/git/refs")
        assert sorted(r.status for r in created) == [201, 422]
        assert len(fake_github.calls("POST", "/graphql")) == 1


def test_racing_rest_commits_retry_after_not_a_fast_forward(fake_github: FakeGitHub):
    client = GitHub(api_url=fake_github.api_url, token=TOKEN, retry=github_retry())
    plot_branch.upload_images(
        client, OWNER, NAME, {"plots/a.png": png(1)}, pr=1, run_id=1, run_attempt=1,
        server_url=fake_github.server_url, method="rest",
    )  # fmt: skip
    fake_github.faults.add(method="GET", path="/repos/*/*/git/ref/*", delay=0.3, times=2)
    done: dict[int, plot_branch.UploadedImages] = {}

    def upload(run_id: int) -> None:
        with GitHub(api_url=fake_github.api_url, token=TOKEN, retry=github_retry()) as github:
            done[run_id] = plot_branch.upload_images(
                github, OWNER, NAME, {"plots/roc.png": png(run_id)}, pr=1, run_id=run_id,
                run_attempt=1, server_url=fake_github.server_url, method="rest",
            )  # fmt: skip

    threads = [threading.Thread(target=upload, args=(run_id,)) for run_id in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(done) == {2, 3}
    assert {d.method for d in done.values()} == {"rest"}
    files = branch_files(fake_github)
    assert files["pr-1/2-1/plots/roc.png"] == png(2)
    assert files["pr-1/3-1/plots/roc.png"] == png(3)
    refused = [r for r in fake_github.calls("PATCH", "/repos/*/*/git/refs/*") if r.status == 422]
    assert len(refused) == 1  # "Update is not a fast forward", then a second try on the new head
    repo = fake_github.state.repo(REPO)
    for upload_ in done.values():
        assert repo.is_ancestor(upload_.commit_sha, branch_head(fake_github))


def test_branch_that_keeps_moving_fails_after_bounded_attempts(fake_github: FakeGitHub):
    client = GitHub(api_url=fake_github.api_url, token=TOKEN, retry=github_retry())
    plot_branch.upload_images(
        client, OWNER, NAME, {"plots/a.png": png(1)}, pr=1, run_id=1, run_attempt=1,
        server_url=fake_github.server_url,
    )  # fmt: skip
    fake_github.faults.add(
        method="PATCH",
        path="/repos/*/*/git/refs/*",
        status=422,
        body={"message": "Update is not a fast forward", "documentation_url": "x", "status": "422"},
        times=None,
    )
    with pytest.raises(ExternalError, match=r"in 5 attempts.*not a fast forward"):
        plot_branch.upload_images(
            client, OWNER, NAME, {"plots/b.png": png(2)}, pr=1, run_id=2, run_attempt=1,
            server_url=fake_github.server_url, method="rest",
        )  # fmt: skip
    assert len(fake_github.calls("PATCH", "/repos/*/*/git/refs/*")) == 5


# -- forks: the bundle and the trusted workflow_run job ---------------------------------------------


def test_read_only_token_writes_the_bundle(
    run: Runner, fake_github: FakeGitHub, compare_dir, tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    done = run(str(compare_dir), "--pr", "1", token=READ_ONLY_TOKEN)
    assert done.code == 0, done.error
    assert "::notice::" in done.stdout
    assert "modelci-comment" in done.stdout and "post-comment.yml" in done.stdout
    assert done.outputs == {"bundle-dir": "modelci-comment", "comment-action": "bundled"}
    bundle_dir = tmp_path / "modelci-comment"
    assert sorted(p.name for p in (bundle_dir / "reports/0/plots").iterdir()) == sorted(
        f"{name}.png" for name in PLOTS
    )
    meta = json.loads((bundle_dir / "modelci-comment.json").read_text())
    assert meta["key"] == "default" and meta["pr_number_claimed"] == 1
    # The bundle carries the documents, never markdown: the trusted job renders the comment.
    assert meta["reports"] == [
        {
            "name": "compare",
            "documents": [
                "baseline/evaluation.json",
                "baseline/run.json",
                "candidate/evaluation.json",
                "candidate/run.json",
                "comparison.json",
            ],
            "images": sorted(f"plots/{name}.png" for name in PLOTS),
        }
    ]
    assert (bundle_dir / "reports/0/comparison.json").read_bytes() == (
        compare_dir / "comparison.json"
    ).read_bytes()
    assert not list(bundle_dir.rglob("*.md"))
    assert ours(fake_github) == [] and branch_head(fake_github) is None
    assert "#### Metrics" in done.summary


def test_forbidden_comment_after_images_also_bundles(
    run: Runner, fake_github: FakeGitHub, compare_dir, tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    fake_github.add_token(
        "ghs_contentsOnly",
        permissions={"contents": "write", "issues": "read", "pull_requests": "read"},
    )
    done = run(str(compare_dir), "--pr", "1", token="ghs_contentsOnly")
    assert done.code == 0, done.error
    assert done.outputs["comment-action"] == "bundled"
    assert (tmp_path / "modelci-comment" / "reports/0/comparison.json").is_file()
    assert done.summary.count("#### Metrics") == 1  # the summary is written once


def test_bundle_flag_needs_no_token_and_sends_nothing(
    run: Runner, fake_github: FakeGitHub, compare_dir, tmp_path: Path
):
    out = tmp_path / "bundle-out"
    done = run(str(compare_dir), "--bundle", str(out), "--pr", "7", token=None)
    assert done.code == 0, done.error
    assert fake_github.calls() == []
    assert (out / "reports/0/comparison.json").is_file()
    assert done.outputs["bundle-dir"] == str(out)


def test_a_missing_or_fake_plot_is_warned_about_once_and_left_out(
    run: Runner, fake_github: FakeGitHub, compare_dir: Path, tmp_path: Path
):
    (compare_dir / "plots" / "roc.png").unlink()
    (compare_dir / "plots" / "pr.png").write_bytes(b"GIF89a not a png")
    out = tmp_path / "bundle-out"
    done = run(str(compare_dir), "--bundle", str(out), "--pr", "7", token=None)
    assert done.code == 0, done.error
    warnings = [line for line in done.stdout.splitlines() if line.startswith("::warning::")]
    assert len(warnings) == 2, warnings
    assert "roc.png: listed in the report but missing" in warnings[0]
    assert "pr.png: not a PNG image" in warnings[1]
    kept = sorted(p.name for p in (out / "reports/0/plots").iterdir())
    assert kept == ["calibration.png", "metric_deltas.png"]


def zip_directory(directory: Path) -> bytes:
    """The artifact actions/upload-artifact makes of a directory: its files, relative paths."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def test_fork_flow_end_to_end(run: Runner, fake_github: FakeGitHub, compare_dir, tmp_path: Path):
    # 1. The fork's pull_request job: read-only token, so the comment becomes a bundle. It claims
    #    pull request #99, which must not matter.
    event = {"number": 99, "pull_request": {"number": 99}}
    bundle_dir = tmp_path / "fork-job" / "modelci-comment"
    forked = run(str(compare_dir), "--bundle", str(bundle_dir), token=READ_ONLY_TOKEN, event=event)
    assert forked.code == 0, forked.error

    # 2. upload-artifact: the bundle becomes an artifact of the fork's run (whose pull_requests
    #    list GitHub leaves empty for forks).
    repo = fake_github.state.repo(REPO)
    pull = repo.pulls[1]
    fork_run = fake_github.state.add_run(
        repo, head_sha=pull.head_sha, head_branch=pull.head_ref, event="pull_request"
    )
    uploaded = requests.post(
        f"{fake_github.server_url}/_fake/repos/{REPO}/actions/runs/{fork_run.id}/artifacts",
        params={"name": "modelci-comment"},
        data=zip_directory(bundle_dir),
        timeout=5,
    )
    assert uploaded.status_code == 201

    # 3. The trusted workflow_run job posts it on the pull request GitHub says the run built.
    posted = run("--from-run", str(fork_run.id), run_id=900)
    assert posted.code == 0, posted.error
    assert posted.outputs["pr-number"] == "1"
    assert posted.outputs["comment-action"] == "created"
    [comment] = ours(fake_github)
    assert comment.issue_number == 1
    assert "](plots/" not in comment.body  # every placeholder became a pinned URL
    assert_images_resolve(fake_github, comment.body)
    assert f"pr-1/{fork_run.id}-1/plots/roc.png" in branch_files(fake_github)
    # The footer links the summary of the run that rendered the report.
    assert f"/actions/runs/{fork_run.id})" in comment.body
    html = html_of(comment.body)
    assert "<table>" in html and len(re.findall("<img ", html)) == len(PLOTS)

    # A rerun of the trusted job updates the same comment.
    again = run("--from-run", str(fork_run.id), run_id=901)
    assert again.code == 0, again.error
    assert again.outputs["comment-action"] == "updated"
    assert len(ours(fake_github)) == 1


def test_from_run_takes_no_dir(run: Runner, compare_dir):
    done = run(str(compare_dir), "--from-run", "5")
    assert done.code == 2
    assert "--from-run takes no DIR" in done.error


def test_from_run_without_bundle_posts_nothing_and_succeeds(run: Runner, fake_github: FakeGitHub):
    # The poster runs for every pull request run; a same-repository PR posted directly.
    repo = fake_github.state.repo(REPO)
    empty = fake_github.state.add_run(repo, head_sha=repo.pulls[1].head_sha, head_branch="feature")
    fake_github.state.add_artifact(repo, run_id=empty.id, name="metrics", data=b"x")
    fake_github.state.add_artifact(repo, run_id=empty.id, name="modelci-commentary", data=b"x")
    fake_github.state.add_artifact(repo, run_id=empty.id, name="modelci-comment-", data=b"x")
    done = run("--from-run", str(empty.id))
    assert done.code == 0, done.error
    [line] = done.stdout.splitlines()
    assert line.startswith("::notice::") and "nothing to post" in line
    assert done.outputs["comment-action"] == "none"
    assert ours(fake_github) == [] and branch_head(fake_github) is None
    assert not fake_github.calls("GET", "/repos/*/*/actions/artifacts/*/zip")
    assert not fake_github.calls("GET", "/repos/*/*/pulls*")


def test_from_run_with_only_expired_bundles_is_an_error(run: Runner, fake_github: FakeGitHub):
    repo = fake_github.state.repo(REPO)
    old = fake_github.state.add_run(repo, head_sha=repo.pulls[1].head_sha, head_branch="feature")
    artifact = fake_github.state.add_artifact(repo, run_id=old.id, name="modelci-comment", data=b"")
    artifact.expired = True
    done = run("--from-run", str(old.id))
    assert done.code == 2
    assert "only expired comment bundles (modelci-comment)" in done.error
    assert ours(fake_github) == []


# -- several bundles, head commits -----------------------------------------------------------------


def pr_run(fake: FakeGitHub) -> int:
    """A run of pull request #1, as GitHub records a pull_request run (head sha, branch)."""
    repo = fake.state.repo(REPO)
    pull = repo.pulls[1]
    return fake.state.add_run(repo, head_sha=pull.head_sha, head_branch=pull.head_ref).id


EVALUATED = FIXTURE.parent / "multiclass_eval"


def evaluated_report(
    label: str,
    *,
    images: dict[str, bytes] | None = None,
    change: Callable[[dict], None] | None = None,
) -> Any:
    """An evaluated run's documents, as a bundle carries them; its training data is named
    `label.csv`, so that the comment shows `label`. `change` edits run.json first."""
    from modelci.pull_request.bundle import BundledReport

    run_doc = json.loads((EVALUATED / "run.json").read_text())
    run_doc["data"]["train"]["source"] = f"{label}.csv"
    if change is not None:
        change(run_doc)
    return BundledReport(
        name="candidate",
        documents={
            "evaluation.json": (EVALUATED / "evaluation.json").read_bytes(),
            "run.json": json.dumps(run_doc).encode(),
        },
        images=images or {},
    )


def upload_bundle(
    fake: FakeGitHub,
    run_id: int,
    name: str,
    workdir: Path,
    *,
    key: str,
    label: str | None = None,
    head_sha: str | None = None,
    images: dict[str, bytes] | None = None,
    reports: tuple[Any, ...] | None = None,
) -> Any:
    """Write a bundle as the PR job does and attach it to the run as artifact `name`; its report
    shows `label` (default `report-<key>`)."""
    from modelci.pull_request.bundle import CommentBundle, write_bundle

    folder = workdir / f"bundle-{len(list(workdir.glob('bundle-*')))}"
    write_bundle(
        CommentBundle(
            key=key,
            reports=reports or (evaluated_report(label or f"report-{key}", images=images),),
            run_id=run_id,
            run_attempt=1,
            head_sha=head_sha,
            pr_number_claimed=None,
        ),
        folder,
    )
    repo = fake.state.repo(REPO)
    return fake.state.add_artifact(repo, run_id=run_id, name=name, data=zip_directory(folder))


def test_from_run_posts_every_bundle_into_its_own_comment(
    run: Runner, fake_github: FakeGitHub, tmp_path: Path
):
    run_id = pr_run(fake_github)
    head = fake_github.state.repo(REPO).pulls[1].head_sha
    work = tmp_path / "bundles"
    stale = upload_bundle(fake_github, run_id, "modelci-comment-b", work, key="b", label="old")
    stale.created_at = "2020-01-01T00:00:00Z"
    # Both candidates draw a plot named roc.png; neither may overwrite the other's.
    roc_a, roc_b = png(1), png(2)
    upload_bundle(
        fake_github,
        run_id,
        "modelci-comment-a",
        work,
        key="a",
        head_sha=head,
        images={"plots/roc.png": roc_a},
    )
    upload_bundle(
        fake_github,
        run_id,
        "modelci-comment-b",
        work,
        key="b",
        images={"plots/roc.png": roc_b},
    )
    upload_bundle(fake_github, run_id, "modelci-comment", work, key="default")

    done = run("--from-run", str(run_id), run_id=900)
    assert done.code == 0, done.error
    [a], [b], [plain] = ours(fake_github, "a"), ours(fake_github, "b"), ours(fake_github)
    assert "report-a" in a.body and "report-b" in b.body and "report-default" in plain.body
    assert "old.csv" not in b.body  # the newest artifact of each name
    assert {a.issue_number, b.issue_number, plain.issue_number} == {1}
    files = branch_files(fake_github)
    assert files[f"pr-1/{run_id}-1/comment-a/plots/roc.png"] == roc_a
    assert files[f"pr-1/{run_id}-1/comment-b/plots/roc.png"] == roc_b
    for body, data in ((a.body, roc_a), (b.body, roc_b)):
        [url] = image_urls(body)
        assert requests.get(url, timeout=5).content == data
    comments = json.loads(done.outputs["comments"])
    assert [(c["artifact"], c["key"], c["action"]) for c in comments] == [
        ("modelci-comment", "default", "created"),
        ("modelci-comment-a", "a", "created"),
        ("modelci-comment-b", "b", "created"),
    ]
    assert done.outputs["pr-number"] == "1"
    assert done.stdout.splitlines() == [c["url"] for c in comments]

    again = run("--from-run", str(run_id), run_id=901)
    assert again.code == 0, again.error
    # New plot commits change the URLs; the bundle without images reads the same.
    actions = [c["action"] for c in json.loads(again.outputs["comments"])]
    assert actions == ["unchanged", "updated", "updated"]
    assert len(ours(fake_github, "a")) == len(ours(fake_github, "b")) == 1


def test_from_run_posts_a_bounded_number_of_bundles(
    run: Runner, fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from modelci.pull_request import bundle

    monkeypatch.setattr(bundle, "MAX_BUNDLES", 2)
    run_id = pr_run(fake_github)
    for key in ("c", "a", "b"):
        upload_bundle(fake_github, run_id, f"modelci-comment-{key}", tmp_path / "b", key=key)
    done = run("--from-run", str(run_id))
    assert done.code == 0, done.error
    assert [len(ours(fake_github, key)) for key in "abc"] == [1, 1, 0]
    assert "modelci-comment-c not posted, past the 2 comment bundles" in done.stdout


def test_a_bundle_for_another_head_commit_is_refused(
    run: Runner, fake_github: FakeGitHub, tmp_path: Path
):
    run_id = pr_run(fake_github)
    upload_bundle(
        fake_github,
        run_id,
        "modelci-comment",
        tmp_path / "b",
        key="default",
        head_sha="f" * 40,
        images={"plots/roc.png": png(3)},
    )
    done = run("--from-run", str(run_id))
    assert done.code == 2
    assert "\n" not in done.error
    assert "rendered for commit ffffffffffff, but workflow run" in done.error
    assert ours(fake_github) == [] and branch_head(fake_github) is None


def test_a_stale_bundle_among_several_is_the_only_one_refused(
    run: Runner, fake_github: FakeGitHub, tmp_path: Path
):
    run_id = pr_run(fake_github)
    head = fake_github.state.repo(REPO).pulls[1].head_sha
    work = tmp_path / "b"
    upload_bundle(fake_github, run_id, "modelci-comment-a", work, key="a", head_sha=head)
    upload_bundle(fake_github, run_id, "modelci-comment-b", work, key="b", head_sha="0" * 40)
    upload_bundle(fake_github, run_id, "modelci-comment-c", work, key="a")  # a's key again
    done = run("--from-run", str(run_id))
    assert done.code == 2
    assert "2 of 3 comment bundles" in done.error
    assert "modelci-comment-b, modelci-comment-c" in done.error
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 2
    assert "modelci-comment-b was rendered for commit 000000000000" in errors[0]
    assert "modelci-comment-c has the key 'a' of another bundle" in errors[1]
    [posted] = ours(fake_github, "a")
    assert "report-a" in posted.body and ours(fake_github, "b") == []
    assert [c["key"] for c in json.loads(done.outputs["comments"])] == ["a"]


HOSTILE_HTML = '<img src=x onerror=alert(1)> </details> <a href="https://evil.example">x</a>'
MENTIONS = ("-@octocat", ".@octocat", "/@acme/security", "+@octocat", "@@octocat", "@octocat")
# GitHub mentions any @name or @org/team not preceded by a word character or backtick.
LIVE_MENTION = re.compile(r"(?<![A-Za-z0-9_`])@(?=[A-Za-z0-9])")


def test_a_hostile_bundle_is_rendered_here_and_posts_none_of_its_html_or_mentions(
    run: Runner, fake_github: FakeGitHub, tmp_path: Path
):
    run_id = pr_run(fake_github)
    mentions = " ".join(MENTIONS)

    def hostile(doc: dict) -> None:
        doc["data"]["train"]["source"] = f"{HOSTILE_HTML} {mentions}"
        doc["estimator"]["class"] = f"evil.Model {mentions} <!-- modelci:comment key=other -->"
        doc["config_path"] = f"</details><details><summary>{mentions}"

    report = evaluated_report("hostile", change=hostile)
    evaluation = json.loads(report.documents["evaluation.json"])
    evaluation["metrics"]["f1_macro"]["method"] = f"{HOSTILE_HTML} {mentions}"
    evaluation["data_checks"][0]["detail"] = f"{mentions} {HOSTILE_HTML}"
    documents = {**report.documents, "evaluation.json": json.dumps(evaluation).encode()}
    upload_bundle(
        fake_github,
        run_id,
        "modelci-comment",
        tmp_path / "b",
        key="default",
        reports=(dataclasses.replace(report, documents=documents),),
    )
    done = run("--from-run", str(run_id))
    assert done.code == 0, done.error
    [comment] = ours(fake_github)
    body = comment.body
    assert "modelci evaluation" in body  # rendered here, from the documents
    assert "<img" not in body and "<a " not in body and "onerror" not in html_tags(body)
    assert body.count("<details>") == body.count("</details>")
    assert body.count("<!--") == 1  # our own marker only
    assert LIVE_MENTION.search(body) is None, LIVE_MENTION.search(body)
    html = html_of(body)
    assert "<img" not in html and 'href="https://evil.example"' not in html
    assert LIVE_MENTION.search(done.summary) is None and "<img" not in done.summary


def html_tags(markdown: str) -> str:
    """The HTML tags in `markdown`, whatever escaped text lies between them."""
    return " ".join(re.findall(r"<[A-Za-z/][^>]*>", markdown))


def test_a_bundle_whose_documents_are_not_a_report_is_refused(
    run: Runner, fake_github: FakeGitHub, tmp_path: Path
):
    run_id = pr_run(fake_github)
    report = evaluated_report("x")
    broken = dataclasses.replace(
        report, documents={**report.documents, "evaluation.json": b'{"schema": "nope/9"}'}
    )
    upload_bundle(
        fake_github, run_id, "modelci-comment", tmp_path / "b", key="default", reports=(broken,)
    )
    done = run("--from-run", str(run_id))
    assert done.code == 2
    assert done.error.startswith("comment bundle refused: reports/0 (candidate): "), done.error
    assert "\n" not in done.error
    assert ours(fake_github) == [] and branch_head(fake_github) is None


@pytest.mark.parametrize(
    ("document", "change", "refusal"),
    [
        ("evaluation.json", lambda doc: doc.update(metrics=[1]), "metrics must be an object"),
        ("evaluation.json", lambda doc: doc.update(per_class="x"), "per_class must be a list"),
        ("evaluation.json", lambda doc: doc.update(data_checks={}), "data_checks must be a list"),
        ("run.json", lambda doc: doc.update(model="model.skops"), "model must be an object"),
        ("run.json", lambda doc: doc.update(data=[1, 2], estimator="x"), "data must be an object"),
    ],
)
def test_a_wrong_shaped_document_is_refused_in_one_line(
    run: Runner,
    fake_github: FakeGitHub,
    tmp_path: Path,
    document: str,
    change: Callable[[dict], None],
    refusal: str,
):
    run_id = pr_run(fake_github)
    report = evaluated_report("x")
    doc = json.loads(report.documents[document])
    change(doc)
    broken = dataclasses.replace(
        report, documents={**report.documents, document: json.dumps(doc).encode()}
    )
    upload_bundle(
        fake_github, run_id, "modelci-comment", tmp_path / "b", key="default", reports=(broken,)
    )
    done = run("--from-run", str(run_id))
    assert done.code == 2
    # The bundle's member is named, never the trusted job's scratch folder.
    assert done.error.startswith(
        f"comment bundle refused: reports/0 (candidate): reports/0/{document}: "
    )
    assert refusal in done.error and "\n" not in done.error, done.error
    assert ours(fake_github) == []


def test_recorded_run_paths_are_never_looked_up_by_the_trusted_job(
    run: Runner, fake_github: FakeGitHub, compare_dir: Path, tmp_path: Path, monkeypatch
):
    # The bundle carries comparison.json alone; its recorded run directories exist on this
    # machine (the trusted job's checkout), and must not be read.
    monkeypatch.chdir(compare_dir.parent)
    local = compare_dir.parent / "runs" / "candidate" / "run.json"
    doc = json.loads(local.read_text())
    doc["data"]["train"]["source"] = "only-on-this-machine.csv"
    local.write_text(json.dumps(doc))
    run_id = pr_run(fake_github)
    from modelci.pull_request.bundle import BundledReport

    alone = BundledReport(
        name="compare",
        documents={"comparison.json": (compare_dir / "comparison.json").read_bytes()},
        images={},
    )
    upload_bundle(
        fake_github, run_id, "modelci-comment", tmp_path / "b", key="default", reports=(alone,)
    )
    done = run("--from-run", str(run_id))
    assert done.code == 0, done.error
    [comment] = ours(fake_github)
    assert "runs/candidate" in comment.body  # the recorded path is shown
    assert "only-on-this-machine" not in comment.body and "Per-class" not in comment.body


def test_key_is_refused_with_several_bundles(run: Runner, fake_github: FakeGitHub, tmp_path: Path):
    run_id = pr_run(fake_github)
    for key in ("a", "b"):
        upload_bundle(fake_github, run_id, f"modelci-comment-{key}", tmp_path / "b", key=key)
    done = run("--from-run", str(run_id), "--key", "x")
    assert done.code == 2
    assert "--key names one comment" in done.error
    assert fake_github.calls("POST", "/repos/*/*/issues/*/comments") == []


# -- configuration errors --------------------------------------------------------------------------


def test_missing_token_and_repository_are_user_errors(
    cli_runner: Callable[..., Any], compare_dir, monkeypatch
):
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "MY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    done = cli_runner("comment", str(compare_dir), "--pr", "1", "--token-env", "MY_TOKEN")
    assert done.code == 2
    assert "no GitHub token in $MY_TOKEN" in done.stderr
    assert "--bundle" in done.stderr
    monkeypatch.delenv("GITHUB_REPOSITORY")
    monkeypatch.setenv("MY_TOKEN", "x")
    done = cli_runner("comment", str(compare_dir), "--pr", "1", "--token-env", "MY_TOKEN")
    assert done.code == 2
    assert "GITHUB_REPOSITORY" in done.stderr


def test_cli_entry_posts(cli_runner, fake_github: FakeGitHub, compare_dir, monkeypatch):
    env = {
        "GITHUB_API_URL": fake_github.api_url,
        "GITHUB_SERVER_URL": fake_github.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_RUN_ID": "3",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("GITHUB_EVENT_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_RUN_ATTEMPT"):
        monkeypatch.delenv(name, raising=False)
    done = cli_runner("comment", str(compare_dir), "--pr", "1")
    assert done.code == 0, done.stderr
    assert done.stdout.strip().startswith(f"{fake_github.server_url}/{REPO}/pull/1#issuecomment-")
    bad = cli_runner("comment", str(compare_dir), "--pr", "2")  # no such pull request
    assert bad.code == 3
    [error] = [line for line in bad.stderr.splitlines() if "error" in line]
    assert error.startswith("modelci comment: error: GitHub GET ") and "404" in error


@pytest.fixture
def cli_runner(cli):
    return cli


# -- faults ----------------------------------------------------------------------------------------

SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you "
    "try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}
KINDS: dict[str, dict[str, Any]] = {
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "408": {"status": 408},
    "429": {"status": 429, "retry_after": 1},
    "403-secondary": {"status": 403, "body": SECONDARY},
    "drop-before": {"drop": "before"},
    "drop-after": {"drop": "after"},
    "drop-mid-body": {"drop": "mid-body"},
}
# The routes each situation uses, as (method, fault path pattern).
FIRST_RUN = [
    ("GET", "/repos/*/*/git/ref/*"),
    ("POST", "/repos/*/*/git/blobs"),
    ("POST", "/repos/*/*/git/trees"),
    ("POST", "/repos/*/*/git/commits"),
    ("POST", "/repos/*/*/git/refs"),
    ("GET", "/repos/*/*/issues/1/comments"),
    ("POST", "/repos/*/*/issues/1/comments"),
]
STEADY = [
    ("GET", "/repos/*/*/git/ref/*"),
    ("POST", "/graphql"),
    ("GET", "/repos/*/*/issues/1/comments"),
    ("PATCH", "/repos/*/*/issues/comments/*"),
]
DUPLICATES = [("DELETE", "/repos/*/*/issues/comments/*")]
REST_STEADY = [
    ("GET", "/repos/*/*/git/ref/*"),
    ("GET", "/repos/*/*/git/commits/*"),
    ("POST", "/repos/*/*/git/blobs"),
    ("POST", "/repos/*/*/git/trees"),
    ("POST", "/repos/*/*/git/commits"),
    ("PATCH", "/repos/*/*/git/refs/*"),
]


def _cases(situation: str, routes: list[tuple[str, str]]) -> list[Any]:
    return [
        pytest.param(situation, method, path, kind, id=f"{situation}-{method}-{path}-{kind}")
        for method, path in routes
        for kind in KINDS
    ]


CASES = _cases("first", FIRST_RUN) + _cases("steady", STEADY) + _cases("duplicates", DUPLICATES)


def _prepare(situation: str, run: Runner, fake: FakeGitHub, compare_dir: Path) -> None:
    if situation in ("steady", "duplicates"):
        assert run(str(compare_dir), "--pr", "1", run_id=50).code == 0
    if situation == "duplicates":
        add_comment(fake, MARKER + "\na duplicate")
    fake.clear_requests()


@pytest.mark.parametrize(("situation", "method", "path", "kind"), CASES)
def test_transient_faults_complete_with_one_comment(
    run: Runner, fake_github: FakeGitHub, compare_dir, situation, method, path, kind
):
    _prepare(situation, run, fake_github, compare_dir)
    rule = fake_github.faults.add(method=method, path=path, times=2, **KINDS[kind])
    done = run(str(compare_dir), "--pr", "1", run_id=60)
    assert rule.hits >= 1, (
        f"the fault never fired: {[(r.method, r.path) for r in fake_github.calls()]}"
    )
    assert done.code == 0, done.error
    [comment] = ours(fake_github)
    assert "/pr-1/60-1/" in comment.body
    assert_images_resolve(fake_github, comment.body)


@pytest.mark.parametrize(("situation", "method", "path", "kind"), CASES)
def test_persistent_faults_fail_cleanly_without_duplicates(
    run: Runner, fake_github: FakeGitHub, compare_dir, situation, method, path, kind
):
    _prepare(situation, run, fake_github, compare_dir)
    before = {c.id for c in ours(fake_github)}
    rule = fake_github.faults.add(method=method, path=path, times=None, **KINDS[kind])
    done = run(str(compare_dir), "--pr", "1", run_id=60)
    assert rule.hits >= 1
    after = ours(fake_github)
    if done.code == 0:  # survived it another way (e.g. the REST fallback, or it landed anyway)
        assert len(after) == 1
        assert "/pr-1/60-1/" in after[0].body
        assert_images_resolve(fake_github, after[0].body)
    else:
        assert done.code == 3, done.error
        assert "\n" not in done.error and "GitHub" in done.error
        assert TOKEN not in done.error
        assert len(after) <= max(1, len(before))  # no comment added to what was there


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [pytest.param(m, p, k, id=f"{m}-{p}-{k}") for m, p in REST_STEADY for k in KINDS],
)
@pytest.mark.parametrize("times", [2, None], ids=["transient", "persistent"])
def test_rest_commit_survives_faults(fake_github: FakeGitHub, method, path, kind, times):
    client = GitHub(api_url=fake_github.api_url, token=TOKEN, retry=github_retry(log=silent))
    first = plot_branch.upload_images(
        client, OWNER, NAME, {"plots/a.png": png(1)}, pr=1, run_id=1, run_attempt=1,
        server_url=fake_github.server_url, method="rest",
    )  # fmt: skip
    rule = fake_github.faults.add(method=method, path=path, times=times, **KINDS[kind])
    images = {f"plots/{name}.png": png(10 + i) for i, name in enumerate(PLOTS)}
    try:
        done = plot_branch.upload_images(
            client, OWNER, NAME, images, pr=1, run_id=2, run_attempt=1,
            server_url=fake_github.server_url, method="rest",
        )  # fmt: skip
    except (GitHubError, ExternalError) as error:
        assert times is None, error.line()
        assert "\n" not in error.line()
        head = branch_head(fake_github)
        repo = fake_github.state.repo(REPO)
        assert repo.is_ancestor(first.commit_sha, head)  # nothing forced, nothing lost
        return
    assert rule.hits >= 1
    files = branch_files(fake_github)
    for plot, data in images.items():
        assert files[done.paths[plot]] == data
    assert fake_github.state.repo(REPO).is_ancestor(first.commit_sha, done.commit_sha)
    assert branch_head(fake_github) == done.commit_sha


# -- the fake's GraphQL endpoint ------------------------------------------------------------------


def test_read_only_token_meets_graphql_forbidden_and_bundles(
    run: Runner, fake_github: FakeGitHub, compare_dir, tmp_path: Path, monkeypatch
):
    assert run(str(compare_dir), "--pr", "1", run_id=1).code == 0  # the branch exists now
    head = branch_head(fake_github)
    monkeypatch.chdir(tmp_path)
    fake_github.clear_requests()
    done = run(str(compare_dir), "--pr", "1", token=READ_ONLY_TOKEN, run_id=2)
    assert done.code == 0, done.error
    assert done.outputs["comment-action"] == "bundled"
    [graphql] = fake_github.calls("POST", "/graphql")
    assert graphql.status == 200  # GraphQL reports FORBIDDEN in its errors list
    assert branch_head(fake_github) == head


def test_fake_graphql_checks_its_input(fake_github: FakeGitHub):
    def post(payload: Any, token: str = TOKEN) -> requests.Response:
        return requests.post(
            fake_github.graphql_url,
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )

    assert post({"query": "{ viewer { login } }"}, token="").status_code == 401
    with fake_github.expect_validation_errors() as errors:
        answer = post({"query": "{ viewer { login } }"}).json()
    assert answer["errors"] and "createCommitOnBranch" in errors[0]
    mutation = "mutation ($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }"
    base = {
        "branch": {"repositoryNameWithOwner": REPO, "branchName": "main"},
        "expectedHeadOid": "0" * 40,
        "message": {"headline": "x"},
    }
    with fake_github.expect_validation_errors():
        answer = post({"query": mutation, "variables": {"input": {**base, "extra": 1}}}).json()
    assert answer["errors"][0]["type"] == "INVALID"
    stale = post({"query": mutation, "variables": {"input": base}}).json()
    assert stale["data"] == {"createCommitOnBranch": None}
    assert stale["errors"][0]["type"] == "STALE_DATA"
    head = fake_github.state.repo(REPO).refs["refs/heads/main"]
    changes = {"additions": [{"path": "docs/a.txt", "contents": "aGk="}]}
    done = post(
        {
            "query": mutation,
            "variables": {"input": {**base, "expectedHeadOid": head, "fileChanges": changes}},
        }
    ).json()
    oid = done["data"]["createCommitOnBranch"]["commit"]["oid"]
    assert fake_github.state.repo(REPO).refs["refs/heads/main"] == oid
    assert fake_github.state.repo(REPO).file_at("main", "docs/a.txt") == b"hi"
    denied = post(
        {"query": mutation, "variables": {"input": {**base, "expectedHeadOid": oid}}},
        token=READ_ONLY_TOKEN,
    ).json()
    assert denied["errors"][0]["type"] == "FORBIDDEN"


# -- several candidates: one leaderboard comment ---------------------------------------------------

LEADERBOARD = FIXTURE.parent / "leaderboard"


@pytest.fixture
def candidate_dirs(tmp_path: Path) -> list[Path]:
    """Two compare directories against one baseline (hgb passes, rf fails), with plots."""
    shutil.copytree(LEADERBOARD, tmp_path / "leaderboard")
    dirs = [tmp_path / "leaderboard" / name for name in ("compare-rf", "compare-hgb")]
    for offset, directory in enumerate(dirs):
        (directory / "plots").mkdir()
        for seed, name in enumerate(PLOTS):
            (directory / "plots" / f"{name}.png").write_bytes(png(10 * offset + seed))
    return dirs


def test_several_dirs_post_one_leaderboard_with_one_assets_commit(
    run: Runner, fake_github: FakeGitHub, candidate_dirs: list[Path]
):
    done = run(*map(str, candidate_dirs), "--pr", "1")
    assert done.code == 0, done.error
    [comment] = ours(fake_github)
    assert done.outputs["comment-action"] == "created"
    assert "### ❌ modelci leaderboard: 1 of 2 candidates fails its gates" in comment.body
    # One commit holds both candidates' plots, each under its own folder.
    repo = fake_github.state.repo(REPO)
    head = branch_head(fake_github)
    assert head is not None and not repo.commits[head].parents  # the branch's only commit
    files = branch_files(fake_github)
    for slug in ("hgb", "rf.yaml"):
        assert {f"pr-1/100-1/{slug}/plots/{name}.png" for name in PLOTS} <= set(files)
    assert files["pr-1/100-1/hgb/plots/roc.png"] != files["pr-1/100-1/rf.yaml/plots/roc.png"]
    assert_images_resolve(fake_github, comment.body, count=2 * len(PLOTS))
    assert {re.search(r"/blob/([0-9a-f]{40})/", url)[1] for url in image_urls(comment.body)} == {
        head
    }
    html = html_of(comment.body)
    outside = re.sub(r"<details>.*</details>", "", html, flags=re.S)
    assert outside.count("<table>") == 1
    summaries = re.findall(r"<summary>(\d\. [^<]*)</summary>", html)
    assert summaries == [
        "1. hgb: ✅ passes 3 gates",
        "2. rf.yaml: ❌ fails roc_auc, latency_ms_per_1k_rows",
    ]
    # The job summary has the full leaderboard with the same images.
    assert set(image_urls(done.summary)) == set(image_urls(comment.body))


def test_several_dirs_from_a_fork_make_one_bundle_with_all_plots(
    run: Runner, fake_github: FakeGitHub, candidate_dirs: list[Path], tmp_path: Path
):
    bundle_dir = tmp_path / "fork-job" / "modelci-comment"
    forked = run(*map(str, candidate_dirs), "--bundle", str(bundle_dir), "--pr", "1", token=None)
    assert forked.code == 0, forked.error
    for index in (0, 1):
        assert sorted(p.name for p in (bundle_dir / f"reports/{index}/plots").iterdir()) == sorted(
            f"{name}.png" for name in PLOTS
        )
    meta = json.loads((bundle_dir / "modelci-comment.json").read_text())
    assert [report["name"] for report in meta["reports"]] == [d.name for d in candidate_dirs]

    fork_run = pr_run(fake_github)
    repo = fake_github.state.repo(REPO)
    fake_github.state.add_artifact(
        repo, run_id=fork_run, name="modelci-comment", data=zip_directory(bundle_dir)
    )
    posted = run("--from-run", str(fork_run), run_id=900)
    assert posted.code == 0, posted.error
    [comment] = ours(fake_github)
    assert "modelci leaderboard" in comment.body
    assert "](plots/" not in comment.body
    assert_images_resolve(fake_github, comment.body, count=2 * len(PLOTS))
    summaries = re.findall(r"<summary>(\d\. [^<]*)</summary>", html_of(comment.body))
    assert summaries == [
        "1. hgb: ✅ passes 3 gates",
        "2. rf.yaml: ❌ fails roc_auc, latency_ms_per_1k_rows",
    ]


def test_several_dirs_with_different_baselines_are_refused(
    run: Runner, fake_github: FakeGitHub, candidate_dirs: list[Path]
):
    path = candidate_dirs[1] / "comparison.json"
    doc = json.loads(path.read_text())
    doc["baseline"]["model_sha256"] = "f0" * 32
    path.write_text(json.dumps(doc))
    done = run(*map(str, candidate_dirs), "--pr", "1")
    assert done.code == 2
    assert "differ in their baseline model" in done.error
    assert fake_github.calls() == []
