"""A run directory as a CNCF ModelPack artifact, and the checks a pulled manifest must pass.

ModelPack (github.com/modelpack/model-spec) is an OCI image manifest with
`artifactType: application/vnd.cncf.model.manifest.v1+json`, a config blob of media type
`application/vnd.cncf.model.config.v1+json` (`descriptor`, `config`, `modelfs`), and layers
typed weight / weight config / doc / code / dataset. modelci pushes one *raw* layer per file
(`….v1.raw`: the file's bytes as they are, so `modelfs.diffIds` are the layer digests), each
annotated with its path (`org.cncf.model.filepath`) and with `org.opencontainers.image.title`,
so a plain `oras pull` restores the same tree.

| file | layer media type |
|---|---|
| the run's model file, whatever its flavour (`model.skops`, `model.ubj`, `model.json`, `model.txt`, `model.cbm`, `model.onnx`), and `preprocess.skops` when the run keeps its preprocessing apart: one layer each | `application/vnd.cncf.model.weight.v1.raw` |
| `run.json` | `application/vnd.cncf.model.weight.config.v1.raw` |
| `*.csv`, `*.tsv`, `*.parquet` (predictions) | `application/vnd.cncf.model.dataset.v1.raw` |
| everything else: `metrics.json`, `evaluation.json`, `plots/*.png`, `MODEL_CARD.md`, `SHA256SUMS`, … | `application/vnd.cncf.model.doc.v1.raw` |

ModelPack's layer media types name a file's role, not its format; the format is the config's
`config.format` (`FORMATS`: `skops`, `xgboost-ubj`, `onnx`, …). A predictions run has no weight
layer and no format: its `predictions.csv` is a dataset layer, and the manifest stays valid
(ModelPack requires the config and at least one layer, not a weight).

Everything here is pure (no network): the manifest is built from the files' digests, and it
is deterministic, so re-pushing an unchanged run gives the same manifest digest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from modelci.errors import UserError
from modelci.registry.client import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, Blob

ARTIFACT_TYPE = "application/vnd.cncf.model.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.cncf.model.config.v1+json"
WEIGHT = "application/vnd.cncf.model.weight.v1.raw"
WEIGHT_CONFIG = "application/vnd.cncf.model.weight.config.v1.raw"
DOC = "application/vnd.cncf.model.doc.v1.raw"
DATASET = "application/vnd.cncf.model.dataset.v1.raw"
FILEPATH = "org.cncf.model.filepath"
FILE_METADATA = "org.cncf.model.file.metadata+json"
TITLE = "org.opencontainers.image.title"
ORAS_UNPACK = "io.deis.oras.content.unpack"
OCI = "org.opencontainers.image."
_DATA_SUFFIXES = (".csv", ".tsv", ".parquet")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_EPOCH = "1970-01-01T00:00:00Z"
# config.format of a run's model file, by its name (`modelci.flavours`).
FORMATS = {
    "model.skops": "skops",
    "model.ubj": "xgboost-ubj",
    "model.json": "xgboost-json",
    "model.txt": "lightgbm-text",
    "model.cbm": "catboost-cbm",
    "model.onnx": "onnx",
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Layer:
    path: str  # relative, POSIX separators
    media_type: str
    blob: Blob


@dataclasses.dataclass(frozen=True, kw_only=True)
class Artifact:
    """What a push sends: the layers, the config blob and the manifest bytes."""

    layers: list[Layer]
    config: Blob
    manifest: bytes

    @property
    def blobs(self) -> list[Blob]:
        return [layer.blob for layer in self.layers] + [self.config]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PulledFile:
    """One layer of a pulled manifest, with the path it is written to."""

    path: str
    digest: str
    size: int
    media_type: str


def media_type_for(path: str, weights: Collection[str]) -> str:
    """`weights`: the model file and its preprocessing (`modelci.run_files`)."""
    if path in weights:
        return WEIGHT
    if path == "run.json":
        return WEIGHT_CONFIG
    if path.lower().endswith(_DATA_SUFFIXES):
        return DATASET
    return DOC


def collect_files(run_dir: Path, weights: Sequence[str]) -> list[tuple[str, Path]]:
    """Every regular file of the run directory as (relative path, file), the weights first
    (in the order given), then run.json, then the rest sorted. Hidden entries (`.*`, e.g. staging leftovers) are
    left out; a symbolic link is refused, since following one could publish any file."""
    found: list[tuple[str, Path]] = []
    for root, dirs, files in os.walk(run_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [*dirs, *sorted(files)]:
            if name.startswith("."):
                continue
            path = here / name
            relative = path.relative_to(run_dir).as_posix()
            if path.is_symlink():
                raise UserError(
                    f"{path} is a symbolic link",
                    fix="Publish only regular files: copy the target into the run directory",
                )
            if name in files:
                if not path.is_file():
                    raise UserError(f"{path} is not a regular file", fix="Remove it")
                found.append((relative, path))
    first = {name: index for index, name in enumerate([*weights, "run.json"])}
    return sorted(found, key=lambda item: (first.get(item[0], len(first)), item[0]))


def build_artifact(
    files: list[tuple[str, Blob]],
    *,
    weights: Sequence[str],
    run_info: Mapping[str, Any],
    name: str,
    version: str,
    source: str | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Artifact:
    """The ModelPack manifest for `files` (relative path, hashed blob), in that order."""
    created = _text(run_info.get("created")) or _EPOCH
    layers = [
        Layer(path=path, media_type=media_type_for(path, weights), blob=blob)
        for path, blob in files
    ]
    config = Blob.from_bytes(
        _canonical(model_config(run_info, layers, name=name, version=version, source=source))
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config.digest, "size": config.size},
        "layers": [_layer_descriptor(layer, created) for layer in layers],
        "annotations": manifest_annotations(
            run_info, name=name, version=version, source=source, extra=annotations
        ),
    }
    return Artifact(layers=layers, config=config, manifest=_canonical(manifest))


def model_config(
    run_info: Mapping[str, Any],
    layers: list[Layer],
    *,
    name: str,
    version: str,
    source: str | None,
) -> dict[str, Any]:
    """The `application/vnd.cncf.model.config.v1+json` document (only the spec's keys)."""
    card = _card(run_info)
    descriptor: dict[str, Any] = {
        "createdAt": _text(run_info.get("created")),
        "name": name,
        "version": version,
        "revision": _text(_git(run_info).get("commit")),
        "sourceURL": source,
        "description": _description(run_info),
        "authors": [card["authors"]] if card.get("authors") else None,
        "licenses": [card["license"]] if card.get("license") else None,
    }
    estimator = run_info.get("estimator")
    model = run_info.get("model")
    model = model if isinstance(model, Mapping) else {}
    # A training script's model has no estimator class; its library is what it is.
    architecture = (estimator.get("class") if isinstance(estimator, Mapping) else None) or _text(
        model.get("library")
    )
    model_format = FORMATS.get(str(model.get("file")))
    technical = {"architecture": architecture, "format": model_format}
    return {
        "descriptor": {k: v for k, v in descriptor.items() if v},
        "config": {k: v for k, v in technical.items() if v},
        # Raw layers are not archives: each layer's DiffID is its own digest.
        "modelfs": {"type": "layers", "diffIds": [layer.blob.digest for layer in layers]},
    }


def manifest_annotations(
    run_info: Mapping[str, Any],
    *,
    name: str,
    version: str,
    source: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    card = _card(run_info)
    values = {
        OCI + "title": name,
        OCI + "description": _description(run_info),
        OCI + "version": version,
        OCI + "created": _text(run_info.get("created")),
        OCI + "revision": _text(_git(run_info).get("commit")),
        OCI + "source": source,
        OCI + "authors": card.get("authors"),
        OCI + "licenses": card.get("license"),
    }
    annotations = {key: str(value) for key, value in values.items() if value}
    annotations.update(extra or {})
    return annotations


def parse_annotation(text: str) -> tuple[str, str]:
    """`key=value` from `--annotation`; the key is non-empty and has no spaces."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key or any(c.isspace() for c in key):
        raise UserError(
            f"--annotation {text!r} must look like key=value",
            fix="e.g. --annotation org.opencontainers.image.url=https://example.com/model",
        )
    return key, value


def plan_pull(manifest_body: bytes, media_type: str) -> tuple[str, list[PulledFile]]:
    """Check a fetched manifest is a ModelPack (or plain ORAS) artifact of files; returns the
    kind ("modelpack" or "oras") and the files to write, each path checked."""
    try:
        manifest = json.loads(manifest_body)
    except ValueError:
        raise UserError("the manifest is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise UserError("the manifest is not a JSON object")
    declared = manifest.get("mediaType") or media_type
    if declared == OCI_INDEX or "manifests" in manifest:
        raise UserError(
            "the reference names an image index, not a single artifact",
            fix="Pull the artifact by its own tag or digest",
        )
    if declared not in (OCI_MANIFEST, DOCKER_MANIFEST):
        raise UserError(f"unsupported manifest media type {declared!r}")
    config = manifest.get("config")
    config_type = config.get("mediaType") if isinstance(config, dict) else None
    layers = manifest.get("layers")
    if not isinstance(layers, list) or not layers:
        raise UserError("the artifact has no layers: nothing to pull")
    modelpack = manifest.get("artifactType") == ARTIFACT_TYPE or config_type == CONFIG_MEDIA_TYPE
    planned: list[PulledFile] = []
    seen: dict[str, str] = {}
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise UserError(f"layer {index} of the manifest is not an object")
        annotations = layer.get("annotations") or {}
        if not isinstance(annotations, dict):
            annotations = {}
        path = annotations.get(FILEPATH) or annotations.get(TITLE)
        if not path:
            what = "a ModelPack layer" if modelpack else "a layer"
            raise UserError(
                f"{what} ({index}) has no {FILEPATH} or {TITLE} annotation",
                fix="modelci pulls ModelPack and ORAS file artifacts, not container images",
            )
        media = str(layer.get("mediaType") or "")
        if str(annotations.get(ORAS_UNPACK, "")).lower() == "true" or (
            modelpack and not media.endswith(".raw")
        ):
            raise UserError(
                f"layer {path!r} is an archive ({media})",
                fix="modelci pulls artifacts of plain files (ModelPack .raw layers)",
            )
        safe = safe_path(path)
        digest, size = layer.get("digest"), layer.get("size")
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise UserError(f"layer {safe!r} has an unsupported digest {digest!r} (sha256 only)")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise UserError(f"layer {safe!r} has an invalid size {size!r}")
        key = safe.casefold()  # two names one case-insensitive file system would merge
        if key in seen:
            raise UserError(f"two layers write the same file {safe!r}")
        seen[key] = safe
        planned.append(PulledFile(path=safe, digest=digest, size=size, media_type=media))
    files = {p.casefold() for p in seen.values()}
    for path in seen.values():
        parents = PurePosixPath(path).parents
        clash = next((str(p) for p in parents if str(p).casefold() in files), None)
        if clash:
            raise UserError(f"layer {path!r} needs {clash!r} to be a directory, but it is a file")
    return ("modelpack" if modelpack else "oras"), planned


def safe_path(path: object) -> str:
    """A layer's path if it stays inside the output directory; refuses absolute paths, `..`,
    empty or `.` parts, backslashes, drive letters and control characters."""
    if not isinstance(path, str) or not path or len(path) > 4096:
        raise UserError(f"layer path {path!r} is empty or not a string")
    if any(ord(c) < 32 or c == "\x7f" for c in path) or "\\" in path:
        raise UserError(f"layer path {path!r} holds a backslash or control characters")
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        raise UserError(f"layer path {path!r} is absolute", fix="Refusing to write outside --out")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UserError(
            f"layer path {path!r} has '..', '.' or empty parts",
            fix="Refusing to write outside --out",
        )
    return path


def _layer_descriptor(layer: Layer, created: str) -> dict[str, Any]:
    metadata = {
        "name": layer.path,
        "mode": 0o644,
        "uid": 0,
        "gid": 0,
        "size": layer.blob.size,
        "mtime": created,
        "typeflag": ord("0"),  # a regular file, as in a tar header
    }
    return {
        "mediaType": layer.media_type,
        "digest": layer.blob.digest,
        "size": layer.blob.size,
        "annotations": {
            FILEPATH: layer.path,
            FILE_METADATA: json.dumps(metadata, separators=(",", ":")),
            TITLE: layer.path,
        },
    }


def _canonical(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _card(run_info: Mapping[str, Any]) -> dict[str, str]:
    config = run_info.get("config")
    card = config.get("card") if isinstance(config, Mapping) else None
    if not isinstance(card, Mapping):
        return {}
    return {str(k): " ".join(str(v).split()) for k, v in card.items() if v}


def _git(run_info: Mapping[str, Any]) -> Mapping[str, Any]:
    git = run_info.get("git")
    return git if isinstance(git, Mapping) else {}


def _description(run_info: Mapping[str, Any]) -> str:
    described = _card(run_info).get("description")
    if described:
        return described
    estimator = run_info.get("estimator")
    cls = estimator.get("class") if isinstance(estimator, Mapping) else None
    task = _text(run_info.get("task"))
    if not isinstance(run_info.get("model"), Mapping):
        return f"Predictions ({task or 'a model'}) evaluated with modelci; no model file"
    what = f"{cls} ({task})" if cls and task else cls or "A model"
    return f"{what} trained and evaluated with modelci"


def _text(value: object) -> str | None:
    return str(value) if isinstance(value, str | int | float) and str(value) else None
