"""Write outputs so a failure never leaves half of them: a temp path, then a rename."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
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
    kind: str | None = None,
    inputs: Iterable[Path] = (),
    flag: str = "--out",
) -> Path:
    """Refuse an output directory whose replacement would destroy something of the user's;
    returns the resolved directory, the one to write.

    An output is replaced whole, so once resolved (symlinks and `..`) it must not be a file,
    the working directory or one of its parents, one of the command's `inputs` (or hold one),
    or a non-empty directory that is not an earlier output of the same kind (recognised by its
    `marker` file; `kind` names that kind in the message, e.g. "a run directory").
    """
    from modelci.errors import UserError

    resolved = final.resolve()
    if resolved.exists() and not resolved.is_dir():
        raise UserError(
            f"{flag} {final} exists and is not a directory", fix=f"Choose another {flag}"
        )
    foreign = (
        resolved.is_dir()
        and any(resolved.iterdir())
        and not (marker and (resolved / marker).exists())
    )
    _check_not_an_input(
        final, resolved, inputs, flag=flag, also="is not empty and " if foreign else ""
    )
    if foreign:
        what = kind or (f"an earlier output (no {marker})" if marker else "empty")
        raise UserError(
            f"{flag} {final} is not empty and is not {what}; it would be replaced whole",
            fix="Choose a new or empty directory",
        )
    return resolved


def check_writable_file(
    target: Path,
    *,
    inputs: Iterable[Path] = (),
    flag: str = "--out",
    role: str = "one of the files this command reads",
) -> Path:
    """Refuse an output file that, once resolved, is a directory or one of `inputs` (named by
    `role` in the message); returns the resolved path, the one to write."""
    from modelci.errors import UserError

    resolved = target.resolve()
    if resolved.is_dir():
        raise UserError("is a directory", where=f"{flag} {target}", fix="give a file name")
    if resolved in {source.resolve() for source in inputs}:
        raise UserError(
            f"is {role}",
            where=f"{flag} {target}",
            fix="Write to a new file, outside the records modelci reads",
        )
    _check_not_an_input(target, resolved, inputs, flag=flag)
    return resolved


def _check_not_an_input(
    given: Path, resolved: Path, inputs: Iterable[Path], *, flag: str, also: str = ""
) -> None:
    """An output that is, or holds, the working directory or an input would destroy it."""
    from modelci.errors import UserError

    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise UserError(
            f"{flag} {given} is the working directory or one of its parents, which would be "
            "replaced whole",
            fix="Write to a directory of its own, e.g. --out runs/NAME",
        )
    for source in inputs:
        source_resolved = source.resolve()
        if source_resolved == resolved or resolved in source_resolved.parents:
            shown = f" ({_relative(resolved)})" if given != Path(_relative(resolved)) else ""
            raise UserError(
                f"{flag} {given}{shown} {also}is, or holds, the input {_relative(source)}",
                fix="Write the output to another directory",
            )


@contextlib.contextmanager
def staged_dir(
    final: Path,
    *,
    merge: bool = False,
    marker: str | None = None,
    kind: str | None = None,
    inputs: Iterable[Path] = (),
    flag: str = "--out",
) -> Iterator[Path]:
    """Yield a sibling temp directory; on success move its files into `final`.

    With `merge=False` the final directory is replaced whole. With `merge=True` (adding outputs
    to an existing run dir) each staged entry replaces its namesake, leaving other files alone.
    On any exception the staged directory is removed and `final` is untouched. Before anything
    is written, a directory to be replaced is checked with `check_replaceable`, and with
    `merge=True` every entry about to be replaced is checked against the `inputs`.
    """
    inputs = tuple(inputs)
    if merge:
        final = final.resolve()
    else:
        final = check_replaceable(final, marker=marker, kind=kind, inputs=inputs, flag=flag)
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.staging.", dir=final.parent))
    os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        yield stage
        if merge and final.exists():
            entries = sorted(stage.iterdir())
            for entry in entries:  # all checked before any is moved: nothing half-written
                _check_not_an_input(final / entry.name, final / entry.name, inputs, flag=flag)
            for entry in entries:
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


def _relative(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
