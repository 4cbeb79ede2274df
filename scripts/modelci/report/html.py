"""A self-contained HTML page of the report, for opening locally or attaching as an artifact.

The same sections as the markdown, uncapped. Styles are inline and images are data URIs; a
Content-Security-Policy forbids every network fetch, so the page never loads anything.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping

from modelci.report.content import (
    Block,
    Bullets,
    Images,
    Inline,
    Paragraph,
    Section,
    Table,
    build_sections,
)
from modelci.report.inputs import Report
from modelci.report.leaderboard import Leaderboard

_CSS = """
:root { color-scheme: light; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       margin: 0; background: #f6f8fa; }
main { max-width: 1060px; margin: 24px auto; padding: 8px 32px 32px; background: #fff;
       border: 1px solid #d0d7de; border-radius: 6px; }
h2 { font-size: 1.4em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h3 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .6em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; vertical-align: top; }
th { background: #f6f8fa; }
td.right, th.right { text-align: right; }
tr.fail td { background: #ffebe9; }
tr.pass td { background: #f0fff4; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: #eff1f3; padding: .1em .3em; border-radius: 4px; }
small { color: #59636e; }
ul { padding-left: 1.4em; }
details { margin: .8em 0; border: 1px solid #d0d7de; border-radius: 6px; padding: .4em .8em; }
summary { cursor: pointer; font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { font-size: 12px; color: #59636e; text-align: center; }
"""

# Network fetches of any kind are refused; only inline styles and data: images render.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def render_html(report: Report, *, images: Mapping[str, bytes]) -> str:
    """The report as one HTML page; `images` maps plot paths (as in the report) to PNG bytes."""
    body = "\n".join(_section(section, images) for section in build_sections(report))
    title = "modelci comparison" if report.comparison else "modelci evaluation"
    return _page(f"{title}: {report.source}", body)


def render_leaderboard_html(board: Leaderboard, *, images: Mapping[str, bytes]) -> str:
    """The leaderboard as one HTML page; `images` maps the board's plot paths to PNG bytes."""
    parts = [_section(section, images) for section in board.sections]
    for candidate in board.candidates:
        body = "\n".join(_section(section, images) for section in candidate.sections)
        parts.append(f"<details><summary>{_e(candidate.title)}</summary>\n{body}\n</details>")
    return _page(f"modelci leaderboard: {len(board.candidates)} candidates", "\n".join(parts))


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _section(section: Section, images: Mapping[str, bytes]) -> str:
    body = "\n".join(_block(block, images) for block in section.blocks)
    if not section.title:
        return body
    if section.headline:
        return f"<h2>{_e(section.title)}</h2>\n{body}"
    if section.collapsed:
        return f"<details><summary>{_e(section.title)}</summary>\n{body}\n</details>"
    return f"<h3>{_e(section.title)}</h3>\n{body}"


def _block(block: Block, images: Mapping[str, bytes]) -> str:
    if isinstance(block, Paragraph):
        text = _inline(block.spans)
        return f"<p><small>{text}</small></p>" if block.small else f"<p>{text}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_inline(item)}</li>\n" for item in block.items)
        return f"<ul>\n{items}</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Images):
        return _images(block, images)
    raise TypeError(f"unknown block {type(block).__name__}")


def _inline(spans: Inline) -> str:
    out = []
    for span in spans:
        if span.style == "strong":
            out.append(f"<strong>{_e(span.text)}</strong>")
        elif span.style == "code":
            out.append(f"<code>{_e(span.text)}</code>")
        else:
            out.append(_e(span.text))
    return "".join(out)


def _table(table: Table) -> str:
    def cls(index: int) -> str:
        return ' class="right"' if table.align[index] == "right" else ""

    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(table.headers))
    rows = []
    for index, row in enumerate(table.rows):
        tag = table.tags[index] if index < len(table.tags) else None
        attr = f' class="{tag}"' if tag in ("fail", "pass") else ""
        cells = "".join(f"<td{cls(i)}>{_inline(cell)}</td>" for i, cell in enumerate(row))
        rows.append(f"<tr{attr}>{cells}</tr>")
    body = "\n".join(rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _images(block: Images, images: Mapping[str, bytes]) -> str:
    figures = []
    for image in block.images:
        data = images.get(image.path)
        if not data:
            continue
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        figures.append(
            f'<figure><img src="{uri}" alt="{_e(image.title)}">'
            f"<figcaption>{_e(image.title)}</figcaption></figure>"
        )
    if not figures:
        return "<p><small>Plots omitted: no plot images were found.</small></p>"
    return '<div class="plots">\n' + "\n".join(figures) + "\n</div>"
