"""The plan of a pull-request run: which configs are candidates, their names, where the baseline
comes from. Read from the reusable workflow's inputs, checked once, the same in every job.

The plan itself is stdlib only and reads nothing but its inputs: each candidate job of
.github/workflows/pull-request.yml runs it (actions/plan) before any of the pull request's code,
and the report job's `gather` calls `plan_from` again to find each candidate's artifact and check
name, so no job waits for a planning job.

    >>> plan = plan_from(
    ...     {"GITHUB_EVENT_NAME": "pull_request", "CONFIG": "modelci.yaml", "CANDIDATES": "[]"}
    ... )
    >>> plan.baseline, [(c.config, c.id, c.check) for c in plan.candidates]
    ('release', [('modelci.yaml', 'modelci.yaml', 'modelci')])
    >>> [c.check for c in plan_from({"GITHUB_EVENT_NAME": "pull_request",
    ...                              "CANDIDATES": '["a.yaml", "models/b.yaml"]'}).candidates]
    ['modelci (a.yaml)', 'modelci (models/b.yaml)']
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
from collections.abc import Mapping

from modelci.errors import UserError

BASELINE_MODES = ("release", "merge-base")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Candidate:
    config: str  # path in the pull request's tree
    id: str  # artifact-safe name, unique in the plan
    check: str  # the check run's name


@dataclasses.dataclass(frozen=True, kw_only=True)
class Plan:
    candidates: tuple[Candidate, ...]
    baseline: str  # release | merge-base | config | path

    def candidate(self, config: str) -> Candidate:
        """The plan's entry for one matrix leg's config."""
        for candidate in self.candidates:
            if candidate.config == config:
                return candidate
        raise UserError(
            f"{config!r} is not one of the planned candidates "
            f"({', '.join(c.config for c in self.candidates)})",
            fix="the matrix leg and the workflow inputs disagree: pass the same `candidates`",
        )


def plan_from(inputs: Mapping[str, str]) -> Plan:
    """The plan from the workflow's inputs (environment variable names, as actions/plan sets them)."""
    event = inputs.get("GITHUB_EVENT_NAME", "")
    if event != "pull_request":
        raise UserError(
            f"this workflow runs on pull_request events, not {event or 'none'}",
            fix="call it from a workflow with `on: pull_request` (pull_request_target would hand "
            "the pull request's code a write token)",
        )
    configs = _candidate_configs(inputs.get("CANDIDATES", "").strip() or "[]")
    baseline_config, baseline_path = (
        inputs.get("BASELINE_CONFIG", ""),
        inputs.get("BASELINE_PATH", ""),
    )
    if baseline_config and baseline_path:
        raise UserError(
            "give baseline-config or baseline-path, not both",
            fix="keep the one the baseline should come from",
        )
    mode = inputs.get("BASELINE", "") or "release"
    if mode not in BASELINE_MODES:
        raise UserError(
            f"baseline must be release or merge-base, got {mode!r}",
            fix="`release`: the latest published release; `merge-base`: the config at the merge base",
        )
    configs = configs or [inputs.get("CONFIG", "") or "modelci.yaml"]
    return Plan(
        candidates=_name(configs),
        baseline="path" if baseline_path else "config" if baseline_config else mode,
    )


def _candidate_configs(text: str) -> list[str]:
    fix = """e.g. candidates: '["a.yaml", "b.yaml"]', or '[]' for just `config`"""
    try:
        configs = json.loads(text)
    except ValueError as error:
        raise UserError(f"candidates is not JSON ({error}): {text}", fix=fix) from None
    if not isinstance(configs, list) or not all(isinstance(c, str) and c for c in configs):
        raise UserError(f"candidates must be a JSON list of config paths, got {text}", fix=fix)
    repeated = sorted({c for c in configs if configs.count(c) > 1})
    if repeated:
        raise UserError(f"candidates lists {', '.join(repeated)} more than once", fix=fix)
    return configs


def _name(configs: list[str]) -> tuple[Candidate, ...]:
    """An artifact-safe id and a check name for each config; the ids are unique."""
    several, ids, named = len(configs) > 1, set[str](), []
    for config in configs:
        stem = _UNSAFE.sub("-", config).strip("-.")[:40] or "model"
        ident, n = stem, 2
        while ident in ids:
            ident, n = f"{stem}-{n}", n + 1
        ids.add(ident)
        check = f"modelci ({config})" if several else "modelci"
        named.append(Candidate(config=config, id=ident, check=check))
    return tuple(named)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """`python -m modelci.pull_request.plan [--candidate CONFIG]`: the plan as step outputs."""
    parser = argparse.ArgumentParser(prog="python -m modelci.pull_request.plan")
    parser.add_argument("--candidate", help="this matrix leg's config: output its id and check")
    args = parser.parse_args(argv)
    from modelci.github import workflow
    from modelci.github.environment import ActionsEnvironment

    environ = os.environ if environ is None else environ
    try:
        plan = plan_from(environ)
        outputs = {"baseline": plan.baseline, "candidates": json.dumps(_entries(plan))}
        if args.candidate is not None:
            leg = plan.candidate(args.candidate)
            outputs |= {"config": leg.config, "id": leg.id, "check": leg.check}
    except UserError as error:
        print(workflow.command("error", error.line(), title="modelci pull request"))
        return int(error.exit_code)
    if not workflow.set_outputs(outputs, env=ActionsEnvironment.from_env(environ)):
        print(json.dumps(outputs, indent=2))
    return 0


def _entries(plan: Plan) -> list[dict[str, str]]:
    return [dataclasses.asdict(candidate) for candidate in plan.candidates]


if __name__ == "__main__":
    raise SystemExit(main())
