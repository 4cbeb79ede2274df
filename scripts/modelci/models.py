"""A run's model, whichever flavour saved it, ready to score.

The model file is loaded by its flavour (`modelci.flavours`: its sha256 is checked before the
library parses a byte); modelci's preprocessing, kept apart from a booster or a graph as
`preprocess.skops`, is loaded the same way (skops allowlist, sha256) and composed in front. What
comes out quacks like a fitted scikit-learn estimator, so `scoring.predict`, latency timing and
`sklearn.inspection.permutation_importance` take a booster, a graph or a pipeline alike.

Classes are the run's label text (`classes_`), so predictions and permutation importance speak
the same labels whatever the library was trained on (XGBoost and ONNX know only indices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from modelci import data, flavours, persist
from modelci.errors import UserError
from modelci.flavours import LoadedModel

if TYPE_CHECKING:
    import numpy as np

    from modelci.rundir import Run


class ScoredModel(BaseEstimator):
    """A loaded model and the preprocessing in front of it; scores a design matrix."""

    def __init__(self, loaded: LoadedModel, preprocess: Any = None, flavour: str = "sklearn"):
        self.loaded = loaded
        self.preprocess = preprocess
        self.flavour = flavour

    def fit(self, *_: Any, **__: Any) -> ScoredModel:
        raise TypeError("a loaded model is scored, never refitted")

    def _features(self, X: Any) -> Any:
        return X if self.preprocess is None else self.preprocess.transform(X)

    def predict(self, X: Any) -> np.ndarray:
        predicted = self.loaded.predict(self._features(X))
        return predicted if self.loaded.task == "regression" else data.label_text(predicted)

    def own_importance(self) -> dict[str, float] | None:
        """The library's own feature importance (gain, …), when it has one."""
        return self.loaded.importance()

    @property
    def task(self) -> str:
        return self.loaded.task


class ScoredClassifier(ClassifierMixin, ScoredModel):
    @property
    def classes_(self) -> np.ndarray:
        assert self.loaded.classes is not None, "a classifier has classes"
        return data.label_text(list(self.loaded.classes))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.loaded.predict_proba(self._features(X))


class ScoredRegressor(RegressorMixin, ScoredModel):
    pass


class CodedClassifier(ScoredClassifier):
    """The same classifier speaking class codes 0..K-1: scikit-learn's scorers order string
    labels as text ("10" < "2"), which would take the wrong class for the positive one."""

    @property
    def classes_(self) -> np.ndarray:
        import numpy as np

        assert self.loaded.classes is not None, "a classifier has classes"
        return np.arange(len(self.loaded.classes))

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)


def coded(model: ScoredModel) -> ScoredModel:
    """`model` with class codes for labels (see `CodedClassifier`); a regressor as it is."""
    if isinstance(model, ScoredClassifier):
        return CodedClassifier(model.loaded, preprocess=model.preprocess, flavour=model.flavour)
    return model


def load(run: Run) -> ScoredModel:
    """The model of `run` (a one-line error for a predictions run, which has none)."""
    record = run.model
    flavour = flavours.flavour_named(record.flavour_name)
    if run.model_path.name not in flavour.file_names:
        raise UserError(
            f"{run.path / 'run.json'}: the model file {record.file} is not of the {flavour.name} "
            f"flavour (its files are named {', '.join(flavour.file_names)})",
            fix="Re-create the run with modelci; do not edit run.json by hand",
        )
    preprocess = None
    if record.preprocess is not None:
        preprocess = persist.load(
            run.path / record.preprocess.file, expected_sha256=record.preprocess.sha256
        )
    inputs = run.info.section("model").get("inputs")
    return _compose(
        flavour,
        run.model_path,
        sha256=record.sha256,
        task=run.task,
        classes=run.classes,
        inputs=inputs if isinstance(inputs, Mapping) else None,
        preprocess=preprocess,
    )


def load_file(
    path: Path,
    *,
    task: str | None = None,
    classes: Sequence[str] | None = None,
    sha256: str | None = None,
    inputs: Mapping[str, Sequence[str]] | None = None,
) -> ScoredModel:
    """A model file trained elsewhere (`evaluate --model`), its flavour known by its name, or
    by the suffix of one (`churn.onnx`: `run_file_name`)."""
    flavour = flavours.BY_FILE_NAME.get(run_file_name(path))
    assert flavour is not None  # run_file_name refused any other name
    return _compose(flavour, path, sha256=sha256, task=task, classes=classes, inputs=inputs)


def run_file_name(path: Path) -> str:
    """The flavour file name a model file trained elsewhere takes in a run directory: its own
    name when it is one (model.json), else the one with its suffix (churn.onnx: model.onnx)."""
    names = sorted(flavours.BY_FILE_NAME)
    if path.name in names:
        return path.name
    by_suffix = {Path(name).suffix: name for name in names}
    if path.suffix not in by_suffix:
        raise UserError(
            f"{path}: modelci knows a model file by its name, and {path.name!r} is none of "
            f"{', '.join(names)} (nor ends like one)",
            fix="Save the model in its library's own format under one of those names "
            "(never pickle or joblib)",
        )
    return by_suffix[path.suffix]


def _compose(
    flavour: flavours.Flavour,
    path: Path,
    *,
    sha256: str | None,
    task: str | None,
    classes: Sequence[str] | None,
    inputs: Mapping[str, Sequence[str]] | None,
    preprocess: Any = None,
) -> ScoredModel:
    wanted: Any = task
    if isinstance(flavour, flavours.OnnxFlavour):
        loaded: LoadedModel = flavour.load(
            path, expected_sha256=sha256, classes=classes, task=wanted, input_columns=inputs
        )
    else:
        loaded = flavour.load(path, expected_sha256=sha256, classes=classes, task=wanted)
    kind = ScoredClassifier if loaded.task == "classification" else ScoredRegressor
    return kind(loaded, preprocess=preprocess, flavour=flavour.name)


def size_bytes(run: Run) -> int:
    """What the model takes on disk: its file and the preprocessing kept beside it."""
    total = run.model_path.stat().st_size
    if run.preprocess_path is not None:
        total += run.preprocess_path.stat().st_size
    return total
