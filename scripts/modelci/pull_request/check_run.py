"""The verdict as a GitHub check run: conclusion, summary, one annotation per failed gate.

`build_check` turns a loaded report into a `CheckReport` (pure); `post_check` sends it as a check
run, falling back to a commit status when the token may not write checks (a 403); and
`gate_commands` / `log_lines` are the workflow-command lines for the job log. Only
`locate_config` reads files: the candidate's config, whose `gates:` lines the annotations point at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from modelci.errors import ExternalError
from modelci.github import workflow
from modelci.github.client import Forbidden, GitHub
from modelci.report.inputs import Report

Conclusion = Literal["success", "failure", "neutral"]

SUMMARY_LIMIT = 65_535  # GitHub's limit for output.summary
TITLE_LIMIT = 255
DESCRIPTION_LIMIT = 140  # a commit status's description
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per create/update call
CHURN = "churn"  # the churn gate's name in failed_gates (not a metric)
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


@dataclass(frozen=True, kw_only=True)
class ConfigFile:
    """Where the gates were written: a repository-relative path and, if readable, its text."""

    path: str
    text: str | None = None


@dataclass(frozen=True, kw_only=True)
class GateFailure:
    metric: str
    reason: str
    path: str | None = None  # repository-relative file the gate is written in
    line: int | None = None


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """What the check says: conclusion, headline, markdown summary and the failed gates."""

    conclusion: Conclusion
    title: str
    summary: str
    failures: tuple[GateFailure, ...] = ()
    gates: tuple[tuple[str, str, str], ...] = ()  # (status, metric, reason) for the log

    @property
    def state(self) -> Literal["success", "failure"]:
        """The commit-status state: statuses have no 'neutral'."""
        return "failure" if self.conclusion == "failure" else "success"

    @property
    def description(self) -> str:
        return _cap(self.title, DESCRIPTION_LIMIT)


@dataclass(frozen=True, kw_only=True)
class Posted:
    kind: Literal["check_run", "status"]
    url: str | None  # the check run's page, or the status's target URL
    id: int | None = None


# -- building (pure) ------------------------------------------------------------------------------


def build_check(
    report: Report, *, config: ConfigFile | None, details_url: str | None = None
) -> CheckReport:
    """The check for a compare directory's report, or an evaluated run's: its absolute gates
    decide (a first pull request), neutral when it has none."""
    from modelci.report import content, markdown

    headline = next(s for s in content.build_sections(report) if s.headline)
    # The check page cannot show the plots: leave them out rather than say they are missing.
    bare = replace(
        report,
        comparison=replace(report.comparison, plots=()) if report.comparison else None,
        candidate=replace(report.candidate, plots=()) if report.candidate else None,
    )
    summary = markdown.render_markdown(
        bare, image_url=lambda path: None, limit=SUMMARY_LIMIT, full_report_url=details_url
    )
    # The check is named modelci already: "❌ modelci: candidate fails …" → "candidate fails …".
    title = _cap(re.sub(r"^\W*(?:modelci: )?", "", headline.title), TITLE_LIMIT)
    comparison = report.comparison
    if comparison is None:
        return _evaluation_check(report, config=config, title=title, summary=summary)
    churn_gate = comparison.churn.gate if comparison.churn is not None else None
    failures = []
    for name in comparison.failed_gates:
        metric = comparison.metric(name)
        reason = metric.gate.reason if metric is not None and metric.gate.reason else ""
        if name == CHURN and metric is None and churn_gate is not None:
            reason = churn_gate.reason
        failures.append(_failure(name, reason, config))
    gates = tuple(
        (m.gate.status, m.name, m.gate.reason)
        for m in comparison.metrics
        if m.gate.status != "none"
    )
    if churn_gate is not None:
        gates += ((churn_gate.status, CHURN, churn_gate.reason),)
    return CheckReport(
        conclusion="failure" if comparison.verdict == "fail" else "success",
        title=title,
        summary=summary,
        failures=tuple(failures),
        gates=gates,
    )


def _evaluation_check(
    report: Report, *, config: ConfigFile | None, title: str, summary: str
) -> CheckReport:
    """An evaluation alone (no baseline yet): its config's absolute gates decide; neutral when
    nothing is gated without a baseline (no gates, or only relative ones)."""
    gates = report.candidate.gates if report.candidate is not None else None
    if gates is None or not gates.results:
        return CheckReport(conclusion="neutral", title=title, summary=summary)
    return CheckReport(
        conclusion="failure" if gates.verdict == "fail" else "success",
        title=title,
        summary=summary,
        failures=tuple(
            _failure(result.name, result.gate.reason, config) for result in gates.failed
        ),
        gates=tuple((r.gate.status, r.name, r.gate.reason) for r in gates.results),
    )


def _failure(metric: str, reason: str, config: ConfigFile | None) -> GateFailure:
    """A failed gate, pointed at its line under `gates:` in the config when it can be read."""
    path = config.path if config else None
    line = gate_line(config.text, metric) if config and config.text is not None else None
    return GateFailure(
        metric=metric,
        reason=reason or "the gate failed",
        path=path,
        line=line or (1 if path else None),
    )


def gate_line(text: str, metric: str) -> int | None:
    """The 1-based line of `gates:` → `metric` in a modelci.yaml, else of `gates:`, else None;
    for the churn gate, of `churn:` → `max_harmful` (a section of its own).

    >>> gate_line("data: {}\\ngates:\\n  accuracy: {min: 0.9}\\n  roc_auc: {max_drop: 0.01}\\n", "roc_auc")
    4
    >>> gate_line("gates: {roc_auc: {max_drop: 0.01}}", "f1")
    1
    >>> gate_line("gates: {}\\nchurn:\\n  max_harmful: 0.02\\n", "churn")
    3
    """
    from modelci import yaml_document
    from modelci.errors import UserError

    try:  # the bounded reader of the config loader: no alias bomb or deep nesting here either
        document = yaml_document.read(text, source="modelci.yaml")
    except UserError:
        return None
    lines = document.lines if document is not None else {}
    if metric == CHURN:
        return lines.get((CHURN, "max_harmful")) or lines.get((CHURN,))
    return lines.get(("gates", metric)) or lines.get(("gates",))


def gate_annotations(check: CheckReport) -> list[dict[str, Any]]:
    """One failure annotation per failed gate that has a file to point at."""
    return [
        {
            "path": failure.path,
            "start_line": failure.line or 1,
            "end_line": failure.line or 1,
            "annotation_level": "failure",
            "title": f"modelci gate {failure.metric}",
            "message": failure.reason,
        }
        for failure in check.failures
        if failure.path
    ]


# -- the job log (pure) ---------------------------------------------------------------------------


def gate_commands(check: CheckReport) -> list[str]:
    """`::error` lines for the failed gates: red in the log and on the run's summary page."""
    return [
        workflow.command(
            "error",
            failure.reason,
            title=f"modelci gate {failure.metric}",
            file=failure.path,
            line=failure.line,
        )
        for failure in check.failures
    ]


def log_lines(check: CheckReport, *, token: str | None = None) -> list[str]:
    """The gates as a collapsed group; `stop-commands` keeps their text from acting as commands."""
    width = max((len(metric) for _, metric, _ in check.gates), default=0)
    body = [f"{status:<4}  {metric:<{width}}  {reason}" for status, metric, reason in check.gates]
    return [
        workflow.group(f"modelci check: {check.title}"),
        *workflow.verbatim(body or [check.title], token=token),
        workflow.END_GROUP,
    ]


# -- files ----------------------------------------------------------------------------------------


def locate_config(source: Path, report: Report, *, root: Path) -> ConfigFile:
    """The candidate run's config file (run.json `config_path`), relative to `root`.

    Falls back to the compared file itself (comparison.json / evaluation.json), so an annotation
    always has a path, even when the run directory is gone.
    """
    from modelci import documents
    from modelci.report.inputs import find_run_dir

    recorded = report.candidate_run.path if report.candidate_run else None
    run_dir = source if report.comparison is None else find_run_dir(recorded, source)
    config_path = None
    if run_dir is not None and (run_dir / documents.RUN).is_file():
        config_path = documents.read_run(run_dir / documents.RUN).config_path or None
    if config_path is None:
        name = documents.COMPARISON if report.comparison is not None else documents.EVALUATION
        return ConfigFile(path=_relative(source / name, root))
    path = Path(config_path)
    on_disk = path if path.is_absolute() else root / path
    try:
        text: str | None = on_disk.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    return ConfigFile(path=_relative(on_disk, root), text=text)


def _relative(path: Path, root: Path) -> str:
    """A repository-relative POSIX path when `path` is inside `root`, else the path as given."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return path.as_posix()


# -- GitHub ---------------------------------------------------------------------------------------


def post_check(
    github: GitHub,
    owner: str,
    repo: str,
    *,
    sha: str,
    check: CheckReport,
    name: str = "modelci",
    details_url: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Posted:
    """Create a completed check run on `sha`; a commit status instead if checks are forbidden.

    Annotations go 50 per request: the rest are added with PATCH, which appends them.
    """
    base = f"/repos/{owner}/{repo}"
    notes = gate_annotations(check)
    output = {"title": check.title, "summary": check.summary}
    body: dict[str, Any] = {
        "name": name,
        "head_sha": sha,
        "status": "completed",
        "conclusion": check.conclusion,
        "output": {**output, "annotations": notes[:ANNOTATIONS_PER_REQUEST]},
    }
    if details_url:
        body["details_url"] = details_url
    try:
        created = github.post(f"{base}/check-runs", json=body)
    except Forbidden as refused:
        if log is not None:
            log(f"{refused.message}; posting a commit status instead")
        return _post_status(
            github, base, sha=sha, check=check, name=name, url=details_url, refused=refused
        )
    check_id = int(created["id"])
    for start in range(ANNOTATIONS_PER_REQUEST, len(notes), ANNOTATIONS_PER_REQUEST):
        batch = notes[start : start + ANNOTATIONS_PER_REQUEST]
        github.patch(
            f"{base}/check-runs/{check_id}", json={"output": {**output, "annotations": batch}}
        )
    return Posted(kind="check_run", url=created.get("html_url"), id=check_id)


def _post_status(
    github: GitHub,
    base: str,
    *,
    sha: str,
    check: CheckReport,
    name: str,
    url: str | None,
    refused: Forbidden,
) -> Posted:
    body: dict[str, Any] = {"state": check.state, "context": name, "description": check.description}
    if url:
        body["target_url"] = url
    try:
        created = github.post(f"{base}/statuses/{sha}", json=body)
    except Forbidden as error:
        raise ExternalError(
            f"GitHub refused both the check run and the commit status on {sha[:12]}: "
            f"{error.github_message or refused.github_message or '403 Forbidden'}",
            fix=(
                "give the job `permissions: checks: write` (or `statuses: write`); a pull "
                "request from a fork gets a read-only token, so post from a workflow_run job"
            ),
        ) from None
    return Posted(
        kind="status", url=url, id=created.get("id") if isinstance(created, dict) else None
    )


def head_sha(event_name: str | None, event: dict[str, Any], sha: str | None) -> str | None:
    """The commit a check belongs on: the PR's head for PR events, the run's head for
    workflow_run, else GITHUB_SHA (for pull_request that is a merge commit nobody sees).
    """
    if event_name in ("pull_request", "pull_request_target"):
        head = ((event.get("pull_request") or {}).get("head") or {}).get("sha")
        return head if isinstance(head, str) else sha
    if event_name == "workflow_run":
        head = (event.get("workflow_run") or {}).get("head_sha")
        return head if isinstance(head, str) else sha
    return sha


def is_sha(text: str) -> bool:
    return bool(_SHA.fullmatch(text))


def _cap(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
