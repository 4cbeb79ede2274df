"""Which runner each job of the reusable workflows lands on: `train-runs-on` takes only the jobs
that run the training (a GPU or self-hosted label), every other job stays on `runs-on`.

The `runs-on:` expressions are evaluated here for given inputs by a small evaluator of the few
expression functions they use (`startsWith`, `fromJSON`, `&&`, `||`, parentheses), with GitHub's
semantics: `a && b` is b when a is truthy, else a; `a || b` is a when truthy, else b; `''` is
falsy, a list or object truthy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PULL_REQUEST = ROOT / ".github" / "workflows" / "pull-request.yml"
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
TRAINING_JOBS = {PULL_REQUEST: {"candidate"}, RELEASE: {"build"}}

TOKEN = re.compile(r"\s*(\(|\)|&&|\|\||,|'(?:[^']|'')*'|[A-Za-z_][\w.-]*)")


class Expression:
    """A recursive-descent reader of `${{ }}` expressions made of inputs, string literals,
    startsWith, fromJSON, &&, || and parentheses, into thunks: `&&` and `||` short-circuit, as
    on GitHub (`fromJSON` of a plain label is never called)."""

    def __init__(self, text: str, inputs: dict[str, str]) -> None:
        self.tokens: list[str] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            assert match, f"cannot read the expression at {text[position:]!r}"
            self.tokens.append(match.group(1))
            position = match.end()
        self.inputs = inputs

    def value(self) -> Any:
        thunk = self.either()
        assert not self.tokens, f"left over: {self.tokens}"
        return thunk()

    def take(self) -> str:
        return self.tokens.pop(0)

    def either(self) -> Callable[[], Any]:
        left = self.both()
        while self.tokens and self.tokens[0] == "||":
            self.take()
            left = _or(left, self.both())
        return left

    def both(self) -> Callable[[], Any]:
        left = self.atom()
        while self.tokens and self.tokens[0] == "&&":
            self.take()
            left = _and(left, self.atom())
        return left

    def atom(self) -> Callable[[], Any]:
        token = self.take()
        if token == "(":
            inner = self.either()
            assert self.take() == ")"
            return inner
        if token.startswith("'"):
            literal = token[1:-1].replace("''", "'")
            return lambda: literal
        if token.startswith("inputs."):
            value = self.inputs[token.removeprefix("inputs.")]
            return lambda: value
        assert self.take() == "(", f"unknown name {token}"
        arguments = [self.either()]
        while self.tokens[0] == ",":
            self.take()
            arguments.append(self.either())
        assert self.take() == ")"
        if token == "startsWith":
            first, second = arguments
            return lambda: str(first()).lower().startswith(str(second()).lower())
        if token == "fromJSON":
            (only,) = arguments
            return lambda: json.loads(only())
        raise AssertionError(f"unknown function {token}")


def _or(left: Callable[[], Any], right: Callable[[], Any]) -> Callable[[], Any]:
    def value() -> Any:
        first = left()
        return first if truthy(first) else right()

    return value


def _and(left: Callable[[], Any], right: Callable[[], Any]) -> Callable[[], Any]:
    def value() -> Any:
        first = left()
        return right() if truthy(first) else first

    return value


def truthy(value: Any) -> bool:
    return value not in ("", False, None, 0)


def runner(path: Path, job: str, **given: str) -> Any:
    """The runner `job` of the workflow at `path` gets for the inputs `given` (others default)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    declared = document[True]["workflow_call"]["inputs"]
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    text = document["jobs"][job]["runs-on"]
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text.strip(), re.S)
    assert match, f"{path.name} {job}: runs-on is not one expression: {text!r}"
    return Expression(match.group(1), inputs).value()


def jobs(path: Path) -> list[str]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"])


@pytest.mark.parametrize("path", [PULL_REQUEST, RELEASE], ids=lambda p: p.name)
def test_train_runs_on_moves_only_the_training_jobs(path: Path) -> None:
    training = TRAINING_JOBS[path]
    assert training < set(jobs(path))
    for job in jobs(path):
        got = runner(path, job, runs_on="ubuntu-latest", train_runs_on="gpu-large")
        assert got == ("gpu-large" if job in training else "ubuntu-latest"), job


@pytest.mark.parametrize("path", [PULL_REQUEST, RELEASE], ids=lambda p: p.name)
def test_without_train_runs_on_every_job_is_on_runs_on(path: Path) -> None:
    for job in jobs(path):
        assert runner(path, job) == "ubuntu-latest", job
        assert runner(path, job, runs_on="self-hosted-cpu") == "self-hosted-cpu", job


@pytest.mark.parametrize("path", [PULL_REQUEST, RELEASE], ids=lambda p: p.name)
def test_runners_given_as_json_become_label_lists_or_groups(path: Path) -> None:
    (training,) = TRAINING_JOBS[path]
    other = next(job for job in jobs(path) if job != training)
    gpu = '["self-hosted", "gpu"]'
    assert runner(path, training, train_runs_on=gpu) == ["self-hosted", "gpu"]
    assert runner(path, other, train_runs_on=gpu) == "ubuntu-latest"
    group = '{"group": "ml", "labels": ["linux"]}'
    assert runner(path, other, runs_on=group) == {"group": "ml", "labels": ["linux"]}
    # runs-on as JSON, train-runs-on empty: the training job follows runs-on
    assert runner(path, training, runs_on=group) == {"group": "ml", "labels": ["linux"]}


def test_the_evaluator_reads_github_semantics() -> None:
    """The evaluator itself: `&&`/`||` return operands, not booleans."""
    inputs = {"a": "", "b": "x"}
    assert Expression("inputs.a || inputs.b", inputs).value() == "x"
    assert Expression("inputs.b && 'y' || 'z'", inputs).value() == "y"
    assert Expression("inputs.a && 'y' || 'z'", inputs).value() == "z"
    assert Expression("startsWith('[1]', '[') && fromJSON('[1]')", inputs).value() == [1]
    assert (
        Expression("startsWith(inputs.b, '[') && fromJSON(inputs.b) || inputs.b", inputs).value()
        == "x"
    )
