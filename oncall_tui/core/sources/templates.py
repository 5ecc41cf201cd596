"""Label templates such as "{product}/{rule}", filled from a series' labels.

Label values come from whoever can push metrics, so they are treated strictly as values:
a template is parsed once, at config time, into literal text and label names, and
rendering only concatenates. `str.format` is never called with data, so a label value
like "{0.__class__}" stays text, and a template cannot reach attributes or indexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Annotated
from urllib.parse import quote

from pydantic import AfterValidator

from oncall_tui.core.sources.runbook import Runbook, has_dot_segment

MISSING = "?"
"""Shown for a label the series does not have: visible, unlike an empty string, and a
missing label never stops a collection."""

_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class LabelTemplate:
    """A parsed template: a sequence of literal text and label names."""

    text: str
    parts: tuple[tuple[str, str | None], ...]

    @classmethod
    def parse(cls, text: str) -> LabelTemplate:
        """Parse `text`, or raise ValueError saying what to write instead."""
        try:
            pieces = list(Formatter().parse(text))
        except ValueError as exc:
            raise ValueError(
                f"invalid template {text!r}: {exc}; write labels as {{name}} and "
                "a literal brace as {{ or }}"
            ) from None
        parts: list[tuple[str, str | None]] = []
        for literal, field, conversion, spec in pieces:
            if field is None:
                parts.append((literal, None))
                continue
            if not _LABEL_NAME.fullmatch(field):
                hint = "a label name such as {product}" if field else "a label name inside {}"
                raise ValueError(
                    f"invalid template {text!r}: {{{field}}} is not a label name; "
                    f"use {hint} (no positions, attributes or indexes)"
                )
            if conversion or spec:
                raise ValueError(
                    f"invalid template {text!r}: {{{field}}} must not carry a "
                    "conversion or format (write just {" + field + "})"
                )
            parts.append((literal, field))
        return cls(text, tuple(parts))

    @property
    def labels(self) -> frozenset[str]:
        """Label names the template uses."""
        return frozenset(field for _, field in self.parts if field is not None)

    def render(
        self,
        labels: Mapping[str, str],
        *,
        escape: Callable[[str], str] | None = None,
    ) -> str:
        """The template filled from `labels`; a missing label renders as `MISSING`.

        `escape` transforms each label value (e.g. percent-encoding for URLs) so a value
        cannot change the structure of what it is inserted into.
        """
        out: list[str] = []
        for literal, field in self.parts:
            out.append(literal)
            if field is not None:
                value = labels.get(field)
                if value is None:
                    out.append(MISSING)
                else:
                    out.append(escape(value) if escape else value)
        return "".join(out)


def check_template(text: str) -> str:
    """Pydantic validator: a template field must parse; returns it unchanged."""
    LabelTemplate.parse(text)
    return text


Template = Annotated[str, AfterValidator(check_template)]
"""A config string with {label} placeholders, checked when the config is loaded."""


def url_value(value: str) -> str:
    """A label value inside a link: percent-encoded, so it cannot change the link's
    host, path or query. A lone surrogate (valid in JSON) is written out as its escape
    rather than failing the encoder and, with it, the whole collection."""
    return quote(value.encode("utf-8", "backslashreplace"), safe="")


def path_value(value: str) -> str:
    """A label value inside a file path: one file-name part, so it cannot add a
    directory or climb out of the runbook folder (`../../etc/passwd` becomes
    `.._.._etc_passwd`, `..` becomes `__`)."""
    value = value.replace("/", "_").replace("\\", "_")
    if value and not value.strip("."):
        return "_" * len(value)
    return value


@dataclass(frozen=True, slots=True)
class RunbookTemplate:
    """A runbook template from the config: a link ("https://wiki/risk/{rule}") or a
    path relative to the config file ("runbooks/{service}.md"), filled per series."""

    template: LabelTemplate
    is_link: bool

    @classmethod
    def parse(cls, text: str) -> RunbookTemplate:
        is_link = text.lstrip().lower().startswith(("http://", "https://"))
        return cls(LabelTemplate.parse(text), is_link)

    def render(self, labels: Mapping[str, str], config_dir: Path) -> Runbook | None:
        """The runbook for one series. Label values never change where a link points:
        a value of `.` or `..` that would make a path segment climb (browsers resolve
        `..` and `%2e%2e` alike) turns the link into text."""
        if not self.template.text.strip():
            return None
        if not self.is_link:
            return Runbook.from_config(self.template.render(labels, escape=path_value), config_dir)
        url = self.template.render(labels, escape=url_value)
        if has_dot_segment(url) and not has_dot_segment(self.template.text):
            return Runbook.text(url)
        return Runbook.link(url)
