"""Parse outputs of one code version against another: zero differences expected after a speed-up.

Run: ``.venv/bin/python benchmarks/parse_equality.py --save before.json`` on the old code, then
``.venv/bin/python benchmarks/parse_equality.py --compare before.json`` on the new one. It parses
every HTML and text file under ``tests/fixtures`` (with the report fixtures' ``meta.json``), the
spam-glued pages of ``benchmarks/spam_bench.py`` (seeded) and the generated spam corpus pages,
and records each ``Report.model_dump()`` (or the ``ParseError`` kind and message). It prints
which parser build ran (``parsing.native``: compiled, or plain Python with
``XXGK_PURE_PARSER=1``); the two builds must give the same results.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsing import native  # noqa: E402
from tests.parsing.digit_cases import parse_outputs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--save", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--glued", type=int, default=300, help="spam-glued report pages")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    now = parse_outputs(args.glued, args.seed)
    print(f"parser build: {native.build()}")
    if args.save:
        args.save.write_text(json.dumps(now, ensure_ascii=False, sort_keys=True, indent=1))
        print(f"saved {len(now)} parse results to {args.save}")
    if args.compare:
        before = json.loads(args.compare.read_text("utf-8"))
        now = json.loads(json.dumps(now, ensure_ascii=False, sort_keys=True))
        diffs = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        for k in diffs[:20]:
            a, b = before.get(k), now.get(k)
            if isinstance(a, dict) and isinstance(b, dict):
                keys = sorted(f for f in a.keys() | b.keys() if a.get(f) != b.get(f))
                print(f"DIFF {k}: fields {keys}")
            else:
                print(f"DIFF {k}: {str(a)[:200]} != {str(b)[:200]}")
        print(f"compared {len(now)} parse results: {len(diffs)} differences")
        if diffs:
            sys.exit(1)


if __name__ == "__main__":
    main()
