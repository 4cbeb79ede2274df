"""GitHub-flavoured markdown for the PR comment and the job summary.

`render_markdown` is pure: the caller decides where images live (`image_url`) and how long the
result may be (`limit`; GitHub rejects comments over 65,536 characters). When the report does
not fit, whole sections go in `DROP_ORDER` (mostly from the bottom up), then metric rows, so
what remains is always valid markdown: no table or HTML tag is ever cut in half. A leaderboard
of several candidates drops the candidates' collapsed reports from the worst up, then rows of
its table.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence

from tabulate import tabulate

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
from modelci.report.leaderboard import Candidate, Leaderboard

ImageUrl = Callable[[str], str | None]

# Dropped first when over the limit, least needed for the verdict first: the details from the
# bottom up (run facts, importance, confusion matrix, per-class), then the release history and
# churn, the plots, the data checks, the worst slices and last the failed-gates list (the
# headline still counts the failures and the metrics table marks them). The headline, with its
# ⚠️ lines, and the metrics table stay; then the table loses rows from the bottom. The README's
# "Reading the PR comment" says the same.
DROP_ORDER = (
    "facts",
    "importance",
    "confusion",
    "per_class",
    "history",
    "churn",
    "plots",
    "checks",
    "slices",
    "gates",
)

# `$` too: GitHub renders $…$ in comments as math.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
_AUTOLINK_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp):")
_WWW = re.compile(r"(?i)\bwww\.")
_LINE_BREAKS = re.compile(r"[\r\n\t\f\v\u2028\u2029]+")
# A user string like "@org/team" would notify people from a bot comment; a word joiner after
# the @ keeps it readable but no longer a mention. GitHub mentions any @name not preceded by a
# word character or backtick (`-@a`, `.@a`, `/@org/team`, `@@a`); this neutralises every one
# not preceded by a word character, so an e-mail address stays as it is.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")


def render_markdown(
    report: Report,
    *,
    image_url: ImageUrl,
    limit: int = 65_000,
    full_report_url: str | None = None,
) -> str:
    """The report as GitHub markdown, at most `limit` characters long."""
    sections = build_sections(report)
    parts = {s.key: _section(s, image_url) for s in sections}
    metrics = next((s for s in sections if s.key == "metrics"), None)
    return _capped(parts, DROP_ORDER, metrics, image_url, limit, full_report_url)


def render_leaderboard_markdown(
    board: Leaderboard,
    *,
    image_url: ImageUrl,
    limit: int = 65_000,
    full_report_url: str | None = None,
) -> str:
    """The leaderboard as GitHub markdown, at most `limit` characters long.

    Over the limit, candidates' collapsed reports go from the worst candidate up, then rows of
    the leaderboard table from the bottom.
    """
    parts = {s.key: _section(s, image_url) for s in board.sections}
    for candidate in board.candidates:
        parts[f"candidate:{candidate.slug}"] = _candidate(candidate, image_url)
    drop = tuple(f"candidate:{c.slug}" for c in reversed(board.candidates))
    table = next((s for s in board.sections if s.key == "leaderboard"), None)
    return _capped(parts, drop, table, image_url, limit, full_report_url)


def _candidate(candidate: Candidate, image_url: ImageUrl) -> str:
    body = "\n".join(_section(section, image_url) for section in candidate.sections)
    # The title holds the candidate's name, user text: no HTML, and no mention.
    summary = neutralize_mentions(html.escape(" ".join(candidate.title.split()), quote=False))
    return f"<details><summary>{summary}</summary>\n\n{body}\n</details>\n"


def _capped(
    parts: dict[str, str],
    drop_order: Sequence[str],
    rows_section: Section | None,
    image_url: ImageUrl,
    limit: int,
    full_report_url: str | None,
) -> str:
    """Join `parts`; over `limit`, drop parts in `drop_order`, then rows of `rows_section`."""
    text = _join(parts.values())
    if len(text) <= limit:
        return text
    note = _truncation_note(limit, full_report_url)

    def with_note() -> str | None:
        result = _join([*parts.values(), note])
        return result if len(result) <= limit else None

    for key in drop_order:
        if parts.pop(key, None) is not None and (result := with_note()):
            return result
    # Still too long: keep as many table rows as fit, the most important being first.
    if rows_section is not None:
        key = rows_section.key
        low, high, best = 0, _row_count(rows_section), None
        while low <= high:
            keep = (low + high) // 2
            parts[key] = _section(rows_section, image_url, keep_rows=keep)
            if with_note() is not None:
                best, low = keep, keep + 1
            else:
                high = keep - 1
        if best is not None:
            parts[key] = _section(rows_section, image_url, keep_rows=best)
            return with_note() or note
        del parts[key]
    if result := with_note():
        return result
    # A limit smaller than the headline leaves only the note, without its link if need be.
    for short in (note.strip() + "\n", _truncation_note(limit, None).strip() + "\n"):
        if len(short) <= limit:
            return short
    return _truncation_note(limit, None).strip()[:limit]


def escape(text: str) -> str:
    """Make user text literal in markdown: no tables broken, no HTML, no links, no mentions.

    GitHub also links bare URLs, `www.` names and e-mail addresses (autolinks), so a slice
    named after a data value could put a link in the bot's comment: the scheme's colon is
    escaped, and a word joiner follows `www` and every `@` (invisible, and no longer a link).

    >>> escape("a|b <script> `x` [y](z) @team")
    'a\\\\|b &lt;script&gt; \\\\`x\\\\` \\\\[y\\\\](z) @\u2060team'
    >>> escape("https://x.example www.x.example bob@x.example $5")
    'https\\\\://x.example www\u2060.x.example bob@\u2060x.example \\\\$5'
    """
    text = _LINE_BREAKS.sub(" ", str(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _AUTOLINK_SCHEME.sub(r"\1\\:", text)
    text = _WWW.sub("www\u2060.", text)
    return text.replace("@", "@\u2060")


def neutralize_mentions(text: str) -> str:
    """Keep `@name` readable but no longer a mention: a word joiner after the @.

    >>> neutralize_mentions("-@a .@b /@org/team +@c @@d, mail x@y.z") == (
    ...     "-@\u2060a .@\u2060b /@\u2060org/team +@\u2060c @@\u2060d, mail x@y.z"
    ... )
    True
    """
    return _MENTION.sub("@\u2060", text)


def _url(url: str) -> str:
    # Spaces, parentheses and angle brackets would end or break the link target.
    return urllib.parse.quote(url, safe=":/?#[]@!$&'*+,;=%~")


def _join(parts: Iterable[str]) -> str:
    return "\n".join(parts).rstrip("\n") + "\n"


def _truncation_note(limit: int, full_report_url: str | None) -> str:
    where = f"[job summary]({_url(full_report_url)})" if full_report_url else "job summary"
    return f"\n… report truncated at {limit} characters; the full report is in the {where}\n"


def _row_count(section: Section) -> int:
    return sum(len(block.rows) for block in section.blocks if isinstance(block, Table))


# --- rendering -------------------------------------------------------------------------------


def _section(section: Section, image_url: ImageUrl, *, keep_rows: int | None = None) -> str:
    body = "\n".join(_block(block, image_url, keep_rows=keep_rows) for block in section.blocks)
    if not section.title:
        return body
    if section.headline:
        return f"### {escape(section.title)}\n\n{body}"
    if section.collapsed:
        # The blank line after <summary> makes GitHub render the markdown inside the block.
        # Markdown is not parsed inside the HTML line, so the title only needs HTML escaping.
        summary = neutralize_mentions(html.escape(" ".join(section.title.split()), quote=False))
        return f"<details><summary>{summary}</summary>\n\n{body}\n</details>\n"
    return f"#### {escape(section.title)}\n\n{body}"


def _block(block: Block, image_url: ImageUrl, *, keep_rows: int | None) -> str:
    if isinstance(block, Paragraph):
        text = _inline(block.spans)
        return f"<sub>{text}</sub>\n" if block.small else f"{text}\n"
    if isinstance(block, Bullets):
        return "".join(f"- {_inline(item)}\n" for item in block.items)
    if isinstance(block, Table):
        return _table(block, keep_rows)
    if isinstance(block, Images):
        return _images(block, image_url)
    raise TypeError(f"unknown block {type(block).__name__}")


def _inline(spans: Inline, *, in_table: bool = False) -> str:
    out = []
    for span in spans:
        if span.style == "strong" and span.text.strip():
            out.append(f"**{escape(span.text.strip())}**")
        elif span.style == "code" and "`" not in span.text and span.text.strip():
            text = neutralize_mentions(" ".join(span.text.split()))
            # Inside a code span only the table's own `\|` escape applies; nothing else does.
            out.append(f"`{text.replace('|', chr(92) + '|') if in_table else text}`")
        elif span.style == "number":
            out.append(span.text)
        else:
            out.append(escape(span.text))
    return "".join(out)


def _table(table: Table, keep_rows: int | None) -> str:
    rows = table.rows if keep_rows is None else table.rows[:keep_rows]
    text = tabulate(
        [[_inline(cell, in_table=True) or " " for cell in row] for row in rows],
        headers=[escape(header) or " " for header in table.headers],
        tablefmt="github",
        disable_numparse=True,
        colalign=table.align,
    )
    text = _aligned(text, table.align) + "\n"
    hidden = len(table.rows) - len(rows)
    if hidden:
        text += f"\n<sub>… {hidden} more {table.noun} not shown</sub>\n"
    return text


def _aligned(text: str, align: Sequence[str]) -> str:
    """Put alignment colons in the separator row; tabulate's github format leaves them out."""
    lines = text.split("\n")
    cells = lines[1].strip("|").split("|")
    lines[1] = (
        "|"
        + "|".join(
            cell[:-1] + ":" if side == "right" else cell
            for cell, side in zip(cells, align, strict=True)
        )
        + "|"
    )
    return "\n".join(lines)


def _images(block: Images, image_url: ImageUrl) -> str:
    shown = []
    for image in block.images:
        url = image_url(image.path)
        if url:
            shown.append(f"![{escape(image.title)}]({_url(url)})")
    if not shown:
        return "<sub>Plots omitted: this report was rendered without images.</sub>\n"
    # One paragraph, so GitHub lays the images out side by side as the width allows.
    return " ".join(shown) + "\n"
