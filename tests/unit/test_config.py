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


NEW_SECTIONS = """
slices:
  min_rows: 50
  correction: benjamini-hochberg
  by:
    - plan
    - {feature: age, bins: [30, 50]}
    - [plan, region]
churn: {max_harmful: 0.02}
compare: {inconclusive: fail, history: 3}
gates:
  recall:
    max_drop: 0.02
    slices: true
    max_drop_from_best: {releases: 5, tolerance: 0.01}
  log_loss:
    max_rise_from_best: {releases: 2, tolerance: 0.02}
"""


VALID = [
    MINIMAL,
    MINIMAL + "task: regression\nmetrics: {primary: rmse}\ngates: {rmse: {max_rise_pct: 5}}\n",
    MINIMAL + "model: {estimator: a.b.C, params: {x: 1}}\ncompare: {alpha: 0.01, strict: true}\n",
    MINIMAL + "card: {intended_use: triage, limitations: small data}\nname: churn\n",
    MINIMAL + "  drop: [a, b]\n  id_column: id\n  test: t.csv\n",
    MINIMAL + "train: {command: python train.py, timeout: 60}\nmodel: {classes: [a, b]}\n",
    MINIMAL + "model: {inputs: {float_input: [a, b]}}\n",
    MINIMAL + NEW_SECTIONS,
    MINIMAL + "slices: {automatic: false, by: []}\nchurn: {threshold: 0.3}\n",
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
    MINIMAL + "slices: {min_rows: 0}\n",
    MINIMAL + "slices: {correction: bonferroni}\n",
    MINIMAL + "slices: {by: [[a, a]]}\n",
    MINIMAL + "slices: {by: [{feature: age, bins: [1], step: 2}]}\n",
    MINIMAL + "slices: {by: [[a, b, c]]}\n",
    MINIMAL + "churn: {max_harmful: 2}\n",
    MINIMAL + "compare: {inconclusive: maybe}\n",
    MINIMAL + "compare: {history: -1}\n",
    MINIMAL + "gates: {recall: {max_drop_from_best: {releases: 0, tolerance: 0.1}}}\n",
    MINIMAL + "gates: {recall: {max_drop_from_best: {releases: 1}}}\n",
    MINIMAL + "gates: {recall: {slices: 1}}\n",
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


# ---- slices, churn, compare.inconclusive/history and the new gate keys ---------------------------


def test_new_sections_default_when_absent():
    cfg = config.loads(MINIMAL)
    assert cfg.slices == config.SlicesConfig(automatic=True, min_rows=30, correction="holm")
    assert cfg.slices.by == ()
    assert cfg.churn == config.ChurnConfig(max_harmful=None, threshold=None)
    assert (cfg.compare.inconclusive, cfg.compare.history) == ("warn", 10)
    resolved = cfg.to_dict()
    assert resolved["slices"] == {
        "automatic": True,
        "min_rows": 30,
        "correction": "holm",
        "by": [],
    }
    assert resolved["churn"] == {"max_harmful": None, "threshold": None}
    assert resolved["compare"]["inconclusive"] == "warn" and resolved["compare"]["history"] == 10


def test_slices_churn_and_from_best_gates_load_typed():
    cfg = config.loads(MINIMAL + NEW_SECTIONS)
    assert cfg.slices.min_rows == 50 and cfg.slices.correction == "benjamini-hochberg"
    assert cfg.slices.by == (
        config.SliceBy(feature="plan"),
        config.SliceBy(feature="age", bins=(30.0, 50.0)),
        config.SliceBy(features=("plan", "region")),
    )
    assert cfg.churn.max_harmful == 0.02 and cfg.churn.threshold is None
    assert cfg.compare.inconclusive == "fail" and cfg.compare.history == 3
    recall = cfg.gates["recall"]
    assert recall.slices is True and recall.max_drop == 0.02
    assert recall.from_best == config.FromBest(releases=5, tolerance=0.01)
    assert cfg.gates["log_loss"].from_best == config.FromBest(releases=2, tolerance=0.02)
    assert cfg.gates["log_loss"].max_drop_from_best is None
    assert config.GateRule(max_drop=0.1).from_best is None


def test_bins_become_open_ended_numeric_bins():
    from modelci.stats import slice_rows

    cfg = config.loads(MINIMAL + NEW_SECTIONS)
    definitions = [piece.definition() for piece in cfg.slices.by]
    assert definitions == [
        slice_rows.FeatureLevels(feature="plan"),
        slice_rows.NumericBins(feature="age", edges=(float("-inf"), 30.0, 50.0, float("inf"))),
        slice_rows.CrossedLevels(features=("plan", "region")),
    ]


def test_recorded_config_reads_back_into_the_same_typed_objects():
    cfg = config.loads(MINIMAL + NEW_SECTIONS)
    # run.json holds the JSON form; what comparison reads back must equal what was loaded.
    recorded = json.loads(json.dumps(cfg.to_dict()))
    assert recorded["gates"]["recall"]["max_drop_from_best"] == {"releases": 5, "tolerance": 0.01}
    assert recorded["slices"]["by"] == [
        "plan",
        {"feature": "age", "bins": [30, 50]},
        ["plan", "region"],
    ]
    assert config.SlicesConfig.from_dict(recorded["slices"]) == cfg.slices
    assert [config.SliceBy.from_config(piece) for piece in recorded["slices"]["by"]] == list(
        cfg.slices.by
    )
    assert config.ChurnConfig.from_dict(recorded["churn"]) == cfg.churn
    assert config.CompareConfig.from_dict(recorded["compare"]) == cfg.compare
    rules = {name: config.GateRule.from_dict(rule) for name, rule in recorded["gates"].items()}
    assert rules == dict(cfg.gates)


def test_an_older_run_without_the_new_sections_reads_back_with_defaults():
    assert config.SlicesConfig.from_dict(None) == config.SlicesConfig()
    assert config.ChurnConfig.from_dict({}) == config.ChurnConfig()
    old = config.CompareConfig.from_dict({"alpha": 0.01, "strict": True})
    assert old == config.CompareConfig(alpha=0.01, strict=True, inconclusive="warn", history=10)
    assert config.GateRule.from_dict({"max_drop": 0.01}) == config.GateRule(max_drop=0.01)
    with pytest.raises(TypeError):
        config.GateRule.from_dict({"max_dorp": 0.01})


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("slices:\n  min_rows: 0\n", "cfg.yaml:5: 'slices.min_rows' must be in [1, inf]"),
        ("slices:\n  correction: bonferroni\n", "cfg.yaml:5: 'slices.correction' must be one"),
        ("slices:\n  automatic: maybe\n", "cfg.yaml:5: 'slices.automatic' must be true or false"),
        ("slices:\n  by: plan\n", "cfg.yaml:5: 'slices.by' must be a list of slice definitions"),
        ("slices:\n  bye: [plan]\n", "cfg.yaml:5: unknown key 'bye' in 'slices'"),
        (
            "slices:\n  by:\n    - {feature: age, bins: [50, 30]}\n",
            "cfg.yaml:5: slices.by entry 1: bins of 'age' must be a list of ascending finite",
        ),
        (
            "slices:\n  by:\n    - plan\n    - {feature: age, bins: []}\n",
            "cfg.yaml:5: slices.by entry 2: bins of 'age' must be a list of ascending finite",
        ),
        (
            "slices:\n  by: [{feature: age, bins: [1, .inf]}]\n",
            "cfg.yaml:5: slices.by entry 1: bins of 'age' must be a list of ascending finite",
        ),
        (
            "slices:\n  by: [{feature: age, bins: [a, b]}]\n",
            "cfg.yaml:5: slices.by entry 1: bins of 'age' must be a list of ascending finite",
        ),
        ("slices:\n  by: [[plan, plan]]\n", "cfg.yaml:5: slices.by entry 1 pairs 'plan' with"),
        ("slices:\n  by: [[a, b, c]]\n", "cfg.yaml:5: slices.by entry 1 must be a pair of feature"),
        ("slices:\n  by: [plan, plan]\n", "cfg.yaml:5: slices.by lists plan more than once"),
        ("slices:\n  by: [{feture: age}]\n", "cfg.yaml:5: unknown key 'feture' in slices.by"),
        ("slices:\n  by: [{bins: [1]}]\n", "cfg.yaml:5: slices.by entry 1 needs a feature name"),
        ("slices:\n  by: [3]\n", "cfg.yaml:5: slices.by entry 1 is not a slice definition"),
        ("churn:\n  max_harmful: 1.5\n", "cfg.yaml:5: 'churn.max_harmful' must be in (0.0, 1.0)"),
        ("churn:\n  threshold: -1\n", "cfg.yaml:5: 'churn.threshold' must be in [0.0, inf]"),
        ("churn:\n  max_harm: 0.1\n", "cfg.yaml:5: unknown key 'max_harm' in 'churn'"),
        ("compare:\n  inconclusive: maybe\n", "cfg.yaml:5: 'compare.inconclusive' must be one of"),
        ("compare:\n  history: -1\n", "cfg.yaml:5: 'compare.history' must be in [0, inf]"),
        (
            "gates:\n  recall:\n    max_drop_from_best: {releases: 0, tolerance: 0.1}\n",
            "cfg.yaml:6: 'gates.recall.max_drop_from_best.releases' must be in [1, inf]",
        ),
        (
            "gates:\n  recall:\n    max_drop_from_best:\n      releases: 2\n      tolerance: -1\n",
            "cfg.yaml:8: 'gates.recall.max_drop_from_best.tolerance' must be in [0.0, inf]",
        ),
        (
            "gates:\n  recall:\n    max_drop_from_best: {releases: 5}\n",
            "cfg.yaml:6: 'gates.recall.max_drop_from_best' is missing 'tolerance'",
        ),
        (
            "gates:\n  recall:\n    max_drop_from_best: 5\n",
            "cfg.yaml:6: 'gates.recall.max_drop_from_best' must be a mapping {releases: N",
        ),
        (
            "gates:\n  recall:\n    max_drop_from_best: {releases: 5, tolerance: 0, last: 1}\n",
            "cfg.yaml:6: unknown key 'last' in 'gates.recall.max_drop_from_best'",
        ),
        (
            "gates:\n  log_loss:\n    max_drop_from_best: {releases: 5, tolerance: 0.1}\n",
            "cfg.yaml:6: gate 'log_loss' uses max_drop_from_best, but log_loss is lower-is-better",
        ),
        (
            "gates:\n  recall:\n    min: 0.5\n    slices: true\n",
            "cfg.yaml:7: gate 'recall' sets slices: true but has no max_drop or max_drop_pct",
        ),
        ("gates:\n  recall:\n    slices: all\n", "cfg.yaml:6: 'gates.recall.slices' must be true"),
    ],
)
def test_bad_slices_churn_compare_and_gate_values_are_one_line_with_the_line(extra, expected):
    line = load_error(MINIMAL + extra)
    assert line.startswith(expected), line
    assert "\n" not in line


def test_from_best_on_the_wrong_direction_says_which_to_use():
    line = load_error(
        MINIMAL + "gates: {log_loss: {max_drop_from_best: {releases: 1, tolerance: 0}}}\n"
    )
    assert line.endswith("Use max_rise_from_best")
    line = load_error(
        MINIMAL + "gates: {roc_auc: {max_rise_from_best: {releases: 1, tolerance: 0}}}\n"
    )
    assert line.endswith("Use max_drop_from_best")


def test_settings_take_slices_from_the_candidate_and_the_rest_from_the_policy_side():
    from types import SimpleNamespace

    from modelci import comparison

    def run(text: str) -> SimpleNamespace:
        recorded = json.loads(json.dumps(config.loads(MINIMAL + text).to_dict()))
        info = SimpleNamespace(
            config=recorded,
            section=lambda key: recorded.get(key) or {},
            data=SimpleNamespace(test_fingerprint=None),
        )
        return SimpleNamespace(
            info=info, path=Path("runs") / str(len(text)), has_evaluation=lambda: False
        )

    candidate = run(
        "slices: {min_rows: 5}\nchurn: {max_harmful: 0.5}\ncompare: {inconclusive: pass}\n"
    )
    baseline = run(
        "slices: {min_rows: 80}\nchurn: {max_harmful: 0.01}\ncompare: {history: 2}\n"
        "gates: {recall: {max_drop: 0.01, max_drop_from_best: {releases: 3, tolerance: 0.02}}}\n"
    )
    judged = comparison.settings_from(
        candidate, baseline, alpha=None, strict=None, gates_from="baseline"
    )
    assert judged.slices.min_rows == 5  # what is measured: the candidate's
    assert judged.churn.max_harmful == 0.01  # what passes: the baseline's
    assert (judged.inconclusive, judged.history) == ("warn", 2)
    assert judged.gates["recall"].from_best == config.FromBest(releases=3, tolerance=0.02)
    own = comparison.settings_from(candidate, baseline, alpha=None, strict=None)
    assert own.churn.max_harmful == 0.5 and own.inconclusive == "pass" and own.history == 10
    # A run recorded before these sections existed reads back with the defaults.
    del candidate.info.config["slices"], candidate.info.config["churn"]
    del (
        candidate.info.config["compare"]["inconclusive"],
        candidate.info.config["compare"]["history"],
    )
    old = comparison.settings_from(candidate, alpha=None, strict=None)
    assert old.slices == config.SlicesConfig() and old.churn == config.ChurnConfig()
    assert (old.inconclusive, old.history) == ("warn", 10)
    # A damaged recorded value is one line naming the run.json it came from.
    baseline.info.config["compare"]["inconclusive"] = "maybe"
    with pytest.raises(UserError) as caught:
        comparison.settings_from(
            candidate, baseline, alpha=None, strict=None, gates_from="baseline"
        )
    assert caught.value.line().startswith(
        f"{baseline.path / 'run.json'}: 'compare.inconclusive' must be one of pass, warn, fail"
    )
    candidate.info.config["slices"] = {"by": [["plan", "plan"]]}
    with pytest.raises(UserError, match=r"slices\.by entry 1 pairs 'plan' with itself"):
        comparison.settings_from(candidate, alpha=None, strict=None)


def test_the_readme_gates_example_loads():
    import re

    readme = (ROOT / "README.md").read_text()
    gates_section = readme.split("### Gates", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```yaml\n(.*?)```", gates_section, re.S)
    cfg = config.loads(MINIMAL + example)
    assert cfg.gates["recall"].slices and cfg.gates["log_loss"].from_best is not None
    assert len(cfg.slices.by) == 3 and cfg.churn.max_harmful == 0.02


def test_gate_changes_name_a_loosened_inconclusive_or_churn_gate():
    from types import SimpleNamespace

    from modelci import comparison

    def run(text: str) -> SimpleNamespace:
        recorded = json.loads(json.dumps(config.loads(MINIMAL + text).to_dict()))
        return SimpleNamespace(
            info=SimpleNamespace(config=recorded, section=lambda key: recorded.get(key) or {}),
            path=Path("runs/x"),
        )

    before = run("churn: {max_harmful: 0.02}\n")
    after = run("compare: {inconclusive: pass, history: 0}\n")
    assert comparison.gate_changes(after, before) == [
        {"setting": "compare.inconclusive", "before": "warn", "after": "pass"},
        {"setting": "churn.max_harmful", "before": 0.02, "after": None},
    ]


def test_gate_changes_name_slices_changed_to_hide_a_slice_from_its_gate():
    from types import SimpleNamespace

    from modelci import comparison

    def run(text: str) -> SimpleNamespace:
        recorded = json.loads(json.dumps(config.loads(MINIMAL + text).to_dict()))
        return SimpleNamespace(
            info=SimpleNamespace(config=recorded, section=lambda key: recorded.get(key) or {}),
            path=Path("runs/x"),
        )

    before = run("gates: {recall: {max_drop: 0.02, slices: true}}\n")
    after = run(
        "gates: {recall: {max_drop: 0.02, slices: true}}\n"
        "slices: {automatic: false, min_rows: 100000}\n"
    )
    assert comparison.gate_changes(after, before) == [
        {"setting": "slices.automatic", "before": True, "after": False},
        {"setting": "slices.min_rows", "before": 30, "after": 100000},
    ]


def test_a_slice_gate_on_a_metric_without_an_interval_is_refused():
    text = MINIMAL + "task: regression\ngates:\n  max_error: {max_rise: 1.0, slices: true}\n"
    with pytest.raises(UserError) as caught:
        config.loads(text)
    assert "max_error has no interval to test a slice's worsening with" in caught.value.line()
