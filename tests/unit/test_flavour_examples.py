"""The README's flavour sections show the example configs verbatim, and those configs load."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples/flavours").glob("*.yaml"))
README = (ROOT / "README.md").read_text()


def test_there_is_an_example_for_every_flavour():
    from modelci import flavours

    assert sorted(path.stem for path in EXAMPLES) == sorted(flavours.FLAVOURS)


def _needs_train_command(path: Path) -> None:
    script_runner = importlib.util.find_spec("modelci.training_script")
    if "\ntrain:" in path.read_text() and script_runner is None:
        pytest.skip("train.command is not in this modelci yet")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_config_loads_and_the_readme_shows_it_verbatim(path):
    from modelci import config

    _needs_train_command(path)
    loaded = config.load(path)
    assert loaded.data.train == "sklearn:breast_cancer"  # runnable offline, on bundled data
    assert f"```yaml\n{path.read_text()}```" in README
    flavour_section = README.split("## Model flavours", 1)[1].split("\n## ", 1)[0]
    assert path.read_text() in flavour_section


def test_the_readme_names_every_model_file_and_extra():
    from modelci import flavours

    section = README.split("## Model flavours", 1)[1].split("\n## ", 1)[0]
    for name, flavour in flavours.FLAVOURS.items():
        for file_name in flavour.file_names:
            assert f"`{file_name}`" in section, file_name
        if flavour.extra is not None:
            assert f"pip install 'modelci[{flavour.extra}]'" in section, name
    assert "`preprocess.skops`" in section and "exactly one" in section


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("onnx", "onnxruntime", "skl2onnx")),
    reason="needs pip install 'modelci[onnx]' skl2onnx",
)
def test_the_onnx_example_trains_a_graph_with_its_script_and_evaluates_it(cli, monkeypatch):
    config = ROOT / "examples/flavours/onnx.yaml"
    _needs_train_command(config)
    # the script's `python` is this interpreter, which has scikit-learn and skl2onnx
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

    trained = cli("train", "-c", str(config), "--out", "runs/onnx")
    assert trained.code == 0, trained.stderr
    evaluated = cli("evaluate", "runs/onnx", "--no-plots")
    assert evaluated.code == 0, evaluated.stderr

    run = json.loads(Path("runs/onnx/run.json").read_text())
    assert run["model"]["file"] == "model.onnx" and run["model"]["flavour"] == "onnx"
    assert run["training"]["command"] == "python train_onnx.py"
    evaluation = json.loads(Path("runs/onnx/evaluation.json").read_text())
    assert evaluation["classes"] == ["0", "1"]
    assert evaluation["metrics"]["roc_auc"]["value"] > 0.95  # a scaled logistic regression


def _library_example(name: str, module: str) -> Any:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            importlib.util.find_spec(module) is None,
            reason=f"needs pip install 'modelci[{name}]'",
        ),
        id=name,
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("sklearn", id="sklearn"),
        _library_example("xgboost", "xgboost"),
        _library_example("lightgbm", "lightgbm"),
        _library_example("catboost", "catboost"),
    ],
)
def test_each_library_example_trains_and_evaluates_as_shipped(name, cli):
    from modelci import flavours

    config = ROOT / f"examples/flavours/{name}.yaml"
    fast = ("--set", "metrics.plots=false", "--set", "metrics.importance=false")
    result = cli("train", "-c", str(config), "--out", f"runs/{name}", "--evaluate", *fast)
    assert result.code == 0, result.stderr

    run = json.loads(Path(f"runs/{name}/run.json").read_text())
    assert run["model"]["flavour"] == name
    assert run["model"]["file"] == flavours.FLAVOURS[name].file_names[0]
    assert (run["model"].get("preprocess") is not None) == (name != "sklearn")
    evaluation = json.loads(Path(f"runs/{name}/evaluation.json").read_text())
    assert evaluation["metrics"]["roc_auc"]["value"] > 0.95  # breast cancer: every one does
