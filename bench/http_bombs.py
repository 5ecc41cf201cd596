"""What hostile responses cost the HTTP layer: wall time and peak memory per fault.

Serves each fault from the loopback fault server (tests/faults.py) and fetches it with
`get_json` in a fresh child process under an overall deadline, as a source collection
would. Per case it prints the outcome (the message a user reads), the wall time, the
child's peak RSS (VmHWM), the longest the event loop was blocked
(how late a 5 ms sleep woke up) and, with --tracemalloc, the peak of Python
allocations during the fetch.

Usage: python bench/http_bombs.py [--deadline 3] [--cap-mb 10] [--tracemalloc]
       [--only nested-bomb,gzip-bomb] [--code ../main]   (--code: measure another
       checkout, e.g. the code before a change)

Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

from faults import nested_bomb, raw_deflate_bomb, serve_faults, zlib_bomb  # noqa: E402

CASES = (
    "json",
    "nested-bomb",
    "gzip-bomb",
    "deflate-bomb",
    "raw-deflate-bomb",
    "big",
    "big-chunked",
    "deep-json",
)

CHILD = """
import asyncio, json, sys, time, tracemalloc
from oncall_tui.core.http import build_client, get_json

url, deadline, cap, trace = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"

async def lag_probe(worst: list[float]) -> None:
    # How late a 5 ms sleep wakes up: the longest the event loop was blocked.
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst[0] = max(worst[0], time.perf_counter() - before - 0.005)

async def main() -> dict[str, object]:
    # The client first: building its TLS context (~0.1 s, once per source) is not
    # what is measured here.
    client = build_client(timeout=deadline)
    # And one request first: lazy imports and the first connection are not either.
    await get_json(client, url.rsplit("/", 1)[0] + "/json")
    if trace:
        tracemalloc.start()
    worst = [0.0]
    probe = asyncio.ensure_future(lag_probe(worst))
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(deadline):
            await get_json(client, url, max_bytes=cap)
        outcome = "ok"
    except BaseException as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.02)  # the probe wakes once more: a block that just ended counts
    probe.cancel()
    await client.aclose()
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    # This process's own peak RSS: the kernel's ru_maxrss of a child also counts the
    # parent it was forked from.
    status = open("/proc/self/status").read()
    hwm_kb = int(status.split("VmHWM:", 1)[1].split()[0])
    return {
        "outcome": outcome[:80],
        "seconds": elapsed,
        "traced_peak": peak,
        "lag": worst[0],
        "rss_mib": hwm_kb / 1024,
    }

print(json.dumps(asyncio.run(main())))
"""


def run_case(url: str, deadline: float, cap: int, trace: bool, code: str = "") -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    if code:  # another checkout's oncall_tui, e.g. before a change (no .pyc written there)
        env["PYTHONPATH"] = code
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(deadline), str(cap), "1" if trace else "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=code or REPO,  # `python -c` puts the working directory first on sys.path
    )
    out, err = child.communicate()
    try:
        result: dict[str, object] = json.loads(out)
    except ValueError:
        result = {"outcome": f"child failed: {err.decode(errors='replace')[-200:]}", "rss_mib": 0}
    result["stderr"] = err.decode(errors="replace").strip().splitlines()[-1:] or ""
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deadline", type=float, default=3.0)
    parser.add_argument("--cap-mb", type=float, default=10.0)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--code", default="", help="import oncall_tui from this checkout")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or c in args.only.split(",")]
    cap = int(args.cap_mb * 1024 * 1024)
    print(f"deadline {args.deadline:g} s, cap {args.cap_mb:g} MiB, python {sys.version.split()[0]}")
    header = f"{'case':<18} {'seconds':>8} {'lag ms':>7} {'rss MiB':>8} {'traced MiB':>10}  outcome"
    print(header)
    print("-" * len(header))
    # Build the bombs before timing: the server makes each once and keeps it.
    nested_bomb(), zlib_bomb(), raw_deflate_bomb()
    with serve_faults() as server:
        for case in cases:
            result = run_case(
                f"{server.url}/{case}", args.deadline, cap, args.tracemalloc, args.code
            )
            peak = result.get("traced_peak")
            traced = f"{peak / 1024 / 1024:10.1f}" if isinstance(peak, int) else f"{'-':>10}"
            seconds = result.get("seconds")
            secs = f"{seconds:8.2f}" if isinstance(seconds, float) else f"{'-':>8}"
            lag = result.get("lag")
            lag_ms = f"{lag * 1000:7.1f}" if isinstance(lag, float) else f"{'-':>7}"
            print(
                f"{case:<18} {secs} {lag_ms} {result['rss_mib']:8.0f} {traced}  {result['outcome']}"
            )
            if result["stderr"]:
                print(f"{'':<18} stderr: {result['stderr'][0][:100]}")


if __name__ == "__main__":
    main()
