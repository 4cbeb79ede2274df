"""modelci.registry.auth, and the bearer-token exchange against a fake ghcr.io-style registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import run_in_process
from tests.fakes.registry import TOKEN, FakeRegistry
from tests.registry_support import make_run_dir
from tests.retry_support import registry_retry, silent

from modelci.errors import ExitCode, UserError
from modelci.registry import Credentials, RegistryAuthError, RegistryClient, pull, push_run
from modelci.registry.auth import parse_challenge

pytest_plugins = ["tests.registry_fixture"]


@pytest.mark.parametrize(
    ("header", "scheme", "params"),
    [
        ('Basic realm="Registry Realm"', "basic", {"realm": "Registry Realm"}),
        (
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
            'scope="repository:library/x:pull,push"',
            "bearer",
            {
                "realm": "https://auth.docker.io/token",
                "service": "registry.docker.io",
                "scope": "repository:library/x:pull,push",
            },
        ),
        ("bearer realm=https://h/t, service=h", "bearer", {"realm": "https://h/t", "service": "h"}),
        ('Bearer realm="a\\"b"', "bearer", {"realm": 'a"b'}),
    ],
)
def test_parse_challenge(header: str, scheme: str, params: dict[str, str]) -> None:
    challenge = parse_challenge(header)
    assert challenge is not None
    assert (challenge.scheme, challenge.params) == (scheme, params)


def test_parse_challenge_ignores_others() -> None:
    assert parse_challenge(None) is None
    assert parse_challenge("") is None
    assert parse_challenge("Negotiate abc") is None


def test_credentials_from_env() -> None:
    assert Credentials.from_env("registry.example.com", environ={}) is None
    env = {"MODELCI_REGISTRY_PASSWORD": "pw", "MODELCI_REGISTRY_USERNAME": "me"}
    assert Credentials.from_env("registry.example.com", environ=env) == Credentials(
        username="me", password="pw"
    )
    assert Credentials.from_env("r.example.com", username="u", environ=env).username == "u"
    # ghcr.io: GITHUB_TOKEN, with GITHUB_ACTOR or any username.
    ghcr = Credentials.from_env("ghcr.io", environ={"GITHUB_TOKEN": "t", "GITHUB_ACTOR": "octo"})
    assert ghcr == Credentials(username="octo", password="t")
    assert Credentials.from_env("ghcr.io", environ={"GITHUB_TOKEN": "t"}).username == "modelci"
    assert Credentials.from_env("ghcr.io:443", environ={"GITHUB_TOKEN": "t"}) is not None
    # GITHUB_TOKEN is not offered to other registries.
    assert Credentials.from_env("registry.example.com", environ={"GITHUB_TOKEN": "t"}) is None
    named = Credentials.from_env(
        "r.example.com", username="u", password_env="MY_PW", environ={"MY_PW": "x"}
    )
    assert named == Credentials(username="u", password="x")
    assert "x" not in repr(named)


@pytest.mark.parametrize(
    ("kwargs", "environ", "message"),
    [
        ({"password_env": "MY_PW"}, {}, "MY_PW, which is not set"),
        ({"username": "u"}, {}, "no password"),
        ({}, {"MODELCI_REGISTRY_PASSWORD": "pw"}, "no registry username"),
    ],
)
def test_credentials_from_env_refuses(
    kwargs: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        Credentials.from_env("registry.example.com", environ=environ, **kwargs)


# -- bearer exchange against the fake -------------------------------------------------------------


def client(
    fake: FakeRegistry, credentials: Credentials | None, actions: str = "pull"
) -> RegistryClient:
    return RegistryClient(
        fake.host,
        credentials=credentials,
        plain_http=True,
        actions=actions,
        retry=registry_retry(log=silent),
    )


def test_push_and_pull_with_a_bearer_token(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "run")
    credentials = Credentials(username="anyone", password=TOKEN)
    with client(fake_registry, credentials, "pull,push") as pusher:
        result = push_run(run, f"{fake_registry.host}/Octo/Churn:1.0.0", client=pusher)
    assert [t.tag for t in result.tags] == ["1.0.0", "1.0", "1", "latest"]
    # One token, asked for with the credentials and a push scope on the lowercased name.
    assert len(fake_registry.token_requests) == 1
    asked = fake_registry.token_requests[0]
    assert asked["user"] == "anyone"
    assert "repository:octo/churn:pull,push" in asked["scopes"]
    # Anonymous pull of a public package: an anonymous token.
    pulled = pull(f"{fake_registry.host}/octo/churn:1", tmp_path / "out", plain_http=True)
    assert pulled.manifest_digest == result.digest
    assert (tmp_path / "out" / "model.skops").read_bytes() == (run / "model.skops").read_bytes()
    assert fake_registry.token_requests[-1]["user"] is None


def test_a_stale_token_is_refreshed_once(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    run = make_run_dir(tmp_path / "run")
    credentials = Credentials(username="u", password=TOKEN)
    with client(fake_registry, credentials, "pull,push") as pusher:
        push_run(run, f"{fake_registry.host}/octo/churn:1.0.0", client=pusher)
        fake_registry.revoke_tokens()  # e.g. expired between two steps
        push_run(run, f"{fake_registry.host}/octo/churn:1.0.1", client=pusher)
    assert len(fake_registry.token_requests) == 2


def test_a_refused_token_fails_with_one_line(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    fake_registry.refuse_tokens = True
    with (
        client(fake_registry, Credentials(username="u", password=TOKEN), "pull,push") as pusher,
        pytest.raises(RegistryAuthError) as raised,
    ):
        push_run(make_run_dir(tmp_path / "run"), f"{fake_registry.host}/o/m:1", client=pusher)
    line = raised.value.line()
    assert raised.value.exit_code == ExitCode.EXTERNAL_ERROR
    assert "401" in line and "fresh token was refused" in line and "\n" not in line
    assert TOKEN not in line and "tok_" not in line


def test_wrong_credentials_fail_at_the_token_service(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    with (
        client(fake_registry, Credentials(username="u", password="wrong"), "pull,push") as pusher,
        pytest.raises(RegistryAuthError, match="refused the credentials") as raised,
    ):
        push_run(make_run_dir(tmp_path / "run"), f"{fake_registry.host}/o/m:1", client=pusher)
    assert "wrong" not in raised.value.line()


def test_anonymous_push_is_refused(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    with (
        client(fake_registry, None, "pull,push") as pusher,
        pytest.raises(RegistryAuthError, match="401") as raised,
    ):
        push_run(make_run_dir(tmp_path / "run"), f"{fake_registry.host}/o/m:1", client=pusher)
    assert "--username" in raised.value.line()


def test_cli_stale_token_exits_3_with_one_line(
    fake_registry: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_run_dir(tmp_path / "run")
    fake_registry.refuse_tokens = True
    monkeypatch.setenv("MODELCI_REGISTRY_PASSWORD", TOKEN)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    result = run_in_process(
        "publish",
        "registry",
        str(tmp_path / "run"),
        "--ref",
        f"{fake_registry.host}/o/m:1.0.0",
        "--plain-http",
        "--username",
        "ci",
    )
    assert result.code == ExitCode.EXTERNAL_ERROR
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("modelci publish: error: registry ")
    assert "401" in errors[0]
    assert TOKEN not in result.stderr + result.stdout
