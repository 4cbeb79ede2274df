"""A PR comment as a reviewer sees it: the markdown rendered as GitHub renders it (cmark-gfm,
raw HTML allowed so `<details>` works), shown in headless Chromium, read back as the text on the
screen before anything is clicked, and again with every `<details>` opened.

One Chromium process per page (`--dump-dom`): an inline script of ours, run on `load`, writes
what it read into `<pre id="seen">` as JSON, and the dumped DOM carries it out. The page's
Content-Security-Policy lets only that script run and only local images load, so nothing in a
comment can execute or reach the network.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cmarkgfm

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
NOT_INSTALLED = (
    "chromium is not installed: bash .ci/install-system-tools.sh installs Debian's chromium "
    "(the browser test reads the PR comment as a reviewer sees it)"
)
# Flags for a quiet, offline, throwaway browser: no first-run pages, sync, updates or pings.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB, too little for a renderer
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--metrics-recording-only",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: nothing leaves the machine
    # Let the page's images load before the dump (virtual time runs ahead when idle).
    "--virtual-time-budget=10000",
)
TIMEOUT = 120

READ = """
window.addEventListener("load", () => {
  const comment = document.getElementById("comment");
  const all = [...comment.querySelectorAll("*")];
  const details = [...comment.querySelectorAll("details")];
  const seen = {
    collapsed: comment.innerText,
    headings: [...comment.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => h.innerText),
    summaries: details.map((d) => d.querySelector("summary")?.innerText ?? ""),
    initially_open: details.map((d) => d.open),
    images: [...comment.querySelectorAll("img")].map((img) => ({
      src: img.getAttribute("src"),
      alt: img.getAttribute("alt"),
      loaded: img.complete && img.naturalWidth > 0,
    })),
    tags: [...new Set(all.map((e) => e.tagName.toLowerCase()))].sort(),
    handlers: all.flatMap((e) =>
      [...e.attributes].filter((a) => a.name.startsWith("on"))
        .map((a) => `${e.tagName.toLowerCase()} ${a.name}`)),
  };
  details.forEach((d) => { d.open = true; });
  seen.expanded = comment.innerText;
  document.getElementById("seen").textContent = JSON.stringify(seen);
});
"""


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    loaded: bool


@dataclass(frozen=True)
class Seen:
    """What the browser showed. `collapsed`: the visible text as the page opens (each closed
    `<details>` shows its summary alone); `expanded`: the same after opening every `<details>`."""

    collapsed: str
    expanded: str
    headings: tuple[str, ...]
    summaries: tuple[str, ...]
    initially_open: tuple[bool, ...]
    images: tuple[Image, ...]
    tags: tuple[str, ...]  # every element name inside the comment
    handlers: tuple[str, ...]  # "img onerror" for each event-handler attribute found


def chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def github_html(markdown: str) -> str:
    """The comment's HTML as GitHub renders it: cmark-gfm with its extensions (tables,
    autolinks, tag filter) and raw HTML kept, as GitHub keeps `<details>`/`<summary>`/`<sub>`."""
    return cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
    )


def page(body: str, nonce: str) -> str:
    policy = (
        f"default-src 'none'; img-src file:; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'"
    )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        "<title>PR comment</title></head>\n<body>\n"
        f'<article id="comment">\n{body}\n</article>\n<pre id="seen"></pre>\n'
        f'<script nonce="{nonce}">{READ}</script>\n</body></html>\n'
    )


def show(markdown: str, *, beside: Path, browser: str) -> Seen:
    """Render `markdown` and read it back from Chromium. The page is written into `beside`, the
    folder the markdown's relative image paths start from, so its images load."""
    nonce = secrets.token_hex(16)
    target = beside / f"comment-{nonce[:8]}.html"
    target.write_text(page(github_html(markdown), nonce), encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="modelci-chromium-") as profile:
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", target.as_uri()],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    found = re.search(r'<pre id="seen">(.*?)</pre>', done.stdout, re.DOTALL)
    if done.returncode != 0 or found is None or not found.group(1):
        raise AssertionError(
            f"chromium did not show the page (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    seen = json.loads(html.unescape(found.group(1)))
    return Seen(
        collapsed=seen["collapsed"],
        expanded=seen["expanded"],
        headings=tuple(seen["headings"]),
        summaries=tuple(seen["summaries"]),
        initially_open=tuple(seen["initially_open"]),
        images=tuple(Image(i["src"], i["alt"] or "", i["loaded"]) for i in seen["images"]),
        tags=tuple(seen["tags"]),
        handlers=tuple(seen["handlers"]),
    )


def lines(text: str) -> list[str]:
    """The visible text's non-blank lines, stripped (innerText keeps table cells tab-separated)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def position(text: str, pattern: str) -> int:
    """Index of the first visible line that `pattern` (a regular expression) matches at its
    start; AssertionError when none does."""
    for index, line in enumerate(lines(text)):
        if re.match(pattern, line):
            return index
    raise AssertionError(f"no visible line matches {pattern!r}:\n{text}")
