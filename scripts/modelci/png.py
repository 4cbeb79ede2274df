"""PNG files: the signature, a chunk walker, and a strict well-formedness check.

Plots travel from untrusted jobs into comments, release assets and a committed branch, so the
places that take an image agree on what a PNG is here: `is_png` for a quick look at the
signature, `validate` for images from code we do not trust (every chunk walked, the image data
inflated in bounded pieces, nothing after IEND). Pure functions over bytes; problems are
`InvalidPng` with a short phrase the caller puts into its own one-line message.

>>> data = SIGNATURE + chunk(b"IHDR", bytes([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]))
>>> data += chunk(b"IDAT", zlib.compress(b"\\x00\\x00")) + chunk(b"IEND", b"")
>>> is_png(data), validate(data, max_side=16)
(True, Header(width=1, height=1, bit_depth=8, colour_type=0))
>>> [c.name for c in chunks(data)]
['IHDR', 'IDAT', 'IEND']
>>> validate(data[:-1], max_side=16)
Traceback (most recent call last):
...
modelci.png.InvalidPng: truncated: no IEND chunk
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Critical chunks, and the ancillary ones matplotlib/Pillow write (ours: IHDR pHYs IDAT IEND).
KNOWN_CHUNKS = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"tEXt", b"zTXt", b"iTXt",
        b"pHYs", b"gAMA", b"cHRM", b"sRGB", b"bKGD", b"tIME",
    }
)  # fmt: skip
# PNG colour type -> (channels, allowed bit depths)
_COLOUR_TYPES = {
    0: (1, (1, 2, 4, 8, 16)),
    2: (3, (8, 16)),
    3: (1, (1, 2, 4, 8)),
    4: (2, (8, 16)),
    6: (4, (8, 16)),
}
_INFLATE_STEP = 64 * 1024


class InvalidPng(ValueError):
    """The bytes are not a (well-formed) PNG; the message is a short phrase saying why."""


class NotPng(InvalidPng):
    """The bytes do not even start with the PNG signature."""


@dataclass(frozen=True, kw_only=True)
class Chunk:
    kind: bytes
    body: bytes
    start: int  # offset of its length field
    end: int  # offset just past its CRC

    @property
    def name(self) -> str:
        return _printable(self.kind)


@dataclass(frozen=True, kw_only=True)
class Header:
    """What IHDR says about the image."""

    width: int
    height: int
    bit_depth: int
    colour_type: int


def is_png(data: bytes) -> bool:
    """Whether `data` starts with the PNG signature (a quick look, not a validation)."""
    return data.startswith(SIGNATURE)


def chunk(kind: bytes, body: bytes) -> bytes:
    """One encoded chunk: length, type, body, CRC-32 of type and body."""
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def chunks(data: bytes) -> Iterator[Chunk]:
    """Every chunk in order, up to and including IEND, each checked to lie within `data`, to
    have a type of four ASCII letters and a matching CRC-32. What follows IEND is not read."""
    if not is_png(data):
        raise NotPng("wrong signature")
    pos = len(SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise InvalidPng("truncated: no IEND chunk")
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise InvalidPng(f"the {_printable(kind)} chunk runs past the end of the file")
        if not kind.isalpha() or not kind.isascii():
            raise InvalidPng(f"unexpected chunk type '{_printable(kind)}'")
        body = data[pos + 8 : end - 4]
        if zlib.crc32(kind + body) != int.from_bytes(data[end - 4 : end], "big"):
            raise InvalidPng(f"bad CRC-32 in the {kind.decode('ascii')} chunk")
        yield Chunk(kind=kind, body=body, start=pos, end=end)
        if kind == b"IEND":
            return
        pos = end


def validate(data: bytes, *, max_side: int, allowed: frozenset[bytes] = KNOWN_CHUNKS) -> Header:
    """The header of a well-formed, non-interlaced PNG of at most `max_side` pixels a side
    holding only `allowed` chunks, or `InvalidPng`.

    IHDR first and once, IEND last, empty, with nothing after it; a palette image has PLTE
    before its image data; the IDAT chunks are consecutive and together one complete zlib
    stream of exactly the image's size, inflated in bounded pieces (no decompression bomb).
    """
    header: Header | None = None
    expected, palette_missing = -1, False
    inflater, inflated, seen_idat, idat_done = zlib.decompressobj(), 0, False, False
    for found in chunks(data):
        kind = found.kind
        if kind not in allowed:
            raise InvalidPng(f"unexpected chunk type '{found.name}'")
        if (found.start == len(SIGNATURE)) != (kind == b"IHDR"):
            raise InvalidPng("IHDR is not the first chunk, or appears twice")
        if kind == b"IHDR":
            header = _header(found.body, max_side)
            expected = _image_size(header)
            palette_missing = header.colour_type == 3
        elif kind == b"PLTE":
            palette_missing = False
        elif kind == b"IDAT":
            if idat_done or inflater.eof:
                raise InvalidPng("IDAT chunks are not consecutive, or hold data past the image")
            if palette_missing:
                raise InvalidPng("a palette image without a PLTE chunk before its IDAT")
            seen_idat = True
            inflated = _inflate(inflater, found.body, inflated, expected)
        elif kind == b"IEND":
            if found.body:
                raise InvalidPng("the IEND chunk is not empty")
            if found.end != len(data):
                raise InvalidPng(f"{len(data) - found.end:,} trailing bytes after IEND")
        if seen_idat and kind != b"IDAT":
            idat_done = True
    if header is None or not inflater.eof or inflated != expected:
        raise InvalidPng("the image data (IDAT) is missing, incomplete or the wrong size")
    return header


def _header(body: bytes, max_side: int) -> Header:
    if len(body) != 13:
        raise InvalidPng("IHDR is not 13 bytes")
    width, height = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
    depth, colour, compression, filtering, interlace = body[8:13]
    if not (0 < width <= max_side and 0 < height <= max_side):
        raise InvalidPng(f"{width}x{height} pixels, more than {max_side}x{max_side} or empty")
    _, depths = _COLOUR_TYPES.get(colour, (0, ()))
    if depth not in depths or compression or filtering or interlace:
        raise InvalidPng(
            "unsupported IHDR (colour type, bit depth, compression, filter or interlace)"
        )
    return Header(width=width, height=height, bit_depth=depth, colour_type=colour)


def _image_size(header: Header) -> int:
    """The inflated size of a non-interlaced image's scanlines (a filter byte each)."""
    channels, _ = _COLOUR_TYPES[header.colour_type]
    return header.height * (1 + (header.width * channels * header.bit_depth + 7) // 8)


def _inflate(inflater: Any, body: bytes, done: int, expected: int) -> int:
    """Feed one IDAT chunk; returns the bytes inflated so far, never holding more than 64 KiB."""
    pending = body
    try:
        while pending and not inflater.eof:
            done += len(inflater.decompress(pending, _INFLATE_STEP))
            if done > expected:
                raise InvalidPng("the image data (IDAT) is larger than the image")
            pending = inflater.unconsumed_tail
    except zlib.error:
        raise InvalidPng("the image data (IDAT) is not a valid zlib stream") from None
    if inflater.unused_data:
        raise InvalidPng("the image data (IDAT) holds bytes past its zlib stream")
    return done


def _printable(kind: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 else f"\\x{b:02x}" for b in kind)
