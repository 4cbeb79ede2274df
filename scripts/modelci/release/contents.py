"""What a modelci release holds: the run's files under flat asset names, the card, SHA256SUMS.

| asset | from |
|---|---|
| the run's files (`modelci.run_files`): `run.json`, the model file of its flavour (`model.skops`, `model.ubj`, …) and `preprocess.skops` when recorded, `metrics.json`, `evaluation.json`; a predictions run's `predictions.csv` instead of a model | the run directory |
| `plot-<name>.png` | `plots/<name>.png` (release assets have flat names) |
| `plot-history.png` | the trend over the model's previous releases and this one (`modelci.history_plot`); none for a first release |
| `MODEL_CARD.md` | rendered by `modelci.release.card` |
| `SHA256SUMS` | every asset above, in `sha256sum -c` format |
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelci import documents, fsutil, png, run_files, rundir
from modelci.documents import Evaluation, Metrics, RunInfo
from modelci.errors import UserError

MODEL_CARD = "MODEL_CARD.md"
HISTORY_PLOT = "plot-history.png"
SHA256SUMS = "SHA256SUMS"
CONTENT_TYPES = {
    ".skops": "application/zip",  # a skops file is a zip archive
    ".json": "application/json",  # model.json too: XGBoost's JSON
    ".png": "image/png",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    # Binary formats without a registered type: XGBoost UBJSON, CatBoost, ONNX protobuf.
    ".ubj": "application/octet-stream",
    ".cbm": "application/octet-stream",
    ".onnx": "application/octet-stream",
}
_SUMS_LINE = re.compile(r"^(?P<sha>[0-9a-fA-F]{64}) [ *](?P<name>.+)$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True, kw_only=True)
class AssetFile:
    """One file to upload: its asset name, where its bytes are, their type and digest."""

    name: str
    source: bytes | Path
    content_type: str
    sha256: str
    size: int

    @classmethod
    def from_bytes(cls, name: str, data: bytes, content_type: str | None = None) -> AssetFile:
        return cls(
            name=name,
            source=data,
            content_type=content_type or content_type_of(name),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )

    @classmethod
    def from_path(cls, name: str, path: Path, content_type: str | None = None) -> AssetFile:
        return cls(
            name=name,
            source=path,
            content_type=content_type or content_type_of(name),
            sha256=fsutil.sha256_file(path),
            size=path.stat().st_size,
        )


@dataclass(frozen=True, kw_only=True)
class ReleaseRun:
    """An evaluated run directory, read and checked for publishing."""

    path: Path
    info: RunInfo
    evaluation: Evaluation
    metrics: Metrics
    plots: tuple[tuple[str, Path], ...]  # (asset name, file)
    files: tuple[run_files.RunFile, ...]  # the run's own files, as run.json records them

    @property
    def name(self) -> str | None:
        name = self.info.name or self.info.config.get("name")
        return str(name) if name else None

    @property
    def model_sha256(self) -> str | None:
        return self.info.model.sha256 if self.info.model is not None else None


def content_type_of(name: str) -> str:
    """
    >>> content_type_of("plot-roc.png"), content_type_of("SHA256SUMS"), content_type_of("model.txt")
    ('image/png', 'text/plain; charset=utf-8', 'text/plain; charset=utf-8')
    """
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "text/plain; charset=utf-8")


def plot_asset_name(relative: str) -> str:
    """A flat, GitHub-safe asset name for a plot path of the run directory.

    >>> plot_asset_name("plots/roc.png"), plot_asset_name("plots/per class/f1.png")
    ('plot-roc.png', 'plot-per-class-f1.png')
    """
    inner = relative.split("/", 1)[1] if relative.startswith(rundir.PLOTS + "/") else relative
    flat = re.sub(r"[^A-Za-z0-9._-]+", "-", inner.replace("/", "-")).strip("-.")
    return f"plot-{flat}"


def open_run(path: Path, *, warn: Any = None) -> ReleaseRun:
    """Read an evaluated run directory; refuse one without evaluation, or whose model (or
    preprocessing) is not the one run.json records."""
    run = rundir.Run.open(path)
    files = run_files.check_publishable(run)
    evaluation = run.evaluation()
    metrics = documents.read_metrics(path / rundir.METRICS)
    plots: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for relative in evaluation.plots:
        file = path / relative
        if not file.is_file() or not png.is_png(file.read_bytes()):
            if warn is not None:
                warn(f"{file}: listed in evaluation.json but not a PNG file; not published")
            continue
        name = plot_asset_name(relative)
        if name in seen:
            raise UserError(f"{path}: two plots map to the release asset name {name}")
        seen.add(name)
        plots.append((name, file))
    return ReleaseRun(
        path=path,
        info=run.info,
        evaluation=evaluation,
        metrics=metrics,
        plots=tuple(plots),
        files=files,
    )


def release_assets(
    run: ReleaseRun, *, card: str, trend_png: bytes | None = None
) -> list[AssetFile]:
    """Every asset of the release, SHA256SUMS last."""
    files = [AssetFile.from_path(file.name, run.path / file.name) for file in run.files]
    files += [AssetFile.from_path(name, file) for name, file in run.plots]
    if trend_png is not None:
        files.append(AssetFile.from_bytes(HISTORY_PLOT, trend_png))
    files.append(AssetFile.from_bytes(MODEL_CARD, card.encode("utf-8")))
    files.append(AssetFile.from_bytes(SHA256SUMS, sha256sums(files).encode("utf-8")))
    return files


def sha256sums(assets: Iterable[AssetFile]) -> str:
    """`sha256sum` output for the assets (text mode: two spaces), so `sha256sum -c` checks them.

    >>> print(sha256sums([AssetFile.from_bytes("a.txt", b"")]), end="")
    e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt
    """
    return "".join(f"{a.sha256}  {a.name}\n" for a in assets)


def parse_sha256sums(text: str, *, where: str = SHA256SUMS) -> dict[str, str]:
    """{name: sha256} from `sha256sum` output; refuses anything that is not a plain file name.

    >>> parse_sha256sums("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 *a.txt\\n")
    {'a.txt': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'}
    """
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _SUMS_LINE.match(line.rstrip("\r"))
        if match is None or not _SAFE_NAME.match(match["name"]):
            raise UserError(
                f"{where}:{number}: not a `sha256sum` line for a plain file name",
                fix="The release's checksums are damaged; re-publish it",
            )
        name = match["name"]
        if name in sums:
            raise UserError(f"{where}:{number}: {name} is listed twice")
        sums[name] = match["sha"].lower()
    return sums
