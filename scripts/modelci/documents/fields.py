"""Reading JSON strictly: every value knows where it sits, for one-line errors; writing it
finite (NaN and infinity become null) through a staged write."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, cast

from modelci.documents.contract import FIXES, REWRITE, SCHEMA_MAJOR, SCHEMAS, T
from modelci.errors import UserError


def plain(value: Any) -> Any:
    """`value` as plain JSON: numpy scalars and arrays become Python, tuples lists, paths text,
    NaN and infinity null (JSON has no spelling for them; a reader would choke).

    >>> plain({"missing": float("nan"), "ci": (0.1, float("inf")), "n": 3})
    {'missing': None, 'ci': [0.1, None], 'n': 3}
    """
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_document(path: Path, data: Mapping[str, Any]) -> None:
    from modelci import fsutil

    fsutil.write_json_atomic(path, plain(data))


def load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path} not found", fix=FIXES.get(path.name, "Check the path")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise UserError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
            fix=REWRITE,
        ) from None
    except ValueError as error:  # NaN / Infinity, which Python's json would otherwise accept
        raise UserError(f"{path}: {error}", fix=REWRITE) from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number; numbers must be finite or null")


def kind_of(value: Any) -> str:
    if value is MISSING:
        return "nothing (the field is missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()


@dataclass(frozen=True)
class Node:
    """One value of a document and where it sits (`metrics[2].gate.status`), for error lines."""

    value: Any
    file: str
    path: str = ""

    def fail(self, expected: str) -> NoReturn:
        where = self.path or "the document"
        raise UserError(f"{self.file}: {where} must be {expected}, got {kind_of(self.value)}")

    @property
    def absent(self) -> bool:
        return self.value is None or self.value is MISSING

    def __getitem__(self, key: str) -> Node:
        if not isinstance(self.value, Mapping):
            self.fail("an object")
        path = f"{self.path}.{key}" if self.path else key
        return Node(self.value.get(key, MISSING), self.file, path)

    def obj(self, expected: str = "an object") -> Node:
        if not isinstance(self.value, Mapping):
            self.fail(expected)
        return self

    def items(self) -> list[tuple[str, Node]]:
        """An object's entries; null or missing is an empty object."""
        if self.absent:
            return []
        return [(str(key), self[str(key)]) for key in self.obj().value]

    def elements(self) -> list[Node]:
        """A list's entries; null or missing is an empty list."""
        if self.absent:
            return []
        if not isinstance(self.value, list):
            self.fail("a list")
        return [Node(v, self.file, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail("a string")
        return self.value

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            self.fail("a number")
        if not math.isfinite(self.value):
            self.fail("a finite number")
        return float(self.value)

    def integer(self) -> int:
        number = self.number()
        if number != int(number):
            self.fail("a whole number")
        return int(number)

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail("true or false")
        return self.value

    def choice(self, options: tuple[T, ...]) -> T:
        if self.value not in options:
            self.fail(" or ".join(repr(o) for o in options))
        return cast(T, self.value)

    def optional(self, read: Callable[[Node], T]) -> T | None:
        """`read(self)`, or None when the value is null or missing."""
        return None if self.absent else read(self)

    def free(self) -> Mapping[str, Any]:
        """A free-form object (a config, estimator parameters); null or missing is empty."""
        return {} if self.absent else dict(self.obj().value)

    def numbers(self) -> tuple[float, ...]:
        return tuple(node.number() for node in self.elements())

    def strings(self) -> tuple[str, ...]:
        return tuple(node.text() for node in self.elements())


def as_text(node: Node) -> str:
    return node.text()


def as_number(node: Node) -> float:
    return node.number()


def as_integer(node: Node) -> int:
    return node.integer()


def as_flag(node: Node) -> bool:
    return node.flag()


def as_strings(node: Node) -> tuple[str, ...]:
    return node.strings()


def same_length(node: Node, *keys: str) -> tuple[tuple[float, ...], ...]:
    arrays = tuple(node[key].numbers() for key in keys)
    if len({len(a) for a in arrays}) > 1:
        node.fail(f"an object whose {' and '.join(keys)} lists have the same length")
    return arrays


def open_document(path: Path, kind: str | None = None) -> Node:
    """The document at `path`, its schema checked: `modelci.<kind>/1`, the kind by file name."""
    data = load_json(path)
    expected = f"modelci.{kind}/{SCHEMA_MAJOR}" if kind else SCHEMAS.get(path.name)
    if not isinstance(data, dict):
        raise UserError(
            f"{path} must be a JSON object, got {kind_of(data)}",
            fix=FIXES.get(path.name, "Check the path"),
        )
    if expected is None:
        return Node(data, str(path))
    found = data.get("schema")
    if found != expected:
        prefix, _, major = expected.rpartition("/")
        if isinstance(found, str) and found.startswith(prefix + "/"):
            raise UserError(
                f"{path}: {found} is not supported; this modelci reads {prefix} version {major}",
                fix="Use the modelci version that wrote it, or re-create the run",
            )
        raise UserError(
            f"{path} is not a modelci {prefix.split('.', 1)[1]} file: its schema must be "
            f"'{expected}', got {found!r}",
            fix=FIXES.get(path.name, "Check the path"),
        )
    return Node(data, str(path))


def drop_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def whole(value: float) -> float | int:
    """A count read back as 3.0 is written as 3, as it was."""
    return int(value) if value == int(value) else value
