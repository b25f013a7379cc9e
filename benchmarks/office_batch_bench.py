"""DOC/WPS through LibreOffice: one soffice per document vs one soffice for the whole batch.

Run: .venv/bin/python benchmarks/office_batch_bench.py [--docs 20] [--rounds 3] [--workers 2]

Builds ``--docs`` distinct Word 97-2003 files (the 2021 fixture report, each with its own line
of text; converted DOCX → DOC by LibreOffice once, outside the timings), then parses them all
through the isolated worker pool, interleaving two ways per round:

- ``per-document``: each worker starts soffice for each document (the pre-batch path);
- ``batch``: ``parsing.pool.preconvert`` converts every DOC with ONE soffice process, then the
  workers parse the DOCX they are handed.

Both are the full parse (conversion + DOCX extraction + tables + validation), same pool, same
workers (started before the timings; their start is printed apart). Prints the median wall time
per round and ms/document amortised, the batch conversion alone, and the ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "documents"))

from parsing import RawDocument, Report  # noqa: E402
from parsing.extract.office_convert import soffice_convert_many, soffice_path  # noqa: E402
from parsing.pool import ParsePool, preconvert  # noqa: E402


def make_docs(n: int) -> list[RawDocument]:
    """``n`` distinct .doc files of the 2021 fixture report."""
    from make_fixtures import render_docx
    from report_specs import report

    base = render_docx(report("2021"))
    docx_files = []
    for i in range(n):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "word/document.xml":
                    extra = f"<w:p><w:r><w:t>附注 第{i}号</w:t></w:r></w:p>".encode()
                    data = data.replace(b"<w:sectPr", extra + b"<w:sectPr", 1)
                dst.writestr(item, data)
        docx_files.append((out.getvalue(), ".docx"))
    docs = soffice_convert_many(docx_files, "doc", timeout=600)
    if any(d is None for d in docs):
        raise SystemExit("LibreOffice could not make the DOC fixtures")
    return [
        RawDocument(content=d, filename=f"report-{i}.doc", url=f"http://127.0.0.1/r/{i}.doc")
        for i, d in enumerate(docs)
        if d is not None
    ]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if soffice_path() is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory():
        docs = make_docs(args.docs)
    print(f"{len(docs)} DOC files, {sum(len(d.content) for d in docs) // 1024} KB in all")
    started = time.monotonic()
    pool = ParsePool(args.workers)
    list(pool.map(docs[: args.workers]))  # start the workers (and their LibreOffice profiles)
    print(f"worker start (not in the timings): {time.monotonic() - started:.1f} s")
    per_doc: list[float] = []
    batch: list[float] = []
    convert_only: list[float] = []
    convert_cpu: list[float] = []
    load_before = os.getloadavg()[0]
    try:
        for r in range(args.rounds):
            order = ("per-document", "batch") if r % 2 == 0 else ("batch", "per-document")
            for way in order:
                t0 = time.monotonic()
                if way == "batch":
                    cpu0 = _children_cpu()
                    converted = preconvert(docs)
                    convert_only.append(time.monotonic() - t0)
                    convert_cpu.append(_children_cpu() - cpu0)
                    outcomes = list(pool.map(docs, converted))
                    batch.append(time.monotonic() - t0)
                else:
                    outcomes = list(pool.map(docs))
                    per_doc.append(time.monotonic() - t0)
                bad = [o for o in outcomes if not isinstance(o, Report)]
                if bad:
                    raise SystemExit(f"{way}: {len(bad)} documents failed: {bad[0]}")
    finally:
        pool.close()
    n = len(docs)
    med_doc, med_batch = statistics.median(per_doc), statistics.median(batch)
    med_conv = statistics.median(convert_only)
    print(f"per-document soffice: {med_doc:6.2f} s/round  {1000 * med_doc / n:7.0f} ms/doc")
    print(f"one soffice (batch):  {med_batch:6.2f} s/round  {1000 * med_batch / n:7.0f} ms/doc")
    print(
        f"  of which the batch conversion (soffice start included): {med_conv:.2f} s "
        f"= {1000 * med_conv / n:.0f} ms/doc"
    )
    print(
        f"  CPU time of that one soffice process: {statistics.median(convert_cpu):.2f} s "
        f"= {1000 * statistics.median(convert_cpu) / n:.0f} ms/doc (less sensitive to a busy host)"
    )
    print(
        f"load average before/after: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    print(
        f"ratio per-document / batch: {med_doc / med_batch:.1f}x  ({args.workers} workers, "
        f"medians of {args.rounds} interleaved rounds)"
    )


if __name__ == "__main__":
    main()
