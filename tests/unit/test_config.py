"""modelci.yaml loading: defaults, one-line errors with file:line, and the shipped JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from modelci import config
from modelci.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "scripts/modelci/schema/modelci.schema.json"

MINIMAL = "data:\n  train: data.csv\n  target: label\n"


def load_error(text: str) -> str:
    with pytest.raises(UserError) as caught:
        config.loads(text, source="cfg.yaml")
    return caught.value.line()


def test_minimal_config_gets_every_default():
    cfg = config.loads(MINIMAL)
    assert cfg.data.test_size == 0.2
    assert cfg.data.seed == 0
    assert cfg.model.preprocess == "auto"
    assert cfg.metrics.confidence == 0.95
    assert cfg.compare.alpha == 0.05
    assert cfg.gates == {}
    resolved = cfg.to_dict()
    assert resolved["data"]["test"] is None and resolved["metrics"]["resamples"] == 1000


def test_the_issue_example_loads():
    text = """
task: classification
data:
  train: data/train.csv
  test: data/test.csv
  target: label
  test_size: 0.2
  seed: 0
model:
  estimator: sklearn.ensemble.HistGradientBoostingClassifier
  params: {max_iter: 200}
  preprocess: auto
metrics:
  primary: roc_auc
gates:
  roc_auc: {max_drop: 0.01}
  accuracy: {min: 0.90}
"""
    cfg = config.loads(text)
    assert cfg.gates["roc_auc"].max_drop == 0.01
    assert cfg.gates["accuracy"].min == 0.90
    assert dict(cfg.model.params) == {"max_iter": 200}


def test_unknown_key_suggests_the_closest_and_names_the_line():
    line = load_error(MINIMAL + "  test_szie: 0.3\n")
    assert line.startswith("cfg.yaml:4: unknown key 'test_szie'")
    assert "Did you mean 'test_size'?" in line


def test_unknown_top_level_key():
    line = load_error(MINIMAL + "metric:\n  primary: f1\n")
    assert "cfg.yaml:4" in line and "Did you mean 'metrics'?" in line


def test_wrong_type_names_key_file_line_and_fix():
    line = load_error(MINIMAL + "  seed: three\n")
    assert line.startswith("cfg.yaml:4: 'data.seed' must be an integer, got 'three'")
    assert "Seed for the split" in line


def test_out_of_range_value():
    line = load_error(MINIMAL + "  test_size: 1.5\n")
    assert "'data.test_size' must be in (0.0, 1.0)" in line


def test_choice_suggests():
    line = load_error(MINIMAL + "model:\n  preprocess: atuo\n")
    assert "Did you mean 'auto'?" in line and "cfg.yaml:5" in line


def test_malformed_yaml_names_the_line():
    line = load_error("data:\n  train: [a, b\n  target: y\n")
    assert line.startswith("cfg.yaml:") and "malformed YAML" in line


def test_missing_required_key():
    line = load_error("data:\n  train: x.csv\n")
    assert "missing required key 'data.target'" in line


def test_duplicate_key_is_refused():
    line = load_error(MINIMAL + "  target: other\n")
    assert "duplicate key 'target'" in line and "cfg.yaml:4" in line


def test_gate_on_unknown_metric_suggests():
    line = load_error(MINIMAL + "gates:\n  roc_acu: {max_drop: 0.01}\n")
    assert "Did you mean 'roc_auc'?" in line and "cfg.yaml:5" in line


def test_gate_direction_is_checked():
    line = load_error(MINIMAL + "gates:\n  log_loss: {max_drop: 0.01}\n")
    assert "log_loss is lower-is-better" in line and "Use max_rise" in line


def test_empty_gate_rule_is_refused():
    line = load_error(MINIMAL + "gates:\n  roc_auc: {}\n")
    assert "gate 'roc_auc' must be a mapping" in line


def test_empty_file():
    assert "the config is empty" in load_error("")


def test_overrides_win_and_are_validated():
    cfg = config.loads(MINIMAL, overrides={"data.seed": 7, "model.params.max_iter": 5})
    assert cfg.data.seed == 7 and cfg.model.params == {"max_iter": 5}
    with pytest.raises(UserError, match=r"'data\.seed' must be an integer"):
        config.loads(MINIMAL, overrides={"data.seed": "x"})
    with pytest.raises(UserError, match="Did you mean 'data'"):
        config.loads(MINIMAL, overrides={"dta.seed": 1})


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match=r"config file .* not found"):
        config.load(tmp_path / "nope.yaml")


def test_data_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    from modelci import data

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("x,label\n1,a\n2,b\n")
    (tmp_path / "sub" / "modelci.yaml").write_text(MINIMAL)
    monkeypatch.chdir(tmp_path)
    cfg = config.load(Path("sub/modelci.yaml"))
    assert data.read_table(cfg.data.train, cfg.base_dir).frame.shape == (2, 2)


# ---- train.command and the model's declared outputs and inputs ---------------------------------


def test_train_section_and_model_classes_and_inputs():
    cfg = config.loads(
        MINIMAL
        + "train: {command: python train.py --epochs 3}\n"
        + "model: {classes: ['no', 'yes'], inputs: {float_input: [a, b], name: [c]}}\n"
    )
    assert cfg.train.command == "python train.py --epochs 3" and cfg.train.timeout == 3600
    assert cfg.model.classes == ("no", "yes")
    assert cfg.model.inputs == {"float_input": ("a", "b"), "name": ("c",)}
    resolved = cfg.to_dict()
    assert resolved["train"] == {"command": "python train.py --epochs 3", "timeout": 3600}
    assert resolved["model"]["inputs"] == {"float_input": ["a", "b"], "name": ["c"]}
    assert json.loads(json.dumps(resolved)) == resolved
    default = config.loads(MINIMAL)
    assert default.train.command is None and default.model.classes is None


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("train: {timeout: 0}\n", "cfg.yaml:4: 'train.timeout' must be in (0.0, inf)"),
        ("train: {timeout: ten}\n", "cfg.yaml:4: 'train.timeout' must be a number"),
        ("train: {command: [python, t.py]}\n", "cfg.yaml:4: 'train.command' must be a string"),
        ('train:\n  command: "  "\n', "cfg.yaml:5: train.command is empty"),
        ("train:\n  command: python 't.py\n", 'cfg.yaml:5: train.command "python \'t.py"'),
        ("model: {classes: a}\n", "cfg.yaml:4: 'model.classes' must be a list of class labels"),
        ("model: {classes: [a, b, a]}\n", "cfg.yaml:4: model.classes lists 'a' more than once"),
        ("model: {classes: []}\n", "cfg.yaml:4: model.classes is an empty list"),
        ("model:\n  inputs: {x: a}\n", "cfg.yaml:5: 'model.inputs' must be a mapping of names to"),
        ("model:\n  inputs:\n    x: []\n", "cfg.yaml:6: model.inputs.x is an empty list"),
        (
            "model:\n  estimator: a.B\ntrain:\n  command: python t.py\n",
            "cfg.yaml:5: train.command and model.estimator both say what to train",
        ),
        (
            "model:\n  params: {max_depth: 3}\ntrain:\n  command: python t.py\n",
            "cfg.yaml:5: model.params has no effect with train.command",
        ),
    ],
)
def test_bad_train_and_model_keys_are_one_line_with_the_line(extra, expected):
    line = load_error(MINIMAL + extra)
    assert line.startswith(expected), line
    assert "\n" not in line


def test_classes_yaml_reads_as_booleans_are_refused_with_the_quoting_fix():
    line = load_error(MINIMAL + "model: {classes: [no, yes]}\n")
    assert "got [False, True]" in line and "Quote labels" in line
    assert config.loads(MINIMAL + "model: {classes: [1, 0]}\n").model.classes == ("1", "0")


def test_estimator_flag_with_train_command_names_the_flag():
    with pytest.raises(UserError) as caught:
        config.loads(
            MINIMAL + "train: {command: python t.py}\n",
            overrides=[config.Override(key="model.estimator", value="a.B", origin="--estimator")],
        )
    assert caught.value.line().startswith("--estimator: train.command and model.estimator")


# ---- the JSON schema shipped for editors agrees with the loader --------------------------------


def test_committed_schema_is_the_generated_one():
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == config.json_schema(), (
        "schema is stale: regenerate with python -c 'import json; from modelci import config; "
        "print(json.dumps(config.json_schema(), indent=2))' > " + str(SCHEMA_FILE)
    )


VALID = [
    MINIMAL,
    MINIMAL + "task: regression\nmetrics: {primary: rmse}\ngates: {rmse: {max_rise_pct: 5}}\n",
    MINIMAL + "model: {estimator: a.b.C, params: {x: 1}}\ncompare: {alpha: 0.01, strict: true}\n",
    MINIMAL + "card: {intended_use: triage, limitations: small data}\nname: churn\n",
    MINIMAL + "  drop: [a, b]\n  id_column: id\n  test: t.csv\n",
    MINIMAL + "train: {command: python train.py, timeout: 60}\nmodel: {classes: [a, b]}\n",
    MINIMAL + "model: {inputs: {float_input: [a, b]}}\n",
]
INVALID = [
    MINIMAL + "  test_szie: 0.3\n",
    MINIMAL + "  seed: three\n",
    MINIMAL + "  test_size: 1.5\n",
    MINIMAL + "model: {preprocess: atuo}\n",
    MINIMAL + "gates: {roc_acu: {max_drop: 0.01}}\n",
    MINIMAL + "gates: {roc_auc: {}}\n",
    MINIMAL + "gates: {roc_auc: {max_drop: -1}}\n",
    MINIMAL + "task: clustering\n",
    MINIMAL + "compare: {alpha: 0.7}\n",
    MINIMAL + "metrics: {resamples: 10}\n",
    MINIMAL + "metrics: {primary: roc}\n",
    "data:\n  train: x.csv\n",
    MINIMAL + "train: {timeout: 0}\n",
    MINIMAL + "train: {comand: python t.py}\n",
    MINIMAL + "train: {command: '  '}\n",
    MINIMAL + "model: {classes: [a, a]}\n",
    MINIMAL + "model: {inputs: {x: [1]}}\n",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_configs_pass_both(text):
    config.loads(text)
    jsonschema.validate(yaml.safe_load(text), config.json_schema())


@pytest.mark.parametrize("text", INVALID)
def test_invalid_configs_fail_both(text):
    with pytest.raises(UserError):
        config.loads(text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), config.json_schema())


def test_examples_validate():
    examples = sorted((ROOT / "examples").rglob("modelci*.yaml"))
    assert examples, "examples/ should ship configs"
    for path in examples:
        cfg = config.load(path)
        jsonschema.validate(yaml.safe_load(path.read_text()), config.json_schema())
        assert cfg.data.target
