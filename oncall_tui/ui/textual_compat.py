"""Every private Textual and Rich name the app relies on, in one place.

Each is a workaround for a public API that does not exist (yet): kept here, behind a
function or a base class with a public name, so an upgrade of Textual or Rich that
renames one fails `tests/test_textual_compat.py` with the name, rather than somewhere
deep in the app. Nothing else in the package may use a private Textual or Rich name.

What each replaces, and where upstream stands:

- `XTermParser` (`textual._xterm_parser`): the driver's own input loop, which ends the
  app when stdin reaches end of file. Textual's loop spins at 100% CPU there
  (https://github.com/Textualize/textual/pull/6690 stops the spin, open).
- `LinuxDriver` internals (`_file`, `_writer_thread`, `_loop`, `_app`, `_debug`): the
  same driver's output stream, exit and debug flag; no public accessors. Its
  `_sigtstp_application` and `_sigcont_application`: the suspend and resume Textual
  runs as plain signal handlers, which write to the terminal from inside whatever the
  main thread was doing (https://github.com/Textualize/textual/issues/6298 is a
  deadlock of the same kind).
- `App._parse_action`: how the read-only gate finds the method a key action names, to
  read its declared effect before running it; Textual parses actions privately.
- `App._filters`: the ASCII output filter (Textual adds its own filters privately:
  no `App.add_filter`).
- `ScrollView._size_updated`: the hook that repaints a Line API widget's scrollbar on
  every layout pass (see `ScrollGeometryHook`); no public hook
  (the scrollbar update was last reworked in
  https://github.com/Textualize/textual/pull/1901).
- `rich._palettes`: the 256-colour palette themes are snapped to and tests read the
  terminal's colours back with.
- `Footer._bindings_ready`: lets a footer lay out its keys in its first compose; Textual
  waits for the screen's first "bindings changed", two frames later.
- `App._refresh_truecolor_filter`: part of what setting `App.theme` does, for
  `theme_before_first_style`. Setting the reactive after the app has started makes
  Textual re-parse every stylesheet from scratch and restyle every widget (~40 ms at
  start-up); there is no public way to start an app in a theme of its own.
- `App._get_screen`, `Screen._refresh_layout`: compose, mount and lay out a screen
  before it is first shown (the signal detail, while the board is idle); Textual does
  both only when a screen is pushed, and has no public way to prepare one.
- `App._notifications`, `Screen._compositor`: read by tests only (the toasts shown, the
  screen's text), through `notification_messages` and `screen_lines`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rich._palettes import EIGHT_BIT_PALETTE, STANDARD_PALETTE
from rich.color_triplet import ColorTriplet
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.dom import DOMNode
from textual.drivers.linux_driver import LinuxDriver
from textual.filter import LineFilter
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widgets import Footer

# -- Rich ---------------------------------------------------------------------------


def eight_bit_palette() -> list[ColorTriplet]:
    """The xterm 256-colour palette, index by index."""
    return [EIGHT_BIT_PALETTE[index] for index in range(256)]


def standard_palette() -> list[ColorTriplet]:
    """The 16 standard colours as Rich assumes them."""
    return [STANDARD_PALETTE[index] for index in range(16)]


# -- the app --------------------------------------------------------------------------


def add_output_filter(app: App[Any], line_filter: LineFilter) -> None:
    """Apply `line_filter` to every line the app draws, after Textual's own filters."""
    app._filters.append(line_filter)


def parse_action(
    app: App[Any],
    action: str | tuple[str, str, tuple[object, ...]],
    default_namespace: DOMNode,
    namespaces: Mapping[str, DOMNode] | None,
) -> tuple[DOMNode, str, tuple[object, ...]]:
    """(the node an action runs on, its name, its arguments), as `App.run_action` finds
    them; raises `textual.actions.ActionError` for an action that does not parse."""
    target, name, params = app._parse_action(action, default_namespace, namespaces)
    return target, name, tuple(params)


class ScrollGeometryHook(ScrollView):
    """A `ScrollView` told of each layout pass's sizes before Textual updates its
    scrollbar: `scroll_geometry_changed` returns False to skip an update that would
    change nothing."""

    def scroll_geometry_changed(self, size: Size, container_size: Size) -> bool:
        """Whether this pass changes the scroll geometry (True: let Textual update)."""
        return True

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        if not self.scroll_geometry_changed(size, container_size):
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)


# -- the Linux driver -------------------------------------------------------------------


def xterm_parser(driver: LinuxDriver) -> Any:
    """Textual's parser of terminal input into key and mouse events, for an input loop
    of our own (`feed(text)` and `tick()` return the events)."""
    return XTermParser(driver_debug(driver))


def set_driver_output(driver: LinuxDriver, stream: Any) -> None:
    """The stream the driver's writer thread writes to."""
    driver._file = stream


def driver_writing(driver: LinuxDriver) -> bool:
    """Whether the driver's writer thread is running (application mode was started)."""
    return getattr(driver, "_writer_thread", None) is not None


def driver_exit_app(driver: LinuxDriver, code: int) -> None:
    """Ask the driver's app to exit with `code`, from any thread; raises RuntimeError
    when the app's loop is already closed."""
    app = driver._app
    driver._loop.call_soon_threadsafe(lambda: app.exit(return_code=code))


def driver_job_control(driver: LinuxDriver) -> tuple[Callable[[], None], Callable[[], None]]:
    """Textual's own SIGTSTP and SIGCONT handlers of `driver`: leave application mode
    and stop the process; take the terminal again. Textual installs them as plain
    signal handlers; `TerminalDriver` runs them from the event loop instead."""
    return driver._sigtstp_application, driver._sigcont_application


def driver_debug(driver: LinuxDriver) -> bool:
    return bool(driver._debug)


def theme_before_first_style(app: App[Any], name: str) -> None:
    """Make `name` the app's theme before its stylesheet is first parsed, as if it had
    been Textual's default: what `App._watch_theme` does (the theme classes, the ANSI
    filter, the CSS variables) but without scheduling `refresh_css`, which would parse
    every stylesheet a second time and restyle every widget.

    Only for an app whose stylesheet has not been parsed yet (from its first
    `get_default_screen`); later, set `app.theme` as usual."""
    app.set_reactive(App.theme, name)
    dark = app.current_theme.dark
    classes = {each: False for each in app.classes if each.startswith("-theme-")}
    classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
    app.update_classes(classes, update=False)
    app._refresh_truecolor_filter(app.ansi_theme)
    app.stylesheet.set_variables(app.get_css_variables())


# -- tests ----------------------------------------------------------------------------


def notification_messages(app: App[Any]) -> list[str]:
    """The messages of the toasts currently shown (or about to be)."""
    return [str(notification.message) for notification in app._notifications]


def screen_lines(screen: Screen[Any]) -> list[str]:
    """The screen's text as drawn, line by line (what a user reads)."""
    return [strip.text for strip in screen._compositor.render_strips()]


def screen_update(app: App[Any]) -> Any:
    """The whole screen's next update (its segments, with the background screens)."""
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def footer_keys_at_compose(footer: Footer) -> None:
    """`footer` lays out its keys the first time it is composed, with the bindings
    active then, instead of leaving its row blank until the screen reports its
    bindings (a frame or two after the screen's first)."""
    footer.set_reactive(Footer._bindings_ready, True)


async def mount_unshown(app: App[Any], screen: Screen[Any]) -> None:
    """Compose and mount `screen` (installed, not pushed) without showing it, as its
    first push would."""
    _screen, mounted = app._get_screen(screen)
    await mounted


def lay_out_unshown(screen: Screen[Any], size: Size) -> None:
    """Lay out a mounted `screen` that is not shown at `size` (its widgets hear of their
    sizes); shown later at that size, it is only painted. Nothing is drawn now.

    A layout its widgets asked for while it was hidden (a signal swapped in) stays
    pending on the screen until it is shown, as Textual only takes it then: this is
    that layout, so the flag goes too (else the first frame laid it out again, and
    drew the whole screen twice)."""
    screen._refresh_layout(size)
    screen._layout_required = False


def private_names() -> Iterable[tuple[object, str]]:
    """(owner, attribute) of every private class-level name used above: the compat
    test asserts each still exists."""
    return [
        (App, "_parse_action"),
        (App, "_refresh_truecolor_filter"),
        (ScrollView, "_size_updated"),
        (App, "_background_screens"),
        (LinuxDriver, "run_input_thread"),
        (Footer, "_bindings_ready"),
        (App, "_get_screen"),
        (Screen, "_refresh_layout"),
    ]


# -- toasts ---------------------------------------------------------------------------

TOAST_RACK_ID = "textual-toastrack"
"""The id Textual 8 gives the container of a screen's toasts (Screen._compose). Its
`display` is set by Textual at every notification (ToastRack.show), and the app's
stylesheet does not reach it (a system widget): its height is capped at 0 inline."""


def layout_pending(screen: Screen[Any]) -> bool:
    """Whether `screen` was asked for a layout it has not taken yet (a hidden screen
    takes it only when shown, unless `lay_out_unshown` is called)."""
    return bool(screen._layout_required)


def settle_toasts(screen: Screen[Any]) -> None:
    """Give `screen`'s toast rack the `display` Textual sets when the screen is shown
    with no notifications: set the first time (from the stylesheet's default to an
    inline "none"), it asked for a layout of the whole screen at that moment; set ahead,
    while the screen is hidden, the next lay-out absorbs it."""
    for rack in screen.query(f"#{TOAST_RACK_ID}"):
        rack.display = False


def hide_toasts(screen: Screen[Any]) -> None:
    """Keep `screen`'s toasts from being drawn (its notices have a line of their own);
    notifications are still recorded by the app as usual."""
    for rack in screen.query(f"#{TOAST_RACK_ID}"):
        rack.styles.max_height = 0
