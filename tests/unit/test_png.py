"""modelci.png: the one PNG signature, chunk walker and strict check every image path uses."""

from __future__ import annotations

import doctest
import struct
import zlib
from typing import Any

import pytest

from modelci import plots, png
from modelci.png import chunk


def test_doctests() -> None:
    assert doctest.testmod(png).failed == 0


def scanlines(width: int, height: int, depth: int, colour: int) -> int:
    """Bytes of a non-interlaced image's rows, a filter byte each (PNG spec, section 7.2)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    return height * (1 + (width * channels * depth + 7) // 8)


def image(
    width: int,
    height: int,
    *,
    depth: int = 8,
    colour: int = 0,
    interlace: int = 0,
    rows: bytes | None = None,
    extra: bytes = b"",
) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    data = rows if rows is not None else bytes(scanlines(width, height, depth, colour))
    return (
        png.SIGNATURE
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(data))
        + chunk(b"IEND", b"")
    )


def test_a_matplotlib_plot_walks_and_validates() -> None:
    def draw(figure: Any) -> None:
        figure.add_subplot().plot([0, 1], [0, 1])

    data = plots._png(draw, (5, 4))
    kinds = [found.kind for found in png.chunks(data)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    header = png.validate(data, max_side=4096)
    assert (header.width, header.height) == (5 * plots.DPI, 4 * plots.DPI)
    assert png.is_png(data)


@pytest.mark.parametrize(
    ("width", "depth", "colour"),
    [(7, 1, 0), (5, 16, 0), (3, 8, 2), (3, 16, 6), (9, 4, 3), (2, 8, 4)],
)
def test_scanline_sizes_follow_bit_depth_and_channels(width: int, depth: int, colour: int) -> None:
    palette = chunk(b"PLTE", bytes(3 * 16)) if colour == 3 else b""
    shape: dict[str, Any] = {"depth": depth, "colour": colour, "extra": palette}
    header = png.validate(image(width, 3, **shape), max_side=4096)
    assert (header.width, header.height, header.bit_depth) == (width, 3, depth)
    short = bytes(scanlines(width, 3, depth, colour) - 1)
    with pytest.raises(png.InvalidPng, match="wrong size"):
        png.validate(image(width, 3, rows=short, **shape), max_side=4096)


def test_the_side_limit_is_the_callers() -> None:
    data = image(20, 10)
    assert png.validate(data, max_side=20).width == 20
    with pytest.raises(png.InvalidPng, match="20x10 pixels, more than 19x19"):
        png.validate(data, max_side=19)


def test_the_allowed_chunks_are_the_callers() -> None:
    data = image(2, 2, extra=chunk(b"tEXt", b"Title\x00x"))
    png.validate(data, max_side=16)
    with pytest.raises(png.InvalidPng, match="unexpected chunk type 'tEXt'"):
        png.validate(data, max_side=16, allowed=png.KNOWN_CHUNKS - {b"tEXt"})


def test_an_interlaced_image_is_refused() -> None:
    with pytest.raises(png.InvalidPng, match="unsupported IHDR"):
        png.validate(image(2, 2, interlace=1), max_side=16)


def test_a_decompression_bomb_stops_at_the_image_size() -> None:
    bomb = image(2, 2, rows=bytes(50_000_000))
    assert len(bomb) < 100_000
    with pytest.raises(png.InvalidPng, match="larger than the image"):
        png.validate(bomb, max_side=16)


def test_the_walker_checks_bounds_type_and_crc_and_stops_at_iend() -> None:
    good = image(1, 1)
    assert [found.name for found in png.chunks(good + b"anything")] == ["IHDR", "IDAT", "IEND"]
    with pytest.raises(png.NotPng):
        list(png.chunks(b"GIF89a" + good[6:]))
    with pytest.raises(png.InvalidPng, match=r"unexpected chunk type '\\x00"):
        list(png.chunks(png.SIGNATURE + bytes(12)))
    with pytest.raises(png.InvalidPng, match="bad CRC-32 in the IHDR chunk"):
        list(png.chunks(good[:29] + bytes(4) + good[33:]))
    with pytest.raises(png.InvalidPng, match="truncated"):
        list(png.chunks(good[:33]))


def test_is_png_looks_only_at_the_signature() -> None:
    assert png.is_png(png.SIGNATURE + b"junk")
    assert not png.is_png(b"\x89PNG fake")
    assert not png.is_png(b"")
