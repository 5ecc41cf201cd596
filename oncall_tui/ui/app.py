"""The Textual application: owns the engine's lifetime and the global keys.

Everything visible lives in screens (`screens/`) and widgets (`widgets/`); this module
only wires them to an `Engine`, so screens can be tested with a hand-built store and
no engine at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from oncall_tui.core.engine import Engine
from oncall_tui.core.themes import DEFAULT_THEME, WALLBOARD_THEME, ThemeCatalog, load_catalog
from oncall_tui.core.words import symbols
from oncall_tui.ui.ascii import AsciiFilter
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.wallboard import WallboardScreen
from oncall_tui.ui.terminal import terminal_driver
from oncall_tui.ui.theme import (
    drop_builtin_themes,
    register_themes,
    status_variables,
    terminal_colors,
)

log = logging.getLogger(__name__)


class OncallApp(App[None]):
    """The on-call dashboard, or with `wallboard=True` the wallboard (read-only, no
    command palette, keys ignored but ctrl+q).

    `clock` is injected so header, heartbeat and ages can be frozen in tests;
    `start_engine=False` lets tests drive the store by hand. `themes` defaults to the
    shipped themes plus the user's; they replace Textual's own.
    """

    CSS_PATH = [
        Path(__file__).with_name("app.tcss"),
        Path(__file__).parent / "screens" / "wallboard.tcss",
        Path(__file__).with_name("nocolor.tcss"),
    ]
    """Absolute, so a subclass defined elsewhere (tests) finds them too. The wallboard's
    sheet is here rather than on its screen: Textual does not load a default screen's
    own CSS_PATH."""
    TITLE = "oncall-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "refresh_now", "Refresh"),
    ]
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (120, "-wide"),
    ]

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
            self._filters.append(AsciiFilter())
        self.engine = engine
        self.read_only = read_only or engine.read_only or wallboard
        self.themes = themes if themes is not None else load_catalog()
        self.theme_problems = register_themes(self, self.themes)
        self.clock = clock
        self.start_engine = start_engine
        # Sanitised by the config loader: the window title reaches the terminal raw.
        self.title = engine.config.title
        self._engine_started = False

    @property
    def dashboard(self) -> DashboardScreen:
        for candidate in self.screen_stack:
            if isinstance(candidate, DashboardScreen):
                return candidate
        raise LookupError("the dashboard is not mounted")

    def get_default_screen(self) -> Screen[None]:
        screen: Screen[None]
        if self.wallboard:
            screen = WallboardScreen(
                self.engine.store,
                title=self.engine.config.title,
                settings=self.engine.config.wallboard,
                clock=self.clock,
            )
        else:
            screen = DashboardScreen(
                self.engine.store,
                title=self.engine.config.title,
                clock=self.clock,
                read_only=self.read_only,
            )
        # NO_COLOR: Textual's `App:nocolor` (or any App class) does not reach component
        # classes, the rows' styles; a class on the screen does (see nocolor.tcss).
        screen.set_class(self.no_color, "-no-color")
        return screen

    def get_driver_class(self) -> type[Driver]:
        """On a real terminal, a driver that leaves promptly with the terminal restored
        when stdin ends or a signal arrives (ui/driver.py); any other as Textual picks it."""
        return terminal_driver(super().get_driver_class())

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

    def on_mount(self) -> None:
        colors = terminal_colors(self)
        if colors is not None:  # 16 colours: statuses snap to ANSI hues
            self.theme_problems = register_themes(self, self.themes, colors=colors)
        self.theme = self.chosen_theme
        if self.theme in self.themes.themes:
            drop_builtin_themes(self, keep=self.themes.themes)
        for problem in self.theme_problems:
            log.warning("theme not loaded: %s", problem)
            self.notify(problem, title="Theme not loaded", severity="warning", markup=False)
        if self.start_engine:
            # The engine's first collection lands after mount; the dashboard picks
            # the worst signal when it arrives.
            self.engine.start()
            self._engine_started = True

    async def on_unmount(self) -> None:
        """Every way out (q, ctrl+q, an exception) passes here: stop collecting and
        close the plugins' connections before the loop goes away."""
        if self._engine_started:
            self._engine_started = False
            try:
                await self.engine.stop()
            except Exception:
                log.exception("stopping the engine failed")

    def action_refresh_now(self) -> None:
        self.engine.refresh_now()

    # -- read-only: the one place where side effects are refused --------------------
    # Every way Textual (or a later feature: open a runbook, silence an alert) can
    # change something outside the process passes through one of these, so read-only
    # is enforced here rather than by hiding keys.

    def side_effect_allowed(self, what: str) -> bool:
        """False, with a notice, when read-only forbids `what`."""
        if self.read_only:
            self.notify(f"read-only: {what} is disabled", severity="warning")
            return False
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if self.read_only and command.title == "Screenshot":
                continue  # it writes a file
            yield command

    def save_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str:
        if not self.side_effect_allowed("saving a screenshot"):
            return ""
        return super().save_screenshot(filename, path, time_format)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        if not self.side_effect_allowed("saving a screenshot"):
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def deliver_text(self, *args: Any, **kwargs: Any) -> str | None:
        if not self.side_effect_allowed("saving a file"):
            return None
        return super().deliver_text(*args, **kwargs)

    def deliver_binary(self, *args: Any, **kwargs: Any) -> str | None:
        if not self.side_effect_allowed("saving a file"):
            return None
        return super().deliver_binary(*args, **kwargs)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        if self.side_effect_allowed("opening a browser"):
            super().open_url(url, new_tab=new_tab)
