"""Parse throughput per format over the fixtures, and the ratio to the lxml floor for HTML.

Run: .venv/bin/python benchmarks/parse_bench.py [--seconds 2] [--repeat 5] [--profile html]
Prints reports/s and ms/report for the HTML and text fixture reports (tests/fixtures/reports)
and for the PDF, DOCX and DOC attachments that tests/fixtures/documents/make_fixtures.py
generates (into a temporary directory, as the tests do: nothing binary is checked in).

For HTML it also prints the ratio to the floor: lxml parsing the same bytes and reading the text
of every table cell, paragraph, list item and heading (what any parser of these pages must do
at least). Ours is timed with the parser's text caches emptied before each pass over the
documents (the headline: a real run meets each report's paragraphs once; template labels, shared
by all reports, are then computed once per pass) and re-parsing the same documents with every
text cached (a lower bound, the figure quoted before session 20). Ours (both ways) and the floor
alternate ``--repeat`` times; medians are quoted. Times are the
CPU time of this process and its subprocesses by default (``--clock wall`` for elapsed time):
parsing is single-threaded, and on a shared machine CPU time does not count the time other
processes held the cores. Scanned reports (format ``image``): ms per page of OCR for a 2-page
scanned article against one plain tesseract run per page (``--skip-images`` leaves them out).
``--worker-gc`` also times the cold pass with the heap frozen after warm-up, as each parse
worker does it (``parsing.worker.settle_heap``), interleaved and printed on its own line (the
headline never includes it). ``--profile FORMAT`` prints the cProfile top functions of one format instead (``--profile-sort
cumulative`` for the callers' view). ``benchmarks/parse_equality.py`` checks a speed-up changed
no output. The parser build that runs is printed first: the compiled one (mypyc, ``setup.py``)
when it is installed and matches its sources, else plain Python; ``XXGK_PURE_PARSER=1`` times the
plain sources of the same code.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import html as lxml_html  # noqa: E402

from parsing import ParseError, RawDocument, native, parse_document  # noqa: E402
from parsing.formats import detect_format  # noqa: E402
from parsing.worker import settle_heap  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
MAKE_DOCUMENTS = FIXTURES / "documents" / "make_fixtures.py"
ORDER = ("html", "text", "pdf", "docx", "doc")


def report_inputs() -> list[RawDocument]:
    """The fixture reports (HTML and text) and the real sample."""
    docs: list[RawDocument] = []
    for folder in sorted((FIXTURES / "reports").glob("*/")):
        inputs = sorted(folder.glob("input.*"))
        if not inputs:
            continue
        meta_path = folder / "meta.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        docs.append(RawDocument(content=inputs[0].read_bytes(), **meta))
    sample = FIXTURES / "samples" / "heyang-2020-spam.txt"
    docs.append(
        RawDocument(content=sample.read_bytes(), filename=sample.name, publisher="合阳县人民政府")
    )
    return docs


def document_inputs(outdir: Path) -> list[RawDocument]:
    """Generate the attachment fixtures into ``outdir``; the well-formed reports among them."""
    subprocess.run(
        [sys.executable, str(MAKE_DOCUMENTS), str(outdir)],
        check=True,
        capture_output=True,
        cwd=MAKE_DOCUMENTS.parent,
    )
    return [
        RawDocument(content=path.read_bytes(), filename=path.name)
        for path in sorted(outdir.glob("report-*"))
        if path.suffix in (".pdf", ".docx", ".doc")
    ]


def _cpu() -> float:
    """CPU seconds of this process and of its finished subprocesses (LibreOffice, OCR)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


CLOCKS: dict[str, Callable[[], float]] = {"cpu": _cpu, "wall": time.perf_counter}
_clock = CLOCKS["cpu"]


def _time(fn: Callable[[], object], seconds: float) -> tuple[int, float]:
    n, start = 0, _clock()
    while True:
        fn()
        n += 1
        elapsed = _clock() - start
        if elapsed >= seconds:
            return n, elapsed


def parse_all(raws: list[RawDocument]) -> None:
    """Parse every document (typed parse errors count as parsed: they are results too)."""
    for raw in raws:
        with contextlib.suppress(ParseError):
            parse_document(raw)


def by_format(raws: list[RawDocument]) -> dict[str, list[RawDocument]]:
    """Documents grouped by detected format."""
    out: dict[str, list[RawDocument]] = defaultdict(list)
    for raw in raws:
        out[detect_format(raw.content, raw.media_type, raw.filename or raw.url)].append(raw)
    return out


_FLOOR_TAGS = ("td", "th", "p", "li", "h1", "h2", "h3", "h4", "h5", "h6")


def parse_caches() -> list[Any]:
    """The memo caches of the ``parsing`` package that hold texts of documents (labels, cells,
    paragraphs); data loaders (``functools.cache``, ``maxsize=1``) are left out."""
    import importlib
    import pkgutil

    import parsing

    found: dict[int, Any] = {}
    for info in pkgutil.walk_packages(parsing.__path__, "parsing."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extractor whose library is missing
            continue
        for value in vars(module).values():
            info_of = getattr(value, "cache_info", None)
            if callable(info_of) and info_of().maxsize not in (None, 1):
                found[id(value)] = value
    return list(found.values())


def parse_cold(raws: list[RawDocument], caches: list[Any]) -> None:
    """One pass with every text cache emptied first: each document's own texts are new to the
    process, as in a real run (what the 20 documents share, such as template labels, is
    computed once per pass: slightly more than a long run, which computes it once)."""
    for cache in caches:
        cache.cache_clear()
    parse_all(raws)


def floor_html(pages: list[bytes]) -> int:
    """The floor: lxml parses each page and reads the text of every cell and paragraph."""
    chars = 0
    for page in pages:
        doc = lxml_html.document_fromstring(page)
        for el in doc.iter(_FLOOR_TAGS):
            chars += len(el.text_content())  # type: ignore[attr-defined]
    return chars


def image_figures(outdir: Path, rounds: int = 3) -> None:
    """Scanned reports: ms per page for our OCR grid (ruling lines + word boxes + digit
    re-read) against the floor of one plain ``tesseract`` text run per page, interleaved."""
    import statistics

    sys.path.insert(0, str(MAKE_DOCUMENTS.parent))
    import make_fixtures  # type: ignore[import-not-found]
    import report_specs  # type: ignore[import-not-found]
    from PIL import Image

    from parsing.extract.image import ocr_image, tesseract_languages

    if tesseract_languages() is None:
        print("image: tesseract with chi_sim not installed; skipped")
        return
    pdf = make_fixtures.render_pdf(report_specs.report("2021"))
    import pypdfium2 as pdfium

    pngs = [make_fixtures.page_png(pdf, i, dpi=200) for i in range(len(pdfium.PdfDocument(pdf)))]
    (outdir / "scan-1.png").write_bytes(pngs[0])
    article = RawDocument(
        content=b"<html><body><h1>scan</h1><div class='TRS_Editor'><img src='1.png'></div>"
        b"</body></html>",
        media_type="text/html",
        url="http://127.0.0.1/t.html",  # url-ok: data, never fetched
        title_hint="某某县2021年政府信息公开工作年度报告",
        pages=tuple(pngs),
        page_urls=(
            "http://127.0.0.1/t.html",
            *(f"http://127.0.0.1/{i}.png" for i in range(len(pngs))),
        ),  # url-ok
    )
    ours: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):  # interleaved: ours, then the floor, each round
        start = time.perf_counter()
        with contextlib.suppress(ParseError):
            report = parse_document(article)
        ours.append((time.perf_counter() - start) / len(pngs))
        start = time.perf_counter()
        for data in pngs:
            ocr_image(Image.open(io.BytesIO(data)), dpi=200, timeout=300)
        floor.append((time.perf_counter() - start) / len(pngs))
    cells = sum(v is not None for r in report.applications for v in r.values())
    a, b = statistics.median(ours), statistics.median(floor)
    print(
        f"image   {len(pngs):>4} pages, 200 dpi: {a * 1000:.0f} ms/page (median of {rounds}); "
        f"floor (one plain tesseract text run per page) {b * 1000:.0f} ms/page; "
        f"ours / floor = {a / b:.1f}x; table 三 cells read {cells}/175, "
        f"OCR confidence {report.ocr_confidence}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0, help="time per format")
    ap.add_argument("--repeat", type=int, default=5, help="alternating HTML/floor runs")
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: CPU time of this process and its subprocesses (steady on a shared machine)",
    )
    ap.add_argument("--profile", metavar="FORMAT", help="profile one format instead")
    ap.add_argument("--profile-sort", default="tottime", help="pstats key (tottime, cumulative)")
    ap.add_argument("--skip-images", action="store_true", help="no OCR figures (slow: ~10 s)")
    ap.add_argument(
        "--worker-gc",
        action="store_true",
        help="also time the cold pass under the parse workers' gc setting "
        "(parsing.worker.settle_heap after warm-up), printed apart from the headline",
    )
    args = ap.parse_args()
    global _clock
    _clock = CLOCKS[args.clock]
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        groups = by_format(report_inputs() + document_inputs(Path(tmp)))
    if args.profile:
        raws = groups[args.profile]
        parse_all(raws)  # warm caches and imports
        prof = cProfile.Profile()
        for _ in range(20):
            prof.runcall(parse_all, raws)
        pstats.Stats(prof).sort_stats(args.profile_sort).print_stats(30)
        return
    print(f"parser build: {native.build()}")
    print(f"{'format':7} {'docs':>4} {'reports/s':>10} {'ms/report':>10}")
    html_per = None
    for fmt in sorted(groups, key=lambda f: ORDER.index(f) if f in ORDER else len(ORDER)):
        raws = groups[fmt]
        parse_all(raws)  # warm-up: lazy imports, caches
        n, dt = _time(lambda raws=raws: parse_all(raws), args.seconds)  # type: ignore[misc]
        per = dt / (n * len(raws))
        if fmt == "html":
            html_per = per
        print(f"{fmt:7} {len(raws):>4} {1 / per:>10.1f} {per * 1000:>10.2f}")
    if html_per is not None:
        raws, pages = groups["html"], [r.content for r in groups["html"]]
        caches = parse_caches()
        warm_runs, cold_runs, floor_runs, settled_runs = [], [], [], []
        for _ in range(args.repeat):  # interleaved, so load changes hit all three alike
            n, dt = _time(lambda: parse_all(raws), args.seconds / 3)
            warm_runs.append(dt / (n * len(raws)))
            n, dt = _time(lambda: parse_cold(raws, caches), args.seconds / 3)
            cold_runs.append(dt / (n * len(raws)))
            if args.worker_gc:  # the same cold pass with the heap frozen as a worker does it
                settle_heap()
                n, dt = _time(lambda: parse_cold(raws, caches), args.seconds / 3)
                settled_runs.append(dt / (n * len(raws)))
                gc.unfreeze()
            n, dt = _time(lambda: floor_html(pages), args.seconds / 3)
            floor_runs.append(dt / (n * len(pages)))
        warm, cold, floor = (statistics.median(x) for x in (warm_runs, cold_runs, floor_runs))
        print(
            f"HTML: ours {cold * 1000:.3f} ms/report with each document's texts new to the "
            f"process ({len(caches)} text caches emptied before each pass over the "
            f"{len(raws)} documents), {warm * 1000:.3f} ms/report re-parsing the same documents "
            f"(every text cached: a lower bound); floor (lxml parse + text of every cell and "
            f"paragraph) {floor * 1000:.3f} ms/page; ours / floor = {cold / floor:.1f}x "
            f"(cached: {warm / floor:.1f}x) (median of {args.repeat} interleaved runs, "
            f"{args.clock} time)"
        )
        if settled_runs:
            settled = statistics.median(settled_runs)
            print(
                f"HTML with the parse workers' gc setting (heap frozen after warm-up, "
                f"parsing.worker.settle_heap): {settled * 1000:.3f} ms/report with each "
                f"document's texts new; ours / floor = {settled / floor:.1f}x (same runs, "
                f"interleaved; the headline above runs without it)"
            )
    if not args.skip_images:
        with tempfile.TemporaryDirectory(prefix="xxgk-bench-img-") as tmp:
            image_figures(Path(tmp))


if __name__ == "__main__":
    main()
