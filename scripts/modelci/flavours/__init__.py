"""Flavours: how a model of one library is saved, found, loaded and scored.

Each flavour is one module with a class following `base.Flavour` (save, load) whose loaded model
follows `base.LoadedModel` (task, classes, predict, predict_proba, importance) and says what it
can report (`base.Reports`). Every file is in its library's own non-executable format, never
pickle; its sha256 is checked on load before the library parses a byte. Libraries are imported on
first use, so importing this package stays light; a missing one is one line naming the extra.

A model is found in a folder by its file name, and a folder holds exactly one:

>>> sorted(BY_FILE_NAME)
['model.cbm', 'model.json', 'model.onnx', 'model.skops', 'model.txt', 'model.ubj']
>>> BY_FILE_NAME["model.ubj"].name
'xgboost'
"""

from __future__ import annotations

from pathlib import Path

from modelci.errors import UserError
from modelci.flavours.base import Flavour, LoadedModel, ModelFile, Reports
from modelci.flavours.catboost import CatBoostFlavour
from modelci.flavours.lightgbm import LightGBMFlavour
from modelci.flavours.onnx import OnnxFlavour
from modelci.flavours.sklearn import SklearnFlavour
from modelci.flavours.xgboost import XGBoostFlavour

__all__ = [
    "BY_FILE_NAME",
    "FLAVOURS",
    "PREPROCESS_FILE",
    "Flavour",
    "LoadedModel",
    "ModelFile",
    "OnnxFlavour",
    "Reports",
    "find_model_file",
    "flavour_named",
]

FLAVOURS: dict[str, Flavour] = {
    flavour.name: flavour
    for flavour in (
        SklearnFlavour(),
        XGBoostFlavour(),
        LightGBMFlavour(),
        CatBoostFlavour(),
        OnnxFlavour(),
    )
}
# modelci's own preprocessing, kept beside a library model that cannot hold it (a booster, a
# graph); a skops Pipeline like model.skops, but never taken for the model itself.
PREPROCESS_FILE = "preprocess.skops"
BY_FILE_NAME: dict[str, Flavour] = {
    file_name: flavour for flavour in FLAVOURS.values() for file_name in flavour.file_names
}


def flavour_named(name: str) -> Flavour:
    """The flavour called `name`, or one line listing those there are."""
    try:
        return FLAVOURS[name]
    except KeyError:
        raise UserError(
            f"unknown model flavour {name!r}",
            fix=f"Use one of: {', '.join(FLAVOURS)}",
        ) from None


def find_model_file(folder: Path) -> tuple[Flavour, Path]:
    """The one model file in `folder` and its flavour; none or several is one line."""
    if not folder.is_dir():
        raise UserError(f"model folder {folder} not found", fix="Pass the folder holding the model")
    found = sorted(name for name in BY_FILE_NAME if (folder / name).is_file())
    if not found:
        raise UserError(
            f"{folder} holds no model file",
            fix=f"Write the model as one of {', '.join(sorted(BY_FILE_NAME))}",
        )
    if len(found) > 1:
        raise UserError(
            f"{folder} holds {len(found)} model files ({', '.join(found)}); modelci takes "
            "exactly one per folder",
            fix="Keep only the model to evaluate in the folder",
        )
    return BY_FILE_NAME[found[0]], folder / found[0]
