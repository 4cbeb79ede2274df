"""scikit-learn models in skops, through `modelci.persist` (its allowlist and tree checks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci.flavours import base

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, kw_only=True)
class SklearnModel:
    estimator: Any
    task: base.Task
    classes: tuple[Any, ...] | None
    model_file: base.ModelFile
    path: Path
    # True when the estimator was trained on encoded labels 0..K-1 and outputs must be decoded.
    encoded: bool = False

    @property
    def classes_(self) -> tuple[Any, ...] | None:
        """`classes` under scikit-learn's name, so `scoring.predict` takes any loaded model."""
        return self.classes

    def predict(self, features: Any) -> np.ndarray:
        import numpy as np

        predicted = np.asarray(self.estimator.predict(features))
        if self.encoded and self.classes is not None:
            return base.decode(predicted, self.classes)
        return predicted

    def predict_proba(self, features: Any) -> np.ndarray:
        import numpy as np

        if self.task != "classification":
            raise base.refuse_regressor_proba(self.path)
        return np.asarray(self.estimator.predict_proba(features), dtype=np.float64)

    def importance(self) -> dict[str, float] | None:
        estimator = self.estimator
        final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
        values = getattr(final, "feature_importances_", None)
        if values is None:
            return None
        names = getattr(estimator, "feature_names_in_", None)
        if names is None or len(names) != len(values):
            names = [f"x{i}" for i in range(len(values))]
        return {str(name): float(value) for name, value in zip(names, values, strict=True)}


class SklearnFlavour:
    name: str = "sklearn"
    extra: str | None = None
    file_names: tuple[str, ...] = ("model.skops",)
    reports: base.Reports = base.Reports(importance=True)

    def save(self, model: Any, folder: Path) -> base.ModelFile:
        import sklearn

        from modelci import persist  # imports numpy; kept out of `import modelci.flavours`

        path = folder / self.file_names[0]
        digest = persist.save(model, path)
        return base.saved_file(path, library="scikit-learn", module=sklearn, sha256=digest)

    def load(
        self,
        path: Path,
        *,
        expected_sha256: str | None,
        classes: Sequence[Any] | None = None,
        task: base.Task | None = None,
    ) -> SklearnModel:
        import sklearn

        from modelci import persist

        # persist.load checks the digest before skops parses anything.
        estimator = persist.load(path, expected_sha256=expected_sha256)
        stored = getattr(estimator, "classes_", None)
        own = list(stored) if stored is not None and hasattr(estimator, "predict_proba") else []
        found = base.task_of(
            path,
            objective="classifier" if own else "regressor",
            classification=("classifier",),
            regression=("regressor",),
            wanted=task,
            library="scikit-learn",
        )
        labels = (
            base.resolve_classes(path, given=classes, own=own, n_outputs=len(own)) if own else None
        )
        return SklearnModel(
            estimator=estimator,
            task=found,
            classes=labels,
            model_file=base.saved_file(
                path, library="scikit-learn", module=sklearn, sha256=expected_sha256
            ),
            path=path,
            encoded=labels is not None and [str(c) for c in labels] != [str(c) for c in own],
        )
