"""The e2e harness: the fake GitHub in its own process, user repositories, and act runs of the
real workflow files. Shared by the e2e tests and benchmarks/bench_pr_path.py.

See tests/e2e/test_workflows.py for how act is wired (stubs for third-party actions, the
modelci actions mapped to a scratch copy of this repository).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.github.world import TOKEN

ROOT = Path(__file__).resolve().parents[2]
STUBS = Path(__file__).resolve().parent / "stubs"
ACT = Path(os.environ.get("MODELCI_E2E_ACT") or ROOT / ".venv" / "bin" / "act")
REPO = "octo-org/demo"
FORK = "forker/demo"
FORK_RUN = 7001
ACT_TIMEOUT = 420  # seconds per act run
# A runner label of the tests' own, for `train-runs-on`: act runs it on the host like
# ubuntu-latest, and skips a job whose label it has no platform for.
TRAIN_LABEL = "modelci-e2e-train"

# The pins as the workflow files write them (see /work/shared/action-pins.md).
SETUP_PYTHON = "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97"
UPLOAD = "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"
DOWNLOAD = "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"
ATTEST = "actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32"

if not ACT.exists() and shutil.which("act"):
    ACT = Path(shutil.which("act") or "act")


def config(name: str, estimator: str, params: str = "{}") -> str:
    """A tiny classification config: trains in a second, 200 bootstrap resamples."""
    return f"""name: {name}
task: classification
data:
  train: sklearn:breast_cancer
  target: target
  test_size: 0.25
  seed: 0
metrics:
  primary: roc_auc
  resamples: 200
  importance: false
gates:
  roc_auc: {{max_drop: 0.01}}
model:
  estimator: {estimator}
  params: {params}
"""


DUMMY = config("demo", "sklearn.dummy.DummyClassifier", "{strategy: prior}")
LOGISTIC = config("demo", "sklearn.linear_model.LogisticRegression", "{max_iter: 2000}")
LOGISTIC_C = config("demo", "sklearn.linear_model.LogisticRegression", "{max_iter: 2000, C: 0.5}")


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.invalid",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


# -- the fake GitHub, in its own process --------------------------------------------------------


@dataclass
class Fake:
    url: str
    process: subprocess.Popen[bytes]

    def get(self, path: str) -> object:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return json.load(response)

    def post(self, path: str, data: bytes, content_type: str = "application/json") -> object:
        request = urllib.request.Request(
            self.url + path, data=data, method="POST", headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def repo(self, full_name: str = REPO) -> dict:
        state = self.get("/_fake/state")
        assert isinstance(state, dict)
        return next(r for r in state["repos"] if f"{r['owner']}/{r['name']}" == full_name)

    def pull(self, number: int) -> dict:
        return self.repo()["pulls"][str(number)]

    def comments(self, number: int) -> list[dict]:
        found = self.repo()["comments"].values()
        return sorted((c for c in found if c["issue_number"] == number), key=lambda c: c["id"])

    def check_runs(self, number: int) -> list[dict]:
        sha = self.pull(number)["head_sha"]
        found = self.repo()["check_runs"].values()
        return sorted((r for r in found if r["head_sha"] == sha), key=lambda r: r["id"])


@contextlib.contextmanager
def running_fake(workdir: Path, seed: dict) -> Iterator[Fake]:
    """`python -m tests.fakes.github` seeded with `seed`; asserts it exits cleanly afterwards."""
    (workdir / "seed.json").write_text(json.dumps(seed))
    (workdir / "seed.json").write_text(json.dumps(seed))
    url_file = workdir / "fake-url.txt"
    log = (workdir / "fake.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.github",
            "--port",
            "0",
            "--seed",
            str(workdir / "seed.json"),
            "--state-file",
            str(workdir / "fake-state.json"),
            "--url-file",
            str(url_file),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while not url_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            raise RuntimeError(
                f"the fake GitHub did not start: {(workdir / 'fake.log').read_text()}"
            )
        time.sleep(0.1)
    try:
        yield Fake(url_file.read_text().strip(), process)
    finally:
        process.terminate()
        status = process.wait(timeout=30)
        log.close()
    # exit status 1: some request or response broke GitHub's OpenAPI description
    assert status == 0, (workdir / "fake.log").read_text()[-6000:]


def copy_modelci(workdir: Path, source: Path = ROOT, name: str = "modelci") -> Path:
    """A checkout of modelci (tracked and untracked-but-not-ignored files, no tests) copied to a
    scratch dir: by default this repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.decode()
    target = workdir / name
    for entry in filter(None, listed.split("\0")):
        path = source / entry
        if not path.is_file() or entry.startswith("tests/"):
            continue
        (target / entry).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / entry)
    return target


# -- act --------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """One user repository, its artifacts folder and what act printed."""

    name: str
    repo: Path
    artifacts: Path
    log: Path


def write_files(repo: Path, files: dict[str, str | bytes]) -> None:
    """Text or bytes (a run directory's model file), at paths that may name folders."""
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (repo / path).write_bytes(content)
        else:
            (repo / path).write_text(content)


def make_repo(
    workdir: Path,
    name: str,
    base: dict[str, str | bytes],
    head: dict[str, str | bytes],
    branch: str,
) -> Scenario:
    repo = workdir / name / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "remote", "add", "origin", f"https://github.com/{REPO}.git")
    write_files(repo, base)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "base")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "--quiet", "-b", branch)
    write_files(repo, head)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "head")
    artifacts = workdir / name / "artifacts"
    artifacts.mkdir()
    return Scenario(name, repo, artifacts, workdir / name / "act.log")


def caller(
    candidates: str = "", baseline: str | None = "merge-base", inputs: dict[str, str] | None = None
) -> str:
    """The example caller; `baseline` None keeps the default (the latest release); `inputs`
    are more `with:` lines, each value a YAML scalar as written."""
    text = (ROOT / "examples" / "workflows" / "pull-request.yml").read_text()
    assert "      config: modelci.yaml\n" in text
    for key, value in (inputs or {}).items():
        text = text.replace(
            "      config: modelci.yaml\n", f"      config: modelci.yaml\n      {key}: {value}\n"
        )
    if baseline:
        text = text.replace(
            "      config: modelci.yaml\n",
            f"      config: modelci.yaml\n      baseline: {baseline}\n",
        )
    if candidates:
        text = text.replace(
            "      config: modelci.yaml\n",
            f"      config: modelci.yaml\n      candidates: '{candidates}'\n",
        )
    return text


def pull_request_event(fake: Fake, number: int, head_repo: str = REPO) -> dict:
    pull = fake.pull(number)
    repository = {"full_name": REPO, "name": "demo", "owner": {"login": "octo-org"}}
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {
                "sha": pull["head_sha"],
                "ref": pull["head_ref"],
                "repo": {"full_name": head_repo},
            },
            "base": {"sha": pull["base_sha"], "ref": "main", "repo": {"full_name": REPO}},
        },
        "repository": repository,
    }


def run_pull_request(
    scenario: Scenario,
    number: int,
    *,
    fake: Fake,
    modelci: Path,
    cache: Path,
    token: str = TOKEN,
    head_repo: str = REPO,
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the scenario's caller workflow on a pull_request event of PR `number`; and its log."""
    done = act(
        scenario,
        event_name="pull_request",
        event=pull_request_event(fake, number, head_repo=head_repo),
        workflow=".github/workflows/modelci.yml",
        token=token,
        fake=fake,
        modelci=modelci,
        cache=cache,
    )
    return done, scenario.log.read_text()


def act(
    scenario: Scenario,
    *,
    event_name: str,
    event: dict,
    workflow: str,
    token: str,
    fake: Fake,
    modelci: Path,
    cache: Path,
) -> subprocess.CompletedProcess[str]:
    event_file = scenario.log.with_suffix(f".{event_name}.json")
    event_file.write_text(json.dumps(event))
    # act 0.2.89 (host mode) lets --env override its own GITHUB_API_URL / SERVER / GRAPHQL URLs
    # (--github-instance would force https://HOST/api/v3, which the plain-HTTP fake can't serve).
    env_vars = {
        "GITHUB_API_URL": fake.url,
        "GITHUB_SERVER_URL": fake.url,
        "GITHUB_GRAPHQL_URL": fake.url + "/graphql",
        "E2E_ARTIFACTS": str(scenario.artifacts),
        "E2E_PYTHON": sys.executable,
        "MODELCI_CACHE_DIR": str(cache),
        "MPLBACKEND": "Agg",
    }
    command = [str(ACT), event_name, "-W", workflow, "-e", str(event_file)]
    command += ["-P", "ubuntu-latest=-self-hosted", "-P", f"{TRAIN_LABEL}=-self-hosted"]
    command += ["--action-offline-mode"]
    command += ["--local-repository", f"{SETUP_PYTHON}={STUBS / 'setup-python'}"]
    command += ["--local-repository", f"{UPLOAD}={STUBS / 'upload-artifact'}"]
    command += ["--local-repository", f"{DOWNLOAD}={STUBS / 'download-artifact'}"]
    command += ["--local-repository", f"{ATTEST}={STUBS / 'attest-build-provenance'}"]
    command += ["--local-repository", f"modelci/modelci@v1={modelci}"]
    command += ["-s", f"GITHUB_TOKEN={token}"]
    for key, value in env_vars.items():
        command += ["--env", f"{key}={value}"]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=scenario.repo,
        capture_output=True,
        text=True,
        timeout=ACT_TIMEOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    with scenario.log.open("a") as log:
        log.write(
            f"$ {' '.join(command)}\n# {time.monotonic() - started:.0f}s exit {done.returncode}\n"
        )
        log.write(done.stdout + done.stderr)
    return done
