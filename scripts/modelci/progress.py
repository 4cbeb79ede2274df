"""Stage progress lines with elapsed time, on stderr so stdout stays machine-readable."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

QUIET, NORMAL, VERBOSE = 0, 1, 2


class Progress:
    def __init__(self, level: int = NORMAL, stream: TextIO | None = None):
        self.level = level
        self.stream = stream  # None: whatever sys.stderr is when a line is printed
        self._start = time.perf_counter()

    def _emit(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def info(self, text: str) -> None:
        if self.level >= NORMAL:
            self._emit(text)

    def debug(self, text: str) -> None:
        if self.level >= VERBOSE:
            self._emit(f"  {text}")

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Print `name ... done in 1.2s (total 3.4s)` around a block of work."""
        began = time.perf_counter()
        if self.level >= VERBOSE:
            self._emit(f"{name} …")
        yield
        now = time.perf_counter()
        self.info(f"{name:<28} {now - began:6.2f}s  (total {now - self._start:.2f}s)")


# The CLI replaces this with one built from --quiet/--verbose; library code asks for it.
current = Progress()
