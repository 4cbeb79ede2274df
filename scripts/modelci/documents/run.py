"""`run.json`: what was trained, on what, by which versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from modelci.documents.contract import RUN, SCHEMAS, Task
from modelci.documents.fields import (
    MISSING,
    Node,
    as_flag,
    as_integer,
    as_strings,
    as_text,
    drop_none,
    open_document,
    plain,
    write_document,
)
from modelci.documents.parts import DataFacts, Git


@dataclass(frozen=True, kw_only=True)
class FileRef:
    """A file of the run beside its model (modelci's preprocessing kept apart from a booster)."""

    file: str
    sha256: str
    size_bytes: int | None = None

    @classmethod
    def parse(cls, node: Node) -> FileRef:
        ref = node.obj("an object with file and sha256")
        return cls(
            file=ref["file"].text(),
            sha256=ref["sha256"].text(),
            size_bytes=ref["size_bytes"].optional(as_integer),
        )

    def to_json(self) -> dict[str, Any]:
        return drop_none({"file": self.file, "sha256": self.sha256, "size_bytes": self.size_bytes})


@dataclass(frozen=True, kw_only=True)
class ModelFile:
    """The run's one model file (`modelci.flavours`): which flavour reads it, the library and
    version that wrote it, and modelci's preprocessing when it is kept apart (`preprocess`)."""

    file: str
    sha256: str
    size_bytes: int | None = None
    # Runs written before flavours existed record none: theirs is a skops pipeline.
    flavour: str | None = None
    library: str | None = None
    library_version: str | None = None
    preprocess: FileRef | None = None

    @classmethod
    def parse(cls, node: Node) -> ModelFile:
        model = node.obj("an object with file and sha256")
        return cls(
            file=model["file"].text(),
            sha256=model["sha256"].text(),
            size_bytes=model["size_bytes"].optional(as_integer),
            flavour=model["flavour"].optional(as_text),
            library=model["library"].optional(as_text),
            library_version=model["library_version"].optional(as_text),
            preprocess=model["preprocess"].optional(FileRef.parse),
        )

    @property
    def flavour_name(self) -> str:
        return self.flavour or "sklearn"

    def to_json(self) -> dict[str, Any]:
        return drop_none(
            {
                "file": self.file,
                "sha256": self.sha256,
                "size_bytes": self.size_bytes,
                "flavour": self.flavour,
                "library": self.library,
                "library_version": self.library_version,
                "preprocess": None if self.preprocess is None else self.preprocess.to_json(),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Estimator:
    class_name: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RunData:
    train: DataFacts | None = None
    test: DataFacts | None = None
    # kind, test_size, seed, test_fingerprint: free-form, it differs by split kind.
    split: Mapping[str, Any] = field(default_factory=dict)

    @property
    def test_fingerprint(self) -> str | None:
        value = self.split.get("test_fingerprint")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """`run.json`: what was trained, on what, by which versions."""

    task: Task
    target: str
    # None for a predictions run (`evaluate --predictions`, or a training script that wrote
    # predictions): there is no model to load, re-score, size or time.
    model: ModelFile | None
    features: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    estimator: Estimator | None = None
    classes: tuple[str, ...] | None = None
    positive_class: str | None = None
    name: str | None = None
    # The resolved config (free-form: config.py owns its shape); empty for bring-your-own.
    config: Mapping[str, Any] = field(default_factory=dict)
    config_path: str | None = None
    config_dir: str | None = None
    data: RunData = field(default_factory=RunData)
    versions: Mapping[str, str] = field(default_factory=dict)
    git: Git | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    # How the model or predictions were made by the user's own training script
    # (`train.command`): command, produced files, seconds; None when modelci trained it.
    training: Mapping[str, Any] | None = None
    modelci_version: str | None = None
    created: str | None = None

    @property
    def kind(self) -> str:
        """ "model", or "predictions" for a run that has only predictions."""
        return "model" if self.model is not None else "predictions"

    def section(self, key: str) -> Mapping[str, Any]:
        """One section of the recorded config (`compare`, `metrics`, `data`), empty if absent."""
        value = self.config.get(key)
        return value if isinstance(value, Mapping) else {}

    @classmethod
    def parse(cls, node: Node) -> RunInfo:
        estimator = node["estimator"]
        git = node["git"]
        data = node["data"]
        split = data["split"] if not data.absent else data
        return cls(
            task=cast(Task, node["task"].choice(("classification", "regression"))),
            target=node["target"].text(),
            model=_model(node["model"]),
            features={key: value.strings() for key, value in node["features"].items()},
            estimator=None
            if estimator.absent
            else Estimator(
                class_name=estimator.obj("an object with class and params")["class"].text(),
                params=estimator["params"].free(),
            ),
            classes=node["classes"].optional(as_strings),
            positive_class=node["positive_class"].optional(as_text),
            name=node["name"].optional(as_text),
            config=node["config"].free(),
            config_path=node["config_path"].optional(as_text),
            config_dir=node["config_dir"].optional(as_text),
            data=RunData()
            if data.absent
            else RunData(
                train=data["train"].optional(DataFacts.parse),
                test=data["test"].optional(DataFacts.parse),
                split=split.free(),
            ),
            versions={key: value.text() for key, value in node["versions"].items()},
            git=None
            if git.absent
            else Git(
                commit=git.obj("an object with commit and dirty")["commit"].optional(as_text),
                dirty=git["dirty"].optional(as_flag),
            ),
            timings={key: value.number() for key, value in node["timings"].items()},
            training=node["training"].optional(lambda n: n.free()),
            modelci_version=node["modelci_version"].optional(as_text),
            created=node["created"].optional(as_text),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.data.train is not None:
            data["train"] = self.data.train.to_json()
        if self.data.test is not None:
            data["test"] = self.data.test.to_json()
        data["split"] = dict(self.data.split)
        out: dict[str, Any] = {
            "schema": SCHEMAS[RUN],
            "modelci_version": self.modelci_version,
            "created": self.created,
            "name": self.name,
            "task": self.task,
            "config": dict(self.config),
            "config_path": self.config_path,
            "config_dir": self.config_dir,
            "estimator": None
            if self.estimator is None
            else {"class": self.estimator.class_name, "params": dict(self.estimator.params)},
            "target": self.target,
            "features": {key: list(names) for key, names in self.features.items()},
            "classes": None if self.classes is None else list(self.classes),
            "positive_class": self.positive_class,
            "data": data,
            "versions": dict(self.versions),
            "git": None
            if self.git is None
            else {"commit": self.git.commit, "dirty": self.git.dirty},
            "timings": dict(self.timings),
            "model": None if self.model is None else self.model.to_json(),
        }
        if self.training is not None:
            out["training"] = dict(self.training)
        return out


def _model(node: Node) -> ModelFile | None:
    """The model, or None written out as null (a predictions run); never simply left out."""
    if node.value is MISSING:
        node.fail("an object with file and sha256, or null for a predictions run")
    return node.optional(ModelFile.parse)


def read_run(path: Path) -> RunInfo:
    return RunInfo.parse(open_document(path, "run"))


def parse_run(data: Mapping[str, Any], *, where: str) -> RunInfo:
    """The `RunInfo` of a run.json `train` built in memory."""
    return RunInfo.parse(Node(plain(data), where))


def write_run(path: Path, info: RunInfo) -> None:
    write_document(path, info.to_json())
