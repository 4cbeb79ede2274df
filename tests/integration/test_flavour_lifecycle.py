"""Every way a model reaches modelci, through the whole life of a model: train (from the config,
or by the user's own script) → evaluate → compare with a scikit-learn baseline on the same rows
→ report → publish registry (a real registry) → baseline from the registry → pull. A tampered
model file is refused by its sha256 wherever it is read again."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import mixed_frame
from tests.registry_support import LocalRegistry

pytest_plugins = ["tests.registry_fixture"]
pytestmark = pytest.mark.registry

COMMON = "metrics: {plots: false, resamples: 200, importance_rows: 200}\n"


def needs(module: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"needs {module} (pip install 'modelci[{module}]')",
    )


def numeric_frame(rows: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    logit = 1.2 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2]
    label = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["label"] = label
    return frame


ONNX_SCRIPT = """
    import os
    import pandas as pd
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    train = pd.read_csv(os.environ["MODELCI_TRAIN"])
    target = os.environ["MODELCI_TARGET"]
    X = train.drop(columns=[target]).to_numpy("float32")
    model = LogisticRegression(max_iter=500).fit(X, train[target])
    graph = to_onnx(model, X[:1], options={"zipmap": False})
    with open(os.path.join(os.environ["MODELCI_OUT"], "model.onnx"), "wb") as out:
        out.write(graph.SerializeToString())
    print("exported", len(X), "rows")
"""

XGBOOST_SCRIPT = """
    import os
    import pandas as pd
    import xgboost as xgb

    train = pd.read_csv(os.environ["MODELCI_TRAIN"])
    target = os.environ["MODELCI_TARGET"]
    classes = sorted(train[target].astype(str).unique())
    y = train[target].astype(str).map({c: i for i, c in enumerate(classes)})
    model = xgb.XGBClassifier(n_estimators=20, max_depth=3, random_state=int(os.environ["MODELCI_SEED"]))
    model.fit(train.drop(columns=[target]), y)
    model.get_booster().save_model(os.path.join(os.environ["MODELCI_OUT"], "model.json"))
"""

SCENARIOS = {
    "xgboost": pytest.param(
        ("config", "model: {estimator: xgboost.XGBClassifier, params: {n_estimators: 30}}\n"),
        "model.ubj",
        marks=needs("xgboost"),
        id="xgboost-config",
    ),
    "lightgbm": pytest.param(
        (
            "config",
            "model: {estimator: lightgbm.LGBMClassifier, "
            "params: {n_estimators: 30, verbose: -1}}\n",
        ),
        "model.txt",
        marks=needs("lightgbm"),
        id="lightgbm-config",
    ),
    "catboost": pytest.param(
        (
            "config",
            "model: {estimator: catboost.CatBoostClassifier, "
            "params: {iterations: 30, verbose: false}}\n",
        ),
        "model.cbm",
        marks=needs("catboost"),
        id="catboost-config",
    ),
    "onnx": pytest.param(
        ("script", ONNX_SCRIPT), "model.onnx", marks=needs("skl2onnx"), id="onnx-script"
    ),
    "xgboost-script": pytest.param(
        ("script", XGBOOST_SCRIPT), "model.json", marks=needs("xgboost"), id="xgboost-script"
    ),
    "sklearn": pytest.param(("config", ""), "model.skops", id="sklearn-config"),
}


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def write_project(root: Path, how: tuple[str, str]) -> None:
    kind, text = how
    (root / "data").mkdir(parents=True)
    frame = mixed_frame() if kind == "config" else numeric_frame()
    frame.to_csv(root / "data/train.csv", index=False)
    base = "name: churn\ndata: {train: data/train.csv, target: label}\n" + COMMON
    (root / "baseline.yaml").write_text(base)
    if kind == "config":
        (root / "modelci.yaml").write_text(base + text)
    else:
        (root / "train.py").write_text(textwrap.dedent(text))
        command = json.dumps(f"{sys.executable} train.py")  # the interpreter running the tests
        (root / "modelci.yaml").write_text(base + f"train: {{command: {command}}}\n")


@pytest.mark.parametrize(("how", "model_file"), list(SCENARIOS.values()))
def test_a_model_lives_from_training_to_pull(
    how: tuple[str, str], model_file: str, cli, tmp_path: Path, registry: LocalRegistry
) -> None:
    write_project(tmp_path, how)
    trained = cli("train", "-c", "baseline.yaml", "--out", "runs/base", "--evaluate")
    assert trained.code == 0, trained.stderr
    trained = cli("train", "--out", "runs/cand", "--evaluate")
    assert trained.code == 0, trained.stderr
    run = read(tmp_path / "runs/cand/run.json")
    assert run["model"]["file"] == model_file
    assert (tmp_path / "runs/cand" / model_file).is_file()
    flavour = run["model"].get("flavour", "sklearn")
    assert model_file in {"sklearn": ("model.skops",)}.get(flavour, (model_file,))
    assert run["model"]["library_version"] if flavour != "sklearn" else True

    # Compared with a scikit-learn baseline on the same rows: read back, not re-scored.
    compared = cli("compare", "runs/cand", "runs/base", "--out", "runs/cmp")
    assert compared.code in (0, 1), compared.stderr
    comparison = read(tmp_path / "runs/cmp/comparison.json")
    assert comparison["n_rows"] == read(tmp_path / "runs/base/evaluation.json")["n_rows"]
    reported = cli("report", "runs/cmp", "--out", "report.md")
    assert reported.code == 0, reported.stderr
    assert "roc\\_auc" in (tmp_path / "report.md").read_text()

    ref = f"{registry.host}/octo/{flavour}-{uuid.uuid4().hex[:6]}:1.0.0"
    pushed = cli("publish", "registry", "runs/cand", "--ref", ref, "--plain-http")
    assert pushed.code == 0, pushed.stderr
    fetched = cli("baseline", "--from", f"registry:{ref}", "--out", "runs/fetched", "--plain-http")
    assert fetched.code == 0, fetched.stderr
    assert (tmp_path / "runs/fetched" / model_file).read_bytes() == (
        tmp_path / "runs/cand" / model_file
    ).read_bytes()
    # The fetched baseline scores exactly what was evaluated: every delta is zero.
    again = cli("compare", "runs/cand", "runs/fetched", "--out", "runs/same")
    assert again.code == 0, again.stderr
    for metric in read(tmp_path / "runs/same/comparison.json")["metrics"]:
        assert metric["delta"] in (0, 0.0, None), metric

    pulled = cli("pull", ref, "--out", "pulled", "--plain-http")
    assert pulled.code == 0, pulled.stderr
    assert (tmp_path / "pulled" / model_file).is_file()

    # A tampered model file is refused by its sha256 before its library parses it.
    tampered = tmp_path / "pulled" / model_file
    tampered.write_bytes(tampered.read_bytes()[:-8] + b"tampered")
    refused = cli("evaluate", "pulled")
    assert refused.code == 2
    assert "sha256" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) <= 2, refused.stderr
