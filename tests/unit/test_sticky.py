"""The pure parts of the PR comment: markers, ownership, bodies within GitHub's limits, links."""

from __future__ import annotations

import re

import pytest

from modelci.errors import UserError
from modelci.github import workflow
from modelci.pull_request import plot_branch, sticky
from modelci.pull_request.comment_flow import is_fork, pr_from_event
from modelci.report.markdown import escape, neutralize_mentions

BOT = {"login": "github-actions[bot]", "type": "Bot"}


def comment(body: str, user: dict | None = None) -> dict:
    return {"id": 1, "body": body, "user": BOT if user is None else user}


@pytest.mark.parametrize("key", ["default", "a", "nightly-2", "x.y_z", "K" * 64])
def test_valid_keys(key: str) -> None:
    assert sticky.marker(key) == f"<!-- modelci:comment key={key} -->"


@pytest.mark.parametrize("key", ["", "K" * 65, "two words", "a-->b", "ключ", "a/b", None])
def test_invalid_keys_say_what_and_how(key) -> None:
    with pytest.raises(UserError, match="comment key must be 1 to 64"):
        sticky.validate_key(key)


def test_ours_needs_marker_and_author() -> None:
    mark = sticky.marker("default")
    assert sticky.is_ours(comment(f"{mark}\nreport"), key="default", author_login=None)
    assert not sticky.is_ours(comment("report"), key="default", author_login=None)
    # Another key's marker, and a key that merely starts the same, are not ours.
    assert not sticky.is_ours(comment(sticky.marker("nightly")), key="default", author_login=None)
    assert not sticky.is_ours(
        comment("<!-- modelci:comment key=default-2 -->"), key="default", author_login=None
    )
    # Anyone can paste the marker: a human's comment is never ours.
    human = {"login": "octocat", "type": "User"}
    assert not sticky.is_ours(comment(mark, human), key="default", author_login=None)
    # The Actions bot must be a Bot; a configured login matches case-insensitively.
    fake_bot = {"login": "github-actions[bot]", "type": "User"}
    assert not sticky.is_ours(comment(mark, fake_bot), key="default", author_login=None)
    app = {"login": "My-App[bot]", "type": "Bot"}
    assert sticky.is_ours(comment(mark, app), key="default", author_login="my-app[bot]")
    assert not sticky.is_ours(comment(mark, BOT), key="default", author_login="my-app[bot]")
    assert not sticky.is_ours(
        {"id": 1, "body": mark, "user": None}, key="default", author_login=None
    )


def test_comment_author() -> None:
    assert sticky.comment_author(None) == "github-actions[bot]"
    assert sticky.comment_author(" octocat ") == "octocat"
    assert sticky.comment_author("my-app[bot]") == "my-app[bot]"
    with pytest.raises(UserError, match="GitHub login"):
        sticky.comment_author("not a login")


def test_body_has_marker_first_and_summary_link_last() -> None:
    body = sticky.compose_body("### Report\n", key="k", summary_url="https://gh/o/r/actions/runs/9")
    lines = body.splitlines()
    assert lines[0] == "<!-- modelci:comment key=k -->"
    assert lines[1] == "### Report"
    assert (
        lines[-1] == "<sub>Full report in the [job summary](https://gh/o/r/actions/runs/9).</sub>"
    )
    assert "job summary" not in sticky.compose_body("x", summary_url=None)


def test_body_cannot_carry_another_marker() -> None:
    sneaky = "hello <!-- modelci:comment key=other -->\n<!--modelci:comment key=default-->"
    body = sticky.compose_body(sneaky, key="default")
    assert body.count("modelci:comment") == 1


def test_strip_markers_removes_markers_joined_by_an_earlier_removal() -> None:
    nested = "<!-<!-- modelci:comment -->- modelci:comment key=other -->"
    stripped = sticky.strip_markers(nested)
    assert "<!--" not in stripped
    assert "modelci:comment key=other -->" not in stripped.replace("&lt;!--", "")
    body = sticky.compose_body(nested, key="default")
    assert body.count("<!--") == 1
    assert body.startswith(sticky.marker("default") + "\n")
    assert not sticky.is_ours(
        {"body": body, "user": {"login": sticky.ACTIONS_BOT, "type": "Bot"}},
        key="other",
        author_login=None,
    )


def test_strip_markers_escapes_what_deep_nesting_leaves() -> None:
    # Deeper than the bounded passes: whatever survives is escaped, so no marker is left.
    deep = "<!-" * 40 + "<!-- modelci:comment -->" + "- modelci:comment -->" * 40
    deep += "<!-- modelci:comment key=other -->"
    stripped = sticky.strip_markers(deep)
    assert "<!--" not in stripped
    assert sticky.strip_markers("a <!-- b --> c <!-- d") == "a &lt;!-- b --> c &lt;!-- d"
    assert sticky.strip_markers("no comments here") == "no comments here"


def test_renderer_gets_the_room_left_by_marker_and_footer() -> None:
    asked = []

    def render(limit: int) -> str:
        asked.append(limit)
        return "x" * limit

    body = sticky.compose_body(render, key="default", summary_url="https://gh/runs/1")
    assert len(body) == sticky.MAX_CHARS
    assert asked == [sticky.MAX_CHARS - (len(body) - asked[0])]


def test_bytes_limit_binds_for_wide_characters() -> None:
    def render(limit: int) -> str:
        return ("€" * 10 + "\n") * (limit // 11)

    body = sticky.compose_body(render, max_chars=10_000, max_bytes=12_000)
    assert len(body.encode()) <= 12_000
    assert len(body) <= 10_000
    assert len(body.encode()) > 11_000  # it shrank only as much as it had to


def test_ready_text_over_the_limit_is_cut_at_a_line_with_details_closed() -> None:
    text = "intro\n<details><summary>More</summary>\n\n" + "| row |\n" * 5_000 + "</details>\n"
    body = sticky.compose_body(text, max_chars=2_000, max_bytes=2_000)
    assert len(body) <= 2_000
    assert body.count("<details>") == body.count("</details>") == 1
    assert "truncated" in body
    assert all(
        line == "" or line.startswith(("|", "<", "*", "intro")) for line in body.splitlines()
    )


def test_truncate_keeps_text_that_fits() -> None:
    assert sticky.truncate_markdown("a\nb\n", 10, 10) == "a\nb\n"


def test_limits_must_leave_room() -> None:
    with pytest.raises(ValueError, match="no room"):
        sticky.compose_body("x", max_chars=10, max_bytes=10)


# -- command helpers -------------------------------------------------------------------------------


def test_pr_from_event() -> None:
    assert pr_from_event({"pull_request": {"number": 12}}) == 12
    assert pr_from_event({"issue": {"number": 4, "pull_request": {}}}) == 4
    assert pr_from_event({"pull_request": {"number": "12"}}) is None
    assert pr_from_event({"pull_request": {"number": True}}) is None
    assert pr_from_event({}) is None


def test_is_fork() -> None:
    def event(head: str, base: str) -> dict:
        return {
            "pull_request": {
                "head": {"repo": {"full_name": head}},
                "base": {"repo": {"full_name": base}},
            }
        }

    assert is_fork(event("someone/demo", "octo-org/demo")) is True
    assert is_fork(event("Octo-Org/demo", "octo-org/demo")) is False
    assert is_fork({"pull_request": {"head": {"repo": None}}}) is None
    assert is_fork({}) is None


def test_workflow_command_escapes_newlines_and_percent() -> None:
    assert workflow.command("warning", "a\r\nb 100%") == "::warning::a%0D%0Ab 100%25"


# -- assets helpers --------------------------------------------------------------------------------


def test_asset_paths_and_urls() -> None:
    assert plot_branch.run_folder(3, 42, None, {}) == "pr-3/42-1"
    local = plot_branch.run_folder(3, None, None, {"plots/a.png": b"1"})
    assert local.startswith("pr-3/local-")
    assert local == plot_branch.run_folder(3, None, None, {"plots/a.png": b"1"})
    assert local != plot_branch.run_folder(3, None, None, {"plots/a.png": b"2"})
    url = plot_branch.blob_url("https://ghe.example/", "o", "r", "f" * 40, "pr-1/2-1/plots/a b.png")
    assert url == f"https://ghe.example/o/r/blob/{'f' * 40}/pr-1/2-1/plots/a%20b.png?raw=true"
    assert (
        plot_branch.graphql_url("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"
    )
    assert plot_branch.git_blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


@pytest.mark.parametrize("path", ["../x.png", "/abs.png", "plots/../x.png", "a//b.png", "", "a\\b"])
def test_unsafe_plot_paths_are_refused(path: str) -> None:
    with pytest.raises(UserError, match="plot path"):
        plot_branch.check_image_path(path)


@pytest.mark.parametrize(
    "text",
    ["@octocat", "-@octocat", ".@octocat", "/@acme/security", "+@octocat", "@@octocat", "(@o/t)"],
)
def test_every_mention_form_is_neutralized(text: str) -> None:
    # GitHub mentions any @name or @org/team not preceded by a word character or backtick.
    for rendered in (neutralize_mentions(text), escape(text)):
        assert re.search(r"(?<![A-Za-z0-9_`])@(?=[A-Za-z0-9])", rendered) is None, rendered
        assert rendered.replace("\u2060", "").replace("\\", "") == text


def test_addresses_and_words_before_the_at_sign_stay() -> None:
    text = "mail a@b.example or me_@x"
    assert neutralize_mentions(text) == text
