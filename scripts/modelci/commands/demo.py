"""The whole pipeline on scikit-learn's bundled breast-cancer data, offline: train a baseline
(LogisticRegression) and a candidate (HistGradientBoosting), evaluate both, compare them with
paired statistics and gates, and write the report a pull request would get.

  modelci demo --out demo

Step outputs (in GitHub Actions): report and html (absolute paths), verdict and summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "run train → evaluate → compare → report on bundled data (offline)"

COMMON = """\
name: breast-cancer
task: classification
data:
  train: sklearn:breast_cancer
  target: target
  test_size: 0.25
  seed: 0
metrics:
  primary: roc_auc
gates:
  roc_auc: {max_drop: 0.01}
  log_loss: {max_rise_pct: 10}
  accuracy: {min: 0.90}
# The bundled data has no categorical column to slice by itself: slice tumours by size.
slices:
  by:
    - {feature: mean radius, bins: [12, 15]}
churn:
  max_harmful: 0.05
"""
BASELINE = (
    COMMON
    + """\
model:
  estimator: sklearn.linear_model.LogisticRegression
  params: {max_iter: 1000}
"""
)
CANDIDATE = (
    COMMON
    + """\
model:
  estimator: sklearn.ensemble.HistGradientBoostingClassifier
  params: {max_iter: 200, learning_rate: 0.1, random_state: 0}
"""
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("modelci-demo"),
        help="folder for runs, comparison and report (default: modelci-demo)",
    )


def run(args: argparse.Namespace) -> int:
    from modelci import comparison, config, evaluation, fsutil, progress, training
    from modelci.commands.compare import summary_line, warning_lines
    from modelci.commands.report import write_report
    from modelci.github import workflow
    from modelci.rundir import Run

    # Its files and run folders are overwritten: only a new, empty or earlier demo folder.
    out = fsutil.check_replaceable(args.out, marker="candidate.yaml", kind="an earlier demo")
    out.mkdir(parents=True, exist_ok=True)
    log = progress.current
    runs = {}
    for label, text in (("baseline", BASELINE), ("candidate", CANDIDATE)):
        config_path = out / f"{label}.yaml"
        fsutil.write_text_atomic(config_path, text)
        log.info(f"— {label}: {config_path}")
        training.train(config.load(config_path), out / label)
        runs[label] = Run.open(out / label)
        evaluation.evaluate(runs[label])
    log.info("— compare")
    settings = comparison.settings_from(runs["candidate"], alpha=None, strict=None)
    document = comparison.compare(runs["candidate"], runs["baseline"], out / "compare", settings)
    report_md, report_html = out / "report.md", out / "report.html"
    write_report(out / "compare", report_md, html=report_html)
    summary = summary_line(document)
    print(summary)
    for line in warning_lines(document):
        print(line)
    print(f"report:  {report_md}")
    print(f"html:    {report_html}")
    outputs = {
        "report": str(report_md.resolve()),
        "html": str(report_html.resolve()),
        "verdict": document.verdict,
        "summary": summary,
    }
    workflow.set_outputs(outputs)
    return 0
