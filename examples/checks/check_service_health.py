#!/usr/bin/env python3
"""A Nagios-style check of a service's JSON health endpoint (standard library only).

    check_service_health.py URL [TIMEOUT_SECONDS]

Exit 0 (OK) when the endpoint answers 200 with {"status": "UP"}, 2 (CRITICAL) when it
answers anything else or cannot be reached, 3 (UNKNOWN) when the answer is not the JSON
expected or the arguments are wrong. One line of output, with the time taken as
performance data: `OK: payment-api UP | time=0.004s;;;0`.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request

OK, CRITICAL, UNKNOWN = 0, 2, 3


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("UNKNOWN: usage: check_service_health.py URL [TIMEOUT_SECONDS]")
        return UNKNOWN
    url = argv[1]
    timeout = float(argv[2]) if len(argv) == 3 else 2.0
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read(65536)
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read(65536)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        print(f"CRITICAL: cannot reach {url}: {reason}")
        return CRITICAL
    took = time.monotonic() - started
    perfdata = f"| time={took:.3f}s;;;0"
    try:
        document = json.loads(body)
        word = str(document["status"])
        name = str(document.get("name", url))
    except (ValueError, KeyError, TypeError):
        print(f"UNKNOWN: {url} answered {status} without a JSON status {perfdata}")
        return UNKNOWN
    if status == 200 and word == "UP":
        print(f"OK: {name} {word} {perfdata}")
        return OK
    print(f"CRITICAL: {name} {word} (HTTP {status}) {perfdata}")
    return CRITICAL


if __name__ == "__main__":
    sys.exit(main(sys.argv))
