"""The contract's file names, schema versions and the fix each missing file suggests."""

from __future__ import annotations

from typing import Literal, TypeVar

MODEL = "model.skops"
RUN = "run.json"
METRICS = "metrics.json"
EVALUATION = "evaluation.json"
PREDICTIONS = "predictions.csv"
COMPARISON = "comparison.json"
BASELINE = "baseline.json"
HISTORY = "history.json"
INPUT_SCHEMA = "input_schema.json"
PLOTS = "plots"

SCHEMA_MAJOR = 1
SCHEMAS = {
    RUN: f"modelci.run/{SCHEMA_MAJOR}",
    EVALUATION: f"modelci.evaluation/{SCHEMA_MAJOR}",
    COMPARISON: f"modelci.comparison/{SCHEMA_MAJOR}",
    BASELINE: f"modelci.baseline/{SCHEMA_MAJOR}",
    HISTORY: f"modelci.history/{SCHEMA_MAJOR}",
    INPUT_SCHEMA: f"modelci.input-schema/{SCHEMA_MAJOR}",
}
# Every file this module owns; tests check that no other module opens them.
FILES = (RUN, METRICS, EVALUATION, COMPARISON, BASELINE, HISTORY, INPUT_SCHEMA)

FIXES = {
    RUN: "Is this a run directory? Create one with `modelci train`",
    METRICS: "Run `modelci evaluate` on the run first",
    EVALUATION: "Run `modelci evaluate` on the run first",
    COMPARISON: "Run `modelci compare` first",
    BASELINE: "Fetch the baseline with `modelci baseline`",
    HISTORY: "Fetch it with `modelci baseline --history N`",
    INPUT_SCHEMA: "Re-train the run with this modelci: `modelci train` records its input schema",
}
REWRITE = "Re-create it with modelci; do not edit it by hand"

Task = Literal["classification", "regression"]
CheckStatus = Literal["ok", "warn", "fail", "skipped"]
GateStatus = Literal["pass", "fail", "none"]
Verdict = Literal["pass", "fail"]
T = TypeVar("T")
