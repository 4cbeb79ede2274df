"""Forging skops files as an attacker would: edit one object's stored state inside the zip.

skops writes each object as a node of `schema.json`; an object's attributes (or a reduced
object's state) sit in `content.content`, each a JSON value or a `.npy` member of the zip, and a
reduced object's constructor arguments in `__reduce__.args`. `tamper` hands that state to a
callback as plain values (numbers, arrays) and writes back what it changed.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ARGS = "__args__"  # the key under which `edit` sees a reduced object's constructor arguments


def tamper(
    path: Path, class_name: str, edit: Callable[[dict[str, Any]], None], *, index: int = 0
) -> None:
    """Rewrite the `index`-th object of class `class_name` in the skops file at `path`."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    found = [node for node in _nodes(schema) if node.get("__class__") == class_name]
    if len(found) <= index:
        raise AssertionError(f"{path} has {len(found)} {class_name} object(s), not {index + 1}")
    target = found[index]
    slots: dict[str, dict[str, Any]] = dict(target["content"]["content"])
    if "__reduce__" in target:
        for position, slot in enumerate(target["__reduce__"]["args"]["content"]):
            slots[f"{ARGS}{position}"] = slot
    state = {name: _read(slot, members) for name, slot in slots.items()}
    before = {name: _copy(value) for name, value in state.items()}
    edit(state)
    for name, value in state.items():
        if not _same(value, before[name]):
            _write(slots[name], value, members)
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def count(path: Path, class_name: str) -> int:
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    return sum(node.get("__class__") == class_name for node in _nodes(schema))


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "__class__" in value:
            yield value
        for inner in value.values():
            yield from _nodes(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _nodes(inner)


def _read(slot: dict[str, Any], members: dict[str, bytes]) -> Any:
    if slot.get("__loader__") == "NdArrayNode":
        return np.load(io.BytesIO(members[slot["file"]]), allow_pickle=False)
    if slot.get("__loader__") == "JsonNode":
        return json.loads(slot["content"])
    return slot  # another object: left as its schema node


def _write(slot: dict[str, Any], value: Any, members: dict[str, bytes]) -> None:
    if slot.get("__loader__") == "NdArrayNode":
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(value), allow_pickle=False)
        members[slot["file"]] = buffer.getvalue()
    elif slot.get("__loader__") == "JsonNode":
        slot["content"] = json.dumps(value)
        # skops memoises nodes by __id__, and small ints share one id: give the forged value
        # its own, or the loader hands back the first value it built for that id.
        slot["__id__"] = int.from_bytes(os.urandom(6), "big")
    else:
        raise AssertionError(f"cannot rewrite a {slot.get('__loader__')} slot")


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else json.loads(json.dumps(value))


def _same(value: Any, before: Any) -> bool:
    if isinstance(value, np.ndarray) or isinstance(before, np.ndarray):
        return (
            isinstance(value, np.ndarray)
            and isinstance(before, np.ndarray)
            and value.shape == before.shape
            and value.dtype == before.dtype
            and bool(np.array_equal(value, before, equal_nan=value.dtype.kind == "f"))
        )
    return bool(value == before)
