"""Typed runbooks: a link, a file the config or a plugin vouches for, or plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.core.present.runbook_pages import paginate
from oncall_tui.core.sources.runbook import Runbook, RunbookKind
from oncall_tui.core.sources.templates import RunbookTemplate

CONFIG_DIR = Path("/srv/oncall")


def test_config_runbooks_resolve_against_the_config_dir() -> None:
    assert Runbook.from_config("runbooks/velocity.md", CONFIG_DIR) == Runbook(
        RunbookKind.FILE, "/srv/oncall/runbooks/velocity.md"
    )
    assert Runbook.from_config("https://runbooks.example.com/b", CONFIG_DIR) == Runbook(
        RunbookKind.LINK, "https://runbooks.example.com/b"
    )
    assert Runbook.from_config("/abs/c.md", CONFIG_DIR) == Runbook(RunbookKind.FILE, "/abs/c.md")
    assert Runbook.from_config("  ", CONFIG_DIR) is None


def test_config_paths_cannot_climb_out_of_the_config_dir_or_use_home() -> None:
    climbed = Runbook.from_config("runbooks/../../../etc/passwd", CONFIG_DIR)
    assert climbed == Runbook(RunbookKind.TEXT, "runbooks/../../../etc/passwd")
    home = Runbook.from_config("~/.aws/credentials", CONFIG_DIR)
    assert home == Runbook(RunbookKind.FILE, "/srv/oncall/~/.aws/credentials")


@pytest.mark.parametrize(
    "text", ["/etc/passwd", "runbooks/x.md", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_a_source_can_only_name_links(text: str) -> None:
    runbook = Runbook.from_source(text)
    assert runbook is not None and runbook.kind is RunbookKind.TEXT
    assert runbook.contract is None


def test_unsafe_links_become_text() -> None:
    assert Runbook.link("https://ok.example/x").is_link
    for bad in ("https://wiki.example@evil.example/", "https://x/\x1b]52;c;AAAA\x07", "ftp://x/"):
        assert Runbook.link(bad).kind is RunbookKind.TEXT


def test_sanitised_runbook_that_changed_is_no_longer_a_link_or_file() -> None:
    assert Runbook.link("https://x.example/a").sanitized().is_link
    tampered = Runbook(RunbookKind.FILE, "/srv/\x1b[2Jx.md").sanitized()
    assert tampered.kind is RunbookKind.TEXT and "\x1b" not in tampered.target


def test_url_template_survives_a_lone_surrogate() -> None:
    # Valid JSON can carry "\ud800"; quoting it used to raise and lose the whole source.
    template = RunbookTemplate.parse("https://runbooks.example.com/risk/{rule}")
    runbook = template.render({"rule": "A\ud800B"}, CONFIG_DIR)
    assert runbook is not None and runbook.is_link
    assert runbook.target == "https://runbooks.example.com/risk/A%5Cud800B"


@pytest.mark.parametrize(("service", "rule"), [("..", ".."), (".", "x"), ("a", "..")])
def test_label_values_cannot_climb_a_link_path(service: str, rule: str) -> None:
    template = RunbookTemplate.parse("https://runbooks.example.com/risk/{service}/{rule}")
    runbook = template.render({"service": service, "rule": rule}, CONFIG_DIR)
    assert runbook is not None and not runbook.is_link


def test_label_values_are_encoded_into_one_link_segment() -> None:
    template = RunbookTemplate.parse("https://runbooks.example.com/risk/{rule}")
    runbook = template.render({"rule": "../../admin?x=1"}, CONFIG_DIR)
    assert runbook == Runbook.link("https://runbooks.example.com/risk/..%2F..%2Fadmin%3Fx%3D1")
    # An already-encoded dot segment is encoded again: a literal "%2e%2e", not "..".
    encoded = template.render({"rule": "%2e%2e"}, CONFIG_DIR)
    assert encoded == Runbook.link("https://runbooks.example.com/risk/%252e%252e")


def test_path_templates_keep_label_values_inside_the_folder() -> None:
    template = RunbookTemplate.parse("runbooks/{service}.md")
    runbook = template.render({"service": "../../etc/passwd"}, CONFIG_DIR)
    assert runbook == Runbook(RunbookKind.FILE, "/srv/oncall/runbooks/.._.._etc_passwd.md")


def test_a_long_runbook_is_paged_with_fences_closed_and_table_headers_repeated() -> None:
    code = "```sh\n" + "\n".join(f"echo {i}" for i in range(1000)) + "\n```"
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| {i} | x |" for i in range(500))
    pages = paginate(f"# Top\n\n{code}\n\n{table}\n")
    assert len(pages) > 3
    for page in pages:
        assert page.markdown.count("```") % 2 == 0, page.markdown[:80]
        rows = [line for line in page.markdown.split("\n") if line.startswith("| ")]
        if rows and "| a | b |" not in page.markdown:
            assert rows[0].startswith("| 0 |"), "a table page without its header"
    shown = "\n".join(page.markdown for page in pages)
    assert all(f"echo {i}\n" in shown for i in range(1000))
    assert all(f"| {i} | x |" in shown for i in range(500))
    assert [page.markdown for page in paginate("# one\n\nshort")] == ["# one\n\nshort"]
