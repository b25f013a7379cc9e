"""Peak RSS of the process that calls ``audit_published`` (the flow's process in a run).

Run: .venv/bin/python benchmarks/audit_memory.py DATA_DIR [--workers 2]
on a data dir kept by ``benchmarks/national_sim.py --scale 0.25 --keep DIR`` (``DIR/data``). The
audit's slices run in worker processes; this process should hold report ids only, so its peak
stays flat as the warehouse grows. Prints the audit's counts, wall time and this process's peak.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--warehouse", type=Path, default=None, help="default DATA_DIR/warehouse")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from flows.audit import audit_published

    start = time.perf_counter()
    result = audit_published(
        args.data_dir, args.warehouse or args.data_dir / "warehouse", workers=args.workers
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{result.counts()}; wall {time.perf_counter() - start:.1f} s; "
        f"peak RSS of the calling process {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
