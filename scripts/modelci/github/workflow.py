"""Workflow commands: how a step talks to the Actions runner, in one place.

Annotations (`::error::`, `::warning::`, `::notice::`), log groups, step outputs appended to
`$GITHUB_OUTPUT` and the job summary in `$GITHUB_STEP_SUMMARY`. Every modelci command writes its
own step outputs through `set_outputs`, so no action scrapes stdout or re-reads JSON in shell.

    >>> command("warning", "50% done\\nnext", title="modelci: slow", file="a,b.py", line=3)
    '::warning file=a%2Cb.py,line=3,title=modelci%3A slow::50%25 done%0Anext'
    >>> group("modelci check: 2 gates")
    '::group::modelci check: 2 gates'
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from modelci.github.environment import ActionsEnvironment

ANNOTATION_KINDS = ("debug", "notice", "warning", "error")
END_GROUP = "::endgroup::"

OutputValue = str | int | bool


def escape_data(text: str) -> str:
    """Escape a workflow command's message as the runner expects.

    >>> escape_data("50% of\\nrows")
    '50%25 of%0Arows'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (`file=`, `title=`, ...).

    >>> escape_property("a:b,c")
    'a%3Ab%2Cc'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    kind: str,
    message: str,
    title: str | None = None,
    file: str | None = None,
    line: int | None = None,
) -> str:
    """One annotation line (`debug`, `notice`, `warning` or `error`), escaped.

    >>> command("error", "gate failed", file="modelci.yaml", line=12)
    '::error file=modelci.yaml,line=12::gate failed'
    """
    if kind not in ANNOTATION_KINDS:
        raise ValueError(f"workflow command kind must be one of {ANNOTATION_KINDS}, got {kind!r}")
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"{kind} {','.join(props)}" if props else kind
    return f"::{head}::{escape_data(message)}"


def group(title: str) -> str:
    """The line that opens a collapsed log group; `END_GROUP` closes it."""
    return f"::group::{escape_data(title)}"


def verbatim(lines: Iterable[str], *, token: str | None = None) -> list[str]:
    """`lines` fenced by `::stop-commands::`, so text from data cannot act as a command.

    >>> verbatim(["::error::not a command"], token="t0k")
    ['::stop-commands::t0k', '::error::not a command', '::t0k::']
    """
    token = token or secrets.token_hex(16)
    body = [" ".join(line.splitlines()) for line in lines]
    return [f"::stop-commands::{token}", *body, f"::{token}::"]


def format_outputs(values: Mapping[str, OutputValue]) -> str:
    """Step outputs in `$GITHUB_OUTPUT`'s heredoc form, each with a fresh random delimiter.

    A random delimiter lets values span lines and means no value can end its block early and
    inject another output. Booleans are written `true`/`false`, as workflow expressions expect.
    """
    blocks = []
    for name, value in values.items():
        if not name or any(c in name for c in "\r\n=<"):
            raise ValueError(
                f"output name {name!r} must be non-empty and have no '=', '<' or newline"
            )
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in text:  # astronomically unlikely, but then it must not be used
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        blocks.append(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")
    return "".join(blocks)


def set_outputs(
    values: Mapping[str, OutputValue], *, env: ActionsEnvironment | None = None
) -> bool:
    """Append step outputs to `$GITHUB_OUTPUT`; False (and nothing written) outside Actions.

    `env` defaults to the process environment; commands pass the one they already read.
    """
    env = env or ActionsEnvironment.from_env()
    if env.output is None:
        return False
    text = format_outputs(values)  # validates every name before anything is written
    with env.output.open("a", encoding="utf-8", newline="") as out:
        out.write(text)
    return True


def append_summary(markdown: str, *, env: ActionsEnvironment | None = None) -> bool:
    """Append Markdown to the job summary; False (and nothing written) outside Actions.

    GitHub drops a step's summary above 1 MiB; callers render a capped version for that.
    """
    env = env or ActionsEnvironment.from_env()
    if env.step_summary is None:
        return False
    with env.step_summary.open("a", encoding="utf-8", newline="") as out:
        out.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return True
