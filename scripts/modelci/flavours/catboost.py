"""CatBoost models in the library's own binary format (`model.cbm`).

Saved with `save_model(format="cbm")` (to a temporary name, then renamed), loaded with
`load_model(blob=...)` from the bytes whose sha256 was checked; the format holds no code. CatBoost
stores class names itself: a model trained on the raw labels carries them and they must match the
run's classes; one trained on modelci's encoded labels 0..K-1 takes the run's classes. A model
with categorical features is given the DataFrame as it is, so CatBoost handles them natively.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci.errors import UserError
from modelci.flavours import base

EXTRA = "catboost"
_CLASSIFIER_LOSSES = ("Logloss", "MultiClass", "CrossEntropy", "MultiClassOneVsAll")
# Losses whose raw formula value is the prediction itself (Poisson and Tweedie are on a log scale).
_REGRESSION_LOSSES = ("RMSE", "MAE", "Quantile", "MAPE", "Huber", "Expectile")


def _catboost() -> Any:
    return base.require_library("catboost", extra=EXTRA, flavour="catboost")


@dataclass(frozen=True, kw_only=True)
class CatBoostModel(base.BoosterModel):
    def raw(self, features: Any) -> Any:
        kind = "Probability" if self.task == "classification" else "RawFormulaVal"
        return self.booster.predict(self._input(features), prediction_type=kind, thread_count=1)

    def _input(self, features: Any) -> Any:
        names = [str(n) for n in self.booster.feature_names_ or []] or None
        if self.booster.get_cat_feature_indices():
            if names is not None and [str(c) for c in features.columns] != names:
                raise UserError(
                    f"{self.path}: the data's feature columns do not match the model's",
                    fix="Score with the same feature columns, in the same order, as in training",
                )
            return features
        return base.feature_matrix(
            features, names=names, n_features=len(names) if names else None, path=self.path
        )

    def importance(self) -> dict[str, float] | None:
        values = self.booster.get_feature_importance()
        names = self.booster.feature_names_ or [f"f{i}" for i in range(len(values))]
        return {str(n): float(v) for n, v in zip(names, values, strict=True)}


class CatBoostFlavour(base.NativeFlavour):
    name: str = "catboost"
    extra: str = EXTRA
    module: str = "catboost"
    file_names: tuple[str, ...] = ("model.cbm",)
    reports: base.Reports = base.Reports(importance=True)

    def save(self, model: Any, folder: Path) -> base.ModelFile:
        catboost = _catboost()
        path = folder / self.file_names[0]
        folder.mkdir(parents=True, exist_ok=True)
        # CatBoost writes only to a path; a temporary sibling and a rename keep it atomic.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        os.close(fd)
        try:
            model.save_model(tmp, format="cbm")
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return base.saved_file(path, library="catboost", module=catboost)

    def parse(self, catboost: Any, source: base.Source) -> CatBoostModel:
        path, data, classes, task = source.path, source.data, source.classes, source.task
        model = catboost.CatBoost()
        try:
            model.load_model(blob=data)
            loss = str(model.get_all_params().get("loss_function", ""))
        except Exception as error:  # CatBoostError on a file it cannot parse
            raise base.unreadable(path, "CatBoost .cbm model", error) from None
        found = base.task_of(
            path,
            objective=loss.split(":")[0],  # "Quantile:alpha=0.9" is a Quantile loss
            classification=_CLASSIFIER_LOSSES,
            regression=_REGRESSION_LOSSES,
            wanted=task,
            library="CatBoost",
        )
        labels = None
        if found == "classification":
            stored = getattr(model, "classes_", None)
            own = list(stored) if stored is not None and len(stored) else None
            labels = base.resolve_classes(
                path, given=classes, own=own, n_outputs=len(own) if own else len(classes or ())
            )
        return CatBoostModel(
            booster=model,
            task=found,
            classes=labels,
            model_file=base.loaded_file(source, library="catboost", module=catboost),
            path=path,
        )
