"""A long Markdown runbook cut into pages that each render in a fraction of a second.

Textual's Markdown widget mounts one widget per block and per table cell, on the event
loop: on a loaded 2-core machine ~7 ms a block, ~1.3 ms a table cell. A runbook of
100,000 lines rendered whole would hold the screen for minutes and hundreds of MB; cut
into pages, only the pages near what is on screen are rendered (the rest are blank
space of about their height), so any length opens at once and scrolls with bounded
memory.

Pages are cut on lines, without parsing the whole document (that alone takes seconds
for megabytes): between blocks (at a blank line) once a page is worth its budget, and
anywhere once it is worth twice that. A cut inside a fenced code block closes the fence
and opens it again on the next page; a cut inside a table repeats the table's header on
the next page, so both read on as they were. A paragraph or list cut in two is shown as
two, which reads the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAGE_BUDGET = 30.0
"""What a page may cost, in blocks: a block (heading, paragraph, list item) counts 1, a
table cell a fifth, a code line a tenth, 2,000 characters one more. A page of about
this many blocks renders in a few hundredths of a second."""

_DELIMITER_ROW = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
"""A GFM table's second line (`|---|:--:|`): what makes the line above a header."""
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its Markdown (fences closed, table header repeated) and its first
    line in the whole runbook."""

    markdown: str
    first_line: int
    cost: float = 0.0
    """What it costs to render, in blocks (as PAGE_BUDGET counts them)."""

    @property
    def rows_guess(self) -> int:
        """Rows it will take before it is rendered: one a line, plus the margins."""
        return self.markdown.count("\n") + 2


def paginate(text: str, budget: float = PAGE_BUDGET) -> list[Page]:
    """`text` cut into pages of about `budget` blocks each (a short text is one page)."""
    pages: list[Page] = []
    lines = text.split("\n")
    current: list[str] = []
    first = 0
    cost = 0.0
    fence = ""  # the opening line of the fenced code block we are in, if any
    marker = ""
    table_head: list[str] = []
    previous = ""
    for index, line in enumerate(lines):
        blank = not line.strip()
        if cost >= budget and ((blank and not fence) or cost >= 2 * budget):
            carried: list[str] = []
            if fence:
                current.append(marker)
                carried = [fence]
            elif table_head and not blank:
                carried = list(table_head)
            pages.append(Page("\n".join(current), first, cost))
            current, first, cost = carried, index, 0.0
        current.append(line)
        cost += len(line) / 2000  # a long line costs what it wraps to
        opened = _FENCE.match(line)
        if fence:
            cost += 0.1
            if opened and _closes(opened.group(1), marker, line):
                fence = marker = ""
        elif opened:
            fence, marker = line, opened.group(1)
            cost += 1
        elif blank:
            table_head = []
        elif table_head:
            cost += 0.2 * max(1, line.count("|") - 1)
        elif _DELIMITER_ROW.match(line.strip()) and "|" in previous and "|" in line:
            table_head = [previous, line]
            cost += 0.2 * max(1, line.count("|") - 1)
        elif not previous.strip() or line.lstrip().startswith(("#", "-", "*", "+", ">")):
            cost += 1
        else:
            cost += 0.05
        previous = line
    if current and (any(line.strip() for line in current) or not pages):
        pages.append(Page("\n".join(current), first, cost))
    return pages


def block_chunks(markdown: str, rows: int) -> list[str]:
    """`markdown` cut between its top-level blocks into pieces of at least `rows`
    lines each (the last may be shorter): exact slices, so joined they are `markdown`.

    A short runbook is shown by Textual's Markdown widget, which mounts a widget per
    block on the event loop; handed over a piece at a time, the first screenful is
    drawn after its own blocks only, and keys are answered between pieces. A cut only
    between top-level blocks reads back as the same blocks; a runbook with link
    reference definitions (resolved across the whole text) is one piece. Parses with
    markdown-it: call it off the event loop.
    """
    from markdown_it import MarkdownIt

    env: dict[str, object] = {}
    tokens = MarkdownIt("gfm-like").parse(markdown, env)
    starts = [t.map[0] for t in tokens if t.level == 0 and t.map is not None and t.nesting >= 0]
    if env.get("references") or not starts:
        return [markdown]
    lines = markdown.splitlines(keepends=True)
    chunks: list[str] = []
    first = 0
    for start in sorted(set(starts)):
        if start - first >= max(1, rows):
            chunks.append("".join(lines[first:start]))
            first = start
    chunks.append("".join(lines[first:]))
    return chunks


def _closes(found: str, marker: str, line: str) -> bool:
    """Whether a fence line `found` on `line` closes a block opened with `marker`: the
    same character, at least as many, nothing after it."""
    return found[0] == marker[0] and len(found) >= len(marker) and not line.strip()[len(found) :]


__all__ = ["PAGE_BUDGET", "Page", "block_chunks", "paginate"]
