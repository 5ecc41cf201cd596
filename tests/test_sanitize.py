import time

import pytest

from oncall_tui.core.sanitize import MAX_TEXT, Redactor, safe_link, sanitize


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain pay-api", "plain pay-api"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        # OSC 52 writes the clipboard; OSC 8 makes hyperlinks.
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),
        (
            "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
            "\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\",
        ),
        ("a\x9bb\x85c", "a\\x9bb\\x85c"),  # C1: CSI and NEL
        ("line1\nline2\tx\r", "line1\\x0aline2\\x09x\\x0d"),
        ("\x7f", "\\x7f"),
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("\u2066iso\u2069", "\\u2066iso\\u2069"),
        ("zero\u200bwidth\u200d", "zero\\u200bwidth\\u200d"),
        ("\ufeffbom", "\\ufeffbom"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("crédit 信用 ✓", "crédit 信用 ✓"),  # ordinary Unicode is left alone
    ],
)
def test_unsafe_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


def test_no_escape_character_survives() -> None:
    every = "".join(chr(c) for c in range(0x00, 0xA0))
    out = sanitize(every, limit=10_000)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)


def test_megabyte_string_is_capped_quickly() -> None:
    huge = "\x1b" * 1_000_000
    started = time.perf_counter()
    out = sanitize(huge)
    assert len(out) <= MAX_TEXT
    assert out.endswith("…")
    assert time.perf_counter() - started < 1.0  # generous: guards against a regex over 1 MB


def test_cap_applies_after_escaping() -> None:
    assert len(sanitize("x" * 5000, limit=100)) == 100


def test_non_strings_are_stringified() -> None:
    assert sanitize(None) == ""
    assert sanitize(12) == "12"


@pytest.mark.parametrize(
    "url",
    ["https://runbooks.example.com/risk/velocity", "http://127.0.0.1:9090/graph?g0.expr=up"],
)
def test_http_links_are_links(url: str) -> None:
    assert safe_link(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://ex.com/\x1b]52;c;eA==\x07",
        "https://ex.com/\u202e",
        "https:///nohost",
        "https://ex.com/a b",
        "https://ex.com/" + "a" * 5000,
        "",
        "runbooks/credit-bureau.md",
    ],
)
def test_other_links_are_plain_text(url: str) -> None:
    assert safe_link(url) is None


def test_redactor_hides_secrets() -> None:
    redactor = Redactor()
    redactor.add("s3cr3t-token")
    redactor.add("ab")  # too short to be worth redacting
    assert redactor.redact("401 for Bearer s3cr3t-token at ab") == "401 for Bearer *** at ab"


def test_lone_surrogates_are_escaped() -> None:
    assert sanitize("a\ud800b") == "a\\ud800b"


@pytest.mark.parametrize(
    "url",
    [
        "https://runbooks.example.com@evil.example/x",
        "https://user:pass@h.example/",
        "https://h.example/a\u3000b",
        "https://h.example/a\u00a0b",
        "https://h.example:99999/",
    ],
)
def test_deceptive_links_are_plain_text(url: str) -> None:
    assert safe_link(url) is None
