"""The comment bundle: a good one round-trips; every hostile zip is refused with one clear line."""

from __future__ import annotations

import json
import stat
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from modelci import png
from modelci.errors import UserError
from modelci.pull_request import bundle as bundle_module
from modelci.pull_request.bundle import (
    BundledReport,
    CommentBundle,
    check_head_sha,
    is_bundle_artifact,
    read_untrusted_bundle,
    write_bundle,
)


def chunk(kind: bytes, data: bytes, *, crc: int | None = None) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 (of type and data unless `crc` is given)."""
    check = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", check)


def ihdr(width: int, height: int, depth: int = 8, colour: int = 6) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))


def make_png(
    width: int = 3, height: int = 2, *, seed: int = 0, before: bytes = b"", after: bytes = b""
) -> bytes:
    """A small, valid RGBA PNG; `before`/`after` are chunks put around its IDAT."""
    row = b"\x00" + bytes([seed % 256, 1, 2, 255]) * width
    return (
        png.SIGNATURE
        + ihdr(width, height)
        + before
        + chunk(b"IDAT", zlib.compress(row * height))
        + after
        + chunk(b"IEND", b"")
    )


PNG = make_png()
SHA = "0123456789abcdef0123456789abcdef01234567"


EVALUATION = b'{"schema": "modelci.evaluation/1", "plots": ["plots/roc.png"]}'
RUN = b'{"schema": "modelci.run/1"}'
R0 = "reports/0"  # the first report's folder in a bundle


def good_report(**changes: Any) -> BundledReport:
    fields: dict[str, Any] = {
        "name": "compare",
        "documents": {"evaluation.json": EVALUATION, "run.json": RUN},
        "images": {"plots/roc.png": PNG, "plots/pr.png": make_png(seed=1)},
    }
    return BundledReport(**{**fields, **changes})


def good_bundle(**changes: Any) -> CommentBundle:
    """A good bundle; `name`, `documents` and `images` change its one report."""
    report = {k: changes.pop(k) for k in ("name", "documents", "images") if k in changes}
    fields: dict[str, Any] = {
        "key": "modelci",
        "reports": (good_report(**report),),
        "run_id": 42,
        "run_attempt": 1,
        "head_sha": SHA,
        "pr_number_claimed": 7,
    }
    return CommentBundle(**{**fields, **changes})


def zip_dir(directory: Path, dest: Path) -> Path:
    """What actions/upload-artifact@v4 makes of a directory: its files, paths relative to it."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return dest


def metadata(**changes: Any) -> bytes:
    """The good metadata; `documents` and `images` change its one report's lists."""
    report = {"name": "compare", "documents": ["evaluation.json"], "images": ["plots/roc.png"]}
    report.update({k: changes.pop(k) for k in ("documents", "images") if k in changes})
    data: dict[str, Any] = {
        "version": 2,
        "key": "modelci",
        "run_id": 42,
        "run_attempt": 1,
        "head_sha": SHA,
        "pr_number_claimed": 7,
        "reports": [report],
    }
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def make_zip(
    path: Path, entries: Mapping[str, bytes | None] | None = None, *, extra: Sequence[Any] = ()
) -> Path:
    """A bundle zip: the good entries, overridden by `entries` (None drops one), plus `extra`
    (ZipInfo, bytes) pairs written as they are."""
    files: dict[str, bytes | None] = {
        "modelci-comment.json": metadata(),
        f"{R0}/evaluation.json": EVALUATION,
        f"{R0}/plots/roc.png": PNG,
    }
    files.update(entries or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if data is not None:
                archive.writestr(name, data)
        for info, data in extra:
            archive.writestr(info, data)
    return path


def refused(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        read_untrusted_bundle(path)
    line = caught.value.line()
    assert "\n" not in line and "\r" not in line
    assert line.startswith("comment bundle refused: ")
    return line


# -- the good path --------------------------------------------------------------------------------


def test_bundle_round_trips_through_a_directory_and_a_zip(tmp_path: Path) -> None:
    original = good_bundle()
    write_bundle(original, tmp_path / "bundle")
    names = sorted(
        p.relative_to(tmp_path / "bundle").as_posix() for p in (tmp_path / "bundle").rglob("*")
    )
    assert names == [
        "modelci-comment.json",
        "reports",
        R0,
        f"{R0}/evaluation.json",
        f"{R0}/plots",
        f"{R0}/plots/pr.png",
        f"{R0}/plots/roc.png",
        f"{R0}/run.json",
    ]
    meta = json.loads((tmp_path / "bundle" / "modelci-comment.json").read_text())
    assert meta["version"] == 2
    assert meta["reports"] == [
        {
            "name": "compare",
            "documents": ["evaluation.json", "run.json"],
            "images": ["plots/pr.png", "plots/roc.png"],
        }
    ]

    read = read_untrusted_bundle(zip_dir(tmp_path / "bundle", tmp_path / "b.zip"))
    assert read == original


def test_write_bundle_replaces_the_directory_whole(tmp_path: Path) -> None:
    target = tmp_path / "bundle"
    write_bundle(good_bundle(), target)
    write_bundle(
        good_bundle(images={}, documents={"evaluation.json": b'{"a": 1}'}, run_id=None), target
    )
    assert not (target / R0 / "plots").exists() and not (target / R0 / "run.json").exists()
    assert (target / R0 / "evaluation.json").read_bytes() == b'{"a": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]  # no staging left behind


def test_write_bundle_refuses_what_the_reader_would_and_leaves_nothing(tmp_path: Path) -> None:
    for bad in (
        good_bundle(key="no spaces"),
        good_bundle(images={"plots/../x.png": PNG}),
        good_bundle(images={"plots/a.png": b"GIF89a"}),
        good_bundle(head_sha="main"),
        good_bundle(run_id=0),
        good_bundle(documents={"evaluation.json": b'{"x": "' + b"x" * (1 << 20) + b'"}'}),
        good_bundle(documents={"evaluation.json": b"{not json"}),
        good_bundle(documents={"evaluation.json": b'{"a": NaN}'}),
        good_bundle(documents={"evaluation.json": EVALUATION, "report.md": b"# hi"}),
        good_bundle(documents={"run.json": RUN}),
        good_bundle(documents={"comparison.json": RUN, "evaluation.json": EVALUATION}),
        good_bundle(documents={"comparison.json": RUN, "run.json": RUN}),
        good_bundle(documents={"evaluation.json": EVALUATION, "candidate/run.json": RUN}),
        good_bundle(name="../up"),
        good_bundle(reports=()),
        good_bundle(reports=(good_report(),) * 21),
    ):
        with pytest.raises(UserError, match="comment bundle refused"):
            write_bundle(bad, tmp_path / "bundle")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_entry_for_plots_is_allowed(tmp_path: Path) -> None:
    folders = ("reports/", f"{R0}/", f"{R0}/plots/")
    path = make_zip(tmp_path / "b.zip", extra=[(zipfile.ZipInfo(n), b"") for n in folders])
    assert read_untrusted_bundle(path).reports[0].images == {"plots/roc.png": PNG}
    for folder in ("plots/", f"{R0}/other/", "reports/20/", f"{R0}/plots/x/"):
        odd = make_zip(tmp_path / "odd.zip", extra=[(zipfile.ZipInfo(folder), b"")])
        assert "unexpected directory" in refused(odd)


# -- hostile zips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../report.md",
        "plots/../../etc/passwd.png",
        "/etc/passwd",
        "C:/x.png",
        "plots\\a.png",
        "./report.md",
        "plots//a.png",
    ],
)
def test_path_traversal_and_absolute_paths_are_refused(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "b.zip", extra=[(zipfile.ZipInfo(name), PNG)])
    assert "unsafe path" in refused(path)


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("plots/link.png")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(tmp_path / "b.zip", extra=[(info, b"/etc/passwd")])
    assert "symbolic link" in refused(path)


@pytest.mark.parametrize(
    "name",
    [
        "run.sh",
        "report.md",
        "plots/roc.png",
        f"{R0}/report.md",
        f"{R0}/plots/sub/a.png",
        f"{R0}/plots/a.PNG",
        f"{R0}/report.html",
        f"{R0}/plots/.hidden.png",
        f"{R0}/plots/a b.png",
        f"{R0}/candidate/model.skops",
        f"{R0}/candidate/comparison.json",
        "reports/20/run.json",
        "reports/01/run.json",
    ],
)
def test_unexpected_files_are_refused(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "b.zip", extra=[(zipfile.ZipInfo(name), PNG)])
    assert "unexpected file" in refused(path)


def test_a_wrong_png_signature_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "b.zip", {f"{R0}/plots/roc.png": b"GIF89a" + bytes(20)})
    assert "plots/roc.png" in refused(path) and "not a PNG" in refused(path)


def test_a_real_matplotlib_png_passes(tmp_path: Path) -> None:
    from modelci import plots

    def draw(figure: Any) -> None:
        figure.add_subplot().plot([0, 0.5, 1], [0, 0.8, 1])

    image = plots._png(draw, (5, 4))  # exactly how our plots are written
    path = make_zip(tmp_path / "b.zip", {f"{R0}/plots/roc.png": image})
    assert read_untrusted_bundle(path).reports[0].images == {"plots/roc.png": image}


TEXT = chunk(b"tEXt", b"Title\x00roc")


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (png.SIGNATURE + b"junk" * 100, "chunk runs past the end of the file"),
        (png.SIGNATURE, "no IEND"),
        (PNG[:-12], "no IEND"),
        (png.SIGNATURE + bytes(25), "unexpected chunk type"),
        (PNG[:-4] + b"\x00\x00\x00\x00", "bad CRC-32 in the IEND chunk"),
        (make_png(before=chunk(b"pHYs", bytes(9), crc=0)), "bad CRC-32 in the pHYs chunk"),
        (PNG + b"\x00", "1 trailing bytes after IEND"),
        (PNG + b"x" * 20_000, "20,000 trailing bytes after IEND"),
        (PNG + chunk(b"IEND", b""), "trailing bytes after IEND"),
        (make_png(before=chunk(b"abCD", b"payload")), "unexpected chunk type 'abCD'"),
        (make_png(before=chunk(b"eXIf", b"x")), "unexpected chunk type 'eXIf'"),
        (png.SIGNATURE + ihdr(4097, 10) + PNG[33:], "4097x10 pixels"),
        (png.SIGNATURE + ihdr(10, 100_000) + PNG[33:], "10x100000 pixels"),
        (png.SIGNATURE + ihdr(0, 1) + PNG[33:], "0x1 pixels"),
        (png.SIGNATURE + ihdr(3, 2, depth=3) + PNG[33:], "unsupported IHDR"),
        (png.SIGNATURE + TEXT + PNG[8:], "IHDR is not the first chunk"),
        (make_png(before=ihdr(3, 2)), "appears twice"),
        (PNG[:8] + PNG[8:33] + chunk(b"IEND", b""), "IDAT) is missing"),
        (make_png(after=TEXT + chunk(b"IDAT", zlib.compress(b""))), "not consecutive"),
        (make_png(after=chunk(b"IDAT", b"x" * 100)), "IDAT chunks are not consecutive"),
        (make_png(width=3, height=3)[:33] + PNG[33:], "the wrong size"),
        (
            PNG[:33] + chunk(b"IDAT", zlib.compress(b"\x00" * 10_000)) + chunk(b"IEND", b""),
            "larger than the image",
        ),
        (PNG[:33] + chunk(b"IDAT", b"not zlib at all") + chunk(b"IEND", b""), "not a valid zlib"),
        (
            png.SIGNATURE + ihdr(3, 2, colour=3) + PNG[33:],
            "palette image without a PLTE",
        ),
        (PNG[:-12] + chunk(b"IEND", b"x"), "IEND chunk is not empty"),
        (PNG[:33] + struct.pack(">I", 1 << 31) + b"IDAT" + bytes(8), "runs past the end"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_malformed_png_is_refused_with_one_line(
    tmp_path: Path, image: bytes, problem: str
) -> None:
    line = refused(make_zip(tmp_path / "b.zip", {f"{R0}/plots/roc.png": image}))
    assert "plots/roc.png is not a" in line and problem in line, line
    with pytest.raises(UserError, match="comment bundle refused"):  # the writer refuses it too
        write_bundle(good_bundle(images={"plots/roc.png": image}), tmp_path / "out")


def test_ancillary_chunks_matplotlib_may_write_pass(tmp_path: Path) -> None:
    extra = b"".join(
        [
            chunk(b"tEXt", b"Software\x00matplotlib"),
            chunk(b"pHYs", struct.pack(">IIB", 3937, 3937, 1)),
            chunk(b"gAMA", struct.pack(">I", 45455)),
            chunk(b"sRGB", b"\x00"),
        ]
    )
    image = make_png(before=extra, after=chunk(b"tIME", bytes(7)))
    path = make_zip(tmp_path / "b.zip", {f"{R0}/plots/roc.png": image})
    assert read_untrusted_bundle(path).reports[0].images == {"plots/roc.png": image}


def test_oversized_files_are_refused_before_reading(tmp_path: Path) -> None:
    big_png = PNG + bytes(1024 * 1024)
    assert "more than the 1,048,576 allowed" in refused(
        make_zip(tmp_path / "a.zip", {f"{R0}/plots/roc.png": big_png})
    )
    big_document = {f"{R0}/evaluation.json": b" " * (bundle_module.MAX_DOCUMENT_BYTES + 1)}
    assert "evaluation.json" in refused(make_zip(tmp_path / "b.zip", big_document))
    assert "modelci-comment.json" in refused(
        make_zip(tmp_path / "c.zip", {"modelci-comment.json": b" " * 70_000})
    )


def test_the_total_size_is_limited(tmp_path: Path) -> None:
    # Each image within its own 1 MiB cap; six of them over the 5 MiB of a bundle.
    image = PNG + bytes(bundle_module.MAX_PNG_BYTES - len(PNG))
    images = {f"plots/p{i}.png": image for i in range(6)}
    path = make_zip(
        tmp_path / "b.zip",
        {
            "modelci-comment.json": metadata(images=sorted(images)),
            f"{R0}/plots/roc.png": None,
            **{f"{R0}/{name}": data for name, data in images.items()},
        },
    )
    assert "the bundle is" in refused(path)


def test_too_many_entries_are_refused(tmp_path: Path) -> None:
    images = {f"{R0}/plots/p{i}.png": PNG for i in range(200)}
    path = make_zip(tmp_path / "b.zip", images)
    assert "entries, more than the 200 allowed" in refused(path)


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    # 64 MiB of zeros compresses to about 64 KiB: refused before a byte is inflated.
    bomb = PNG + bytes(64 * 1024 * 1024)
    path = make_zip(tmp_path / "b.zip", {f"{R0}/plots/roc.png": bomb})
    assert path.stat().st_size < 1024 * 1024
    assert "more than the 1,048,576 allowed" in refused(path)


def _patch_headers(
    path: Path, member: str, *, local: int, central: int, fmt: str, value: int
) -> None:
    """Overwrite one field of a member's local header and central directory header."""
    data = bytearray(path.read_bytes())
    encoded = member.encode()
    # (signature, offset of the field, of the name length, of the name)
    for signature, field_at, length_at, name_at in (
        (b"PK\x03\x04", local, 26, 30),
        (b"PK\x01\x02", central, 28, 46),
    ):
        at = data.find(signature)
        while at != -1:
            (length,) = struct.unpack_from("<H", data, at + length_at)
            if bytes(data[at + name_at : at + name_at + length]) == encoded:
                struct.pack_into(fmt, data, at + field_at, value)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def _lie_about_size(path: Path, member: str, size: int) -> None:
    _patch_headers(path, member, local=22, central=24, fmt="<I", value=size)


def test_a_zip_bomb_lying_about_its_size_is_refused_while_reading(tmp_path: Path) -> None:
    bomb = PNG + bytes(16 * 1024 * 1024)
    path = make_zip(tmp_path / "b.zip", {f"{R0}/plots/roc.png": bomb})
    _lie_about_size(path, f"{R0}/plots/roc.png", 1000)
    assert zipfile.ZipFile(path).getinfo(f"{R0}/plots/roc.png").file_size == 1000
    line = refused(path)
    assert "roc.png" in line or "CRC" in line


def test_a_member_shorter_than_declared_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "b.zip")
    _lie_about_size(path, f"{R0}/evaluation.json", 5000)
    refused(path)


def test_encrypted_and_oddly_compressed_members_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip")
    _patch_headers(path, f"{R0}/plots/roc.png", local=6, central=8, fmt="<H", value=0x1)
    assert "encrypted" in refused(path)
    info = zipfile.ZipInfo(f"{R0}/plots/b.png")
    info.compress_type = zipfile.ZIP_BZIP2
    assert "compression" in refused(make_zip(tmp_path / "b.zip", extra=[(info, PNG)]))


def test_duplicate_and_missing_members_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = make_zip(
            tmp_path / "a.zip", extra=[(zipfile.ZipInfo(f"{R0}/evaluation.json"), b"{}")]
        )
    assert "appears twice" in refused(path)
    missing = make_zip(tmp_path / "b.zip", {f"{R0}/evaluation.json": None})
    assert f"{R0}/evaluation.json is listed in modelci-comment.json but missing" in refused(missing)
    assert "modelci-comment.json is missing" in refused(
        make_zip(tmp_path / "c.zip", {"modelci-comment.json": None})
    )


def test_images_must_match_the_metadata(tmp_path: Path) -> None:
    listed = make_zip(
        tmp_path / "a.zip",
        {"modelci-comment.json": metadata(images=["plots/roc.png", "plots/x.png"])},
    )
    assert f"{R0}/plots/x.png is listed" in refused(listed)
    extra = make_zip(tmp_path / "b.zip", {f"{R0}/plots/other.png": PNG})
    assert f"{R0}/plots/other.png is not listed" in refused(extra)
    stray = make_zip(tmp_path / "c.zip", {"reports/1/evaluation.json": EVALUATION})
    assert "reports/1/ is not listed" in refused(stray)


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(b"this is not a zip")
    assert "not a readable zip" in refused(path)
    assert "cannot read" in refused(tmp_path / "missing.zip")


# -- the metadata and the markdown ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must hold a JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (metadata(version=1), "version must be 2"),
        (metadata(version=True), "version must be 2"),
        (metadata(version=...), "version must be 2"),
        (metadata(extra="x"), "unknown keys"),
        (metadata(run_id=True), "'run_id' must be a positive whole number"),
        (metadata(pr_number_claimed="7"), "'pr_number_claimed' must be"),
        (metadata(head_sha="HEAD"), "'head_sha' must be a hex commit sha"),
        (metadata(images="plots/roc.png"), "'images' must be a list"),
        (metadata(documents=["evaluation.json", "evaluation.json"]), "'documents' repeats"),
        (metadata(reports=[]), "'reports' must be a list of 1 to 20"),
        (metadata(reports="x"), "'reports' must be a list"),
        (metadata(reports=[{"name": "x"}]), "exactly documents, images, name"),
        (b'{"version": 1, "version": 1}', "repeats a key"),
        (b'{"version": NaN}', "not JSON"),
    ],
)
def test_bad_metadata_is_refused(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = make_zip(tmp_path / "b.zip", {"modelci-comment.json": raw})
    assert expected in refused(path)


@pytest.mark.parametrize("key", ["", "a b", "../x", "x" * 65, "key-->", "ké", 7])
def test_bad_keys_are_refused(tmp_path: Path, key: Any) -> None:
    path = make_zip(tmp_path / "b.zip", {"modelci-comment.json": metadata(key=key)})
    assert "key" in refused(path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff bad", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[1]", "must hold a JSON object"),
        (b'{"a": 1, "a": 2}', "repeats a key"),
        (b'{"a": Infinity}', "holds Infinity, which is not JSON"),
        (b"[" * 100_000, "nests too deeply"),
    ],
)
def test_documents_are_strict_json_objects(tmp_path: Path, raw: bytes, expected: str) -> None:
    line = refused(make_zip(tmp_path / "b.zip", {f"{R0}/evaluation.json": raw}))
    assert f"{R0}/evaluation.json" in line and expected in line, line


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a b", "x" * 65, "ké", 7])
def test_bad_report_names_are_refused(tmp_path: Path, name: Any) -> None:
    report = {"name": name, "documents": ["evaluation.json"], "images": ["plots/roc.png"]}
    path = make_zip(tmp_path / "b.zip", {"modelci-comment.json": metadata(reports=[report])})
    assert "report name" in refused(path)


def test_a_leaderboard_bundle_round_trips(tmp_path: Path) -> None:
    comparison = b'{"schema": "modelci.comparison/1"}'
    reports = tuple(
        good_report(
            name=name,
            documents={"comparison.json": comparison, "candidate/run.json": RUN},
            images={"plots/roc.png": make_png(seed=seed)},
        )
        for seed, name in enumerate(("compare-hgb", "compare-rf"))
    )
    write_bundle(good_bundle(reports=reports), tmp_path / "bundle")
    assert (tmp_path / "bundle/reports/1/candidate/run.json").read_bytes() == RUN
    read = read_untrusted_bundle(zip_dir(tmp_path / "bundle", tmp_path / "b.zip"))
    assert read.reports == reports and read.image_count == 2


def test_limits_are_the_documented_ones() -> None:
    assert bundle_module.MAX_FILES == 200
    assert bundle_module.MAX_REPORTS == 20
    assert bundle_module.MAX_PNG_BYTES == 1024 * 1024  # our plots are 14-52 KB
    assert bundle_module.MAX_TOTAL_BYTES == 5 * 1024 * 1024
    assert bundle_module.MAX_PNG_SIDE == 4096
    assert bundle_module.MAX_DOCUMENT_BYTES == 1024 * 1024  # ours are 5-30 KB
    assert bundle_module.MAX_BUNDLES == 20


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("modelci-comment", True),
        ("modelci-comment-baseline", True),
        ("modelci-comment-a-b.c", True),
        ("modelci-comment-", False),
        ("modelci-commentary", False),
        ("Modelci-Comment", False),
        ("my-modelci-comment", False),
        (None, False),
        (7, False),
    ],
)
def test_bundle_artifact_names(name: Any, expected: bool) -> None:
    assert is_bundle_artifact(name) is expected


def test_a_bundle_for_another_head_commit_is_refused() -> None:
    check_head_sha(good_bundle(), SHA, what="artifact x", run_id=5)
    check_head_sha(good_bundle(head_sha=None), SHA, what="artifact x", run_id=5)  # not recorded
    with pytest.raises(UserError) as raised:
        check_head_sha(good_bundle(), "f" * 40, what="artifact x", run_id=5)
    line = raised.value.line()
    assert line == (
        "comment bundle refused: artifact x was rendered for commit 0123456789ab, but workflow "
        "run 5 built ffffffffffff; nothing posted for it"
    )
