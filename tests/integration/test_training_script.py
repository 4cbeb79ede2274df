"""`train.command` end to end: a real training script of the user's, run by `modelci train` on
modelci's split, its model evaluated and compared like any other; and every way a script can
fail is one line and exit 2 with nothing written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import ROOT, write_config

QUICK = "metrics: {resamples: 100, importance: false, plots: false}\n"

# Reads the side files whatever their format, as a user's script would.
READ = """
import json, os, sys
from pathlib import Path
import pandas as pd

def read(path):
    return pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)

env = {k: v for k, v in os.environ.items() if k.startswith("MODELCI_")}
train, test = read(env["MODELCI_TRAIN"]), read(env["MODELCI_TEST"])
target = env["MODELCI_TARGET"]
out = Path(env["MODELCI_OUT"])
leaving = [target, env.get("MODELCI_ID_COLUMN")]
X = train.drop(columns=[c for c in leaving if c in train.columns])
(out / "seen.json").write_text(json.dumps({
    "env": env, "out_was_empty": not any(p.name != "seen.json" for p in out.iterdir()),
    "cwd": os.getcwd(), "train_columns": list(train.columns), "test_columns": list(test.columns),
    "train_rows": len(train), "test_rows": len(test),
    "test_ids": list(map(str, test[env["MODELCI_ID_COLUMN"]])) if "MODELCI_ID_COLUMN" in env
    else None,
}))
"""

SKLEARN_SCRIPT = (
    READ
    + """
import skops.io
from sklearn.tree import DecisionTreeClassifier

print(f"fitting on {len(X)} rows", flush=True)
model = DecisionTreeClassifier(max_depth=3, random_state=int(env["MODELCI_SEED"]))
model.fit(X, train[target])
skops.io.dump(model, out / "model.skops")
print("saved model.skops")
"""
)

XGBOOST_SCRIPT = (
    READ
    + """
import numpy as np
import xgboost as xgb

classes = sorted(train[target].astype(str).unique())  # the k-th output is the k-th class
y = train[target].astype(str).map({c: i for i, c in enumerate(classes)})
booster = xgb.train(
    {"objective": "binary:logistic", "max_depth": 3, "seed": int(env["MODELCI_SEED"])},
    xgb.DMatrix(X, label=y),
    num_boost_round=20,
)
booster.save_model(str(out / "model.json"))
print("saved model.json")
"""
)


def numeric_frame(rows: int = 240, seed: int = 0, *, ids: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    label = np.where(x[:, 0] - x[:, 1] + rng.normal(scale=0.5, size=rows) > 0, "yes", "no")
    frame = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "label": label})
    if ids:
        frame.insert(0, "id", [f"r{i:03d}" for i in range(rows)])
    return frame


@pytest.fixture
def project(tmp_path):
    """proj/ with the data beside the config; the working directory is tmp_path, not proj/."""
    folder = tmp_path / "proj"
    folder.mkdir()
    numeric_frame().to_csv(folder / "data.csv", index=False)
    return folder


def make(project: Path, script: str, *, data: str = "data.csv", extra: str = "") -> None:
    (project / "train.py").write_text(textwrap.dedent(script))
    command = f"{sys.executable} train.py --depth 3"
    write_config(
        project,
        f"data:\n  train: {data}\n  target: label\n{extra}"
        f"train:\n  command: {json.dumps(command)}\n" + QUICK,
    )


def seen(run: Path) -> dict:
    info = json.loads((run / "run.json").read_text())
    assert "seen.json" in info["training"]["files"]
    assert not (run / "seen.json").exists(), "only the model is copied into the run"
    return info


# ---- the model path: train → evaluate → compare ------------------------------------------------


def test_a_scikit_learn_script_is_trained_evaluated_and_recorded(cli, tmp_path, project):
    make(project, SKLEARN_SCRIPT)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/script", "--evaluate")
    assert result.code == 0, result.stderr
    assert "  | fitting on 192 rows" in result.stderr and "  | saved model.skops" in result.stderr
    assert "train.command made model.skops (sklearn) for classification" in result.stdout
    run = tmp_path / "runs/script"
    assert sorted(p.name for p in run.iterdir()) == [
        "evaluation.json",
        "metrics.json",
        "model.skops",
        "predictions.csv",
        "run.json",
    ]
    info = seen(run)
    model = info["model"]
    assert model["file"] == "model.skops" and model["flavour"] == "sklearn"
    assert model["library"] == "scikit-learn" and model["size_bytes"] > 0
    import hashlib

    assert model["sha256"] == hashlib.sha256((run / "model.skops").read_bytes()).hexdigest()
    training = info["training"]
    assert training["command"].endswith("train.py --depth 3")
    assert training["output"] == "model" and training["timeout_s"] == 3600
    assert sorted(training["files"]) == ["model.skops", "seen.json"] and training["seconds"] > 0
    assert info["classes"] == ["no", "yes"] and info["positive_class"] == "yes"
    assert info["features"]["numeric"] == ["x1", "x2", "x3"]
    assert info["data"]["split"]["kind"] == "stratified"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["roc_auc"] > 0.8  # the script's tree learnt the signal


def test_the_script_sees_the_split_files_variables_and_its_own_folder(cli, tmp_path, project):
    out = project / "out-probe"
    script = SKLEARN_SCRIPT + f"\nimport shutil; shutil.copy(out / 'seen.json', {str(out)!r})\n"
    out.mkdir()
    numeric_frame(ids=True).to_csv(project / "ids.csv", index=False)
    make(project, script, data="ids.csv", extra="  id_column: id\n  seed: 7\n")
    assert cli("train", "-c", "proj/modelci.yaml", "--out", "runs/s").code == 0
    facts = json.loads((out / "seen.json").read_text())
    env = facts["env"]
    assert env["MODELCI_TARGET"] == "label" and env["MODELCI_TASK"] == "classification"
    assert env["MODELCI_SEED"] == "7" and env["MODELCI_ID_COLUMN"] == "id"
    assert env["MODELCI_TRAIN"].endswith("train.csv") and env["MODELCI_TEST"].endswith("test.csv")
    assert facts["out_was_empty"] and facts["cwd"] == str(project)
    assert facts["train_rows"] == 192 and facts["test_rows"] == 48
    # The features in the order they are scored with, then the id and the target.
    assert facts["train_columns"] == ["x1", "x2", "x3", "id", "label"]
    assert facts["test_columns"] == facts["train_columns"]
    # The test rows are modelci's own split: the ones a config-trained model is scored on.
    frame = numeric_frame(ids=True)
    from modelci import data

    _, test_idx = data.split(frame, "label", task="classification", test_size=0.2, seed=7)
    assert facts["test_ids"] == list(frame["id"].iloc[test_idx])
    for name in ("MODELCI_TRAIN", "MODELCI_OUT"):
        assert not Path(env[name]).exists(), "the temporary folder is removed afterwards"


def test_parquet_input_is_handed_over_as_parquet(cli, tmp_path, project):
    pytest.importorskip("pyarrow")
    numeric_frame().to_parquet(project / "data.parquet", index=False)
    probe = project / "probe.json"
    make(
        project,
        SKLEARN_SCRIPT + f"\nimport shutil; shutil.copy(out / 'seen.json', {str(probe)!r})\n",
        data="data.parquet",
    )
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/p", "--evaluate")
    assert result.code == 0, result.stderr
    env = json.loads(probe.read_text())["env"]
    assert env["MODELCI_TRAIN"].endswith("train.parquet")
    assert env["MODELCI_TEST"].endswith("test.parquet")


def test_an_xgboost_booster_is_compared_with_a_scikit_learn_baseline_on_the_same_rows(
    cli, tmp_path, project
):
    pytest.importorskip("xgboost")
    write_config(
        project,
        "data: {train: data.csv, target: label}\n"
        "model: {estimator: sklearn.tree.DecisionTreeClassifier, params: {max_depth: 2}}\n" + QUICK,
        name="baseline.yaml",
    )
    assert cli("train", "-c", "proj/baseline.yaml", "--out", "runs/base", "--evaluate").code == 0
    make(project, XGBOOST_SCRIPT)
    result = cli(
        "train",
        "-c",
        "proj/modelci.yaml",
        "--out",
        "runs/xgb",
        "--evaluate",
        "--compare-with",
        "runs/base",
        "--compare-out",
        "runs/cmp",
    )
    assert result.code == 0, result.stderr
    info = json.loads((tmp_path / "runs/xgb/run.json").read_text())
    assert info["model"]["file"] == "model.json" and info["model"]["flavour"] == "xgboost"
    assert info["model"]["library"] == "xgboost" and info["estimator"]["class"].startswith("xgb")
    assert (tmp_path / "runs/xgb/evaluation.json").is_file()
    comparison = json.loads((tmp_path / "runs/cmp/comparison.json").read_text())
    assert comparison["n_rows"] == 48


# ---- the predictions path: a script that writes only predictions ------------------------------

PREDICTIONS_SCRIPT = (
    READ
    + """
import numpy as np

# A "model" of the user's own: a logistic score of x1 - x2, probabilities for no and yes.
score = 1 / (1 + np.exp(-(test["x1"] - test["x2"]) * 3))
ids = test[env["MODELCI_ID_COLUMN"]] if "MODELCI_ID_COLUMN" in env else np.arange(len(test))
frame = pd.DataFrame({"row_id": ids, "y_pred": np.where(score > 0.5, "yes", "no"),
                      "proba_no": 1 - score, "proba_yes": score})
frame = frame.iloc[::-1]  # any row order: rows are matched by id
if "--parquet" in sys.argv:
    frame.to_parquet(out / "predictions.parquet", index=False)
else:
    frame.to_csv(out / "predictions.csv", index=False)
"""
)


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_a_script_that_writes_predictions_makes_a_predictions_run(cli, tmp_path, project, form):
    if form == "parquet":
        pytest.importorskip("pyarrow")
    numeric_frame(ids=True).to_csv(project / "ids.csv", index=False)
    make(project, PREDICTIONS_SCRIPT, data="ids.csv", extra="  id_column: id\n")
    if form == "parquet":
        text = (project / "modelci.yaml").read_text().replace("--depth 3", "--parquet")
        (project / "modelci.yaml").write_text(text)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/p", "--evaluate")
    assert result.code == 0, result.stderr
    assert "train.command made predictions for classification" in result.stdout
    run = tmp_path / "runs/p"
    info = json.loads((run / "run.json").read_text())
    assert info["model"] is None and info["estimator"] is None
    assert info["training"]["output"] == "predictions"
    assert f"predictions.{form}" in info["training"]["files"]
    assert info["classes"] == ["no", "yes"]
    predictions = pd.read_csv(run / "predictions.csv")
    assert list(predictions.columns) == ["row_id", "y_true", "y_pred", "proba_no", "proba_yes"]
    assert len(predictions) == 48 and predictions["row_id"].str.startswith("r").all()
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["roc_auc"] > 0.8


def test_predictions_that_miss_test_rows_are_one_line_naming_the_file(cli, tmp_path, project):
    script = PREDICTIONS_SCRIPT.replace("frame = frame.iloc[::-1]", "frame = frame.iloc[2:]")
    make(project, script)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/p")
    assert_one_error_line(
        result, "$MODELCI_OUT/predictions.csv", "2 of the 48 test rows have no prediction"
    )
    assert not (tmp_path / "runs").exists()


# ---- the output is streamed while the script runs ----------------------------------------------


def test_a_user_sees_the_scripts_lines_while_it_runs(tmp_path, project):
    """The script prints, then waits for a file the test writes only once it has read that
    line from modelci's stderr: with buffered output both would wait until the test's limit."""
    make(
        project,
        """
        import os, time
        from pathlib import Path
        print("waiting for the go", flush=False)  # PYTHONUNBUFFERED makes it a line anyway
        for _ in range(600):
            if Path("go").exists():
                break
            time.sleep(0.1)
        else:
            raise SystemExit("never saw go")
        print("went")
        raise SystemExit(3)
        """,
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    env.pop("GITHUB_ACTIONS", None)
    with subprocess.Popen(
        [sys.executable, "-m", "modelci", "train", "-c", "proj/modelci.yaml", "--out", "runs/x"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stderr is not None
        before = []
        for line in process.stderr:
            before.append(line.rstrip("\n"))
            if line.startswith("  | waiting for the go"):
                (project / "go").write_text("")
                break
        rest = process.stderr.read().splitlines()
        assert process.wait(timeout=120) == 2
    assert "  | waiting for the go" in before, before
    assert rest[0] == "  | went"
    assert rest[-1].startswith("modelci train: error: proj/modelci.yaml:5: train.command failed")


# ---- every way a script can fail: one line, exit 2, nothing written ---------------------------

BAD_SCRIPTS = {
    "exits 3": ("import sys\nprint('giving up')\nsys.exit(3)\n", "failed with exit code 3"),
    "raises": (
        "def fit():\n    raise ValueError('labels look wrong')\nfit()\n",
        "its last line: ValueError: labels look wrong",
    ),
    "is killed by a signal": (
        "import os, signal\nprint('about to die')\nos.kill(os.getpid(), signal.SIGKILL)\n",
        "train.command was killed by SIGKILL after",
    ),
    "exits 0 having written nothing": (
        "import sys\nsys.exit(0)\n",
        "ended without writing a model or predictions into $MODELCI_OUT (it wrote nothing)",
    ),
    "writes two models": (
        "import os\nfor n in ('model.skops', 'model.ubj'):\n"
        "    open(os.path.join(os.environ['MODELCI_OUT'], n), 'w').write('x')\n",
        "wrote model.skops, model.ubj into $MODELCI_OUT; modelci takes exactly one model file",
    ),
    "writes a model and predictions": (
        "import os\nfor n in ('model.json', 'predictions.csv'):\n"
        "    open(os.path.join(os.environ['MODELCI_OUT'], n), 'w').write('x')\n",
        "exactly one model or predictions file",
    ),
    "writes a model skops cannot read": (
        "import os\nopen(os.path.join(os.environ['MODELCI_OUT'], 'model.skops'), 'w').write('x')\n",
        "$MODELCI_OUT/model.skops (written by train.command)",
    ),
    "links the model to a file outside": (
        "import os\nos.symlink('/etc/hostname', os.path.join(os.environ['MODELCI_OUT'], "
        "'model.skops'))\n",
        "$MODELCI_OUT/model.skops is a symbolic link to /etc/hostname, outside $MODELCI_OUT",
    ),
}


def assert_one_error_line(result, *needles):
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    assert not [line for line in result.stderr.splitlines() if "/modelci/" in line], (
        "no traceback of modelci's own"
    )
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.mark.parametrize("case", list(BAD_SCRIPTS))
def test_a_bad_script_is_one_line_and_exit_2_with_nothing_written(cli, tmp_path, project, case):
    script, needle = BAD_SCRIPTS[case]
    make(project, script)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/x")
    line = assert_one_error_line(result, needle)
    assert not (tmp_path / "runs").exists(), "no partial output"
    if case == "raises":
        shown = result.stderr.splitlines()
        assert "  | Traceback (most recent call last):" in shown
        assert any(line.startswith("  |   File ") and "train.py" in line for line in shown)
        assert line.startswith("modelci train: error: proj/modelci.yaml:5: train.command failed")


def test_a_script_over_its_time_limit_is_stopped(cli, tmp_path, project):
    make(project, "import time\nprint('epoch 1')\ntime.sleep(120)\n", extra="")
    text = (project / "modelci.yaml").read_text().replace("train:\n", "train:\n  timeout: 2\n")
    (project / "modelci.yaml").write_text(text)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/x")
    assert_one_error_line(
        result,
        "proj/modelci.yaml:5: train.command ran longer than train.timeout (2 s) and was stopped; "
        "its last line: epoch 1",
    )
    assert not (tmp_path / "runs").exists()


def test_a_command_that_is_not_there_is_refused_before_any_data_is_read(cli, tmp_path, project):
    write_config(
        project,
        "data: {train: missing.csv, target: label}\ntrain: {command: trainer-not-installed}\n",
    )
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/x")
    assert_one_error_line(
        result, "proj/modelci.yaml:2: train.command runs 'trainer-not-installed'", "PATH"
    )


def test_train_command_with_an_estimator_is_refused(cli, tmp_path, project):
    make(project, SKLEARN_SCRIPT, extra="model: {estimator: sklearn.tree.DecisionTreeClassifier}\n")
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/x")
    assert_one_error_line(result, "train.command and model.estimator both say what to train")
    result = cli(
        "train", "-c", "proj/modelci.yaml", "--estimator", "sklearn.tree.DecisionTreeClassifier"
    )
    assert_one_error_line(result, "--estimator: train.command and model.estimator")


def test_the_shipped_example_trains_and_evaluates(cli, tmp_path):
    """examples/train-script as a user runs it (their `python`, here this interpreter)."""
    example = tmp_path / "train-script"
    shutil.copytree(ROOT / "examples/train-script", example)
    result = cli(
        "train",
        "-c",
        "train-script/modelci.yaml",
        "--set",
        f"train.command={sys.executable} train.py --trees 20",
        "--out",
        "runs/example",
        "--evaluate",
    )
    assert result.code == 0, result.stderr
    assert "  | training a forest of 20 trees on 426 rows, 30 features" in result.stderr
    metrics = json.loads((tmp_path / "runs/example/metrics.json").read_text())
    assert metrics["roc_auc"] > 0.95


def test_the_readme_script_works_as_written(cli, tmp_path, project):
    import re

    section = (ROOT / "README.md").read_text().split("## Your own training script", 1)[1]
    script = re.search(r"```python\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    assert script is not None
    make(project, script.group(1))
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/readme", "--evaluate")
    assert result.code == 0, result.stderr
    info = json.loads((tmp_path / "runs/readme/run.json").read_text())
    assert info["model"]["flavour"] == "sklearn" and info["training"]["files"] == ["model.skops"]


MIXED_SCRIPT = (
    READ
    + """
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

text = list(X.select_dtypes("object").columns)
numbers = [c for c in X.columns if c not in text]
print("columns:", ",".join(X.columns))
encode = ColumnTransformer([
    ("numbers", SimpleImputer(), numbers),
    ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                           OneHotEncoder(handle_unknown="ignore")), text),
])
model = make_pipeline(encode, LogisticRegression(max_iter=500)).fit(X, train[target])
skops.io.dump(model, out / "model.skops")
"""
)


def test_categorical_and_date_columns_reach_the_script_as_the_model_is_scored(
    cli, tmp_path, project, mixed_csv
):
    make(project, MIXED_SCRIPT, data="../data/mixed.csv")
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/mixed", "--evaluate")
    assert result.code == 0, result.stderr
    parts = ",".join(f"when__{p}" for p in ("year", "month", "day", "day_of_week"))
    assert f"  | columns: x1,x2,colour,{parts}" in result.stderr.splitlines()
    assert json.loads((tmp_path / "runs/mixed/metrics.json").read_text())["roc_auc"] > 0.7


def test_with_quiet_the_last_lines_are_shown_only_when_the_script_fails(cli, tmp_path, project):
    make(project, "for i in range(30):\n    print(f'step {i}')\nraise SystemExit(1)\n")
    result = cli("train", "--quiet", "-c", "proj/modelci.yaml", "--out", "runs/x")
    assert_one_error_line(result, "failed with exit code 1", "its last line: step 29")
    lines = result.stderr.splitlines()
    assert lines[0] == "the last 20 lines of train.command's output:"
    assert lines[1:21] == [f"  | step {i}" for i in range(10, 30)]
    make(project, SKLEARN_SCRIPT)
    result = cli("train", "--quiet", "-c", "proj/modelci.yaml", "--out", "runs/x")
    assert result.code == 0 and result.stderr == ""


REGRESSION_SCRIPT = (
    READ
    + """
import skops.io
from sklearn.linear_model import Ridge

assert env["MODELCI_TASK"] == "regression" and env["MODELCI_TRAIN"].endswith(".tsv")
train = pd.read_csv(env["MODELCI_TRAIN"], sep="\\t")
skops.io.dump(Ridge().fit(train.drop(columns=[target]), train[target]), out / "model.skops")
"""
)


def test_a_regression_script_on_tsv_data(cli, tmp_path, project):
    frame = numeric_frame()
    frame["y"] = 2 * frame["x1"] - frame["x2"]
    frame.drop(columns=["label"]).to_csv(project / "data.tsv", sep="\t", index=False)
    make(project, REGRESSION_SCRIPT, data="data.tsv")
    text = (project / "modelci.yaml").read_text().replace("target: label", "target: y")
    (project / "modelci.yaml").write_text(text)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/r", "--evaluate")
    assert result.code == 0, result.stderr
    info = json.loads((tmp_path / "runs/r/run.json").read_text())
    assert info["task"] == "regression" and info["classes"] is None
    assert json.loads((tmp_path / "runs/r/metrics.json").read_text())["r2"] > 0.99


ONNX_SCRIPT = (
    READ
    + """
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# What torch.onnx.export of a one-layer softmax net gives: features [N, F] -> probabilities [N, K].
classes = sorted(train[target].astype(str).unique())
y = train[target].astype(str).map({c: i for i, c in enumerate(classes)}).to_numpy()
x = X.to_numpy(dtype=np.float32)
w = np.zeros((x.shape[1], len(classes)), dtype=np.float32)
b = np.zeros(len(classes), dtype=np.float32)
for _ in range(300):  # plain gradient descent on the cross-entropy
    z = x @ w + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    w -= 0.5 * x.T @ p / len(y)
    b -= 0.5 * p.mean(axis=0)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["features", "w"], ["z0"]),
     helper.make_node("Add", ["z0", "b"], ["z"]),
     helper.make_node("Softmax", ["z"], ["probabilities"], axis=1)],
    "net",
    [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, x.shape[1]])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(classes)])],
    initializer=[numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, str(out / "model.onnx"))
"""
)


def test_a_network_exported_to_onnx_is_evaluated(cli, tmp_path, project):
    pytest.importorskip("onnxruntime")
    make(project, ONNX_SCRIPT)
    result = cli("train", "-c", "proj/modelci.yaml", "--out", "runs/onnx", "--evaluate")
    assert result.code == 0, result.stderr
    info = json.loads((tmp_path / "runs/onnx/run.json").read_text())
    assert info["model"]["flavour"] == "onnx" and info["classes"] == ["no", "yes"]
    assert json.loads((tmp_path / "runs/onnx/metrics.json").read_text())["roc_auc"] > 0.8
