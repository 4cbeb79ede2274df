"""The HTML report is one self-contained page: embedded images, nothing fetched, text escaped."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from modelci import documents, plots
from modelci.report import inputs
from modelci.report.html import render_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "report"
VOID = {"meta", "img", "br", "hr", "input", "link"}


class Structure(HTMLParser):
    """Checks tags nest and close, and collects every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Structure:
    parser = Structure()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    return parser


@pytest.fixture(scope="module")
def comparison_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """The passing comparison with real plots, its run data source pointing at a URL."""
    root = tmp_path_factory.mktemp("html") / "binary_pass"
    shutil.copytree(FIXTURES / "binary_pass", root)
    run_json = root / "runs" / "candidate" / "run.json"
    run = json.loads(run_json.read_text())
    run["data"]["train"]["source"] = "https://data.example/train.csv"
    run_json.write_text(json.dumps(run))
    compare = root / "compare"
    written = plots.render_comparison_plots(
        documents.read_comparison(compare / "comparison.json"), compare
    )
    images = {path: (compare / path).read_bytes() for path in written}
    return render_html(inputs.load_report(compare), images=images), len(images)


def test_page_is_self_contained(comparison_page: tuple[str, int]) -> None:
    page, n_images = comparison_page
    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page
    # Nothing is fetched: every src is a data URI and there is no external href at all.
    assert parsed.urls and all(url.startswith("data:image/png;base64,") for url in parsed.urls)
    assert page.count("data:image/png;base64,") == n_images
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not {"script", "link", "iframe", "object"} & set(parsed.tags)
    assert "@import" not in page and "url(" not in page
    # A URL from the data is shown as text, not linked.
    assert "https://data.example/train.csv" in "".join(parsed.text)


def test_page_has_the_same_content_as_the_markdown(comparison_page: tuple[str, int]) -> None:
    page, _ = comparison_page
    assert "<h2>✅ modelci: candidate passes all 3 gates against baseline</h2>" in page
    headers = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", page.split("</table>")[0])
    assert headers == ["metric", "baseline", "candidate", "Δ", "95% CI", "p", "verdict"]
    assert '<td class="right">&lt;0.001</td>' in page
    summaries = re.findall(r"<summary>(.*?)</summary>", page)
    assert summaries[-1] == "Run facts" and len(summaries) == 4
    assert '<tr class="pass">' in page
    assert '<img src="data:image/png;base64,' in page and 'alt="ROC curve"' in page


def test_missing_images_are_left_out_not_broken() -> None:
    page = render_html(inputs.load_report(FIXTURES / "binary_fail"), images={})
    parsed = parse(page)
    assert "<img" not in page and parsed.urls == []
    assert "Plots omitted" in page
    assert '<tr class="fail">' in page


def test_user_text_is_escaped(tmp_path: Path) -> None:
    directory = tmp_path / "run"
    shutil.copytree(FIXTURES / "multiclass_eval", directory)
    doc = json.loads((directory / "evaluation.json").read_text())
    doc["per_class"][0]["class"] = '<script>alert("x")</script>'
    doc["importance"]["features"][0]["feature"] = 'a" onmouseover="x'
    (directory / "evaluation.json").write_text(json.dumps(doc))
    page = render_html(inputs.load_report(directory), images={"plots/roc.png": b"\x89PNG fake"})
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'onmouseover="' not in page
    assert page.count("<img") == 1


def test_single_run_page() -> None:
    page = render_html(inputs.load_report(FIXTURES / "multiclass_eval"), images={})
    parse(page)
    assert "<h2>📊 modelci evaluation</h2>" in page
    assert "<title>modelci evaluation:" in page
    assert re.findall(r"<th(?: [^>]*)?>(.*?)</th>", page.split("</table>")[0]) == [
        "metric",
        "value",
        "95% CI",
        "method",
    ]
