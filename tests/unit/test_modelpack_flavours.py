"""The ModelPack artifact of every kind of run: which layers are weights, the config's format,
and a config that ModelPack's own schema accepts (a predictions run included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from modelci.registry import modelpack
from modelci.registry.client import Blob

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "modelpack" / "config-schema.json"
MODELS: dict[str, dict[str, Any] | None] = {
    "sklearn": {"file": "model.skops", "sha256": "0" * 64},
    "xgboost": {
        "file": "model.ubj",
        "sha256": "1" * 64,
        "flavour": "xgboost",
        "library": "xgboost",
        "preprocess": {"file": "preprocess.skops", "sha256": "2" * 64},
    },
    "onnx": {"file": "model.onnx", "sha256": "3" * 64, "flavour": "onnx", "library": "onnx"},
    "predictions": None,
}
WEIGHTS = {
    "sklearn": ["model.skops"],
    "xgboost": ["model.ubj", "preprocess.skops"],
    "onnx": ["model.onnx"],
    "predictions": [],
}


def artifact(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    model = MODELS[kind]
    estimator = {"class": "xgboost.XGBClassifier"} if kind == "xgboost" else None
    info = {
        "task": "classification",
        "created": "2026-11-27T13:40:00Z",
        "model": model,
        "estimator": estimator,
    }
    names = [*WEIGHTS[kind], "run.json", "evaluation.json", "metrics.json"]
    if kind == "predictions":
        names.append("predictions.csv")
    files = [(name, Blob.from_bytes(name.encode())) for name in names]
    built = modelpack.build_artifact(
        files, weights=WEIGHTS[kind], run_info=info, name="churn", version="1.0.0"
    )
    assert built.config.data is not None
    return json.loads(built.manifest), json.loads(built.config.data)


@pytest.mark.parametrize("kind", list(MODELS))
def test_the_config_is_valid_modelpack(kind: str) -> None:
    manifest, config = artifact(kind)
    jsonschema.validate(config, json.loads(SCHEMA.read_text()))
    assert manifest["config"]["mediaType"] == "application/vnd.cncf.model.config.v1+json"
    assert config["modelfs"]["diffIds"] == [layer["digest"] for layer in manifest["layers"]]


@pytest.mark.parametrize(
    ("kind", "format_", "architecture"),
    [
        ("sklearn", "skops", None),
        ("xgboost", "xgboost-ubj", "xgboost.XGBClassifier"),
        ("onnx", "onnx", "onnx"),
        ("predictions", None, None),
    ],
)
def test_weights_and_format_follow_the_flavour(
    kind: str, format_: str | None, architecture: str | None
) -> None:
    manifest, config = artifact(kind)
    weights = [
        layer["annotations"][modelpack.FILEPATH]
        for layer in manifest["layers"]
        if layer["mediaType"] == modelpack.WEIGHT
    ]
    assert weights == WEIGHTS[kind]
    assert config["config"].get("format") == format_
    assert config["config"].get("architecture") == architecture
    if kind == "predictions":
        by_path = {layer["annotations"][modelpack.FILEPATH]: layer for layer in manifest["layers"]}
        assert by_path["predictions.csv"]["mediaType"] == modelpack.DATASET
        assert "no model file" in manifest["annotations"]["org.opencontainers.image.description"]
