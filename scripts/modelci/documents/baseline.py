"""`baseline.json`: where `modelci baseline` got the run it wrote, and what it verified."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelci.documents.contract import BASELINE, SCHEMAS
from modelci.documents.fields import Node, as_text, open_document, write_document


@dataclass(frozen=True, kw_only=True)
class BaselineSource:
    """`baseline.json`: where `modelci baseline` got the run it wrote, and what it verified."""

    source: str
    kind: str
    model_sha256: str | None  # None: a predictions run has no model file
    tag: str | None = None
    url: str | None = None
    # file name → sha256 of each file kept
    files: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, node: Node) -> BaselineSource:
        return cls(
            source=node["source"].text(),
            kind=node["kind"].text(),
            model_sha256=node["model_sha256"].optional(as_text),
            tag=node["tag"].optional(as_text),
            url=node["url"].optional(as_text),
            files={name: digest.text() for name, digest in node["files"].items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMAS[BASELINE],
            "source": self.source,
            "kind": self.kind,
            "tag": self.tag,
            "url": self.url,
            "model_sha256": self.model_sha256,
            "files": dict(self.files),
        }


def read_baseline(path: Path) -> BaselineSource:
    return BaselineSource.parse(open_document(path, "baseline"))


def write_baseline(path: Path, baseline: BaselineSource) -> None:
    write_document(path, baseline.to_json())
