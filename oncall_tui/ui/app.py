"""The Textual application: owns the engine's lifetime and the global keys.

Everything visible lives in screens (`screens/`) and widgets (`widgets/`); this module
only wires them to an `Engine`, so screens can be tested with a hand-built store and
no engine at all.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.driver import Driver
from textual.filter import LineFilter
from textual.reactive import var
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from oncall_tui.core.config.theme_files import (
    DEFAULT_THEME,
    WALLBOARD_THEME,
    ThemeCatalog,
    load_catalog,
)
from oncall_tui.core.engine import Engine
from oncall_tui.core.present.attention import Attention
from oncall_tui.core.present.words import symbols
from oncall_tui.core.sources.courtesy import screen_needs_cpu
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.ui.ascii import AsciiFilter
from oncall_tui.ui.colourless import ColourlessFilter
from oncall_tui.ui.command_palette import SignalCommands
from oncall_tui.ui.detail_keeper import DetailKeeper
from oncall_tui.ui.effects_app import EffectsApp
from oncall_tui.ui.first_frame import first_collection
from oncall_tui.ui.heap import SurvivorFreezer
from oncall_tui.ui.screen_stack import open_screen, set_breakpoint_classes
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.textual_compat import add_output_filter, theme_before_first_style
from oncall_tui.ui.textual_themes import (
    drop_builtin_themes,
    register_themes,
    status_variables,
    terminal_colors,
)
from oncall_tui.ui.widgets.status_header import BoardFlags

if TYPE_CHECKING:
    from oncall_tui.ui.screens.detail import SignalDetailScreen

# The detail (charts, the runbook's Markdown), events, help and wallboard screens are
# imported when first opened: the board's first frame waits for none of them, and
# a board that never opens them never holds their modules.

log = logging.getLogger(__name__)

GIL_TURN = 0.001
"""Seconds a thread holds the GIL while another waits (Python's default: 0.005)."""


class OncallApp(EffectsApp):
    """The on-call dashboard, or with `wallboard=True` the wallboard (read-only, no
    command palette, keys ignored but ctrl+q).

    `clock` is injected so header, heartbeat and ages can be frozen in tests;
    `start_engine=False` lets tests drive the store by hand. `themes` defaults to the
    shipped themes plus the user's; they replace Textual's own.
    """

    CSS_PATH = [
        Path(__file__).with_name("app.tcss"),
        Path(__file__).parent / "screens" / "wallboard.tcss",
        Path(__file__).parent / "screens" / "modals.tcss",
        Path(__file__).with_name("nocolor.tcss"),
    ]
    """Absolute, so a subclass defined elsewhere (tests) finds them too. The wallboard's
    sheet is here rather than on its screen: Textual does not load a default screen's
    own CSS_PATH."""
    TITLE = "oncall-tui"
    paused: var[bool] = var(False)
    """`p`: the screens stop showing changes (the board watches it); the engine keeps
    collecting."""
    board_flags: var[BoardFlags] = var(BoardFlags())
    """What every screen's header says besides the store (paused, incidents, a replay's
    badge); the headers watch it. Recomputed by `refresh_flags`."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        # An engineer at 3 a.m. presses ctrl+c to leave: it quits, as it says (not on
        # the wallboard, where only ctrl+q does; see check_action).
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        # Not in the footer: collection runs by itself, and at 80 columns the room
        # goes to `?` and `C`; the help lists it.
        Binding(
            "r",
            "refresh_now",
            "Refresh",
            show=False,
            tooltip="Collect every source now",
            id="refresh",
        ),
        Binding("question_mark", "help", "Keys", key_display="?", tooltip="This help", id="help"),
        Binding(
            "ctrl+p,colon",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            tooltip="Commands: go to a signal by name, pause, refresh, events, theme",
            id="palette",
        ),
    ]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        SystemCommandsProvider,
        SignalCommands,
    }
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (120, "-wide"),
    ]
    DASHBOARD: ClassVar[type[DashboardScreen]] = DashboardScreen
    """The board's screen class (the replay shows its own keys in the footer)."""
    FIRST_FRAME_WAIT: ClassVar[float] = 1.0
    """At most this long the first frame waits for every source's first collection, so
    a board opens with its rows rather than empty panels filled a moment later (and
    drawn twice). A slower source is shown pending, as it always was."""

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
        start_engine: bool = True,
        wallboard: bool = False,
        themes: ThemeCatalog | None = None,
    ) -> None:
        self.wallboard = wallboard
        if wallboard:
            # Read by App.__init__, which adds the ctrl+p binding only when it is on.
            self.ENABLE_COMMAND_PALETTE = False  # type: ignore[misc]
        super().__init__()
        if symbols().ascii:
            add_output_filter(self, AsciiFilter())
        self._colourless = ColourlessFilter(lambda: self.current_theme.dark)
        self.engine = engine
        # Every key, command, file, browser and plugin action asks the engine's gate;
        # read-only (and the wallboard) lock it for good (ui/action_app.py).
        self.attach_gate(engine, read_only=read_only, wallboard=wallboard)
        # `[keys]`, checked by the config loader; the footer and help follow it.
        self.set_keymap(engine.config.keys)
        self.themes = themes if themes is not None else load_catalog()
        self.theme_problems: list[str] = []
        """Theme files Textual refused, found when the themes are registered: once the
        app runs and the terminal's colour system is known (`_settle_theme`)."""
        self._theme_settled = False
        self.clock = clock
        self.start_engine = start_engine
        # Sanitised by the config loader: the window title reaches the terminal raw.
        self.title = engine.config.title
        self._engine_started = False
        self._freezer = SurvivorFreezer(lambda: len(engine.store.signals))
        """Full collections skip what the filled store holds (ui/heap.py)."""
        self.details = DetailKeeper(self, self._new_detail)
        self._switch_interval = sys.getswitchinterval()
        self._paused_at: float | None = None
        self.attention = Attention(engine.store, bell=engine.config.bell)

    @property
    def dashboard(self) -> DashboardScreen:
        for candidate in self.screen_stack:
            if isinstance(candidate, DashboardScreen):
                return candidate
        raise LookupError("the dashboard is not mounted")

    def get_default_screen(self) -> Screen[None]:
        # Textual asks for the first screen once the driver is up (so the terminal's
        # colours are known) and before it first parses the stylesheets.
        self._settle_theme(early=True)
        screen: Screen[None]
        if self.wallboard:
            from oncall_tui.ui.screens.wallboard import WallboardScreen

            screen = WallboardScreen(
                self.engine.store,
                title=self.engine.config.title,
                settings=self.engine.config.wallboard,
                clock=self.clock,
                topology=self.engine.config.topology,
                change_window=self.engine.config.change_window,
            )
        else:
            screen = self.DASHBOARD(
                self.engine.store,
                title=self.engine.config.title,
                clock=self.clock,
                read_only=self.read_only,
                attention=self.attention,
                topology=self.engine.config.topology,
                change_window=self.engine.config.change_window,
            )
        # NO_COLOR: Textual's `App:nocolor` (or any App class) does not reach component
        # classes, the rows' styles; a class on the screen does (see nocolor.tcss).
        screen.set_class(self.no_color, "-no-color")
        set_breakpoint_classes(screen, self)
        return screen

    def watch_paused(self, paused: bool) -> None:
        self.refresh_flags()

    def refresh_flags(self) -> None:
        """Recompute `board_flags` (its watchers run only when it changed)."""
        self.board_flags = self.flags()

    def flags(self) -> BoardFlags:
        """What every screen's header shows besides the store."""
        attention = self.attention
        return BoardFlags(
            paused=self.paused,
            incidents=attention.incidents,
            since=attention.since,
            paused_at=self._paused_at,
        )

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then under NO_COLOR one that drops the greys Textual
        leaves (see ui/colourless.py)."""
        filters = super().get_line_filters()
        return [*filters, self._colourless] if self.no_color else filters

    def get_driver_class(self) -> type[Driver]:
        """On a real terminal, a driver that leaves promptly with the terminal restored
        when stdin ends or a signal arrives (ui/driver.py); any other as Textual picks it.
        Imported here: the driver needs termios, which only POSIX terminals have."""
        from oncall_tui.ui.driver import terminal_driver

        return terminal_driver(super().get_driver_class())

    def get_key_display(self, binding: Binding) -> str:
        """On an ASCII console a key's name, not a stand-in: Textual shows Enter as
        "⏎", which the ASCII filter can only turn into a bare "<"."""
        display = super().get_key_display(binding)
        if symbols().ascii and not display.isascii():
            return binding.key.replace("_", " ")
        return display

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return status_variables(self.current_theme)

    @property
    def chosen_theme(self) -> str:
        """`--theme` or the config's `theme`, else the default of this mode."""
        default = WALLBOARD_THEME if self.wallboard else DEFAULT_THEME
        for name in (self.engine.config.theme, default):
            if name and name in self.themes.themes:
                return name
        return self.theme  # no theme files at all: keep Textual's default

    def _settle_theme(self, *, early: bool) -> None:
        """The themes, registered once for the terminal's colour system (256 or 16
        colours snap them to its palette), and `early` (before the first style) the
        chosen one, as Textual's default would be set: set later (`on_mount`), a theme
        costs a second parse of every stylesheet and a restyle of every widget."""
        if self._theme_settled:
            return
        self._theme_settled = True
        self.theme_problems = register_themes(self, self.themes, colors=terminal_colors(self))
        if early and self.chosen_theme != self.theme:
            theme_before_first_style(self, self.chosen_theme)

    async def on_mount(self) -> None:
        self._settle_theme(early=False)
        self.theme = self.chosen_theme
        if self.theme in self.themes.themes:
            drop_builtin_themes(self, keep=self.themes.themes)
        for problem in self.theme_problems:
            log.warning("theme not loaded: %s", problem)
            self.notify(problem, title="Theme not loaded", severity="warning", markup=False)
        if self.start_engine:
            self.engine.start()
            self._engine_started = True
            self._freezer.install()
            # A source parsing a big answer on its thread (100,000 series) runs in
            # turns of the GIL: the loop waited up to a whole turn (5 ms) each time it
            # let go (every poll), 30-60 ms a key. The parse's pace is unchanged.
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(GIL_TURN)
            # Textual draws nothing until the app's mount handlers return: waiting here
            # holds the first frame until the sources' rows are in the store. A board
            # mounted meanwhile takes them now rather than on its next sync timer, after
            # that frame; one mounted later takes them in its own first (full) sync.
            await first_collection(
                self.engine.store, self.FIRST_FRAME_WAIT, lambda: self.return_code is not None
            )
            if isinstance(self.screen, DashboardScreen) and self.screen.is_mounted:
                self.screen.sync()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self._engine_started:
            self.details.key_pressed()  # the detail prepared for the Enter to come
            screen_needs_cpu()  # a source's thread gives way until it is answered
            self._freezer.key_pressed()  # full collections wait while keys come
        await super().on_event(event)

    async def on_unmount(self) -> None:
        """Every way out (q, ctrl+q, an exception) passes here: stop collecting and
        close the plugins' connections before the loop goes away."""
        self._freezer.uninstall()
        sys.setswitchinterval(self._switch_interval)
        if self._engine_started:
            self._engine_started = False
            try:
                await self.engine.stop()
            except Exception:
                log.exception("stopping the engine failed")

    WALLBOARD_ACTIONS: ClassVar[frozenset[str]] = frozenset({"quit"})
    """What a priority binding may still do on the wallboard (ctrl+q; `q` never reaches
    a binding there, the screen swallows it)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.wallboard and action not in self.WALLBOARD_ACTIONS)

    async def action_interrupt(self) -> None:
        """ctrl+c: quit."""
        await self.action_quit()

    def action_refresh_now(self) -> None:
        self.engine.refresh_now()
        if self.paused:
            self.notify("refreshing; the screen stays paused (p resumes)", markup=False)

    # -- screens and keys ----------------------------------------------------------------

    def _screen_args(self) -> dict[str, Any]:
        return {
            "title": self.engine.config.title,
            "clock": self.clock,
            "read_only": self.read_only,
        }

    def open_detail(self, key: str) -> None:
        """Drill into the signal `key` (Enter on a row or an event, the palette)."""
        if key in self.engine.store.signals:
            detail = self.details.detail(key)  # one, reused (ui/detail_keeper.py)
            open_screen(self, lambda: detail, type(detail))

    def _new_detail(self, key: str) -> SignalDetailScreen:
        from oncall_tui.ui.screens.detail import SignalDetailScreen

        return SignalDetailScreen(
            self.engine.store, key, triage=self._triage, **self._screen_args()
        )

    def _triage(self) -> Diagnosis:
        """The board's latest probable cause (none without a board: the wallboard)."""
        try:
            return self.dashboard.cause.diagnosis
        except LookupError:
            return Diagnosis()

    def jump_to(self, key: str) -> None:
        """Select `key` on the board (from the command palette)."""
        if board := self.jump_to_board():
            board.jump_to(key)

    def action_cause(self) -> None:
        """`C` off the board (the detail): the next probable cause, as on the board."""
        with contextlib.suppress(LookupError):  # no board: the wallboard
            self.dashboard.action_cause()

    def action_events(self) -> None:
        from oncall_tui.ui.screens.events import EventsScreen

        open_screen(
            self,
            lambda: EventsScreen(self.engine.store, self.attention, **self._screen_args()),
            EventsScreen,
        )

    def action_help(self) -> None:
        from oncall_tui.ui.screens.help import HelpScreen, help_entries

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        screen = self.screen
        name = {"dashboard": "the board", "detail": "the signal", "events": "the events"}
        title = name.get(screen.name or "", screen.name or "this screen")
        open_screen(self, lambda: HelpScreen(help_entries(screen), title=title), HelpScreen)

    def action_pause(self) -> None:
        # The screens watch `paused` (the board freezes its rows, the headers say so).
        self._paused_at = None if self.paused else self.clock()
        self.paused = not self.paused
        if self.paused:
            self.notify("paused: the screen is frozen, collection continues (p resumes)")
        else:
            self.notify("resumed")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand("Go to worst", "Select the worst signal and follow it", self._worst)
        yield SystemCommand("Filter", "Show only signals matching a text or regex", self._filter)
        yield SystemCommand(
            "Resume" if self.paused else "Pause",
            "Freeze the screen; collection continues",
            self.action_pause,
        )
        yield SystemCommand("Refresh", "Collect every source now", self.action_refresh_now)
        yield SystemCommand("Events", "The event timeline, newest first", self.action_events)
        yield SystemCommand("Keys", "Every key of this screen", self.action_help)
        for command in super().get_system_commands(screen):
            if command.title in ("Keys", "Screenshot"):
                continue  # replaced: our help; a screenshot that says where it went
            yield command
        if not self.read_only:  # it writes a file
            yield SystemCommand(
                "Screenshot",
                "Save an SVG of the screen in the current folder",
                lambda: self.set_timer(0.1, self.action_save_screenshot),
            )

    def _worst(self) -> None:
        if board := self.jump_to_board():
            board.action_worst()

    def _filter(self) -> None:
        if board := self.jump_to_board():
            board.action_filter()

    def jump_to_board(self) -> DashboardScreen | None:
        """Back to the board; None where there is none (the wallboard): the command
        then does nothing rather than raise."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        return self.screen if isinstance(self.screen, DashboardScreen) else None
