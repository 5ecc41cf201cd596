"""Real servers for plugin tests: the process machinery the starters share.

Plugins are tested against the real thing because the interesting failures (PromQL
errors, NaN from 0/0, label values with escape sequences, a server that is down) are
exactly what a mock gets wrong. Each starter is a context manager, one module per kind
of server (servers_prometheus, servers_alertmanager, servers_platform for the exporter
and the whole stack, servers_http for plain loopback HTTP):

    with start_exporter() as exporter, start_prometheus([exporter.target]) as prom:
        wait_for_query(prom.url, 'risk_decisions_total', min_series=2)

Ports come from the OS (bind to port 0), servers run in their own process group and
are killed with it, temp directories are removed, and every wait polls with a deadline
and fails with the server's stderr tail. A missing binary skips the test locally and
fails it under CI (env CI set), so CI cannot go green by testing nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import httpx
import pytest

T = TypeVar("T")

STARTUP_TIMEOUT = 30.0
"""Seconds a server gets to become ready; generous for a loaded CI machine."""

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)

# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A loopback port that was free a moment ago. A server that loses the race fails
    to bind and is retried by the starters."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return cast(int, sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on, for "connection refused" tests."""
    return free_port()


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    detail: Callable[[], str] = lambda: "",
    interval: float = 0.1,
) -> T:
    """Poll `probe` until it returns something other than None (or False), else fail.

    Polling with a deadline instead of sleeping a fixed time: fast on a fast machine,
    still correct on a slow one, and the failure says what was awaited.
    """
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            result = probe()
        except Exception as exc:  # the server may not be up yet
            result, last_error = None, f"{type(exc).__name__}: {exc}"
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            extra = detail()
            message = f"timed out after {timeout:g}s waiting for {what}"
            if last_error:
                message += f"\nlast error: {last_error}"
            if extra:
                message += f"\n{extra}"
            pytest.fail(message)
        time.sleep(interval)


def require_binary(name: str, package: str) -> str:
    """Path of `name`; skip the test (fail under CI) when it is not installed."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed: sudo apt-get update && sudo apt-get install -y {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def no_proxy() -> Iterator[None]:
    """Remove proxy variables for the duration: clients built with trust_env=True would
    otherwise send loopback test traffic to the developer's corporate proxy."""
    saved = {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def direct_client(timeout: float = 2.0) -> httpx.Client:
    return httpx.Client(timeout=timeout, trust_env=False)


# --------------------------------------------------------------------------- processes


@dataclass
class ServerProcess:
    """A running server started by this module."""

    name: str
    url: str
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path

    @property
    def target(self) -> str:
        """ "127.0.0.1:PORT", as Prometheus configs name targets."""
        return f"127.0.0.1:{self.port}"

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"({self.name} log unavailable)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"{self.name} output (last {lines} lines):\n{tail}"

    def stop(self) -> None:
        """Kill the whole process group (the server and anything it spawned)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def launch_server(
    name: str,
    build_args: Callable[[int, Path], list[str]],
    workdir: Path,
    ready_path: str,
    attempts: int = 3,
) -> ServerProcess:
    """Start a server on a free port and wait for `ready_path` to answer 200.

    Retries with a new port when the server exits early, which is what losing the
    free-port race looks like.
    """
    for attempt in range(1, attempts + 1):
        port = free_port()
        log_path = workdir / f"{name}-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                build_args(port, workdir),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=workdir,
            )
        server = ServerProcess(name, f"http://127.0.0.1:{port}", port, process, workdir, log_path)
        exited_early = False

        def ready(server: ServerProcess = server) -> bool | None:
            nonlocal exited_early
            if server.process.poll() is not None:
                exited_early = True
                return True  # stop polling; checked below
            with direct_client() as client:
                return client.get(server.url + ready_path).status_code == 200 or None

        try:
            wait_until(
                ready,
                timeout=STARTUP_TIMEOUT,
                what=f"{name} to become ready on port {port}",
                detail=server.stderr_tail,
            )
        except BaseException:
            server.stop()
            raise
        if not exited_early:
            return server
        in_use = "address already in use" in server.stderr_tail().lower()
        if not in_use or attempt == attempts:
            pytest.fail(
                f"{name} exited with code {process.returncode} at startup\n" + server.stderr_tail()
            )
    raise AssertionError("unreachable")


@contextlib.contextmanager
def run_server(
    name: str,
    write_config: Callable[[Path], None],
    build_args: Callable[[int, Path], list[str]],
    ready_path: str = "/-/ready",
) -> Iterator[ServerProcess]:
    """`name` launched (see `launch_server`) in a temporary folder that `write_config`
    fills first; on the way out the server is stopped and the folder removed, also
    when writing the config or the launch failed."""
    workdir = Path(tempfile.mkdtemp(prefix=f"oncall-tui-{name}-"))
    try:
        write_config(workdir)
        server = launch_server(name, build_args, workdir, ready_path)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
