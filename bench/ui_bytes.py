"""Where the dashboard's bytes to the terminal go: bytes per second per screen row.

`ui_cost.py` says how many bytes a second the board writes; this says which rows
write them. It runs the dashboard on the same demo as `ui_cost.py` in a
pseudo-terminal, records everything written after a warm-up, and attributes each
byte to the screen row the cursor was last moved to (Textual positions the cursor
with `ESC [ row ; col H` before every run of changed cells). It prints one line per
row that wrote anything: bytes/s, writes/s, and the text last written there (escape
codes removed), so the row can be recognised.

Usage: python bench/ui_bytes.py [--seconds 60] [--warmup 60] [--cols 120] [--rows 40]
       [--change-rate 0.1] [--top 40] [--dump FILE]

Prints figures; it never passes or fails on them.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ui_cost import DEMO_CONFIG, dashboard_command  # noqa: E402

CUP = re.compile(rb"\x1b\[(\d+);(\d+)H")
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def record(command: list[str], args: argparse.Namespace) -> bytes:
    """Everything the program writes in the window after the warm-up."""
    env = dict(os.environ)
    env.setdefault("TERM", "xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(command[0], command, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", args.rows, args.cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    start = time.monotonic()
    window_start = start + args.warmup
    end = window_start + args.seconds
    chunks: list[bytes] = []
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        if time.monotonic() >= window_start:
            chunks.append(data)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            break
        with contextlib.suppress(OSError):
            os.read(fd, 65536)
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return b"".join(chunks)


def attribute(stream: bytes) -> tuple[Counter[int], Counter[int], dict[int, str]]:
    """Bytes and writes per row (1-based); the last text seen on each row."""
    per_row: Counter[int] = Counter()
    writes: Counter[int] = Counter()
    text: dict[int, str] = {}
    moves = list(CUP.finditer(stream))
    per_row[0] += moves[0].start() if moves else len(stream)
    for index, move in enumerate(moves):
        row = int(move.group(1))
        stop = moves[index + 1].start() if index + 1 < len(moves) else len(stream)
        chunk = stream[move.start() : stop]
        per_row[row] += len(chunk)
        writes[row] += 1
        plain = ESCAPES.sub(b"", stream[move.end() : stop]).decode("utf-8", "replace").strip()
        if plain:
            text[row] = plain
    return per_row, writes, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--change-rate", type=float, default=0.1)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--dump", help="also write the raw recording to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oncall-ui-bytes-") as tmp:
        config = Path(tmp) / "dashboard.toml"
        config.write_text(DEMO_CONFIG.format(change_rate=args.change_rate))
        stream = record(dashboard_command(config), args)
    if args.dump:
        Path(args.dump).write_bytes(stream)
    per_row, writes, text = attribute(stream)
    total = sum(per_row.values())
    print(f"{args.cols}x{args.rows}, warm-up {args.warmup:g}s, window {args.seconds:g}s")
    print(f"total {total / args.seconds:,.0f} bytes/s")
    print(f"{'row':>4} {'bytes/s':>8} {'writes/s':>8}  last text")
    for row, count in per_row.most_common(args.top):
        line = text.get(row, "")[: args.cols - 25]
        print(f"{row:>4} {count / args.seconds:>8.1f} {writes[row] / args.seconds:>8.2f}  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
