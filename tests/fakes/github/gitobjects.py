"""Git object ids computed as git computes them, so trees and commits in the fake are real.

>>> blob_sha(b"hello\\n")
'ce013625030ba8dba906f756967f9e9ca394464a'
>>> tree_sha([])
'4b825dc642cb6eb9a060e54bf8d69288fbee4904'
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

BLOB_MODES = frozenset({"100644", "100755", "120000"})
TREE_MODE = "040000"
COMMIT_MODE = "160000"  # a submodule: the entry points at a commit in another repository


@dataclasses.dataclass(frozen=True, kw_only=True)
class TreeEntry:
    name: str
    mode: str  # as GitHub shows it: "100644", "040000", …
    sha: str

    @property
    def type(self) -> str:
        if self.mode == TREE_MODE:
            return "tree"
        if self.mode == COMMIT_MODE:
            return "commit"
        return "blob"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Signature:
    name: str
    email: str
    date: str  # ISO 8601 with Z, as the API speaks


@dataclasses.dataclass(frozen=True, kw_only=True)
class Commit:
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


def _object_sha(kind: str, payload: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(payload)}\0".encode() + payload).hexdigest()


def blob_sha(content: bytes) -> str:
    return _object_sha("blob", content)


def _sort_key(entry: TreeEntry) -> bytes:
    # git orders a directory as if its name ended in "/"
    return (entry.name + ("/" if entry.mode == TREE_MODE else "")).encode()


def tree_payload(entries: Iterable[TreeEntry]) -> bytes:
    out = bytearray()
    for entry in sorted(entries, key=_sort_key):
        mode = "40000" if entry.mode == TREE_MODE else entry.mode  # git writes no leading zero
        out += f"{mode} {entry.name}\0".encode() + bytes.fromhex(entry.sha)
    return bytes(out)


def tree_sha(entries: Iterable[TreeEntry]) -> str:
    return _object_sha("tree", tree_payload(entries))


def _git_date(iso: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{int(moment.timestamp())} {sign}{minutes // 60:02d}{minutes % 60:02d}"


def commit_payload(commit: Commit) -> bytes:
    lines = [f"tree {commit.tree}"]
    lines += [f"parent {parent}" for parent in commit.parents]
    for role, who in (("author", commit.author), ("committer", commit.committer)):
        lines.append(f"{role} {who.name} <{who.email}> {_git_date(who.date)}")
    return ("\n".join(lines) + "\n\n" + commit.message).encode()


def commit_sha(commit: Commit) -> str:
    return _object_sha("commit", commit_payload(commit))
