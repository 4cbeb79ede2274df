"""The model's published releases as a history: `history.json` and comparison.json `history`.

`modelci baseline --history N` writes `history.json` beside `baseline.json`: each of the last N
releases' recorded metrics and intervals (from their verified `evaluation.json`), and, for a
gate against slow decay (`max_drop_from_best`), the best release's run when it is not the
baseline itself. `modelci compare` reads it into comparison.json's `history`: the trend the
comment plots, and each from-best gate's paired comparison.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from modelci.documents.contract import HISTORY, SCHEMAS
from modelci.documents.fields import (
    Node,
    as_flag,
    as_integer,
    as_number,
    as_text,
    open_document,
    write_document,
)
from modelci.documents.parts import read_interval

# Where a best release's run is kept, relative to the baseline directory: history/<tag>.
# Tags are checked against this so a crafted history.json cannot point outside it.
_RUN_PATH = re.compile(r"history/[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


@dataclass(frozen=True, kw_only=True)
class RecordedMetric:
    value: float | None
    ci: tuple[float, float] | None = None

    @classmethod
    def parse(cls, node: Node) -> RecordedMetric:
        node.obj("an object with value and ci")
        return cls(value=node["value"].optional(as_number), ci=read_interval(node["ci"]))

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "ci": None if self.ci is None else list(self.ci)}


@dataclass(frozen=True, kw_only=True)
class ReleasePoint:
    """One published release as its own evaluation recorded it (on its own test rows)."""

    tag: str
    published_at: str | None
    model_sha256: str | None
    n_rows: int | None
    metrics: Mapping[str, RecordedMetric] = field(default_factory=dict)
    url: str | None = None

    @classmethod
    def parse(cls, node: Node) -> ReleasePoint:
        node.obj("an object with tag and metrics")
        return cls(
            tag=node["tag"].text(),
            published_at=node["published_at"].optional(as_text),
            model_sha256=node["model_sha256"].optional(as_text),
            n_rows=node["n_rows"].optional(as_integer),
            metrics={name: RecordedMetric.parse(m) for name, m in node["metrics"].items()},
            url=node["url"].optional(as_text),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "published_at": self.published_at,
            "url": self.url,
            "model_sha256": self.model_sha256,
            "n_rows": self.n_rows,
            "metrics": {name: metric.to_json() for name, metric in self.metrics.items()},
        }


@dataclass(frozen=True, kw_only=True)
class BestRun:
    """The best release of a from-best gate's window, downloaded for re-scoring."""

    tag: str
    run: str  # "history/<tag>", relative to the baseline directory

    @classmethod
    def parse(cls, node: Node) -> BestRun:
        node.obj("an object with tag and run")
        run = node["run"].text()
        if not _RUN_PATH.fullmatch(run) or ".." in run:
            node["run"].fail("a path history/<tag> inside the baseline directory")
        return cls(tag=node["tag"].text(), run=run)

    def to_json(self) -> dict[str, Any]:
        return {"tag": self.tag, "run": self.run}


@dataclass(frozen=True, kw_only=True)
class History:
    """`history.json`: the last releases of one model, oldest first."""

    repository: str | None
    model: str | None
    releases: tuple[ReleasePoint, ...]
    best_runs: Mapping[str, BestRun] = field(default_factory=dict)  # by metric name

    @classmethod
    def parse(cls, node: Node) -> History:
        return cls(
            repository=node["repository"].optional(as_text),
            model=node["model"].optional(as_text),
            releases=tuple(ReleasePoint.parse(entry) for entry in node["releases"].elements()),
            best_runs={name: BestRun.parse(entry) for name, entry in node["best_runs"].items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMAS[HISTORY],
            "repository": self.repository,
            "model": self.model,
            "releases": [point.to_json() for point in self.releases],
            "best_runs": {name: best.to_json() for name, best in self.best_runs.items()},
        }


@dataclass(frozen=True, kw_only=True)
class BestComparison:
    """One from-best gate: the candidate against the best of the last `releases` releases."""

    metric: str
    releases: int
    tolerance: float
    best_tag: str
    # True when the best release's model was re-scored on the candidate's rows (it is not the
    # baseline); False when the baseline is the best and its predictions were used.
    rescored: bool
    best: float | None
    candidate: float | None
    delta: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    status: Literal["pass", "fail"]
    reason: str
    # A pass's caveat: the candidate's rows could not have seen a decay of `tolerance`.
    warning: str | None = None

    @classmethod
    def parse(cls, node: Node) -> BestComparison:
        node.obj("an object with metric, best_tag, delta and status")
        return cls(
            metric=node["metric"].text(),
            releases=node["releases"].integer(),
            tolerance=node["tolerance"].number(),
            best_tag=node["best_tag"].text(),
            rescored=bool(node["rescored"].optional(as_flag)),
            best=node["best"].optional(as_number),
            candidate=node["candidate"].optional(as_number),
            delta=node["delta"].optional(as_number),
            ci=read_interval(node["ci"]),
            p_value=node["p_value"].optional(as_number),
            status=cast(Literal["pass", "fail"], node["status"].choice(("pass", "fail"))),
            reason=node["reason"].optional(as_text) or "",
            warning=node["warning"].optional(as_text),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "releases": self.releases,
            "tolerance": self.tolerance,
            "best_tag": self.best_tag,
            "rescored": self.rescored,
            "best": self.best,
            "candidate": self.candidate,
            "delta": self.delta,
            "ci": None if self.ci is None else list(self.ci),
            "p_value": self.p_value,
            "status": self.status,
            "reason": self.reason,
            "warning": self.warning,
        }


@dataclass(frozen=True, kw_only=True)
class HistoryReport:
    """comparison.json `history`: the trend (the candidate is not among `releases`)."""

    metrics: tuple[str, ...]  # primary first, then the gated ones
    releases: tuple[ReleasePoint, ...]
    from_best: tuple[BestComparison, ...] = ()

    @classmethod
    def parse(cls, node: Node) -> HistoryReport:
        node.obj("an object with metrics and releases")
        return cls(
            metrics=node["metrics"].strings(),
            releases=tuple(ReleasePoint.parse(entry) for entry in node["releases"].elements()),
            from_best=tuple(BestComparison.parse(e) for e in node["from_best"].elements()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "metrics": list(self.metrics),
            "releases": [point.to_json() for point in self.releases],
            "from_best": [best.to_json() for best in self.from_best],
        }


def read_history(path: Path) -> History:
    return History.parse(open_document(path, "history"))


def write_history(path: Path, history: History) -> None:
    write_document(path, history.to_json())
