"""DOC/WPS through LibreOffice, the whole parse path, per document amortised over a batch.

Run: .venv/bin/python benchmarks/office_batch_bench.py [--docs 20] [--rounds 3] [--workers 2]

Builds ``--docs`` distinct Word 97-2003 files (the 2021 fixture report, each with its own line
of text; converted DOCX → DOC by LibreOffice once, outside the timings), then parses them all
through the isolated worker pool, interleaving per round:

- ``project``: ``parsing.pool.preconvert`` hands every DOC to the process's resident soffice
  running the converter macro (bare models, no layout; started once per process, outside the
  timings, its start printed apart), then the workers parse the DOCX they are handed;
- ``one run``: the same with ``XXGK_SOFFICE_RESIDENT=0``: one soffice run per batch (its start
  inside the timing);
- ``before``: with ``XXGK_SOFFICE_MACRO=0``: one ``soffice --convert-to docx`` for the batch
  (the path of the previous release);
- ``per-document`` (with ``--per-document``): each worker starts soffice for each document;
- ``floor``: the workers parse the converted DOCX alone (what is left if conversion were free).

All are the full parse (conversion + DOCX extraction + tables + validation into the same report,
checked equal), same pool, same workers (started before the timings; their start is printed
apart). Prints medians per round and ms/document amortised (soffice start included), the fixed
start of one soffice run measured apart (``--terminate_after_init`` with the warm profile), the
CPU time of the soffice runs (less sensitive to a busy host) and the load average.
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
from parsing.extract.office_convert import (  # noqa: E402
    soffice_convert_many,
    soffice_path,
    start_only,
    stop_resident,
)
from parsing.pool import ParsePool, Preconverted, preconvert  # noqa: E402


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


ENV = {
    "project": {},
    "one run": {"XXGK_SOFFICE_RESIDENT": "0"},
    "before": {"XXGK_SOFFICE_MACRO": "0"},
    "floor": {},
}


def _convert(docs: list[RawDocument], way: str) -> tuple[Preconverted, float, float]:
    os.environ.update(ENV[way])
    try:
        t0, cpu0 = time.monotonic(), _children_cpu()
        converted = preconvert(docs)
        return converted, time.monotonic() - t0, _children_cpu() - cpu0
    finally:
        for name in ENV[way]:
            os.environ.pop(name, None)


def _start_cost(times: int = 3) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(times):
        t0, cpu0 = time.monotonic(), _children_cpu()
        start_only()
        walls.append(time.monotonic() - t0)
        cpus.append(_children_cpu() - cpu0)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-document", action="store_true", help="also one soffice per doc")
    args = parser.parse_args()
    if soffice_path() is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory():
        docs = make_docs(args.docs)
    stop_resident()  # the fixtures were made by it: its start is measured below
    n = len(docs)
    print(f"{n} DOC files, {sum(len(d.content) for d in docs) // 1024} KB in all")
    started = time.monotonic()
    pool = ParsePool(args.workers)
    list(pool.map(docs[: args.workers]))  # start the workers (and their LibreOffice profiles)
    print(f"worker start (not in the timings): {time.monotonic() - started:.1f} s")
    start_only()  # this process's profile and macro, made once (as a long-lived parse process)
    t0 = time.monotonic()
    preconvert(docs[:1])  # start the resident soffice (once per process)
    print(
        f"resident soffice start + 1 document (once per process, not in the timings): {time.monotonic() - t0:.2f} s"
    )
    ways = ["project", "one run", "before", "floor"]
    ways += ["per-document"] if args.per_document else []
    wall: dict[str, list[float]] = {way: [] for way in ways}
    conv: dict[str, list[float]] = {"project": [], "one run": [], "before": []}
    cpu: dict[str, list[float]] = {"project": [], "one run": [], "before": []}
    starts: list[tuple[float, float]] = []
    reference: list[str] | None = None
    load_before = os.getloadavg()[0]
    try:
        for r in range(args.rounds):
            starts.append(_start_cost(1))
            for way in ways[r % len(ways) :] + ways[: r % len(ways)]:
                t0 = time.monotonic()
                if way in conv:
                    converted, seconds, cpu_s = _convert(docs, way)
                    conv[way].append(seconds)
                    cpu[way].append(cpu_s)
                    outcomes = list(pool.map(docs, converted))
                elif way == "floor":
                    converted, _s, _c = _convert(docs, "project")
                    t0 = time.monotonic()  # the conversion is not part of the floor
                    outcomes = list(pool.map(docs, converted))
                else:
                    outcomes = list(pool.map(docs))
                wall[way].append(time.monotonic() - t0)
                bad = [o for o in outcomes if not isinstance(o, Report)]
                if bad:
                    raise SystemExit(f"{way}: {len(bad)} documents failed: {bad[0]}")
                dumped = [o.model_dump_json() for o in outcomes if isinstance(o, Report)]
                if reference is None:
                    reference = dumped
                elif dumped != reference:
                    raise SystemExit(f"{way}: the reports differ from the first way's")
    finally:
        pool.close()
        stop_resident()
    med = {way: statistics.median(v) for way, v in wall.items()}
    start_wall = statistics.median(s[0] for s in starts)
    start_cpu = statistics.median(s[1] for s in starts)
    print(
        f"soffice start, fixed per run (warm profile, macro on an empty list): "
        f"{start_wall:.2f} s wall, {start_cpu:.2f} s CPU (median of {len(starts)})"
    )
    for way, label in (
        ("project", "project (resident soffice, macro):"),
        ("one run", "one soffice run per batch (macro):"),
        ("before", "before (one soffice, --convert-to):"),
        ("per-document", "per-document soffice (macro):"),
        ("floor", "floor (parse of the DOCX alone):"),
    ):
        if way not in med:
            continue
        line = f"{label:38} {med[way]:6.2f} s/round  {1000 * med[way] / n:6.0f} ms/doc"
        if way in conv:
            c = statistics.median(conv[way])
            line += f"  (conversion {c:.2f} s"
            if way == "project":  # the resident soffice is not a child that was reaped
                line += f"; with one start added: {1000 * (med[way] + start_wall) / n:.0f} ms/doc)"
            else:
                k = statistics.median(cpu[way])
                line += f", soffice CPU {k:.2f} s = {1000 * k / n:.0f} ms/doc, start included)"
        print(line)
    print(
        f"ratios: project / floor {med['project'] / med['floor']:.2f}x; "
        f"before / project {med['before'] / med['project']:.2f}x; "
        f"one run / project {med['one run'] / med['project']:.2f}x"
        + (
            f"; per-document / project {med['per-document'] / med['project']:.2f}x"
            if "per-document" in med
            else ""
        )
        + f" ({args.workers} workers, medians of {args.rounds} interleaved rounds, reports equal)"
    )
    print(
        f"load average before/after: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
