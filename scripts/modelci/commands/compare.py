"""Compare a candidate run with a baseline run on the same rows: both values, the delta with a
95% CI and a p-value for every metric, and the quality gates. Exits 1 when a gate fails (after
writing every output).

The gates, `compare.alpha` and `compare.strict` come from the candidate's config, or with
`--gates-from baseline` from the baseline run's recorded config, so a pull request cannot loosen
the gates it is judged by (a baseline without a recorded config falls back to the candidate's).
Either way comparison.json lists how the candidate's gates differ from the baseline's.

With a predictions run (`modelci evaluate --predictions`) on either side, nothing is re-scored:
both sides' recorded predictions are matched by row id, and different row sets or disagreeing
truth are refused with the counts.

  modelci compare runs/candidate runs/baseline --out runs/compare --gates-from baseline

Step outputs (in GitHub Actions): comparison-dir, verdict (pass or fail), failed-gates (a JSON
list) and summary (the first line printed).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelci.documents import Comparison

HELP = "compare candidate vs baseline with paired statistics; exit 1 on a failed gate"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", type=Path, help="candidate run directory (evaluated)")
    parser.add_argument("baseline", type=Path, help="baseline run directory")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("runs/compare"),
        help="output directory (default: runs/compare)",
    )
    add_gates_from_flag(parser)
    parser.add_argument("--alpha", type=float, help="significance level (default: config, 0.05)")
    strict = parser.add_mutually_exclusive_group()
    strict.add_argument(
        "--strict",
        dest="strict",
        action="store_true",
        default=None,
        help="fail unless the CI excludes a worsening beyond tolerance",
    )
    strict.add_argument("--no-strict", dest="strict", action="store_false")


def add_gates_from_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gates-from",
        choices=("candidate", "baseline"),
        default="candidate",
        help="whose config sets the gates, alpha and strict: the candidate's (default) or the "
        "baseline run's recorded one, so a pull request cannot loosen its own gates",
    )


def run(args: argparse.Namespace) -> int:
    from modelci.errors import UserError
    from modelci.github import workflow

    if args.alpha is not None and not 0 < args.alpha < 0.5:
        raise UserError(f"--alpha must be in (0, 0.5), got {args.alpha}")
    code, outputs = compare_dirs(
        args.candidate,
        args.baseline,
        args.out,
        alpha=args.alpha,
        strict=args.strict,
        gates_from=args.gates_from,
    )
    workflow.set_outputs(outputs)
    return code


def compare_dirs(
    candidate_dir: Path,
    baseline_dir: Path,
    out: Path,
    *,
    alpha: float | None = None,
    strict: bool | None = None,
    gates_from: str = "candidate",
) -> tuple[int, dict[str, str]]:
    """Compare two run directories into `out` and print the verdict; returns the exit code (1:
    a gate failed) and the step outputs."""
    import json

    from modelci import comparison
    from modelci.errors import ExitCode
    from modelci.rundir import Run

    candidate, baseline = Run.open(candidate_dir), Run.open(baseline_dir)
    settings = comparison.settings_from(
        candidate, baseline, alpha=alpha, strict=strict, gates_from=gates_from
    )
    document = comparison.compare(candidate, baseline, out, settings)
    summary = summary_line(document)
    print(summary)
    if document.gate_changes:
        print(f"⚠️ the candidate changes the quality gates: {gate_changes_text(document)}")
    if document.gates_note:
        print(f"note: {document.gates_note}")
    for line in warning_lines(document):
        print(line)
    print(f"comparison → {out / 'comparison.json'}")
    outputs = {
        "comparison-dir": str(out.resolve()),
        "verdict": document.verdict,
        "failed-gates": json.dumps(list(document.failed_gates), separators=(",", ":")),
        "summary": summary,
    }
    return (int(ExitCode.GATE_FAILED) if document.verdict == "fail" else 0), outputs


def gate_changes_text(comparison: Comparison) -> str:
    """The gate changes in one line, e.g. "roc_auc max_drop 0.02 → no gate; alpha 0.05 → 1e-09"."""
    from modelci.report.content import gate_change_text

    return "; ".join(gate_change_text(change) for change in comparison.gate_changes)


def warning_lines(comparison: Comparison) -> list[str]:
    """What passed with a caveat, for the log: inconclusive gates and ungated metrics that got
    significantly worse after correcting for the number of metrics."""
    lines = [
        f"⚠️ {metric.name}: {metric.gate.warning}"
        for metric in comparison.metrics
        if metric.gate.warning
    ]
    lines += [
        f"⚠️ {metric.name} got significantly worse (Holm-adjusted p = {metric.adjusted_p:.3g}) "
        "and has no gate"
        for metric in comparison.metrics
        if metric.worse and metric.gate.status == "none" and metric.adjusted_p is not None
    ]
    return lines


def summary_line(comparison: Comparison) -> str:
    primary = comparison.metric(comparison.primary)
    mark = (
        "✅ pass"
        if comparison.verdict == "pass"
        else f"❌ fail ({', '.join(comparison.failed_gates)})"
    )
    if (
        primary is None
        or primary.delta is None
        or primary.baseline is None
        or primary.candidate is None
    ):
        return mark
    from modelci.report.content import delta_detail
    from modelci.report.numbers import Precision

    # The numbers as the report writes them (decimals from the interval, its confidence).
    row = Precision.of_delta(primary)
    return (
        f"{mark}: {primary.name} {row.value(primary.baseline)} → {row.value(primary.candidate)} "
        f"({delta_detail(primary, comparison.confidence)})"
    )
