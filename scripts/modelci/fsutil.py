"""Write outputs so a failure never leaves half of them: a temp path, then a rename."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp creates 0600; outputs should get the permissions a plain open() would give.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def dump_json(data: Any) -> str:
    return (
        json.dumps(data, indent=2, sort_keys=False, allow_nan=False, default=_json_default) + "\n"
    )


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, dump_json(data))


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays reach us from metric code; JSON wants plain Python.
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_replaceable(
    final: Path,
    *,
    marker: str | None = None,
    inputs: tuple[Path, ...] = (),
    flag: str = "--out",
) -> None:
    """Refuse an output directory whose replacement would destroy something of the user's.

    An output is replaced whole, so it must not be a file, the working directory or one of its
    parents, one of the command's inputs (or hold one), or a non-empty directory that is not an
    earlier output of the same kind (recognised by its `marker` file).
    """
    from modelci.errors import UserError

    if final.exists() and not final.is_dir():
        raise UserError(
            f"{flag} {final} exists and is not a directory", fix=f"Choose another {flag}"
        )
    resolved, here = final.resolve(), Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise UserError(
            f"{flag} {final} is the working directory or one of its parents, which would be "
            "replaced whole",
            fix="Write to a directory of its own, e.g. --out runs/NAME",
        )
    for source in inputs:
        source_resolved = source.resolve()
        if source_resolved == resolved or resolved in source_resolved.parents:
            raise UserError(
                f"{flag} {final} is, or holds, the input {source}",
                fix="Write the output to another directory",
            )
    if final.is_dir() and any(final.iterdir()) and not (marker and (final / marker).exists()):
        what = f"an earlier output (no {marker})" if marker else "empty"
        raise UserError(
            f"{flag} {final} is not empty and is not {what}; it would be replaced whole",
            fix="Choose a new or empty directory",
        )


@contextlib.contextmanager
def staged_dir(
    final: Path,
    *,
    merge: bool = False,
    marker: str | None = None,
    inputs: tuple[Path, ...] = (),
    flag: str = "--out",
) -> Iterator[Path]:
    """Yield a sibling temp directory; on success move its files into `final`.

    With `merge=False` the final directory is replaced whole. With `merge=True` (adding outputs
    to an existing run dir) each staged entry replaces its namesake, leaving other files alone.
    On any exception the staged directory is removed and `final` is untouched. Before anything
    is written, a directory to be replaced is checked with `check_replaceable`.
    """
    if not merge:
        check_replaceable(final, marker=marker, inputs=inputs, flag=flag)
    final = final.resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.staging.", dir=final.parent))
    os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        yield stage
        if merge and final.exists():
            for entry in stage.iterdir():
                target = final / entry.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(entry, target)
            shutil.rmtree(stage)
        else:
            if final.exists():
                trash = Path(tempfile.mkdtemp(prefix=f".{final.name}.old.", dir=final.parent))
                os.replace(final, trash / "old")
                os.replace(stage, final)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
