"""A recording played in (scaled) real time: the engine's stand-in for `replay`.

The dashboard asks an engine for `store`, `config`, `read_only`, `gate`, `actions`,
`start()`, `stop()` and `refresh_now()`; `Player` answers the same, so the very same
screens, triage and keys show a recorded incident. It adds what a drill needs: pause,
step one change, jump to the next status change, a speed, and `at_end` for the END mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from oncall_tui.core.config.loader import AppConfig
from oncall_tui.core.gate import ActionGate
from oncall_tui.core.recording.reader import Recording
from oncall_tui.core.recording.replay import Replay
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.dispatch import ActionDispatcher

TICK = 0.1
"""Seconds between advances of the recorded clock while playing."""


class Player:
    """Feeds a recording's frames into its store on the recorded clock."""

    read_only = True
    """A replay never changes anything: it is read-only whatever the flags say."""

    def __init__(
        self,
        recording: Recording,
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        history: int = 360,
        events: int = 1000,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be above 0")
        header = recording.header
        self.recording = recording
        self.config = AppConfig(
            title=header.title,
            refresh=5.0,
            sources=[],
            config_dir=Path("."),
            topology=header.topology,
            change_window=header.change_window,
        )
        self.store = SignalStore(history=history, events=events)
        self.replay = Replay(recording, self.store)
        self.store.clock = self.replay.clock
        self.runners: dict[str, object] = {}
        self.gate = ActionGate(read_only=True)
        self.actions = ActionDispatcher(self.gate)
        """No plugins, so no plugin actions; the app's own actions meet a read-only gate."""
        self.speed = speed
        self.paused = False
        self._monotonic = monotonic
        self._task: asyncio.Task[None] | None = None
        # The first frame at once: the board opens on the recording's first moment,
        # not on an empty screen.
        self.replay.step()

    @property
    def now(self) -> float:
        """The recorded time the board shows."""
        return self.replay.now

    @property
    def at_end(self) -> bool:
        return self.replay.at_end

    def lock_read_only(self) -> None:
        """Already read-only, for good."""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._play(), name="replay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def refresh_now(self) -> None:
        """`r` on a replay: the next change now."""
        self.step()

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        return self.paused

    def step(self) -> bool:
        """The next frame, whatever the clock says; False at the end."""
        return self.replay.step()

    def jump_to_next_change(self) -> bool:
        """Straight to the next frame in which a status changes; False when none is
        left (the board stays where it is)."""
        at = self.replay.next_status_change()
        if at is None:
            return False
        self.replay.advance_to(at)
        return True

    def advance(self, seconds: float) -> None:
        """Let `seconds` of real time pass at the player's speed (unless paused)."""
        if not self.paused and not self.at_end:
            self.replay.advance_to(self.replay.now + seconds * self.speed)

    async def _play(self) -> None:
        last = self._monotonic()
        while True:
            await asyncio.sleep(TICK)
            now = self._monotonic()
            self.advance(now - last)
            last = now
