"""The run directory's JSON documents (docs/run-directory.md), as typed objects.

Every versioned document of the contract (`run.json`, `metrics.json`, `evaluation.json`,
`comparison.json`, `baseline.json`) has one frozen dataclass, one reader (`read_run`, ...) and
one writer (`write_run`, ...). Readers check the schema version and the shape strictly: a wrong
shape is one `UserError` line naming the file and the field path, e.g.

    runs/x/run.json: model must be an object with file and sha256, got a string

Writers stage the file (temp, then rename) and emit only finite numbers: NaN and infinity,
wherever they still occur (a metric that could not be computed), are written as null; training
records estimator parameters such as XGBoost's `missing=nan` as strings before that (`"nan"`).
No other module parses these files.

The package: `contract` (file names, schemas), `fields` (strict reading, finite writing),
`parts` (pieces several documents share), and one module per document.
"""

from __future__ import annotations

from pathlib import Path

from modelci.documents.baseline import (
    BaselineSource,
    read_baseline,
    write_baseline,
)
from modelci.documents.churn import FLIPS, ChurnGate, ChurnReport, FlipCounts
from modelci.documents.comparison import (
    Comparison,
    GateChange,
    MetricDelta,
    Side,
    parse_comparison,
    read_comparison,
    write_comparison,
)
from modelci.documents.contract import (
    BASELINE,
    COMPARISON,
    EVALUATION,
    FILES,
    HISTORY,
    INPUT_SCHEMA,
    METRICS,
    MODEL,
    PLOTS,
    PREDICTIONS,
    RUN,
    SCHEMA_MAJOR,
    SCHEMAS,
)
from modelci.documents.evaluation import (
    AbsoluteGates,
    ClassScores,
    ConfusionMatrix,
    EvaluatedModel,
    Evaluation,
    FeatureImportance,
    Importance,
    Metrics,
    MetricValue,
    NamedGate,
    parse_evaluation,
    read_evaluation,
    read_metrics,
    write_evaluation,
    write_metrics,
    write_metrics_of,
)
from modelci.documents.fields import (
    plain,
)
from modelci.documents.history import (
    BestComparison,
    BestRun,
    History,
    HistoryReport,
    RecordedMetric,
    ReleasePoint,
    read_history,
    write_history,
)
from modelci.documents.input_schema import (
    InputColumn,
    InputExample,
    InputSchema,
    read_input_schema,
    write_input_schema,
)
from modelci.documents.parts import (
    CalibrationCurve,
    Curves,
    DataCheck,
    DataFacts,
    Gate,
    Git,
    Histogram,
    PrCurve,
    RegressionDetails,
    RocCurve,
    Sample,
)
from modelci.documents.run import (
    Estimator,
    FileRef,
    ModelFile,
    RunData,
    RunInfo,
    parse_run,
    read_run,
    write_run,
)
from modelci.documents.slices import SliceEntry, SliceGateFailure, SliceMetric, SliceReport

__all__ = [
    "BASELINE",
    "COMPARISON",
    "EVALUATION",
    "FILES",
    "FLIPS",
    "HISTORY",
    "INPUT_SCHEMA",
    "METRICS",
    "MODEL",
    "PLOTS",
    "PREDICTIONS",
    "RUN",
    "SCHEMAS",
    "SCHEMA_MAJOR",
    "AbsoluteGates",
    "BaselineSource",
    "BestComparison",
    "BestRun",
    "CalibrationCurve",
    "ChurnGate",
    "ChurnReport",
    "ClassScores",
    "Comparison",
    "ConfusionMatrix",
    "Curves",
    "DataCheck",
    "DataFacts",
    "Estimator",
    "EvaluatedModel",
    "Evaluation",
    "FeatureImportance",
    "FileRef",
    "FlipCounts",
    "Gate",
    "GateChange",
    "Git",
    "Histogram",
    "History",
    "HistoryReport",
    "Importance",
    "InputColumn",
    "InputExample",
    "InputSchema",
    "MetricDelta",
    "MetricValue",
    "Metrics",
    "ModelFile",
    "NamedGate",
    "PrCurve",
    "RecordedMetric",
    "RegressionDetails",
    "ReleasePoint",
    "RocCurve",
    "RunData",
    "RunInfo",
    "Sample",
    "Side",
    "SliceEntry",
    "SliceGateFailure",
    "SliceMetric",
    "SliceReport",
    "checked_bytes",
    "parse_comparison",
    "parse_evaluation",
    "parse_run",
    "plain",
    "read_baseline",
    "read_comparison",
    "read_evaluation",
    "read_history",
    "read_input_schema",
    "read_metrics",
    "read_run",
    "write_baseline",
    "write_comparison",
    "write_evaluation",
    "write_history",
    "write_input_schema",
    "write_metrics",
    "write_metrics_of",
    "write_run",
]


def checked_bytes(path: Path) -> bytes:
    """The bytes of the document at `path` (`run.json`, `evaluation.json` or `comparison.json`,
    by its name) once its strict parse has passed: what a fork's comment bundle carries, refused
    here already if the trusted reader would refuse it."""
    readers = {RUN: read_run, EVALUATION: read_evaluation, COMPARISON: read_comparison}
    if path.name not in readers:
        raise ValueError(f"{path.name} is not a document a bundle carries")
    readers[path.name](path)
    return path.read_bytes()
