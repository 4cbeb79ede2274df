"""The report's building blocks: sections of paragraphs, bullets, tables and images.

`content` and its sibling section builders compose these; `markdown` and `html` render them.
Text stays raw here and each renderer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "number" marks text modelci formatted itself from numbers ("[+0.01, +0.03]", "<0.001"): it
# holds no markup, so markdown shows it unescaped and the raw file stays readable.
SpanStyle = Literal["text", "strong", "code", "number"]
Align = Literal["left", "right"]


@dataclass(frozen=True, kw_only=True)
class Span:
    text: str
    style: SpanStyle = "text"


Inline = tuple[Span, ...]


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    spans: Inline
    small: bool = False


@dataclass(frozen=True, kw_only=True)
class Bullets:
    items: tuple[Inline, ...]


@dataclass(frozen=True, kw_only=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]
    align: tuple[Align, ...]
    # What a row is, for "… 12 more metrics" when rows are cut to fit a size limit.
    noun: str = "rows"
    # Per row: "fail", "pass" or None; the HTML tints rows by it, markdown has the icons.
    tags: tuple[str | None, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Image:
    path: str
    title: str


@dataclass(frozen=True, kw_only=True)
class Images:
    images: tuple[Image, ...]


Block = Paragraph | Bullets | Table | Images


@dataclass(frozen=True, kw_only=True)
class Section:
    """A titled run of blocks; `collapsed` ones render as `<details>` with the title as summary."""

    key: str
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    collapsed: bool = False
    headline: bool = False


def right(n: int) -> tuple[Align, ...]:
    right: Align = "right"
    return (right,) * n


def left(n: int) -> tuple[Align, ...]:
    left: Align = "left"
    return (left,) * n


def inline(*parts: str | Span) -> Inline:
    """An inline run from plain strings and spans."""
    return tuple(Span(text=part) if isinstance(part, str) else part for part in parts)


def numbers(text: str) -> Inline:
    """A cell or run of modelci-formatted numbers."""
    return (Span(text=text, style="number"),)


def strong(text: str) -> Span:
    return Span(text=text, style="strong")


def code(text: str) -> Span:
    return Span(text=text, style="code")


def plural(n: int, noun: str) -> str:
    """ "gate" or "gates", as `n` needs."""
    return noun if n == 1 else f"{noun}s"
