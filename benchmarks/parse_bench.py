"""Parse throughput over the fixture reports, per format, and the ratio to the lxml floor.

Run: .venv/bin/python benchmarks/parse_bench.py [--seconds 3]
Prints reports/s and ms/report for HTML, text, PDF and DOCX fixtures, and for HTML the ratio of
our time per report to lxml merely parsing the same bytes (the floor).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from lxml import html as lxml_html

from parsing import ParseError, RawDocument, parse_document
from parsing.formats import detect_format

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def _inputs() -> list[tuple[str, RawDocument]]:
    docs: list[tuple[str, RawDocument]] = []
    for folder in sorted((FIXTURES / "reports").glob("*/")):
        inputs = sorted(folder.glob("input.*"))
        if not inputs:
            continue
        meta_path = folder / "meta.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        docs.append((folder.name, RawDocument(content=inputs[0].read_bytes(), **meta)))
    sample = FIXTURES / "samples" / "heyang-2020-spam.txt"
    docs.append(("sample", RawDocument(content=sample.read_bytes(), filename=sample.name,
                                       publisher="合阳县人民政府")))
    for path in sorted((FIXTURES / "documents").glob("**/*")):
        if path.suffix.lower() in (".pdf", ".docx") and path.stat().st_size < 2_000_000:
            docs.append((path.name, RawDocument(content=path.read_bytes(), filename=path.name)))
    return docs


def _time(fn, seconds: float) -> tuple[int, float]:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0, help="time per format")
    args = ap.parse_args()
    by_format: dict[str, list[RawDocument]] = defaultdict(list)
    for _name, raw in _inputs():
        by_format[detect_format(raw.content, raw.media_type, raw.filename or raw.url)].append(raw)

    def parse_all(raws: list[RawDocument]) -> None:
        for raw in raws:
            try:
                parse_document(raw)
            except ParseError:
                pass

    print(f"{'format':7} {'docs':>4} {'reports/s':>10} {'ms/report':>10}")
    html_per = None
    for fmt, raws in sorted(by_format.items()):
        n, dt = _time(lambda raws=raws: parse_all(raws), args.seconds)
        per = dt / (n * len(raws))
        if fmt == "html":
            html_per = per
        print(f"{fmt:7} {len(raws):>4} {1 / per:>10.1f} {per * 1000:>10.2f}")
    if html_per is not None:
        raws = by_format["html"]
        n, dt = _time(lambda: [lxml_html.document_fromstring(r.content) for r in raws], args.seconds)
        floor = dt / (n * len(raws))
        print(f"lxml floor: {floor * 1000:.3f} ms/page; ours / floor = {html_per / floor:.1f}x")


if __name__ == "__main__":
    main()
