"""modelci.github: the Actions environment, and the REST client against the fake GitHub."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.github import FakeGitHub
from tests.fakes.github.state import Comment
from tests.fakes.github.world import READ_ONLY_TOKEN, REPO, TOKEN
from tests.retry_support import github_retry

from modelci.errors import ExitCode, ExternalError, UserError
from modelci.github import (
    ActionsEnvironment,
    Conflict,
    Forbidden,
    GitHub,
    GitHubError,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)
from modelci.github.client import DEFAULT_TIMEOUT

# Harmless once tests/conftest.py loads the plugin too; pytest registers it once.
pytest_plugins = ["tests.fakes.github.pytest_plugin"]

COMMENTS = f"/repos/{REPO}/issues/1/comments"


class Recorder:
    """Stands in for time.sleep and the stderr log, so retries cost no time and can be read."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.lines: list[str] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def log(self, text: str) -> None:
        self.lines.append(text)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client_for(recorder: Recorder) -> Callable[..., GitHub]:
    clients: list[GitHub] = []

    def make(
        fake: FakeGitHub, token: str = TOKEN, timeout: float = DEFAULT_TIMEOUT, **policy: Any
    ) -> GitHub:
        retry = github_retry(
            sleep=recorder.sleep,
            log=recorder.log,
            **{"jitter": 0.0, **policy},  # exact waits to compare; the policy's tests cover jitter
        )
        client = GitHub(api_url=fake.api_url, token=token, timeout=timeout, retry=retry)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def api_calls(fake: FakeGitHub, method: str, path: str) -> int:
    return len(fake.calls(method, path))


# -- environment ----------------------------------------------------------------------------------


def test_environment_reads_actions_variables(tmp_path: Path) -> None:
    env = ActionsEnvironment.from_env(
        {
            "GITHUB_TOKEN": "secret-token-value",
            "GITHUB_API_URL": "https://api.github.com/",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "octo-org/demo",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
            "GITHUB_SHA": "a" * 40,
            "GITHUB_RUN_ID": "123456",
            "GITHUB_RUN_ATTEMPT": "2",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "GITHUB_OUTPUT": "",
        }
    )
    assert env.token == "secret-token-value"
    assert "secret-token-value" not in repr(env)
    assert env.api_url == "https://api.github.com"
    assert env.uploads_url == "https://uploads.github.com"
    assert (env.owner, env.repo) == ("octo-org", "demo")
    assert (env.run_id, env.run_attempt) == (123456, 2)
    assert env.output is None  # the runner sets some variables empty
    # The event file is read on first use, not at construction.
    (tmp_path / "event.json").write_text('{"pull_request": {"number": 7}}')
    assert env.event["pull_request"]["number"] == 7


def test_environment_for_ghes_and_custom_token_variable() -> None:
    env = ActionsEnvironment.from_env(
        {
            "GITHUB_API_URL": "https://ghe.example/api/v3",
            "GITHUB_SERVER_URL": "https://ghe.example",
            "MODELCI_TOKEN": "other-token",
            "GITHUB_TOKEN": "ignored",
        },
        token_var="MODELCI_TOKEN",
    )
    assert env.token == "other-token"
    assert env.uploads_url == "https://ghe.example/api/uploads"
    client = GitHub.from_environment(env)
    assert client.api_url == "https://ghe.example/api/v3"
    assert "other-token" not in repr(client)


def test_environment_errors_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="GITHUB_RUN_ID"):
        ActionsEnvironment.from_env({"GITHUB_RUN_ID": "abc"})
    env = ActionsEnvironment.from_env({"GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})
    with pytest.raises(UserError, match="does not exist"):
        _ = env.event
    with pytest.raises(UserError, match="owner/name"):
        _ = ActionsEnvironment.from_env({}).owner
    with pytest.raises(UserError, match="token"):
        ActionsEnvironment.from_env({}).require_token()
    assert ActionsEnvironment.from_env({}).event == {}


# -- requests, headers, pagination ----------------------------------------------------------------


def test_sends_github_headers(fake_github: FakeGitHub, github_client: GitHub) -> None:
    repo = github_client.get(f"/repos/{REPO}")
    assert repo["full_name"] == REPO
    (call,) = fake_github.calls("GET", f"/repos/{REPO}")
    assert call.auth == "bearer"
    assert call.api_version == "2022-11-28"
    assert call.user_agent and call.user_agent.startswith("modelci/")


def seed_comments(fake: FakeGitHub, count: int) -> None:
    repo = fake.state.repo(REPO)
    for index in range(count):
        item = Comment(id=fake.state.next_id(), issue_number=1, body=f"c{index}", login="octocat")
        repo.comments[item.id] = item


def test_paginates_300_comments(fake_github: FakeGitHub, github_client: GitHub) -> None:
    seed_comments(fake_github, 300)
    bodies = [c["body"] for c in github_client.paginate(COMMENTS)]
    assert bodies == [f"c{i}" for i in range(300)]
    assert api_calls(fake_github, "GET", COMMENTS) == 3
    fake_github.clear_requests()
    assert len(list(github_client.paginate(COMMENTS, per_page=30))) == 300
    assert api_calls(fake_github, "GET", COMMENTS) == 10


def test_paginate_is_lazy_and_unwraps_wrapped_lists(
    fake_github: FakeGitHub, github_client: GitHub
) -> None:
    seed_comments(fake_github, 250)
    first = next(iter(github_client.paginate(COMMENTS)))
    assert first["body"] == "c0"
    assert api_calls(fake_github, "GET", COMMENTS) == 1
    sha = fake_github.state.repo(REPO).pulls[1].head_sha
    for name in ("lint", "test", "modelci"):
        github_client.post(f"/repos/{REPO}/check-runs", json={"name": name, "head_sha": sha})
    runs = list(github_client.paginate(f"/repos/{REPO}/commits/{sha}/check-runs", per_page=2))
    assert sorted(r["name"] for r in runs) == ["lint", "modelci", "test"]


def test_pagination_refuses_a_link_to_another_host(
    fake_github: FakeGitHub, github_client: GitHub
) -> None:
    fake_github.faults.add(
        path=COMMENTS,
        status=200,
        body=[],
        headers={"Link": '<https://elsewhere.example/steal?page=2>; rel="next"'},
    )
    with pytest.raises(GitHubError, match="another host"):
        list(github_client.paginate(COMMENTS))


def test_json_helpers_and_delete(fake_github: FakeGitHub, github_client: GitHub) -> None:
    created = github_client.post(COMMENTS, json={"body": "hello"})
    path = f"/repos/{REPO}/issues/comments/{created['id']}"
    assert github_client.patch(path, json={"body": "edited"})["body"] == "edited"
    assert github_client.get(path)["body"] == "edited"
    assert github_client.delete(path) is None
    with pytest.raises(NotFound):
        github_client.get(path)


# -- retries --------------------------------------------------------------------------------------

RETRYABLE = {
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "504": {"status": 504},
    "408": {"status": 408},
    "429 retry-after": {"status": 429, "retry_after": 7},
    "secondary rate limit": {
        "status": 403,
        "body": {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits",
        },
        "retry_after": 30,
    },
    "secondary rate limit, no retry-after": {
        "status": 403,
        "body": {"message": "You have exceeded a secondary rate limit."},
    },
    "dropped before response": {"drop": "before"},
    "dropped mid-body": {"drop": "mid-body"},
    "dropped after handling": {"drop": "after"},
}


@pytest.mark.parametrize("fault", RETRYABLE.values(), ids=RETRYABLE.keys())
@pytest.mark.parametrize("times", [1, 3])
def test_retryable_faults_recover(
    fake_github: FakeGitHub,
    client_for: Callable[..., GitHub],
    recorder: Recorder,
    fault: dict[str, Any],
    times: int,
) -> None:
    client = client_for(fake_github)
    fake_github.faults.add(path=f"/repos/{REPO}", method="GET", times=times, **fault)
    assert client.get(f"/repos/{REPO}")["full_name"] == REPO
    assert api_calls(fake_github, "GET", f"/repos/{REPO}") == times + 1
    assert len(recorder.sleeps) == times
    if "retry_after" in fault:
        assert recorder.sleeps == [fault["retry_after"]] * times
    elif fault.get("status") == 403:
        assert recorder.sleeps == [60.0] * times  # GitHub: wait a minute without retry-after
    else:
        assert recorder.sleeps == [1.0, 2.0, 4.0][:times]
    assert len(recorder.lines) == times and "retry 1 of 3" in recorder.lines[0]


def test_primary_rate_limit_waits_until_reset(
    fake_github: FakeGitHub, client_for: Callable[..., GitHub], recorder: Recorder
) -> None:
    now = 1_700_000_000
    client = client_for(fake_github, clock=lambda: float(now))
    fake_github.faults.add(
        path=f"/repos/{REPO}",
        status=403,
        body={"message": "API rate limit exceeded for installation ID 1."},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(now + 20)},
    )
    assert client.get(f"/repos/{REPO}")["name"] == "demo"
    assert recorder.sleeps == [21.0]


def test_rate_limit_longer_than_max_wait_fails_at_once(
    fake_github: FakeGitHub, client_for: Callable[..., GitHub], recorder: Recorder
) -> None:
    client = client_for(fake_github)
    fake_github.faults.add(path=f"/repos/{REPO}", status=429, retry_after=3600, times=None)
    with pytest.raises(RateLimited, match="429") as caught:
        client.get(f"/repos/{REPO}")
    assert "over 60 s" in str(caught.value)
    assert recorder.sleeps == []
    assert api_calls(fake_github, "GET", f"/repos/{REPO}") == 1


def test_timeout_is_retried(
    fake_github: FakeGitHub, client_for: Callable[..., GitHub], recorder: Recorder
) -> None:
    client = client_for(fake_github, timeout=0.2)
    fake_github.faults.add(path=f"/repos/{REPO}", delay=1.0, times=1)
    began = time.monotonic()
    assert client.get(f"/repos/{REPO}")["name"] == "demo"
    assert time.monotonic() - began < 1.0
    assert recorder.sleeps == [1.0]
    assert "timed out after 0.2 s" in recorder.lines[0]


def test_persistent_failure_names_route_and_status_not_token(
    fake_github: FakeGitHub, client_for: Callable[..., GitHub], recorder: Recorder
) -> None:
    client = client_for(fake_github)
    fake_github.faults.add(path=COMMENTS, status=502, times=None)
    with pytest.raises(ExternalError) as caught:
        client.post(COMMENTS, json={"body": "x"})
    error = caught.value
    assert isinstance(error, GitHubError) and error.exit_code == ExitCode.EXTERNAL_ERROR
    text = error.line()
    assert f"POST {COMMENTS}" in text and "502" in text and "after 4 attempts" in text
    assert "\n" not in text and TOKEN not in text
    assert error.status == 502 and error.path == COMMENTS
    assert api_calls(fake_github, "POST", COMMENTS) == 4
    assert recorder.sleeps == [1.0, 2.0, 4.0]
    assert fake_github.state.repo(REPO).comments == {}  # the 502s came before the handler


def test_persistent_connection_drops_raise(
    fake_github: FakeGitHub, client_for: Callable[..., GitHub]
) -> None:
    client = client_for(fake_github)
    fake_github.faults.add(path=f"/repos/{REPO}", drop="before", times=None)
    with pytest.raises(GitHubError, match=r"GET /repos/octo-org/demo: connection failed"):
        client.get(f"/repos/{REPO}")
    assert api_calls(fake_github, "GET", f"/repos/{REPO}") == 4


NOT_RETRIED = {
    400: GitHubError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: GitHubError,
    422: Unprocessable,
}


@pytest.mark.parametrize(("status", "kind"), NOT_RETRIED.items(), ids=map(str, NOT_RETRIED))
def test_client_errors_are_not_retried(
    fake_github: FakeGitHub,
    client_for: Callable[..., GitHub],
    recorder: Recorder,
    status: int,
    kind: type[GitHubError],
) -> None:
    client = client_for(fake_github)
    fake_github.faults.add(
        path=f"/repos/{REPO}", status=status, body={"message": "Nope"}, times=None
    )
    with pytest.raises(kind) as caught:
        client.get(f"/repos/{REPO}")
    assert type(caught.value) is kind
    assert f"GET /repos/{REPO}: {status}" in str(caught.value)
    assert "Nope" in str(caught.value)
    assert api_calls(fake_github, "GET", f"/repos/{REPO}") == 1
    assert recorder.sleeps == []


def test_real_permission_and_credential_errors(
    fake_github: FakeGitHub, client_for: Callable[..., GitHub]
) -> None:
    read_only = client_for(fake_github, token=READ_ONLY_TOKEN)
    assert read_only.get(f"/repos/{REPO}")["full_name"] == REPO
    with pytest.raises(Forbidden, match="Resource not accessible by integration") as caught:
        read_only.post(COMMENTS, json={"body": "hi"})
    assert "fork" in caught.value.line()
    assert api_calls(fake_github, "POST", COMMENTS) == 1
    with pytest.raises(Unauthorized, match="Bad credentials"):
        client_for(fake_github, token="ghs_unknown").get(f"/repos/{REPO}")
    with pytest.raises(NotFound):
        client_for(fake_github).get("/repos/octo-org/missing")


def test_token_never_leaks_into_errors_or_logs(
    fake_github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default log writes to stderr; a path that contains the token string shows that
    # exception text from requests (which quotes the URL) is scrubbed too.
    client = GitHub(api_url=fake_github.api_url, token=TOKEN, retry=github_retry())
    fake_github.faults.add(path=f"/repos/{REPO}", status=503, times=None)
    with pytest.raises(GitHubError) as first:
        client.get(f"/repos/{REPO}")
    closed = GitHub(api_url="http://127.0.0.1:9", token=TOKEN, retry=github_retry(), timeout=1)
    with pytest.raises(GitHubError) as second:
        closed.get(f"/repos/{TOKEN}/x")
    assert "***" in str(second.value)
    captured = capsys.readouterr()
    assert "retry 3 of 3" in captured.err
    for text in (
        str(first.value),
        first.value.line(),
        str(second.value),
        captured.err,
        captured.out,
    ):
        assert TOKEN not in text


# -- uploads and downloads ------------------------------------------------------------------------


def make_release(client: GitHub, tag: str = "v1.0.0") -> dict[str, Any]:
    return client.post(f"/repos/{REPO}/releases", json={"tag_name": tag, "name": tag})


def test_upload_bytes_and_path_resend_on_retry(
    fake_github: FakeGitHub, github_client: GitHub, tmp_path: Path
) -> None:
    release = make_release(github_client)
    assert release["upload_url"].startswith(fake_github.uploads_url)
    path = tmp_path / "model.skops"
    path.write_bytes(b"M" * 200_000)
    uploads = f"/repos/{REPO}/releases/{release['id']}/assets"
    fake_github.faults.add(path=uploads, status=502, times=1)  # the file upload's first try
    fake_github.faults.add(path=uploads, drop="before", nth=3, times=1)  # the bytes upload's
    first = github_client.upload(
        release["upload_url"], name="model.skops", data=path, label="model"
    )
    second = github_client.upload(
        release["upload_url"],
        name="metrics.json",
        data=b'{"f1": 0.9}',
        content_type="application/json",
    )
    assert (first["name"], first["label"], first["size"]) == ("model.skops", "model", 200_000)
    assert second["content_type"] == "application/json"
    assets = fake_github.state.repo(REPO).assets
    assert assets[first["id"]].data == path.read_bytes()
    assert assets[second["id"]].data == b'{"f1": 0.9}'
    assert api_calls(fake_github, "POST", uploads) == 4
    with pytest.raises(Unprocessable) as caught:
        github_client.upload(release["upload_url"], name="model.skops", data=b"again")
    assert caught.value.error_codes == ["already_exists"]
    assert "already_exists (name)" in str(caught.value)


def test_download_follows_redirects_to_a_file(
    fake_github: FakeGitHub, github_client: GitHub, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metrics.json", '{"accuracy": 0.91}')
    repo = fake_github.state.repo(REPO)
    run = fake_github.state.add_run(repo, pull_numbers=[1])
    fake_github.state.add_artifact(repo, run_id=run.id, name="metrics", data=buffer.getvalue())

    (artifact,) = github_client.paginate(f"/repos/{REPO}/actions/runs/{run.id}/artifacts")
    dest = tmp_path / "out" / "metrics.zip"
    fake_github.faults.add(path="/_fake/objects/artifacts/*", drop="mid-body", times=1)
    size = github_client.download(artifact["archive_download_url"], dest)
    assert size == len(buffer.getvalue()) and dest.read_bytes() == buffer.getvalue()
    assert len(fake_github.calls("GET", "/_fake/objects/artifacts/*")) == 2

    release = make_release(github_client)
    asset = github_client.upload(release["upload_url"], name="model.skops", data=b"weights")
    github_client.download(asset["url"], tmp_path / "model.skops")
    assert (tmp_path / "model.skops").read_bytes() == b"weights"

    with pytest.raises(GitHubError, match="exceeds the 3 byte limit"):
        github_client.download(asset["url"], tmp_path / "small.bin", max_bytes=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skops", "out"]


def test_ghes_base_url(
    fake_ghes: FakeGitHub, client_for: Callable[..., GitHub], tmp_path: Path
) -> None:
    assert fake_ghes.api_url.endswith("/api/v3")
    env = ActionsEnvironment.from_env(
        {"GITHUB_API_URL": fake_ghes.api_url, "GITHUB_SERVER_URL": fake_ghes.server_url}
    )
    assert env.uploads_url == fake_ghes.uploads_url
    client = client_for(fake_ghes)
    assert client.get(f"/repos/{REPO}")["url"] == f"{fake_ghes.api_url}/repos/{REPO}"
    seed_comments(fake_ghes, 150)
    assert len(list(client.paginate(COMMENTS))) == 150
    assert api_calls(fake_ghes, "GET", COMMENTS) == 2
    release = make_release(client)
    assert release["upload_url"].startswith(env.uploads_url + "/repos/")
    asset = client.upload(
        release["upload_url"], name="a.txt", data=b"abc", content_type="text/plain"
    )
    client.download(asset["url"], tmp_path / "a.txt")
    assert (tmp_path / "a.txt").read_bytes() == b"abc"
