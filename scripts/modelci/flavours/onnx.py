"""Any model exported to ONNX (`model.onnx`), scored with onnxruntime on the CPU.

Before onnxruntime sees the bytes (whose sha256 was checked) the graph is parsed and refused if
a node, in any subgraph or function, uses an operator domain other than ONNX's own, ONNX-ML's or
onnxruntime's built-in `com.microsoft` (a custom domain means a native library of ops), or if a
tensor's external data lies outside the model's folder; then `onnx.checker` runs.

Inputs: a config may map each graph input to feature columns. Otherwise one input of rank 2
([N, F]) takes all feature columns in order, or else every input must be named after a column and
takes that column. Each is cast to the input's declared type.

Outputs: a classifier is recognised by a probability tensor [N, K] or a ZipMap (a list of
{class: probability}), with or without a label tensor; a single value tensor is a regressor, or,
when the task is given as classification, the probability of the second of two classes. Column k
(or integer key or label k) is the k-th class of the run's classes (sorted training labels unless
the config lists them); string keys and labels are matched to the classes by name.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelci import fsutil
from modelci.errors import UserError
from modelci.flavours import base

if TYPE_CHECKING:
    import numpy as np

EXTRA = "onnx"
ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "com.microsoft"})
_INPUT_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}
_FLOAT_TENSORS = ("tensor(float)", "tensor(double)")
_LABEL_TENSORS = ("tensor(int64)", "tensor(int32)", "tensor(string)")


def _onnx() -> Any:
    return base.require_library("onnx", extra=EXTRA, flavour="onnx")


def _onnxruntime() -> Any:
    return base.require_library("onnxruntime", extra=EXTRA, flavour="onnx")


@dataclass(frozen=True, kw_only=True)
class Outputs:
    """Which graph outputs hold what (names; None when absent)."""

    probabilities: str | None = None  # a [N, K] tensor
    zipmap: str | None = None  # a sequence of maps
    label: str | None = None
    value: str | None = None  # a [N] or [N, 1] float tensor


@dataclass(frozen=True, kw_only=True)
class OnnxModel:
    session: Any
    task: base.Task
    classes: tuple[Any, ...] | None
    model_file: base.ModelFile
    path: Path
    outputs: Outputs
    input_columns: Mapping[str, Sequence[str]] | None = None
    # Files beside the model holding tensors (external data), by their location in the graph.
    external_files: tuple[str, ...] = ()
    # Who exported the graph, as it says (producer_name and version: "pytorch 2.3"); may be "".
    producer: str = ""

    @property
    def classes_(self) -> tuple[Any, ...] | None:
        """`classes` under scikit-learn's name, so `scoring.predict` takes any loaded model."""
        return self.classes

    def _run(self, features: Any, names: list[str]) -> dict[str, Any]:
        feeds = {
            spec.name: _feed(spec, columns, features, self.path)
            for spec, columns in _input_mapping(
                self.session.get_inputs(), features, self.input_columns, self.path
            )
        }
        try:
            results = self.session.run(names, feeds)
        except Exception as error:  # onnxruntime's errors on shapes/types the graph refuses
            raise UserError(
                f"{self.path}: onnxruntime could not score the data ({type(error).__name__}: "
                f"{str(error).strip().splitlines()[0][:200] if str(error).strip() else ''})",
                fix="Check the graph's inputs against the feature columns and their types",
            ) from None
        return dict(zip(names, results, strict=True))

    def predict(self, features: Any) -> np.ndarray:
        import numpy as np

        if self.task == "regression":
            assert self.outputs.value is not None
            value = self._run(features, [self.outputs.value])[self.outputs.value]
            return np.asarray(value, dtype=np.float64).reshape(-1)
        assert self.classes is not None
        if self.outputs.label is None:
            return base.most_probable(self.predict_proba(features), self.classes)
        label = np.asarray(self._run(features, [self.outputs.label])[self.outputs.label])
        return self._labels(label.reshape(-1))

    def _labels(self, label: np.ndarray) -> np.ndarray:
        import numpy as np

        assert self.classes is not None
        if label.dtype.kind in "iu":
            if label.size and not (label.min() >= 0 and label.max() < len(self.classes)):
                raise UserError(
                    f"{self.path}: the model predicted label {int(label.max())}, outside the "
                    f"{len(self.classes)} classes",
                    fix="List the model's classes in its output order (model.classes, or "
                    "--classes)",
                )
            return base.decode(label, self.classes)
        by_name = {str(c): c for c in self.classes}
        unknown = sorted({str(v) for v in label} - by_name.keys())
        if unknown:
            raise UserError(
                f"{self.path}: the model predicted labels not among the classes: {unknown[:3]}",
                fix="List the model's classes (model.classes, or --classes)",
            )
        return np.asarray([by_name[str(v)] for v in label], dtype=object)

    def predict_proba(self, features: Any) -> np.ndarray:

        if self.task != "classification":
            raise base.refuse_regressor_proba(self.path)
        assert self.classes is not None
        out = self.outputs
        name = out.probabilities or out.zipmap or out.value
        assert name is not None
        raw = self._run(features, [name])[name]
        proba = self._from_zipmap(raw) if name == out.zipmap else base.two_columns(raw)
        if proba.ndim != 2 or proba.shape[1] != len(self.classes):
            raise UserError(
                f"{self.path}: the model gives {proba.shape[-1]} probability columns for "
                f"{len(self.classes)} classes",
                fix="List exactly the model's classes in its output order (model.classes, "
                "or --classes)",
            )
        _refuse_non_probabilities(proba, self.path)
        return proba

    def _from_zipmap(self, rows: list[dict[Any, float]]) -> np.ndarray:
        import numpy as np

        assert self.classes is not None
        position = {str(c): k for k, c in enumerate(self.classes)}
        proba = np.zeros((len(rows), len(self.classes)))
        for i, row in enumerate(rows):
            for key, value in row.items():
                k = key if isinstance(key, int | np.integer) else position.get(str(key))
                if k is None or not 0 <= k < len(self.classes):
                    raise UserError(
                        f"{self.path}: the model gives a probability for class {key!r}, not "
                        "among the classes",
                        fix="List the model's classes (model.classes, or --classes)",
                    )
                proba[i, k] = value
        return proba

    def importance(self) -> dict[str, float] | None:
        return None  # a graph has no importance of its own; permutation importance still works

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The columns the graph takes by name: its inputs' names when there is one input per
        column (or the declared mapping's columns); None for one [N, F] input, which takes
        whatever feature columns it is given, in order."""
        if self.input_columns is not None:
            return tuple(dict.fromkeys(c for cols in self.input_columns.values() for c in cols))
        specs = self.session.get_inputs()
        if _takes_all_columns(specs) or any(_rank(spec) not in (1, 2) for spec in specs):
            return None  # the data is fed whole; a tensor input is refused when scoring
        return tuple(spec.name for spec in specs)


class OnnxFlavour(base.NativeFlavour):
    name: str = "onnx"
    extra: str = EXTRA
    module: str = "onnx"
    file_names: tuple[str, ...] = ("model.onnx",)
    reports: base.Reports = base.Reports(importance=False)

    def library(self) -> Any:
        return _onnx(), _onnxruntime()

    def save(self, model: Any, folder: Path) -> base.ModelFile:
        onnx = _onnx()
        data = model if isinstance(model, bytes) else model.SerializeToString()
        path = folder / self.file_names[0]
        fsutil.write_bytes_atomic(path, data)
        return base.saved_file(path, library="onnx", module=onnx)

    def load(
        self,
        path: Path,
        *,
        expected_sha256: str | None,
        classes: Sequence[Any] | None = None,
        task: base.Task | None = None,
        input_columns: Mapping[str, Sequence[str]] | None = None,
    ) -> OnnxModel:
        """As every flavour's `load`; `input_columns` maps graph inputs to feature columns."""
        loaded = super().load(path, expected_sha256=expected_sha256, classes=classes, task=task)
        assert isinstance(loaded, OnnxModel)
        return dataclasses.replace(loaded, input_columns=input_columns)

    def parse(self, library: Any, source: base.Source) -> OnnxModel:
        onnx, ort = library
        path, data, classes, task = source.path, source.data, source.classes, source.task
        try:
            proto = onnx.load_model_from_string(data)
        except Exception as error:  # DecodeError on bytes that are not a ModelProto
            raise base.unreadable(path, "ONNX model", error) from None
        _refuse_unsafe(proto, path)
        external = _external_locations(proto)  # before loading the data clears them
        try:
            if _has_external_data(proto):
                # Paths were checked to stay inside the folder; load them into the proto here
                # so onnxruntime reads nothing from disk itself.
                onnx.external_data_helper.load_external_data_for_model(proto, str(path.parent))
            onnx.checker.check_model(proto)
            options = ort.SessionOptions()
            options.log_severity_level = 3
            session = ort.InferenceSession(
                proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # checker's ValidationError, onnxruntime's Fail/InvalidGraph
            raise base.unreadable(path, "ONNX model", error) from None
        outputs, found = _recognise_outputs(session.get_outputs(), task, path)
        labels = None
        if found == "classification":
            width = _static_width(session, outputs)
            labels = base.resolve_classes(
                path,
                given=classes,
                own=None,
                n_outputs=width if width is not None else len(classes or ()),
            )
        return OnnxModel(
            session=session,
            task=found,
            classes=labels,
            model_file=base.loaded_file(source, library="onnxruntime", module=ort),
            path=path,
            outputs=outputs,
            external_files=external,
            producer=_plain(f"{proto.producer_name} {proto.producer_version}"),
        )


def _plain(text: str) -> str:
    """Text from the file, reduced to what a name and version need: it reaches run.json and the
    report (a PR comment), so no markup survives."""
    return re.sub(r"[^A-Za-z0-9 ._+-]", "", text).strip()[:60]


def _refuse_non_probabilities(proba: np.ndarray, path: Path) -> None:
    # A graph exported from a network often ends at the logits; scoring those as probabilities
    # would give metrics that look plausible and mean nothing.
    import numpy as np

    outside = ~((proba >= -1e-6) & (proba <= 1 + 1e-6))
    off = np.abs(proba.sum(axis=1) - 1.0) > 1e-3
    if outside.any() or off.any():
        row = int(np.flatnonzero(outside.any(axis=1) | off)[0])
        raise UserError(
            f"{path}: the model's class scores are not probabilities (row {row} has "
            f"{np.round(proba[row], 4).tolist()[:5]}); they look like logits",
            fix="Export the graph with a Softmax (or Sigmoid) on its output",
        )


def _graphs(proto: Any) -> Iterator[Any]:
    """Every graph and function body in the model, subgraphs (If, Loop, Scan) included."""
    pending = [proto.graph, *proto.functions]
    while pending:
        graph = pending.pop()
        yield graph
        for node in graph.node:
            for attribute in node.attribute:
                if attribute.HasField("g"):
                    pending.append(attribute.g)
                pending.extend(attribute.graphs)


def _tensors(proto: Any) -> Iterator[Any]:
    for graph in _graphs(proto):
        yield from getattr(graph, "initializer", ())
        for sparse in getattr(graph, "sparse_initializer", ()):
            yield sparse.values
            yield sparse.indices
        for node in graph.node:
            for attribute in node.attribute:
                if attribute.HasField("t"):
                    yield attribute.t
                yield from attribute.tensors


def _has_external_data(proto: Any) -> bool:
    return any(tensor.data_location == 1 for tensor in _tensors(proto))  # 1: EXTERNAL


def _external_locations(proto: Any) -> tuple[str, ...]:
    """The files beside the model that its tensors' external data is in."""
    found = {
        entry.value
        for tensor in _tensors(proto)
        if tensor.data_location == 1  # EXTERNAL
        for entry in tensor.external_data
        if entry.key == "location"
    }
    return tuple(sorted(found))


def _refuse_unsafe(proto: Any, path: Path) -> None:
    local_functions = {(f.domain, f.name) for f in proto.functions}
    for graph in _graphs(proto):
        for node in graph.node:
            if node.domain not in ALLOWED_DOMAINS and (node.domain, node.op_type) not in (
                local_functions
            ):
                raise UserError(
                    f"{path}: refused, node {node.name or node.op_type} uses the custom operator "
                    f"domain {node.domain!r}",
                    fix="Export the model with standard ONNX operators only; custom operators "
                    "need native code modelci does not load",
                )
    folder, external_bytes = path.parent.resolve(), 0
    for tensor in _tensors(proto):
        if tensor.data_location != 1:
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (folder / location).resolve()
        if not location or folder not in target.parents or not target.is_file():
            raise UserError(
                f"{path}: refused, tensor {tensor.name!r} keeps its data in {location!r}, "
                "not a file inside the model's folder",
                fix="Save the model with its external data beside it (or inside it)",
            )
        external_bytes += target.stat().st_size
        if external_bytes > base.MAX_MODEL_BYTES:
            raise UserError(
                f"{path}: its external data is over modelci's limit of "
                f"{base.MAX_MODEL_BYTES:,} bytes for a model",
                fix="Pass a smaller model",
            )


def _recognise_outputs(specs: Sequence[Any], task: base.Task | None, path: Path) -> Any:
    kinds: dict[str, str] = {}
    for spec in specs:
        rank = len(spec.shape) if isinstance(spec.shape, list) else None
        wide = rank == 2 and spec.shape[1] != 1
        if spec.type.startswith("seq(map("):
            kinds.setdefault("zipmap", spec.name)
        elif spec.type in _FLOAT_TENSORS and wide:
            kinds.setdefault("probabilities", spec.name)
        elif spec.type in _LABEL_TENSORS and rank in (1, 2):
            kinds.setdefault("label", spec.name)
        elif spec.type in _FLOAT_TENSORS and rank in (1, 2):
            kinds.setdefault("value", spec.name)
    outputs = Outputs(**kinds)
    if outputs.probabilities or outputs.zipmap:
        found: base.Task = "classification"
    elif outputs.value and task == "classification":
        found = "classification"
    elif outputs.value:
        found = "regression"
    else:
        described = ", ".join(f"{s.name}: {s.type}" for s in specs) or "none"
        raise UserError(
            f"{path}: no output modelci can score (outputs {described})",
            fix="Export a probability tensor [N, K] or a ZipMap for a classifier, a value "
            "tensor [N] or [N, 1] for a regressor",
        )
    if task is not None and task != found:
        raise UserError(
            f"{path}: the graph's outputs are those of a {found} model, not {task}",
            fix=f"Set task: {found}, or export the outputs of a {task} model",
        )
    return outputs, found


def _static_width(session: Any, outputs: Outputs) -> int | None:
    if outputs.value and not outputs.probabilities and not outputs.zipmap:
        return 2
    for spec in session.get_outputs():
        if spec.name == outputs.probabilities and isinstance(spec.shape[1], int):
            return int(spec.shape[1])
    return None


def _rank(spec: Any) -> int:
    return len(spec.shape) if isinstance(spec.shape, list) else 2


def _takes_all_columns(specs: Sequence[Any]) -> bool:
    """One input of rank 2 ([N, F]) takes all the feature columns, in order."""
    return len(specs) == 1 and isinstance(specs[0].shape, list) and len(specs[0].shape) == 2


def _input_mapping(
    specs: Sequence[Any], features: Any, declared: Mapping[str, Sequence[str]] | None, path: Path
) -> list[tuple[Any, list[str] | None]]:
    """(graph input, its feature columns) pairs; None columns means all of them, in order."""
    columns = [str(c) for c in getattr(features, "columns", [])]
    names = [spec.name for spec in specs]
    for spec in specs:
        if _rank(spec) not in (1, 2):
            raise UserError(
                f"{path}: graph input {spec.name} has shape {spec.shape}; modelci feeds a table "
                "(one [N, F] input, or one [N] or [N, 1] input per column)",
                fix="Export a graph that takes tabular features (reshape inside the graph)",
            )
    if declared is not None:
        unknown = sorted(set(declared) - set(names))
        absent = sorted({c for cols in declared.values() for c in cols} - set(columns))
        undeclared = sorted(set(names) - set(declared))
        if unknown or absent or undeclared:
            problem = (
                f"inputs {unknown} are not in the graph"
                if unknown
                else f"columns {absent[:3]} are not in the data"
                if absent
                else f"graph inputs {undeclared} are not mapped"
            )
            raise UserError(
                f"{path}: the declared input mapping does not fit: {problem}",
                fix=f"Map every graph input ({', '.join(names)}) to feature columns",
            )
        return [(spec, list(declared[spec.name])) for spec in specs]
    if _takes_all_columns(specs):
        return [(specs[0], None)]
    if columns and all(name in columns for name in names):
        return [(spec, [spec.name]) for spec in specs]
    absent = [name for name in names if name not in columns]
    # Some inputs named after columns: the others most likely name columns the data lacks.
    detail = f": the data has no column {absent}" if len(absent) < len(names) else ""
    raise UserError(
        f"{path}: cannot tell which feature columns feed the graph inputs {names}{detail}",
        fix="Export one [N, F] input, name each input after its column, or declare the "
        "mapping in the config",
    )


def _feed(spec: Any, columns: list[str] | None, features: Any, path: Path) -> np.ndarray:
    import numpy as np

    dtype = _INPUT_TYPES.get(spec.type)
    if dtype is None:
        raise UserError(
            f"{path}: graph input {spec.name} has type {spec.type}, which modelci cannot feed",
            fix="Export inputs as float, double, int32, int64, bool or string tensors",
        )
    table = features if columns is None else features[columns]
    values = np.asarray(table)
    if values.ndim == 1:
        values = values.reshape(-1, 1)
    rank = len(spec.shape) if isinstance(spec.shape, list) else 2
    width = spec.shape[1] if rank == 2 else None
    if isinstance(width, int) and values.shape[1] != width:
        # onnxruntime's own message names dimensions, not columns.
        given = [str(c) for c in getattr(table, "columns", ())] if columns is None else columns
        shown = ", ".join(given[:5]) + (" …" if len(given) > 5 else "")
        raise UserError(
            f"{path}: graph input {spec.name} takes {width} feature(s) but the data gives "
            f"{values.shape[1]} ({shown})",
            fix="Score with exactly the columns the model was exported for, in its order "
            "(drop the others from the data, or list them in data.drop)",
        )
    if dtype == "object":
        return _shaped(values.astype(str).astype(object), rank)
    if (
        np.dtype(dtype).kind in "iub"
        and values.dtype.kind == "f"
        and not (np.all(np.isfinite(values)) and np.all(values == np.round(values)))
    ):
        raise UserError(
            f"{path}: graph input {spec.name} takes integers but its columns hold "
            "fractions or missing values",
            fix="Export the input as a float tensor, or clean the columns",
        )
    try:
        values = values.astype(dtype)
    except (TypeError, ValueError):  # text in a column fed to a numeric input
        raise UserError(
            f"{path}: graph input {spec.name} takes {spec.type} but its columns hold text",
            fix="Export a string input for text columns, or encode them as numbers",
        ) from None
    return _shaped(values, rank)


def _shaped(values: np.ndarray, rank: int) -> np.ndarray:
    return values.reshape(-1) if rank == 1 else values
