"""A YAML file read as plain data: bounded, plain tags only, with the line of every mapping key.

PyYAML's safe loader still expands aliases without limit (nine anchors nested nine deep are a
few hundred bytes and 387 million nodes), follows an alias into itself until the stack
overflows, and refuses an unknown tag only while building values. A config is written by people
and read in CI, so all three are refused up front, each with one line naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from modelci.errors import UserError

MAX_CHARS = 1_000_000
MAX_ALIASES = 100
MAX_DEPTH = 50  # nesting, counted after aliases are followed
MAX_NODES = 100_000  # values, counted after aliases are expanded
_STANDARD = "tag:yaml.org,2002:"  # written !! in a file
_MERGE = f"{_STANDARD}merge"
_FIX = "Write the values out plainly: modelci.yaml takes plain mappings, lists and scalars"


@dataclass(frozen=True, kw_only=True)
class Document:
    data: Any  # what yaml.safe_load would give: dicts, lists, scalars
    lines: Mapping[tuple[str, ...], int]  # path of mapping keys → 1-based line of the key


def read(text: str, *, source: str) -> Document | None:
    """Parse `text`; None for an empty document. Every refusal is a one-line `UserError`."""
    if len(text) > MAX_CHARS:
        raise UserError(
            f"the file is over {MAX_CHARS:,} characters, too large for a config", where=source
        )
    try:
        root = yaml.compose(text, Loader=_BoundedLoader)
    except _Refused as refused:
        raise UserError(refused.message, where=_at(source, refused.mark), fix=_FIX) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise UserError(
            f"malformed YAML: {problem}",
            where=_at(source, mark),
            fix="Check indentation and quoting",
        ) from None
    if root is None:
        return None
    _check_graph(root, source)
    return Document(data=_construct(root, source), lines=dict(_key_lines(root)))


class _Refused(Exception):
    def __init__(self, message: str, mark: Any):
        super().__init__(message)
        self.message = message
        self.mark = mark


def _at(source: str, mark: Any) -> str:
    return f"{source}:{mark.line + 1}" if mark is not None else source


class _BoundedLoader(yaml.SafeLoader):
    """Counts aliases and nesting while composing, before anything is expanded."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} YAML aliases (*name)", event.start_mark)
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(f"YAML nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_graph(root: Any, source: str) -> None:
    """Refuse a cycle, an expansion too large or too deep, an unsafe tag, a duplicate key.

    The node graph shares one node per anchor, so each node is checked once and the expanded
    size is summed over that sharing: linear in the file, however large its expansion.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            if size[key] > MAX_NODES:
                raise UserError(
                    f"the YAML expands to more than {MAX_NODES:,} values through its aliases",
                    where=_at(source, node.start_mark),
                    fix=_FIX,
                )
            if depth[key] > MAX_DEPTH:
                raise UserError(
                    f"YAML nested more than {MAX_DEPTH} levels deep through its aliases",
                    where=_at(source, node.start_mark),
                    fix=_FIX,
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise UserError(
                "a YAML alias refers to the value that contains it",
                where=_at(source, node.start_mark),
                fix=_FIX,
            )
        if node.tag not in yaml.SafeLoader.yaml_constructors and node.tag != _MERGE:
            raise UserError(
                f"the YAML tag {node.tag.replace(_STANDARD, '!!', 1)} is not allowed",
                where=_at(source, node.start_mark),
                fix=_FIX,
            )
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicate_keys(node, source)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _refuse_duplicate_keys(node: Any, source: str) -> None:
    """PyYAML keeps the last of two equal keys silently; a config should not."""
    seen: set[str] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
            if key_node.value in seen:
                raise UserError(
                    f"duplicate key '{key_node.value}'",
                    where=_at(source, key_node.start_mark),
                    fix="Keep only one",
                )
            seen.add(key_node.value)


def _construct(root: Any, source: str) -> Any:
    try:
        return yaml.SafeLoader("").construct_document(root)
    except (yaml.YAMLError, ValueError, KeyError, TypeError) as error:
        # An explicit tag on a value it does not fit (`!!int abc`, `!!bool maybe`).
        node = _first_unbuildable(root)
        mark = getattr(error, "problem_mark", None) or (node.start_mark if node else None)
        problem = getattr(error, "problem", None) or f"{error}"
        raise UserError(
            f"cannot read the YAML value: {problem}".rstrip(),
            where=_at(source, mark),
            fix="Remove the !!tag, or give a value that fits it",
        ) from None


def _first_unbuildable(root: Any) -> Any:
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node)
            except Exception:
                return node
        stack.extend(_children(node))
    return None


def _key_lines(root: Any) -> Iterator[tuple[tuple[str, ...], int]]:
    stack: list[tuple[tuple[str, ...], Any]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if not isinstance(node, yaml.MappingNode):
            continue
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                here = (*path, key_node.value)
                yield here, key_node.start_mark.line + 1
                stack.append((here, value_node))
