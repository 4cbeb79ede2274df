"""`input_schema.json`: the columns a model takes and an example of them, as `train` saw them.

The contract between the trained model and everything that sends it rows: `modelci serve`
validates every request against it, its model metadata lists its columns, the release, the
ModelPack artifact and the card ship it, and `compare` flags a change of it against the
baseline as a breaking change. The example rows are test rows (by `row_ids`, as
predictions.csv writes them), so a served model can be checked against what `evaluate` wrote.

Column `dtype`s: `float64` and `int64` (numeric features), `bool` and `string` (categorical
features; their `categories` are the training values, sorted, at most `MAX_CATEGORIES`),
`datetime` (a date feature, sent as ISO 8601 text). `nullable` says whether the model accepts a
missing value there: the training data had one, or modelci's preprocessing imputes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from modelci.documents.contract import INPUT_SCHEMA, SCHEMAS
from modelci.documents.fields import (
    Node,
    as_integer,
    open_document,
    write_document,
)

Kind = Literal["numeric", "categorical", "date"]
Dtype = Literal["float64", "int64", "bool", "string", "datetime"]
KINDS: tuple[Kind, ...] = ("numeric", "categorical", "date")
DTYPES: tuple[Dtype, ...] = ("float64", "int64", "bool", "string", "datetime")
# Which dtypes each kind may have.
KIND_DTYPES: Mapping[Kind, tuple[Dtype, ...]] = {
    "numeric": ("float64", "int64"),
    "categorical": ("bool", "string"),
    "date": ("datetime",),
}
# The Open Inference Protocol datatype a column's tensor has (dates travel as ISO 8601 text).
OIP_DATATYPES: Mapping[Dtype, str] = {
    "float64": "FP64",
    "int64": "INT64",
    "bool": "BOOL",
    "string": "BYTES",
    "datetime": "BYTES",
}
# A column's recorded categories stop here (`categories_total` counts them all).
MAX_CATEGORIES = 1000
# The example holds at most this many rows.
MAX_EXAMPLE_ROWS = 5

RowId = int | str
Value = float | int | str | bool | None


@dataclass(frozen=True, kw_only=True)
class InputColumn:
    name: str
    kind: Kind
    dtype: Dtype
    nullable: bool
    # The training values of a categorical column, sorted as text; None for other kinds.
    categories: tuple[str, ...] | None = None
    categories_total: int | None = None

    @property
    def datatype(self) -> str:
        """The column's Open Inference Protocol tensor datatype."""
        return OIP_DATATYPES[self.dtype]

    @classmethod
    def parse(cls, node: Node) -> InputColumn:
        node.obj("an object with name, kind, dtype and nullable")
        kind = cast(Kind, node["kind"].choice(KINDS))
        dtype = cast(Dtype, node["dtype"].choice(KIND_DTYPES[kind]))
        categories = node["categories"]
        return cls(
            name=node["name"].text(),
            kind=kind,
            dtype=dtype,
            nullable=node["nullable"].flag(),
            categories=None if categories.absent else categories.strings(),
            categories_total=node["categories_total"].optional(as_integer),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "nullable": self.nullable,
        }
        if self.categories is not None:
            out["categories"] = list(self.categories)
            out["categories_total"] = self.categories_total
        return out


@dataclass(frozen=True, kw_only=True)
class InputExample:
    """Test rows as the model takes them: one mapping of column name to JSON value per row."""

    row_ids: tuple[RowId, ...]
    rows: tuple[Mapping[str, Value], ...]

    @classmethod
    def parse(cls, node: Node, columns: tuple[InputColumn, ...]) -> InputExample:
        node.obj("an object with row_ids and rows")
        row_ids = tuple(_row_id(entry) for entry in node["row_ids"].elements())
        names = [column.name for column in columns]
        rows = []
        for entry in node["rows"].elements():
            row = entry.obj("an object of column values")
            if sorted(row.value) != sorted(names):
                row.fail(f"an object with exactly the columns {', '.join(names)}")
            rows.append({name: _value(row[name]) for name in names})
        if len(rows) != len(row_ids) or len(rows) > MAX_EXAMPLE_ROWS:
            node.fail(f"at most {MAX_EXAMPLE_ROWS} rows, one per row id")
        return cls(row_ids=row_ids, rows=tuple(rows))

    def to_json(self) -> dict[str, Any]:
        return {"row_ids": list(self.row_ids), "rows": [dict(row) for row in self.rows]}


@dataclass(frozen=True, kw_only=True)
class InputSchema:
    """`input_schema.json`: the model's input columns in the order it takes them."""

    columns: tuple[InputColumn, ...]
    example: InputExample | None = None
    # Target and task, so a reader of the file alone knows what the model predicts.
    target: str | None = None
    task: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> InputColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    @classmethod
    def parse(cls, node: Node) -> InputSchema:
        columns = tuple(InputColumn.parse(entry) for entry in node["columns"].elements())
        if not columns:
            node["columns"].fail("a non-empty list of columns")
        names = [column.name for column in columns]
        if len(set(names)) != len(names):
            node["columns"].fail("a list of columns with distinct names")
        example = node["example"]
        return cls(
            columns=columns,
            example=None if example.absent else InputExample.parse(example, columns),
            target=node["target"].optional(lambda n: n.text()),
            task=node["task"].optional(lambda n: n.choice(("classification", "regression"))),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMAS[INPUT_SCHEMA],
            "target": self.target,
            "task": self.task,
            "columns": [column.to_json() for column in self.columns],
            "example": None if self.example is None else self.example.to_json(),
        }


def _row_id(node: Node) -> RowId:
    if isinstance(node.value, str):
        return node.value
    return node.integer()


def _value(node: Node) -> Value:
    value = node.value
    if value is None or isinstance(value, bool | str):
        return cast(Value, value)
    number = node.number()
    return int(number) if isinstance(value, int) else number


def read_input_schema(path: Path) -> InputSchema:
    return InputSchema.parse(open_document(path, "input-schema"))


def write_input_schema(path: Path, schema: InputSchema) -> None:
    write_document(path, schema.to_json())
