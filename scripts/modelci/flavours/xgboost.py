"""XGBoost boosters in the library's own UBJSON (`model.ubj`) or JSON (`model.json`) format.

Saved from the Booster with `save_raw`, loaded with `Booster.load_model` from the bytes whose
sha256 was checked; neither format holds code. Its trees are checked (`xgboost_checks`) before
the first prediction. Classifiers are trained on encoded labels
(`binary:logistic` or `multi:softprob`, so probabilities exist); the file holds no label names,
so loading takes the run's classes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import fsutil
from modelci.errors import UserError
from modelci.flavours import base, xgboost_checks

EXTRA = "xgboost"
_CLASSIFIER_OBJECTIVES = ("binary:logistic", "multi:softprob")
_REGRESSION_OBJECTIVES = (
    "reg:squarederror",
    "reg:absoluteerror",
    "reg:squaredlogerror",
    "reg:pseudohubererror",
    "reg:quantileerror",
    "reg:logistic",
    "reg:gamma",
    "reg:tweedie",
    "count:poisson",
)


def _xgboost() -> Any:
    return base.require_library("xgboost", extra=EXTRA, flavour="xgboost")


@dataclass(frozen=True, kw_only=True)
class XGBoostModel(base.BoosterModel):
    def raw(self, features: Any) -> Any:
        matrix = base.feature_matrix(
            features,
            names=self.booster.feature_names,
            n_features=self.booster.num_features(),
            path=self.path,
        )
        # In place: no DMatrix to build per call; the booster's own feature types say which
        # are categorical.
        self.booster.set_param({"nthread": base.threads_for(len(matrix))})
        return self.booster.inplace_predict(matrix)

    def importance(self) -> dict[str, float] | None:
        scores = self.booster.get_score(importance_type="gain")
        names = self.booster.feature_names or [f"f{i}" for i in range(self.booster.num_features())]
        # Features never split on are absent from get_score; they matter zero.
        return {name: float(scores.get(name, 0.0)) for name in names}


class XGBoostFlavour(base.NativeFlavour):
    name: str = "xgboost"
    extra: str = EXTRA
    module: str = "xgboost"
    file_names: tuple[str, ...] = ("model.ubj", "model.json")
    reports: base.Reports = base.Reports(importance=True)

    def save(self, model: Any, folder: Path) -> base.ModelFile:
        xgb = _xgboost()
        booster = model.get_booster() if hasattr(model, "get_booster") else model
        path = folder / self.file_names[0]
        fsutil.write_bytes_atomic(path, bytes(booster.save_raw(raw_format="ubj")))
        return base.saved_file(path, library="xgboost", module=xgb)

    def parse(self, xgb: Any, source: base.Source) -> XGBoostModel:
        path, data, classes, task = source.path, source.data, source.classes, source.task
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(data))
            booster.set_param({"nthread": 1})  # until a prediction asks for more (`raw`)
            # XGBoost's own JSON of what it loaded: what its predictor will walk.
            xgboost_checks.check(json.loads(bytes(booster.save_raw(raw_format="json"))), path)
            config = json.loads(booster.save_config())["learner"]
            objective = str(config["objective"]["name"])
            n_class = int(config["learner_model_param"].get("num_class", "0") or 0)
        except UserError:
            raise
        except Exception as error:  # XGBoostError, or a config that is not what it should be
            raise base.unreadable(path, "XGBoost model", error) from None
        found = base.task_of(
            path,
            objective=objective,
            classification=_CLASSIFIER_OBJECTIVES,
            regression=_REGRESSION_OBJECTIVES,
            wanted=task,
            library="XGBoost",
        )
        labels = None
        if found == "classification":
            labels = base.resolve_classes(path, given=classes, own=None, n_outputs=max(n_class, 2))
        return XGBoostModel(
            booster=booster,
            task=found,
            classes=labels,
            model_file=base.loaded_file(source, library="xgboost", module=xgb),
            path=path,
        )
