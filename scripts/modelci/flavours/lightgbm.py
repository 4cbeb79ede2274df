"""LightGBM boosters in the library's text format (`model.txt`).

Saved with `model_to_string`, loaded with `Booster(model_str=...)` from the bytes whose sha256 was
checked; the text holds no code. LightGBM's parser trusts the node indices in the text, so each
tree is checked first (`lightgbm_checks`). Classifiers (`binary`, `multiclass`, `multiclassova`)
are trained on encoded labels and loading takes the run's classes. LightGBM rewrites feature names
(spaces become underscores), so features are matched by count and order, not by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import fsutil
from modelci.flavours import base, lightgbm_checks

EXTRA = "lightgbm"
_CLASSIFIER_OBJECTIVES = ("binary", "multiclass", "multiclassova")
_REGRESSION_OBJECTIVES = (
    "regression",
    "regression_l1",
    "huber",
    "fair",
    "poisson",
    "quantile",
    "mape",
    "gamma",
    "tweedie",
)


def _lightgbm() -> Any:
    return base.require_library("lightgbm", extra=EXTRA, flavour="lightgbm")


@dataclass(frozen=True, kw_only=True)
class LightGBMModel(base.BoosterModel):
    def raw(self, features: Any) -> Any:
        matrix = base.feature_matrix(
            features, names=None, n_features=self.booster.num_feature(), path=self.path
        )
        return self.booster.predict(matrix, num_threads=base.threads_for(len(matrix)))

    def importance(self) -> dict[str, float] | None:
        gains = self.booster.feature_importance(importance_type="gain")
        names = self.booster.feature_name()
        return {str(n): float(g) for n, g in zip(names, gains, strict=True)}


class LightGBMFlavour(base.NativeFlavour):
    name: str = "lightgbm"
    extra: str = EXTRA
    module: str = "lightgbm"
    file_names: tuple[str, ...] = ("model.txt",)
    reports: base.Reports = base.Reports(importance=True)

    def save(self, model: Any, folder: Path) -> base.ModelFile:
        lgb = _lightgbm()
        booster = model.booster_ if hasattr(model, "booster_") else model
        path = folder / self.file_names[0]
        fsutil.write_text_atomic(path, booster.model_to_string())
        return base.saved_file(path, library="lightgbm", module=lgb)

    def parse(self, lgb: Any, source: base.Source) -> LightGBMModel:
        path, data, classes, task = source.path, source.data, source.classes, source.task
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise base.unreadable(path, "LightGBM text model", error) from None
        header = lightgbm_checks.check(text, path)
        try:
            booster = lgb.Booster(model_str=text)
        except Exception as error:  # LightGBMError on text its parser rejects
            raise base.unreadable(path, "LightGBM text model", error) from None
        found = base.task_of(
            path,
            objective=header.objective,
            classification=_CLASSIFIER_OBJECTIVES,
            regression=_REGRESSION_OBJECTIVES,
            wanted=task,
            library="LightGBM",
        )
        labels = None
        if found == "classification":
            labels = base.resolve_classes(
                path, given=classes, own=None, n_outputs=max(header.num_class, 2)
            )
        return LightGBMModel(
            booster=booster,
            task=found,
            classes=labels,
            model_file=base.loaded_file(source, library="lightgbm", module=lgb),
            path=path,
        )
