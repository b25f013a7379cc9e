"""Long mutation fuzzing of ``parse_document`` over every format (not in CI).

Run: .venv/bin/python scripts/fuzz_documents.py [--cases 100000] [--seed 1] [--hang 20]
(``make fuzz`` runs it with 100,000 cases after the Hypothesis properties.)

The seed corpus is built at start: the fixture report pages (HTML, text), the fixture report as
PDF and DOCX (tests/fixtures/documents/make_fixtures.py), a DOCX whose main part has an odd
name, and small hostile PDFs (tests/reliability/hostile_docs.py). Each case mutates one seed —
bytes cut, deleted, inserted (random or CJK/spam noise), duplicated or flipped; for DOCX also a
member rewritten inside a valid zip — and parses it. A crash is any exception that is not a
typed ``ParseError``, a ``parser_bug`` error, or a case running past ``--hang`` seconds. Prints
the number of cases per format, the error kinds seen and the crashes (with a reproducer file
under ``--out``); exits 1 if there was any crash.
"""

from __future__ import annotations

import argparse
import collections
import io
import logging
import random
import signal
import sys
import time
import zipfile
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests" / "fixtures" / "documents", ROOT / "tests" / "reliability"):
    sys.path.insert(0, str(extra))

from parsing import ParseError, RawDocument, parse_document  # noqa: E402
from parsing.extract.limits import Limits  # noqa: E402

NOISE = "0123456789０１２３,.，。、；：%-—<>&/ \n\t澳门娱乐城官网彩票信息公开申请行政复议本年新收"
LIMITS = Limits(max_seconds=15.0, converter_timeout=15.0, max_ocr_pages=1)


class Hang(Exception):
    """A case ran past the hang limit."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def seeds() -> list[tuple[str, str, bytes]]:
    """(format, file name, bytes) of the seed corpus."""
    import hostile_docs as h
    from make_fixtures import render_docx, render_pdf
    from report_specs import report

    out: list[tuple[str, str, bytes]] = []
    for path in sorted((ROOT / "tests" / "fixtures" / "reports").glob("*/input.*")):
        fmt = "text" if path.suffix == ".txt" else "html"
        out.append((fmt, path.name, path.read_bytes()))
    out.append(("pdf", "report.pdf", render_pdf(report("2021"))))
    out.append(("pdf", "report-2019.pdf", render_pdf(report("2019"))))
    out.append(("pdf", "pages.pdf", h.page_count_pdf(3)))
    out.append(("pdf", "chars.pdf", h.char_bomb_pdf(200)))
    out.append(("pdf", "bomb.pdf", h.stream_bomb_pdf(2)))
    out.append(("docx", "report.docx", render_docx(report("2021"))))
    out.append(("docx", "renamed.docx", h.disguised_part_clean_docx()))
    return out


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """1-4 byte-level damages, as transfers and editors damage files."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(("cut", "delete", "insert", "noise", "duplicate", "flip", "flip"))
        i = rng.randint(0, len(buf))
        j = rng.randint(i, min(len(buf), i + 4000))
        if op == "cut":
            del buf[i:]
        elif op == "delete":
            del buf[i:j]
        elif op == "insert":
            buf[i:i] = rng.randbytes(rng.randint(1, 300))
        elif op == "noise":
            buf[i:i] = "".join(rng.choice(NOISE) for _ in range(rng.randint(1, 200))).encode()
        elif op == "duplicate":
            buf[j:j] = buf[i:j]
        elif buf:
            k = min(i, len(buf) - 1)
            buf[k] ^= rng.randint(1, 255)
    return bytes(buf)


def mutate_zip(rng: random.Random, data: bytes) -> bytes:
    """Rewrite one member of a valid zip with damaged bytes (the package stays a valid zip)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    victim = rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            content = src.read(name)
            if name == victim:
                content = mutate_bytes(rng, content)
            if rng.random() < 0.02:
                continue  # a missing member
            dst.writestr(name, content)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hang", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path("fuzz-crashes"))
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # pdfminer's warnings on damaged files are expected
    rng = random.Random(args.seed)
    corpus = seeds()
    weights = [{"html": 6, "text": 6, "pdf": 2, "docx": 3}[fmt] for fmt, _, _ in corpus]
    signal.signal(signal.SIGALRM, _alarm)
    per_format: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    crashes: list[str] = []
    started = time.monotonic()
    for case in range(1, args.cases + 1):
        fmt, name, data = rng.choices(corpus, weights)[0]
        mutated = mutate_zip(rng, data) if fmt == "docx" and rng.random() < 0.5 else None
        content = mutated if mutated is not None else mutate_bytes(rng, data)
        raw = RawDocument(content=content, filename=name, url=f"http://127.0.0.1/fuzz/{name}")
        per_format[fmt] += 1
        signal.setitimer(signal.ITIMER_REAL, args.hang)
        try:
            parse_document(raw, LIMITS)
            kinds["report"] += 1
        except ParseError as exc:
            kinds[exc.kind] += 1
            if exc.kind == "parser_bug":
                crashes.append(f"case {case} {name}: {exc.message}")
        except Hang:
            crashes.append(f"case {case} {name}: ran past {args.hang:g} s")
        except Exception as exc:  # noqa: BLE001 - what the fuzzer is looking for
            crashes.append(f"case {case} {name}: {type(exc).__name__}: {exc}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if len(crashes) and crashes[-1].startswith(f"case {case} "):
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"case-{case}-{name}").write_bytes(content)
        if case % 5000 == 0:
            print(f"  {case} cases, {len(crashes)} crashes, {time.monotonic() - started:.0f} s")
    elapsed = time.monotonic() - started
    print(
        f"fuzz: {args.cases} cases in {elapsed:.0f} s (seed {args.seed}), crashes: {len(crashes)}"
    )
    print("  per format: " + ", ".join(f"{k} {v}" for k, v in sorted(per_format.items())))
    print("  outcomes:   " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    for line in crashes[:20]:
        print("  CRASH " + line)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
