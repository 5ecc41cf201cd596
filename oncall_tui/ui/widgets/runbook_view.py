"""The runbook, in place: what to do about the signal on screen.

- a local Markdown file is rendered (Textual's `Markdown`), scrollable, each link's
  address written after its text; only the file name is shown, never the full path;
- a link is written out in full and is a terminal hyperlink (OSC 8); it is shortened
  in the middle only when it is wider than the screen;
- text (a path from an alert annotation, a link that failed the safety checks) is
  shown as it is and never opened;
- no runbook: says how to add one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Label, Markdown, Static

from oncall_tui.core.named_files import UnreadableFile, read_named_file
from oncall_tui.core.present.runbook_pages import Page, block_chunks, paginate
from oncall_tui.core.sanitize import MAX_TEXT, safe_link, sanitize
from oncall_tui.core.sources.blocking import BlockingRunner, BlockingStillRunning
from oncall_tui.core.sources.runbook import Runbook, RunbookKind
from oncall_tui.ui.widgets.runbook_pages import RunbookPages
from oncall_tui.ui.widgets.runbook_scroll import RunbookScroll

log = logging.getLogger(__name__)
_READER = BlockingRunner("runbook-reader")
"""One reading thread at a time for every runbook view: a hung mount holds one."""

MAX_RUNBOOK_BYTES = 8 * 1024 * 1024
"""A runbook longer than this is cut (with a note). Any length up to it is shown whole,
page by page (runbook_pages); the cap bounds the text held and copied."""
WHOLE_BUDGET = 150.0
"""A runbook costing less than this many blocks (as PAGE_BUDGET counts them: ~1 s of
the event loop under load) is rendered whole by Textual's Markdown widget, as a runbook
always was; a longer one page by page, off the loop (runbook_pages)."""
REVEAL_WAIT = 1.0
"""Seconds a runbook waits for its screen's first frame, at most."""
READ_DEADLINE = 3.0
"""Seconds a runbook file may take to read (a file on a hung mount never answers)."""
NO_RUNBOOK = (
    "No runbook for this signal.\n\n"
    "Add one where the signal is configured, e.g. in the config file:\n"
    '  runbook = "https://wiki.example.com/runbooks/{name}"\n'
    "or a Markdown file next to the config (rendered here):\n"
    '  runbook = "runbooks/this-signal.md"\n'
    "Alerts take theirs from the alert's runbook_url annotation."
)


def browser_problem(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why no browser can be opened here, or "" when one can.

    A console browser (lynx, w3m) that Python's `webbrowser` would fall back to takes
    over the terminal the dashboard is drawn on, so without a display only an explicit
    BROWSER counts.
    """
    env = os.environ if environ is None else environ
    if env.get("BROWSER"):
        return ""
    if platform == "darwin" or platform.startswith("win"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"):
        return "no browser here: this is an SSH session without DISPLAY or BROWSER"
    return "no browser here: neither DISPLAY, WAYLAND_DISPLAY nor BROWSER is set"


def middle_truncate(text: str, width: int) -> str:
    """`text` cut in the middle to `width` cells (beginning and end kept: the host and
    the page name are what identify a link)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1) // 2 + (width - 1) % 2
    tail = width - 1 - head
    start = set_cell_size(text, head)
    end = text[len(text) - tail :] if tail else ""
    while cell_len(end) > tail:
        end = end[1:]
    return start + "…" + end


FENCE_PADDING = 4
"""Cells Textual's code block takes around its text (two each side)."""
CONTINUED = " \\"
"""Ends a code line broken to fit: a shell's line continuation, so the lines pasted
into a shell run as the one command they are."""


def wrap_code_blocks(markdown: str, width: int) -> str:
    """`markdown` with each line of a fenced code block longer than `width` cells
    broken at spaces (a word longer than the line is broken where it must), every piece
    but the last ending in a backslash: a command is read whole instead of clipped at
    the block's edge, and pasted into a shell it is the one line it was (not indented:
    inside quotes an indent would be part of the string)."""
    if width < 12:
        return markdown
    out: list[str] = []
    fence = indent = ""
    for line in markdown.split("\n"):
        marker = line.lstrip()[:3]
        if marker in ("```", "~~~") and (not fence or marker == fence):
            fence = "" if fence else marker
            # A fence inside a list item is indented with the item; every line of its
            # block must be too, or the list (and its block) ends at the first one not.
            indent = line[: len(line) - len(line.lstrip(" "))]
            out.append(line)
            continue
        if not fence or cell_len(line) <= width + len(indent):
            out.append(line)
            continue
        code = line[len(indent) :] if line.startswith(indent) else line.lstrip(" ")
        out.extend(indent + piece for piece in _broken(code, width))
    return "\n".join(out)


def _broken(line: str, width: int) -> list[str]:
    room = width - len(CONTINUED)
    pieces: list[str] = []
    rest = line
    while cell_len(rest) > width:
        cut = rest.rfind(" ", 0, room + 1)
        if cut <= len(rest) - len(rest.lstrip()):  # no space to break at: cut the word
            cut = len(set_cell_size(rest, room))
            pieces.append(rest[:cut] + "\\")
            rest = rest[cut:]
        else:
            pieces.append(rest[:cut] + CONTINUED)
            rest = rest[cut + 1 :]
    return [*pieces, rest]


def show_link_targets(md: MarkdownIt) -> None:
    """A markdown-it plugin: after each link whose text is not its address, the address
    in angle brackets, so a reader sees where a link goes without clicking it (and can
    type it on another machine)."""

    def rule(state: StateCore) -> None:
        for token in state.tokens:
            if token.type != "inline" or not token.children:
                continue
            children: list[Token] = []
            href = ""
            text = ""
            for child in token.children:
                children.append(child)
                if child.type == "link_open":
                    href = str(child.attrGet("href") or "")
                    text = ""
                elif child.type in ("text", "code_inline") and href:
                    text += child.content
                elif child.type == "link_close" and href:
                    if text.strip() != href and not href.startswith("#"):
                        extra = Token("text", "", 0)
                        extra.content = f" <{href}>"
                        children.append(extra)
                    href = ""
            token.children = children

    md.core.ruler.push("show_link_targets", rule)


def runbook_parser() -> MarkdownIt:
    md = MarkdownIt("gfm-like")
    show_link_targets(md)
    return md


def read_runbook(path: str) -> bytes:
    """The runbook file's bytes, at most MAX_RUNBOOK_BYTES and one more (to tell that
    it was cut), or raises OSError: a FIFO, a device or a directory is refused."""
    try:
        return read_named_file(path, MAX_RUNBOOK_BYTES, cut=True)
    except UnreadableFile as exc:
        raise OSError(0, exc.reason) from None


def runbook_pages(raw: bytes) -> tuple[list[Page], str]:
    """(the pages to show, the raw text to copy). Control characters are escaped line
    by line: a runbook is shown in a terminal. Called off the event loop: megabytes
    take a fraction of a second."""
    text = raw[:MAX_RUNBOOK_BYTES].decode("utf-8", errors="replace")
    shown = "\n".join(sanitize(line.expandtabs(4), MAX_TEXT * 4) for line in text.split("\n"))
    if len(raw) > MAX_RUNBOOK_BYTES:
        shown += f"\n\n*(cut at {MAX_RUNBOOK_BYTES // 1024 // 1024} MiB)*"
    pages = paginate(shown)
    if sum(page.cost for page in pages) < WHOLE_BUDGET:
        return [Page(shown, 0)], text
    return pages, text


class RunbookView(Widget):
    """Title line ("Runbook · name · c copy · o open") and the runbook itself."""

    BORDER_TITLE = "Runbook"
    DEFAULT_CLASSES = "runbook-view"
    ALLOW_MAXIMIZE: ClassVar[bool] = True

    def __init__(self, runbook: Runbook | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runbook = runbook
        self.copy_text: str | None = None
        """What `c` copies: the link, the text, or the file's Markdown once loaded."""
        self.problem = ""
        """Why a file runbook could not be shown (file name only)."""
        if runbook is not None and runbook.kind is not RunbookKind.FILE:
            self.copy_text = runbook.target
        self._markdown: str | None = None
        """The loaded runbook before its code is wrapped to the width."""
        self._wrapped_for = -1
        self._revealed = asyncio.Event()
        self.built = runbook is None or not runbook.is_file
        """In place: the last piece given to Markdown, or pages, link, text, problem."""

    @property
    def name_shown(self) -> str:
        runbook = self.runbook
        if runbook is None:
            return "none"
        if runbook.is_file:
            return Path(runbook.target).name
        if runbook.is_link:
            return "link"
        return "text (not a link: shown, never opened)"

    def compose(self) -> ComposeResult:
        keys = "  c copy · o open" if self.runbook is not None and self.runbook.is_link else ""
        if self.runbook is not None and not self.runbook.is_link:
            keys = "  c copy"
        yield Label(Text(f"Runbook · {self.name_shown}{keys}"), id="runbook-title")
        with RunbookScroll(id="runbook-scroll"):
            runbook = self.runbook
            if runbook is None:
                yield Static(Text(NO_RUNBOOK), id="runbook-body")
            elif runbook.is_file:
                yield Static(Text("loading…", style="italic"), id="runbook-loading")
                yield Markdown(
                    id="runbook-markdown", parser_factory=runbook_parser, open_links=False
                )
            elif runbook.is_link:
                yield Static(Text(runbook.target), id="runbook-body")
            else:
                yield Static(Text(runbook.target), id="runbook-body")

    def reveal(self) -> None:
        """The screen's first frame is out: the runbook may take the loop now (it waits
        for this, at most REVEAL_WAIT, so that Enter shows the facts and chart at once)."""
        self._revealed.set()

    def on_mount(self) -> None:
        if self.runbook is not None and self.runbook.is_file:
            self._load(self.runbook.target)
        elif self.runbook is not None and self.runbook.is_link:
            self._show_link()

    def on_resize(self) -> None:
        if self.runbook is not None and self.runbook.is_link:
            self._show_link()
        elif self._markdown is not None:
            self.call_after_refresh(self._show_markdown)

    def _show_link(self) -> None:
        """The address in full, as text and as an OSC 8 hyperlink; shortened in the
        middle only when wider than the screen."""
        assert self.runbook is not None
        url = self.runbook.target
        width = self._room()
        shown = middle_truncate(url, width)
        style = Style(link=url, underline=True) if safe_link(url) else Style()
        # One line, never folded: a link split over two lines is two pieces to copy.
        text = Text(shown, style=style, no_wrap=True, overflow="ellipsis")
        if shown != url:
            text.append(
                "\nshortened to fit: c copies the whole link; the line above is a "
                "hyperlink to all of it",
                style=Style(italic=True),
            )
        self.query_one("#runbook-body", Static).update(text)

    @work(exclusive=True, group="runbook", exit_on_error=False)
    async def _load(self, path: str) -> None:
        """Read the runbook on a daemon thread, within READ_DEADLINE: a FIFO is refused
        at once, but a file on a hung mount blocks its reader in the kernel, and a
        Textual thread worker stuck there kept the app alive 30 s after ctrl+q. The
        stuck daemon thread is left behind; while it is stuck, others are refused.
        Then cut it into pages on a worker thread (CPU only, it always ends)."""
        name = Path(path).name
        try:
            raw = await asyncio.wait_for(_READER(lambda: read_runbook(path)), READ_DEADLINE)
        except TimeoutError:
            self._failed(
                f"The runbook file {name} did not answer within {READ_DEADLINE:g} s "
                "(a hung mount?)."
            )
            return
        except BlockingStillRunning:
            self._failed(f"The runbook file {name} cannot be read: an earlier read is stuck.")
            return
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self._failed(f"The runbook file {name} cannot be read: {reason}.")
            return
        pages, text = await asyncio.to_thread(runbook_pages, raw)
        await self._loaded(pages, text)

    async def _loaded(self, pages: list[Page], raw: str) -> None:
        self.copy_text = raw
        if len(pages) == 1:
            self._markdown = pages[0].markdown
            self._show_markdown()
            return
        # Long: page by page, each rendered only near the scroll position.
        await self.query_one("#runbook-markdown", Markdown).remove()
        await self.query("#runbook-loading").remove()
        await self.query_one("#runbook-scroll").mount(
            RunbookPages(
                pages,
                prepare=lambda markdown, width: wrap_code_blocks(markdown, width - FENCE_PADDING),
                parser=runbook_parser,
                id="runbook-pages",
            )
        )
        self.built = True

    def _show_markdown(self) -> None:
        """The loaded runbook, its code wrapped to the width it has now."""
        if self._markdown is None:
            return
        if self.query_one("#runbook-scroll").scrollable_content_region.width <= 0:
            # Not laid out yet: built once, at its width, when it is (`on_resize`);
            # built at a guessed width first, every block was mounted twice.
            return
        width = self._room() - FENCE_PADDING
        if width == self._wrapped_for:
            return
        self._wrapped_for = width
        self._build(wrap_code_blocks(self._markdown, width))

    @work(exclusive=True, group="runbook-build", exit_on_error=False)
    async def _build(self, markdown: str) -> None:
        """To Markdown a screenful at a time, after the screen's first frame: Markdown
        mounts a widget per block on the loop (~10 ms each under load), so 40 blocks at
        once held the detail's first frame, and every key, half a second. Later pieces
        land below the first, keys answered between; it ends as the same blocks as
        given at once (pieces are cut between top-level blocks)."""
        self.built = False
        while not self._revealed.is_set():
            # Not `wait_for`: on Python 3.11 it drops a cancellation (a new width's
            # build) that lands as the event is set, and two builds then fill one view.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REVEAL_WAIT):
                    await self._revealed.wait()
            if self.screen.is_current:
                break  # shown, and its first frame did not say so: build anyway
        rows = self.query_one("#runbook-scroll").scrollable_content_region.height
        chunks = await asyncio.to_thread(block_chunks, markdown, max(8, rows))
        view = self.query_one("#runbook-markdown", Markdown)
        for index, chunk in enumerate(chunks):
            with self.app.batch_update():  # no frame between the old text and the new
                if index == 0:
                    await view.update("")  # an earlier width's blocks go
                    await self.query("#runbook-loading").remove()
                await view.append(chunk)
        self.built = True

    def _room(self) -> int:
        """Cells a line of the runbook has (the scroll area's inside, else the screen)."""
        scroll = self.query_one("#runbook-scroll")
        width = scroll.scrollable_content_region.width
        return width if width > 0 else max(8, self.app.size.width - 4)

    def _failed(self, problem: str) -> None:
        self.problem = problem
        markdown = self.query_one("#runbook-markdown", Markdown)
        markdown.remove()
        self.query("#runbook-loading").remove()
        self.query_one("#runbook-scroll").mount(Static(Text(problem), id="runbook-body"))
        self.built = True

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        """A click on a link in a rendered runbook opens it only if it is a web link
        (through the app, so read-only and 'no browser here' apply); a relative link
        to another file is not followed."""
        event.stop()
        href = event.href
        opener = getattr(self.app, "open_runbook_link", None)
        if safe_link(href) and opener is not None:
            opener(href)
        else:
            self.app.notify(
                f"not a web link, not opened: {sanitize(href, 200)}",
                severity="warning",
                markup=False,
            )


def runbook_summary(runbook: Runbook | None) -> str:
    """One line for the facts table."""
    if runbook is None:
        return "none"
    if runbook.is_file:
        return f"{Path(runbook.target).name} (shown below)"
    return runbook.target


__all__ = [
    "NO_RUNBOOK",
    "RunbookView",
    "browser_problem",
    "middle_truncate",
    "read_runbook",
    "runbook_pages",
    "runbook_parser",
    "runbook_summary",
]
