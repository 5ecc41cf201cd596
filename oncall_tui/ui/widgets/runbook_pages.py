"""A long runbook shown page by page: pages are rendered to lines on a worker thread,
only those near the visible window, and drawn line by line.

Textual's Markdown widget mounts a widget per block and per table cell, and lays them
out on the event loop: on a loaded 2-core machine 75 lines of a runbook with tables
held the screen ~1 s, so a runbook of 100,000 lines could neither be rendered whole
(minutes, gigabytes) nor page by page (every page scrolled to froze the keys). Here a
page is rendered by Rich's Markdown into lines off the loop; the loop only copies the
visible lines to the screen. The lines of a bounded number of pages are kept (the
nearest to the window), so memory and the loop's work per key are bounded by the
screen's size, not the runbook's.

A page's height is guessed from its lines (scaled by what the rendered pages measured)
until it is rendered; when heights above the top of the screen turn out other than
guessed, the scroll position moves by the difference, so the text on screen stays put
(and stays at the end after `G`).
"""

from __future__ import annotations

import asyncio
import bisect
import io
import itertools
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import ClassVar

from markdown_it import MarkdownIt
from rich.console import Console
from rich.markdown import Heading
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from textual.containers import ScrollableContainer
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.core.present.runbook_pages import Page

BELOW = 2.0
"""Screens of pages rendered ahead below the visible window (the common way)."""
ABOVE = 1.0
"""Screens of pages rendered ahead above it."""
KEPT_PAGES = 12
"""Rendered pages whose lines are kept: those of the window and a few it left."""


class _LeftHeading(Heading):
    """Headings flush left, as in the short runbooks' rendering (Rich centres h1)."""

    LEVEL_ALIGN: ClassVar = dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "left")


class PageMarkdown(RichMarkdown):
    """Rich's Markdown parsed by the runbook's own parser (link targets written out);
    no OSC 8 hyperlinks: a runbook's links are shown, never followed from here."""

    elements: ClassVar = {**RichMarkdown.elements, "heading_open": _LeftHeading}

    def __init__(self, markup: str, parser: Callable[[], MarkdownIt]) -> None:
        super().__init__("", hyperlinks=False, code_theme="ansi_dark")  # parsed once, below
        self.markup = markup
        self.parsed = parser().parse(markup)


def render_page(markdown: str, width: int, parser: Callable[[], MarkdownIt]) -> list[Strip]:
    """One page as lines of `width` cells. Pure CPU on its own Console: safe on a
    thread."""
    console = Console(
        file=io.StringIO(), width=width, color_system="truecolor", force_terminal=True
    )
    lines = console.render_lines(PageMarkdown(markdown, parser), console.options, pad=False)
    return [Strip(Segment.simplify(line)) for line in lines]


class RunbookPages(Widget):
    """The whole runbook's height inside `RunbookScroll`; the lines on screen are
    drawn from the rendered pages, a page not rendered yet is blank until it is.

    `prepare(markdown, width)` turns a page's Markdown into what is rendered at that
    width (code wrapped to fit); the pages are rendered again when the width changes.
    """

    DEFAULT_CSS = "RunbookPages { height: auto; }"

    def __init__(
        self,
        pages: Sequence[Page],
        *,
        prepare: Callable[[str, int], str],
        parser: Callable[[], MarkdownIt],
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.pages = list(pages)
        self.guesses = [page.rows_guess for page in self.pages]
        self.rows = list(self.guesses)
        """Each page's height: guessed until it has been rendered (its lines scaled by
        what the rendered pages measured against theirs), then measured."""
        self.measured: set[int] = set()
        self.lines: OrderedDict[int, list[Strip]] = OrderedDict()
        """Rendered pages at `_width`, most recently needed last."""
        self._prepare = prepare
        self._parser = parser
        self._width = -1
        self._ends: list[int] = []
        self._at_end = False
        self._pump: asyncio.Task[None] | None = None
        self._set_height()

    @property
    def scroll(self) -> ScrollableContainer:
        parent = self.parent
        assert isinstance(parent, ScrollableContainer)
        return parent

    def on_mount(self) -> None:
        self.watch(self.scroll, "scroll_y", self._scrolled, init=False)

    def _scrolled(self, _value: object = None) -> None:
        scroll = self.scroll
        self._at_end = 0 < scroll.scroll_y >= scroll.max_scroll_y - 1
        self._moved()

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self._width = self.size.width
            self.lines.clear()
        self._moved()

    def _set_height(self) -> None:
        self._ends = list(itertools.accumulate(self.rows))
        self.styles.height = max(1, self._ends[-1] if self._ends else 1)

    def _page_at(self, y: int) -> int:
        return min(bisect.bisect_right(self._ends, y), len(self.pages) - 1)

    def render_line(self, y: int) -> Strip:
        index = self._page_at(y)
        lines = self.lines.get(index)
        if lines is None:
            self._moved()
            return Strip.blank(self.size.width)
        top = self._ends[index] - self.rows[index]
        row = y - top
        return lines[row] if 0 <= row < len(lines) else Strip.blank(self.size.width)

    def _moved(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._render_wanted())

    def _wanted(self) -> list[int]:
        """Pages of the window, those on screen first, then below, then above."""
        scroll = self.scroll
        height = max(1, scroll.scrollable_content_region.height)
        y = scroll.scroll_y
        first, last = self._page_at(int(y)), self._page_at(int(y + height))
        near = range(
            self._page_at(int(y - ABOVE * height)), self._page_at(int(y + (1 + BELOW) * height)) + 1
        )
        return sorted(near, key=lambda index: (not first <= index <= last, index < first, index))

    async def _render_wanted(self) -> None:
        """Render the window's missing pages one at a time on a thread, until the
        window (which may move meanwhile) has them all."""
        while self.is_attached and self._width > 0:
            wanted = self._wanted()
            for index in wanted:
                if index in self.lines:
                    self.lines.move_to_end(index)
            missing = [index for index in wanted if index not in self.lines]
            if not missing:
                return
            index, width = missing[0], self._width
            text = self._prepare(self.pages[index].markdown, width)
            lines = await asyncio.to_thread(render_page, text, width, self._parser)
            if width == self._width and self.is_attached:
                self._rendered(index, lines, set(wanted))

    def _rendered(self, index: int, lines: list[Strip], wanted: set[int]) -> None:
        """Keep a page's lines (and drop those of the pages needed longest ago, never
        the window's); correct the heights, keeping the page at the top of the screen
        where it was (or the end in view, after `G`)."""
        self.lines[index] = lines
        for old in [page for page in self.lines if page not in wanted]:
            if len(self.lines) <= KEPT_PAGES:
                break
            del self.lines[old]
        scroll = self.scroll
        first = self._page_at(int(scroll.scroll_y))
        into = scroll.scroll_y - (self._ends[first] - self.rows[first])
        self.measured.add(index)
        self.rows[index] = len(lines)
        measured = sum(self.rows[page] for page in self.measured)
        scale = measured / max(1, sum(self.guesses[page] for page in self.measured))
        for page, guess in enumerate(self.guesses):
            if page not in self.measured:
                self.rows[page] = max(1, round(guess * scale))
        before = self._ends
        self._set_height()
        if self._ends != before:
            if self._at_end:
                self.call_after_refresh(scroll.scroll_end, animate=False, immediate=True)
            else:
                y = self._ends[first] - self.rows[first] + into
                if y != scroll.scroll_y:
                    self.call_after_refresh(scroll.scroll_to, y=y, animate=False, immediate=True)
        self.refresh()


__all__ = ["KEPT_PAGES", "RunbookPages", "render_page"]
