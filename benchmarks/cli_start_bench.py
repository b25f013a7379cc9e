"""How fast ``xxgk`` starts: ``xxgk --help`` and ``xxgk parse`` against the floor of a Python start
that imports lxml.html (what ``parse`` cannot avoid). Runs interleaved, medians quoted.

    .venv/bin/python benchmarks/cli_start_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "heyang-2020-spam.txt"


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


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
    times: dict[str, list[float]] = {k: [] for k in cases}
    for cmd in cases.values():  # warm the page cache once
        _time(cmd)
    for _ in range(args.runs):  # interleaved
        for name, cmd in cases.items():
            times[name].append(_time(cmd))
    floor = statistics.median(times[next(iter(cases))])
    print(f"{args.runs} interleaved runs each, medians (wall, process start included):")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:38} {med * 1000:7.1f} ms   ×{med / floor:.2f} of the floor")
    help_s = statistics.median(times["xxgk --help"])
    verdict = "meets" if help_s <= 0.2 else "misses"
    print(f"xxgk --help: {help_s:.3f} s ({verdict} the 0.2 s target)")


if __name__ == "__main__":
    main()
