"""Hostile or careless configs and user code: one clear line, exit 2, nothing run or written early.

Covers YAML that would hang or crash the loader, non-finite numbers, overrides reported at the
flag, estimator paths that are not estimators, and factories or fits that exit or raise.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from tests.conftest import write_config
from tests.integration.test_bad_input import assert_one_clear_line

QUICK = "metrics: {resamples: 100, importance: false, plots: false}\n"
GOOD = "data:\n  train: ../data/mixed.csv\n  target: label\n" + QUICK


@pytest.fixture
def project(tmp_path, mixed_csv):
    """A project folder `proj/` beside `data/`, so the working directory is not the config's."""
    folder = tmp_path / "proj"
    folder.mkdir()
    before = set(sys.modules)
    yield folder
    # Modules imported from this test's folder must not answer the next test's imports.
    for name in set(sys.modules) - before:
        if str(tmp_path) in str(getattr(sys.modules[name], "__file__", "") or ""):
            del sys.modules[name]


def train_project(cli, project, config, **modules):
    for name, source in modules.items():
        (project / f"{name}.py").write_text(textwrap.dedent(source))
    write_config(project, config)
    return cli("train", "-c", "proj/modelci.yaml", "--out", "runs/x")


def assert_nothing_written(tmp_path):
    assert not (tmp_path / "runs").exists(), "no partial output"


# ---- YAML that would hang or crash the loader ---------------------------------------------------

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefg"], "abcdefgh", strict=True)
)

YAML_CASES = {
    "alias bomb": (BOMB + GOOD, ["expands to more than 100,000 values", "modelci.yaml:"]),
    "recursive alias": (
        "data: &loop\n  train: *loop\n  target: label\n",
        ["alias refers to the value that contains it", "modelci.yaml:1"],
    ),
    "python tag": (
        GOOD + "card: {description: !!python/object/apply:os.system ['touch pwned']}\n",
        ["YAML tag !!python/object/apply:os.system is not allowed", "modelci.yaml:5"],
    ),
    "unknown local tag": (GOOD + "name: !secret x\n", ["YAML tag !secret is not allowed"]),
    "deep nesting": (
        GOOD + "card: {description: " + "[" * 200 + "]" * 200 + "}\n",
        ["nested more than 50 levels deep", "modelci.yaml:5"],
    ),
    "too many aliases": (
        "x: &x 1\nl: [" + ", ".join(["*x"] * 101) + "]\n" + GOOD,
        ["more than 100 YAML aliases", "modelci.yaml:2"],
    ),
    "tag that does not fit its value": (
        GOOD.replace("label\n", "label\n  seed: !!int abc\n", 1),
        ["cannot read the YAML value", "modelci.yaml:4"],
    ),
    "oversized file": (GOOD + "#" * 1_000_001 + "\n", ["over 1,000,000 characters"]),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_hostile_yaml_is_refused_in_one_line(case, cli, tmp_path, project):
    text, needles = YAML_CASES[case]
    assert_one_clear_line(train_project(cli, project, text), *needles)
    assert not (tmp_path / "pwned").exists() and not (project / "pwned").exists()
    assert_nothing_written(tmp_path)


def test_anchors_within_the_bounds_still_work(cli, tmp_path, project):
    text = GOOD + "gates:\n  accuracy: &tolerance {max_drop: 0.05}\n  roc_auc: *tolerance\n"
    assert train_project(cli, project, text).code == 0
    gates = json.loads((tmp_path / "runs/x/run.json").read_text())["config"]["gates"]
    assert gates == {"accuracy": {"max_drop": 0.05}, "roc_auc": {"max_drop": 0.05}}


# ---- numbers: finite, in range, named by their config key --------------------------------------

NUMBER_CASES = {
    "nan confidence": (
        GOOD.replace("metrics: {", "metrics: {confidence: .nan, "),
        ["'metrics.confidence' must be a finite number, got nan", "modelci.yaml:4"],
    ),
    "inf gate tolerance": (
        GOOD + "gates:\n  roc_auc: {max_drop: .inf}\n",
        ["'gates.roc_auc.max_drop' must be a finite number, got inf", "modelci.yaml:6"],
    ),
    "nan gate minimum": (
        GOOD + "gates:\n  accuracy:\n    min: .nan\n",
        ["'gates.accuracy.min' must be a finite number", "modelci.yaml:7"],
    ),
    "negative infinity alpha": (
        GOOD + "compare: {alpha: -.inf}\n",
        ["'compare.alpha' must be a finite number, got -inf"],
    ),
    "overflowing float": (
        GOOD.replace("label\n", "label\n  test_size: 1.0e+400\n", 1),
        ["'data.test_size' must be a finite number, got inf", "modelci.yaml:4"],
    ),
    "overflowing integer": (
        GOOD + "gates:\n  accuracy: {min: " + "9" * 400 + "}\n",
        ["'gates.accuracy.min' must be a finite number"],
    ),
    "seed beyond what numpy accepts": (
        GOOD.replace("label\n", "label\n  seed: 4294967296\n", 1),
        ["'data.seed' must be in [0, 4294967295], got 4294967296", "modelci.yaml:4"],
    ),
}


@pytest.mark.parametrize("case", sorted(NUMBER_CASES))
def test_numbers_are_checked_at_load(case, cli, tmp_path, project):
    text, needles = NUMBER_CASES[case]
    line = assert_one_clear_line(train_project(cli, project, text), *needles)
    assert "random_state" not in line
    assert_nothing_written(tmp_path)


def test_a_test_size_too_small_for_the_classes_is_named_in_config_terms(cli, tmp_path, project):
    # 400 rows: 0.001 holds out one row, but a stratified split needs one per class (2).
    text = GOOD.replace("label\n", "label\n  test_size: 0.001\n", 1)
    line = assert_one_clear_line(
        train_project(cli, project, text),
        "data.test_size=0.001 splits the 400 rows of data.train into 399 to train and 1 to test",
        "2 rows (one per class)",
        "modelci.yaml:4",
    )
    assert "should be greater" not in line  # scikit-learn's wording, about its own arguments
    assert_nothing_written(tmp_path)


# ---- overrides are reported at the flag --------------------------------------------------------

OVERRIDE_CASES = {
    "--seed -1 with a seed in the file": (
        ["--seed", "-1"],
        ["--seed: 'data.seed' must be in [0, 4294967295], got -1"],
    ),
    "--set a seed too large": (
        ["--set", "data.seed=4294967296"],
        ["--set data.seed=4294967296: 'data.seed' must be in"],
    ),
    "--set below a string": (
        ["--set", "data.train.x=1"],
        ["--set data.train.x=1: cannot set 'data.train.x'", "'data.train' is the value"],
    ),
    "--set below a number": (
        ["--set", "model.params.C=1", "--set", "model.params.C.x=1"],
        ["cannot set 'model.params.C.x': 'model.params.C' is the value 1"],
    ),
    "--set an unknown key": (
        ["--set", "data.sede=3"],
        ["--set data.sede=3: unknown key 'sede'", "Did you mean 'seed'?"],
    ),
    "--set a nan": (
        ["--set", "metrics.confidence=.nan"],
        ["--set metrics.confidence=.nan: 'metrics.confidence' must be a finite number"],
    ),
    "--set an empty key part": (["--set", "data..seed=1"], ["'data..seed' is not a config key"]),
}


@pytest.mark.parametrize("case", sorted(OVERRIDE_CASES))
def test_overrides_are_reported_at_the_flag(case, cli, tmp_path, project):
    flags, needles = OVERRIDE_CASES[case]
    write_config(project, GOOD.replace("label\n", "label\n  seed: 3\n", 1))
    result = cli("train", "-c", "proj/modelci.yaml", *flags, "--out", "runs/x")
    line = assert_one_clear_line(result, *needles)
    assert "modelci.yaml" not in line
    assert_nothing_written(tmp_path)


def test_a_valid_override_wins_over_the_file(cli, tmp_path, project):
    write_config(project, GOOD.replace("label\n", "label\n  seed: 3\n", 1))
    assert cli("train", "-c", "proj/modelci.yaml", "--seed", "7", "--out", "runs/x").code == 0
    info = json.loads((tmp_path / "runs/x/run.json").read_text())
    assert info["data"]["split"]["seed"] == 7


# ---- model.estimator: only an estimator class is instantiated, only a factory is called --------

NOT_AN_ESTIMATOR = {
    "os.system": ("{command: 'touch pwned'}", "is a function, not an estimator class"),
    "builtins.exec": ('{source: \'open("pwned", "w")\'}', "is a function, not an estimator"),
    "subprocess.Popen": (
        "{args: [touch, pwned]}",
        "is a class without fit, predict, get_params",
    ),
    "sklearn.preprocessing.StandardScaler": ("{}", "is a class without predict"),
    "os.sep": ("{}", "is a str, not an estimator class"),
}


@pytest.mark.parametrize("path", sorted(NOT_AN_ESTIMATOR))
def test_a_dotted_path_must_be_an_estimator_class_before_anything_is_called(
    path, cli, tmp_path, project
):
    params, needle = NOT_AN_ESTIMATOR[path]
    text = GOOD + f"model:\n  estimator: {path}\n  params: {params}\n"
    assert_one_clear_line(
        train_project(cli, project, text), f"model.estimator '{path}' {needle}", "modelci.yaml:6"
    )
    assert not (tmp_path / "pwned").exists() and not (project / "pwned").exists()
    assert_nothing_written(tmp_path)


def test_a_factory_beside_the_config_imports_without_pythonpath(cli, tmp_path, project):
    factory = """
        from sklearn.linear_model import LogisticRegression

        def pipe_lr(C=1.0):
            return LogisticRegression(C=C, max_iter=500)
    """
    text = GOOD + "model: {estimator: 'factories_beside:pipe_lr', params: {C: 0.5}}\n"
    result = train_project(cli, project, text, factories_beside=factory)
    assert result.code == 0, result.stderr
    info = json.loads((tmp_path / "runs/x/run.json").read_text())
    assert info["estimator"]["class"] == "sklearn.linear_model.LogisticRegression"
    assert info["estimator"]["params"]["C"] == 0.5
    assert str(project) not in sys.path, "the config's folder is importable only while training"


def test_a_project_file_shadowed_by_an_installed_module_is_named(cli, tmp_path, project):
    text = GOOD + "model: {estimator: 'json:make'}\n"
    result = train_project(cli, project, text, json="def make():\n    raise SystemExit(0)\n")
    assert_one_clear_line(
        result, "json.py beside the config is shadowed by the installed module 'json'", "Rename"
    )
    assert_nothing_written(tmp_path)


FACTORY_CASES = {
    "sys.exit()": (
        "import sys\n\ndef make():\n    sys.exit()\n",
        ["'factory_exit:make' called sys.exit() (at factory_exit.py:4)"],
    ),
    "sys.exit(0)": (
        "import sys\n\ndef make():\n    sys.exit(0)\n",
        ["'factory_exit:make' called sys.exit(0)"],
    ),
    "JSONDecodeError": (
        "import json\n\ndef make():\n    return json.loads('{')\n",
        ["'factory_exit:make' raised JSONDecodeError: Expecting property name", "exit.py:4"],
    ),
    "modelci's own GateFailed": (
        "from modelci.errors import GateFailed\n\ndef make():\n    raise GateFailed('nope')\n",
        ["'factory_exit:make' raised GateFailed: nope"],
    ),
    "modelci's own ExternalError": (
        "from modelci.errors import ExternalError\n\ndef make():\n    raise ExternalError('x')\n",
        ["'factory_exit:make' raised ExternalError: x"],
    ),
    "an error at import": (
        "raise RuntimeError('broken module')\n",
        ["importing 'factory_exit' raised RuntimeError: broken module (at factory_exit.py:1)"],
    ),
    "a missing dependency": (
        "import no_such_dependency_h6\n\ndef make():\n    pass\n",
        ["raised ModuleNotFoundError: No module named 'no_such_dependency_h6'"],
    ),
    "a syntax error": ("def make(:\n", ["importing 'factory_exit' raised SyntaxError"]),
    "not an estimator returned": (
        "def make():\n    return 42\n",
        ["'factory_exit:make' did not give a scikit-learn estimator (got int"],
    ),
}


@pytest.mark.parametrize("case", sorted(FACTORY_CASES))
def test_whatever_a_factory_does_is_exit_2_naming_it(case, cli, tmp_path, project):
    source, needles = FACTORY_CASES[case]
    text = GOOD + "model: {estimator: 'factory_exit:make'}\n"
    result = train_project(cli, project, text, factory_exit=source)
    assert_one_clear_line(result, "modelci.yaml:5", *needles)
    assert_nothing_written(tmp_path)


ESTIMATOR = """
    import sys

    import numpy as np
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.linear_model import LogisticRegression


    class Custom(ClassifierMixin, BaseEstimator):
        def __init__(self, on_fit="fit", missing=float("nan"), weight=np.float32(0.5)):
            self.on_fit = on_fit
            self.missing = missing
            self.weight = weight

        def fit(self, X, y):
            if self.on_fit == "exit":
                sys.exit(0)
            if self.on_fit == "raise":
                raise RuntimeError("fit exploded\\nsecond line")
            if self.on_fit == "interrupt":
                raise KeyboardInterrupt
            self.inner_ = LogisticRegression(max_iter=500).fit(X, y)
            self.classes_ = self.inner_.classes_
            return self

        def predict(self, X):
            return self.inner_.predict(X)
"""


@pytest.mark.parametrize(
    ("on_fit", "needle"),
    [
        ("raise", "training failed: Custom raised RuntimeError: fit exploded (at custom_h6.py:"),
        ("exit", "training failed: Custom called sys.exit(0) (at custom_h6.py:"),
    ],
)
def test_a_fit_that_raises_or_exits_is_exit_2(on_fit, needle, cli, tmp_path, project):
    text = GOOD + f"model: {{estimator: custom_h6.Custom, params: {{on_fit: {on_fit}}}}}\n"
    result = train_project(cli, project, text, custom_h6=ESTIMATOR)
    line = assert_one_clear_line(result, needle, "modelci.yaml:5")
    assert "second line" not in line
    assert_nothing_written(tmp_path)


def test_ctrl_c_in_user_code_stays_an_interrupt(cli, tmp_path, project):
    text = GOOD + "model: {estimator: custom_h6.Custom, params: {on_fit: interrupt}}\n"
    result = train_project(cli, project, text, custom_h6=ESTIMATOR)
    assert result.code == 130 and "interrupted" in result.stderr
    assert_nothing_written(tmp_path)


# ---- run.json holds only strict JSON, whatever the params ---------------------------------------


def strict_json(path):
    def refuse(constant):
        raise AssertionError(f"{path} holds {constant}, which strict JSON parsers refuse")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_infinite_default_params_are_recorded_as_strings(cli, tmp_path, project):
    # RANSACRegressor's defaults are infinite (max_skips, stop_n_inliers, stop_score).
    text = GOOD.replace("target: label", "target: x1").replace("mixed.csv", "numeric.csv")
    text = "task: regression\n" + text
    text += "model:\n  estimator: sklearn.linear_model.RANSACRegressor\n"
    text += "  params: {max_trials: 20, stop_score: .inf}\n"
    import pandas as pd

    frame = pd.read_csv(tmp_path / "data/mixed.csv")[["x1", "x2"]].fillna(0.0)
    frame.to_csv(tmp_path / "data/numeric.csv", index=False)
    assert train_project(cli, project, text).code == 0
    info = strict_json(tmp_path / "runs/x/run.json")
    params = info["estimator"]["params"]
    assert params["max_skips"] == "inf" and params["stop_score"] == "inf"
    assert params["stop_n_inliers"] == "inf" and params["max_trials"] == 20
    assert info["config"]["model"]["params"] == {"max_trials": 20, "stop_score": "inf"}


def test_nan_and_numpy_params_are_plain_json(cli, tmp_path, project):
    text = GOOD + "model: {estimator: custom_h6.Custom}\n"
    assert train_project(cli, project, text, custom_h6=ESTIMATOR).code == 0
    params = strict_json(tmp_path / "runs/x/run.json")["estimator"]["params"]
    assert params == {"missing": "nan", "on_fit": "fit", "weight": 0.5}


def test_a_set_value_gets_the_same_bounded_reader(cli, tmp_path, project):
    write_config(project, GOOD)
    result = cli(
        "train", "-c", "proj/modelci.yaml", "--set", "card.description=!!python/name:os.system"
    )
    assert_one_clear_line(result, "--set card.description=", "YAML tag !!python/name:os.system")
    assert_nothing_written(tmp_path)


def test_the_estimator_flag_is_checked_like_the_config(cli, tmp_path, project):
    write_config(project, GOOD + "model: {params: {command: 'touch pwned'}}\n")
    result = cli("train", "-c", "proj/modelci.yaml", "--estimator", "os.system", "--out", "runs/x")
    assert_one_clear_line(result, "--estimator: model.estimator 'os.system' is a function")
    assert not (tmp_path / "pwned").exists() and not (project / "pwned").exists()
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        (
            "from sklearn.linear_model import LogisticRegression\n\n"
            "def make():\n    return LogisticRegression\n",
            "'shapes_h6:make' returned the class LogisticRegression, not an estimator",
        ),
        (
            "from sklearn.linear_model import LogisticRegression\n\n"
            "class Quiet(LogisticRegression):\n"
            "    def get_params(self, deep=True):\n        raise RuntimeError('no params')\n\n"
            "def make():\n    return Quiet()\n",
            "raised RuntimeError: no params (at shapes_h6.py:5)",
        ),
    ],
)
def test_what_a_factory_returns_is_checked(source, needle, cli, tmp_path, project):
    text = GOOD + "model: {estimator: 'shapes_h6:make'}\n"
    assert_one_clear_line(train_project(cli, project, text, shapes_h6=source), needle)
    assert_nothing_written(tmp_path)


def test_a_named_estimator_is_checked_before_the_data_is_read(cli, tmp_path, project):
    text = GOOD.replace("mixed.csv", "absent.csv") + "model: {estimator: os.system}\n"
    assert_one_clear_line(train_project(cli, project, text), "'os.system' is a function")
