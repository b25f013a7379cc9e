"""How fast ``xxgk`` starts: ``xxgk --help`` and ``xxgk parse`` against the floor of a Python start
that imports lxml.html (what ``parse`` cannot avoid). Runs interleaved, medians quoted.

    .venv/bin/python benchmarks/cli_start_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "heyang-2020-spam.txt"


def _time(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    """Print medians and ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    cases = {
        "floor: python -c 'import lxml.html'": [sys.executable, "-c", "import lxml.html"],
        "xxgk --help": [str(BIN / "xxgk"), "--help"],
        "xxgk --version": [str(BIN / "xxgk"), "--version"],
        "xxgk parse SAMPLE": [str(BIN / "xxgk"), "parse", str(SAMPLE)],
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for cmd in cases.values():  # warm the page cache once
        _time(cmd)
    for _ in range(args.runs):  # interleaved
        for name, cmd in cases.items():
            times[name].append(_time(cmd))
    first = next(iter(cases))
    floor_wall = statistics.median(w for w, _ in times[first])
    floor_cpu = statistics.median(c for _, c in times[first])
    load = os.getloadavg()[0]
    print(f"{args.runs} interleaved runs each, medians (process start included; load {load:.1f}):")
    print(f"  {'':38} {'wall':>9} {'ratio':>6}   {'CPU':>9} {'ratio':>6}")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"  {name:38} {wall * 1000:7.1f}ms ×{wall / floor_wall:5.2f}   "
            f"{cpu * 1000:7.1f}ms ×{cpu / floor_cpu:5.2f}"
        )
    help_wall = statistics.median(w for w, _ in times["xxgk --help"])
    help_cpu = statistics.median(c for _, c in times["xxgk --help"])
    verdict = "meets" if help_wall <= 0.2 else "misses"
    print(
        f"xxgk --help: {help_wall:.3f} s wall ({verdict} the 0.2 s target), {help_cpu:.3f} s CPU; "
        "on a loaded machine the CPU time is the steadier figure"
    )


if __name__ == "__main__":
    main()
