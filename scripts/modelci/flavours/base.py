"""What every flavour shares: the record of a saved model file, the loaded-model interface, and
the checks made before a library ever parses a file.

Class labels. modelci encodes a classifier's labels as 0..K-1 (sorted training labels, or the
classes listed in the config) before training a library model, and records them as `classes` in
run.json; no sidecar file is written. Loading takes those classes back: an output that is an
integer index (XGBoost, LightGBM, an ONNX label or probability column) is the k-th class. A model
that carries its own labels (scikit-learn's `classes_`, CatBoost's class names, ONNX string labels
or ZipMap string keys) must carry the same ones, or plain indices 0..K-1, or it is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from modelci import fsutil
from modelci.errors import UserError

if TYPE_CHECKING:
    import numpy as np

    from modelci import documents
    from modelci.documents import FileRef

Task = Literal["classification", "regression"]

# A model file is read into memory whole so that the bytes hashed are the bytes parsed; a
# crafted multi-gigabyte file should not get that far.
MAX_MODEL_BYTES = 2 * 1024**3


@dataclasses.dataclass(frozen=True, kw_only=True)
class ModelFile:
    """One saved model file, as run.json records it."""

    name: str
    sha256: str
    size_bytes: int
    library: str
    library_version: str

    def run_record(
        self, flavour: str, *, file: str | None = None, preprocess: FileRef | None = None
    ) -> documents.ModelFile:
        """run.json's `model` record of this file (under `file` when a run names it otherwise),
        read back by `flavour`, with the preprocessing kept beside it."""
        from modelci import documents

        return documents.ModelFile(
            file=file or self.name,
            sha256=self.sha256,
            size_bytes=self.size_bytes,
            flavour=flavour,
            library=self.library,
            library_version=self.library_version,
            preprocess=preprocess,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Reports:
    """What a flavour can report beyond metrics; the report says why an absent one is absent."""

    size: bool = True
    latency: bool = True
    importance: bool = False


class LoadedModel(Protocol):
    """A model ready to score a DataFrame of features (columns in training order)."""

    @property
    def task(self) -> Task: ...

    @property
    def classes(self) -> tuple[Any, ...] | None:
        """The class labels in column order of `predict_proba`; None for a regressor."""

    @property
    def model_file(self) -> ModelFile: ...

    def predict(self, features: Any) -> np.ndarray: ...

    def predict_proba(self, features: Any) -> np.ndarray:
        """[N, K] probabilities, column k for `classes[k]`; a regressor raises UserError."""

    def importance(self) -> dict[str, float] | None:
        """The model's own feature importance by feature name, or None if it has none."""

    @property
    def classes_(self) -> tuple[Any, ...] | None:
        """`classes` again, under the name `scoring.predict` reads (scikit-learn's)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class BoosterModel:
    """A loaded booster whose raw output is the value (regression) or the class probabilities;
    each library's subclass says how to get that output and its importance."""

    booster: Any
    task: Task
    classes: tuple[Any, ...] | None
    model_file: ModelFile
    path: Path

    @property
    def classes_(self) -> tuple[Any, ...] | None:
        """`classes` under scikit-learn's name, so `scoring.predict` takes any loaded model."""
        return self.classes

    def raw(self, features: Any) -> Any:
        raise NotImplementedError

    def importance(self) -> dict[str, float] | None:
        raise NotImplementedError

    def predict(self, features: Any) -> np.ndarray:
        import numpy as np

        if self.task == "regression":
            return np.asarray(self.raw(features), dtype=np.float64).reshape(-1)
        return most_probable(self.predict_proba(features), self.classes)

    def predict_proba(self, features: Any) -> np.ndarray:
        if self.task != "classification":
            raise refuse_regressor_proba(self.path)
        return two_columns(self.raw(features))


class Flavour(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def extra(self) -> str | None:
        """The pip extra that installs the library; None when it is always installed."""

    @property
    def file_names(self) -> tuple[str, ...]:
        """The names a model file of this flavour has; `save` writes the first."""

    @property
    def reports(self) -> Reports: ...

    def save(self, model: Any, folder: Path) -> ModelFile: ...

    def load(
        self,
        path: Path,
        *,
        expected_sha256: str | None,
        classes: Sequence[Any] | None = None,
        task: Task | None = None,
    ) -> LoadedModel: ...


@dataclasses.dataclass(frozen=True, kw_only=True)
class Source:
    """A model file's bytes, read and checked by `read_verified`, and what the run knows of it."""

    path: Path
    data: bytes
    sha256: str
    classes: Sequence[Any] | None
    task: Task | None


class NativeFlavour:
    """What the flavours whose library parses a file's bytes share: the library is imported
    first (a missing one is the first thing to fix), then the bytes are read and their sha256
    checked, then `parse` hands them to the library."""

    name: str
    extra: str
    module: str  # the library's import name
    file_names: tuple[str, ...]
    reports: Reports

    def library(self) -> ModuleType:
        return require_library(self.module, extra=self.extra, flavour=self.name)

    def load(
        self,
        path: Path,
        *,
        expected_sha256: str | None,
        classes: Sequence[Any] | None = None,
        task: Task | None = None,
    ) -> LoadedModel:
        library = self.library()
        data, digest = read_verified(path, expected_sha256=expected_sha256)
        return self.parse(
            library, Source(path=path, data=data, sha256=digest, classes=classes, task=task)
        )

    def parse(self, library: Any, source: Source) -> LoadedModel:
        raise NotImplementedError


def require_library(module: str, *, extra: str, flavour: str) -> ModuleType:
    """Import a flavour's library on first use; missing, it is one line naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(
            f"the {flavour} flavour needs the Python package {module.split('.')[0]}, "
            "which is not installed",
            fix=f"Install it with `pip install 'modelci[{extra}]'`",
        ) from None


def library_version(module: ModuleType) -> str:
    return str(getattr(module, "__version__", "unknown"))


def read_verified(path: Path, *, expected_sha256: str | None) -> tuple[bytes, str]:
    """The file's bytes and sha256, the digest checked before anything parses them."""
    if not path.is_file():
        raise UserError(
            f"model file {path} not found", fix="Run `modelci train` first, or pass --model PATH"
        )
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise UserError(
            f"{path} is {size:,} bytes, over modelci's limit of {MAX_MODEL_BYTES:,} bytes "
            "for a model file",
            fix="Pass a smaller model",
        )
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None and actual != expected_sha256:
        raise UserError(
            f"{path}: sha256 {actual[:12]}… does not match {expected_sha256[:12]}… "
            "recorded in run.json; the file was changed or corrupted",
            fix="Re-run `modelci train`, or restore the original model file",
        )
    return data, actual


def saved_file(
    path: Path, *, library: str, module: ModuleType, sha256: str | None = None
) -> ModelFile:
    """The record of a model file on disk (its sha256 computed unless already known)."""
    digest = sha256 or fsutil.sha256_file(path)
    return _record(path, digest, path.stat().st_size, library=library, module=module)


def loaded_file(source: Source, *, library: str, module: ModuleType) -> ModelFile:
    """The record of a model file read by `read_verified`."""
    return _record(source.path, source.sha256, len(source.data), library=library, module=module)


def _record(path: Path, sha256: str, size: int, *, library: str, module: ModuleType) -> ModelFile:
    return ModelFile(
        name=path.name,
        sha256=sha256,
        size_bytes=size,
        library=library,
        library_version=library_version(module),
    )


def task_of(
    path: Path,
    *,
    objective: str,
    classification: Sequence[str],
    regression: Sequence[str],
    wanted: Task | None,
    library: str,
) -> Task:
    """The task a library objective (or loss) serves; one line when it serves neither, or not
    the task the run wants."""
    if objective in classification:
        found: Task = "classification"
    elif objective in regression:
        found = "regression"
    else:
        raise UserError(
            f"{path}: {library} objective {objective or '(none)'} is not one modelci scores",
            fix=f"Train classifiers with {' or '.join(classification[:2])} (they give "
            f"probabilities) and regressors with {' or '.join(regression[:2])} or another "
            "regression objective",
        )
    if wanted is not None and wanted != found:
        raise UserError(
            f"{path}: the model's objective {objective} is for {found}, not {wanted}",
            fix=f"Set task: {found}, or train with another objective",
        )
    return found


def unreadable(path: Path, what: str, error: BaseException) -> UserError:
    """The one line for a file its library refused to parse."""
    detail = str(error).strip().splitlines()
    # The first line: libraries append native stack traces below it.
    reason = f"{type(error).__name__}: {detail[0][:200]}" if detail else type(error).__name__
    return UserError(
        f"{path} is not a readable {what} ({reason})",
        fix="Pass a model saved by that library's save_model, or retrain it",
    )


def unsound(path: Path, library: str, problem: str) -> UserError:
    """The one line for a model file whose structure a library would trust but must not."""
    return UserError(
        f"{path}: refused, not a sound {library} model: {problem}",
        fix="The file was crafted or corrupted; retrain it, and never load a model file "
        "you do not trust",
    )


def resolve_classes(
    path: Path,
    *,
    given: Sequence[Any] | None,
    own: Sequence[Any] | None,
    n_outputs: int,
) -> tuple[Any, ...]:
    """The labels of a classifier's K output columns (see the module docstring)."""
    if own is not None and list(own) != list(range(len(own))):
        own_labels = tuple(own)
        if given is not None and [str(c) for c in given] != [str(c) for c in own_labels]:
            raise UserError(
                f"{path}: the model's classes {_show(own_labels)} differ from "
                f"{_show(given)} recorded for the run",
                fix="Retrain the model on this target, or list its classes in the config",
            )
        labels = own_labels
    elif given is not None:
        labels = tuple(given)
    elif own is not None:
        labels = tuple(own)  # a 0/1 target: the indices are the labels
    else:
        raise UserError(
            f"{path}: the model outputs class indices but no class labels were given",
            fix="List the classes in the config (model.classes), in the order of the "
            "model's outputs",
        )
    if len(labels) != n_outputs:
        raise UserError(
            f"{path}: the model has {n_outputs} class outputs but {len(labels)} classes "
            f"{_show(labels)} were given",
            fix="List exactly the classes the model was trained on, in its output order",
        )
    return labels


def _show(labels: Sequence[Any]) -> str:
    shown = [str(c) for c in list(labels)[:5]]
    return "[" + ", ".join(shown) + (", …]" if len(labels) > 5 else "]")


def decode(indices: np.ndarray, classes: tuple[Any, ...]) -> np.ndarray:
    """Class labels for integer output indices."""
    import numpy as np

    return np.asarray(classes, dtype=object)[np.asarray(indices, dtype=np.int64)]


def most_probable(proba: np.ndarray, classes: tuple[Any, ...] | None) -> np.ndarray:
    """The label of each row's most probable class."""
    assert classes is not None, "a classifier has classes"
    return decode(proba.argmax(axis=1), classes)


def two_columns(raw: Any) -> np.ndarray:
    """Probabilities as [N, K]; a binary model's [N] probability of the second class becomes
    [1 - p, p]."""
    import numpy as np

    values = np.asarray(raw, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    return np.column_stack([1.0 - values, values]) if values.ndim == 1 else values


# Below this many rows a prediction is over before threads would have started (latency timing,
# small test sets); above it, a batch (stacked permutation copies, a large test set) uses them.
THREADED_ROWS = 20_000


def threads_for(rows: int) -> int:
    """Threads for a library's predict call on `rows` rows: one, or 0 (the library's default:
    every core)."""
    return 1 if rows < THREADED_ROWS else 0


def feature_matrix(
    features: Any, *, names: Sequence[str] | None, n_features: int | None, path: Path
) -> np.ndarray:
    """The features as a float matrix, refusing columns that differ from those the model saw."""
    import numpy as np

    columns = [str(c) for c in getattr(features, "columns", [])]
    if names is not None and columns and list(names) != columns:
        missing = [n for n in names if n not in columns]
        detail = f"missing {_show(missing)}" if missing else "in another order or with extras"
        raise UserError(
            f"{path}: the data's feature columns do not match the model's ({detail})",
            fix="Score with the same feature columns, in the same order, as in training",
        )
    matrix = np.asarray(features, dtype=np.float64)
    if matrix.ndim != 2:
        raise UserError(f"{path}: features must be a table (rows × columns)")
    if n_features is not None and matrix.shape[1] != n_features:
        raise UserError(
            f"{path}: the model takes {n_features} features but the data has {matrix.shape[1]}",
            fix="Score with the same feature columns as in training",
        )
    return matrix


def refuse_regressor_proba(path: Path) -> UserError:
    return UserError(
        f"{path}: a regression model has no class probabilities",
        fix="Set task: regression, or pass a classifier",
    )
