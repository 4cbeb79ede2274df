"""Shared by the release and baseline tests: tiny trained runs, the Actions environment pointing
at the fake GitHub, and helpers to read what the fake holds."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from tests.conftest import Result, run_in_process
from tests.fakes.github import FakeGitHub
from tests.fakes.github.state import Asset, Release
from tests.fakes.github.world import REPO, TOKEN
from tests.retry_support import github_retry, silent

from modelci.github import GitHub

CONFIG = """\
{name}data: {{train: "sklearn:breast_cancer", target: target}}
model:
  estimator: sklearn.linear_model.LogisticRegression
  params: {{C: {C}, max_iter: 2000}}
metrics: {{importance: false, plots: {plots}, resamples: 100}}
card:
  description: Flags malignant tumours from the Wisconsin breast-cancer measurements.
  intended_use: A worked example for modelci; not for diagnosis.
  limitations: 569 rows from one hospital.
  license: MIT
"""


def train_runs(root: Path) -> dict[str, Path]:
    """Three evaluated runs under `root/runs`: `base` and `tuned` of model "cancer" (base with
    plots), and `plain` of an unnamed model. In-process: the sklearn import is paid once."""
    runs: dict[str, Path] = {}
    specs = {
        "base": ("name: cancer\n", 1.0, "true"),
        "tuned": ("name: cancer\n", 0.02, "false"),
        "plain": ("", 1.0, "false"),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for key, (name, c, plots) in specs.items():
            (root / f"{key}.yaml").write_text(CONFIG.format(name=name, C=c, plots=plots))
            for args in (
                ("train", "-c", f"{key}.yaml", "--out", f"runs/{key}"),
                ("evaluate", f"runs/{key}"),
            ):
                result = run_in_process(*args)
                assert result.code == 0, result.stderr
            runs[key] = root / "runs" / key
    return runs


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "MODELCI_")):
            monkeypatch.delenv(name)


class RecordingSession(requests.Session):
    """A requests session that remembers what was sent: (method, url, JSON body or None)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        data = kwargs.get("data")
        body = None
        if isinstance(data, bytes) and data[:1] in (b"{", b"["):
            try:
                body = json.loads(data)
            except ValueError:
                body = None
        self.sent.append((method.upper(), url, body))
        return super().request(method, url, *args, **kwargs)


def no_sleep_client(monkeypatch: pytest.MonkeyPatch) -> RecordingSession:
    """Make the CLI's GitHub client skip real sleeps and record its requests."""
    session = RecordingSession()
    original = GitHub.from_environment.__func__  # type: ignore[attr-defined]

    def from_environment(cls: type[GitHub], env: Any, **kwargs: Any) -> GitHub:
        kwargs.setdefault("session", session)
        return original(cls, env, retry=github_retry(log=silent), **kwargs)

    monkeypatch.setattr(GitHub, "from_environment", classmethod(from_environment))
    return session


def use(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, tmp_path: Path, *, token: str = TOKEN
) -> Path:
    """Point the Actions variables at `fake`; returns the $GITHUB_OUTPUT file."""
    output = tmp_path / "github_output"
    for name, value in {
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_SERVER_URL": fake.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": token,
        "GITHUB_OUTPUT": str(output),
    }.items():
        monkeypatch.setenv(name, value)
    return output


def outputs(path: Path) -> dict[str, str]:
    """The last value of each output in a $GITHUB_OUTPUT file."""
    found, lines = {}, path.read_text().splitlines() if path.exists() else []
    for index, line in enumerate(lines):
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            found[name] = lines[index + 1] if lines[index + 1] != delimiter else ""
    return found


def publish(run: Path, tag: str, *extra: str) -> Result:
    return run_in_process("publish", "release", str(run), "--tag", tag, *extra)


def releases(fake: FakeGitHub) -> list[Release]:
    return list(fake.state.repo(REPO).releases.values())


def release_of(fake: FakeGitHub, tag: str) -> Release:
    (found,) = [r for r in releases(fake) if r.tag_name == tag]
    return found


def assets_of(fake: FakeGitHub, release: Release) -> dict[str, Asset]:
    held = [a for a in fake.state.repo(REPO).assets.values() if a.release_id == release.id]
    by_name = {a.name: a for a in held}
    assert len(by_name) == len(held), "duplicate asset names"
    return by_name


def uploads(fake: FakeGitHub) -> list[Any]:
    return fake.calls("POST", "/repos/*/*/releases/*/assets")


def one_line_error(result: Result, command: str) -> str:
    """The error line, which must be the only one (progress lines may come before it)."""
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith(f"modelci {command}: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    assert errors[0].startswith(f"modelci {command}: error: "), errors[0]
    return errors[0]


def last(items: list[Any], keep: Callable[[Any], bool]) -> Any:
    return [item for item in items if keep(item)][-1]
