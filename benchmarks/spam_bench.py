"""Spam stripper benchmark on a generated corpus with known injected spans (SPAM.md §4.4).

Run: ``.venv/bin/python benchmarks/spam_bench.py [--n 300] [--seed 7]``. Prints spam character
recall and precision (overall and per injection type), legit characters lost, table digits
changed (must be 0), gap-detection recall, verdicts, the must-stay-unchanged set, the DOM
hidden-wrapper layer, the time per report and, for spam glued to numbers of the report
fixtures parsed end to end, ``table digits changed`` (must be 0).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lxml import html  # noqa: E402

from parsing.blocks import DocumentBlocks, Paragraph, Table  # noqa: E402
from parsing.spam import clean_dom, strip_document, strip_text  # noqa: E402
from tests.parsing.spam.spam_corpus import WRAPPERS, chain, clean_report, generate  # noqa: E402


def _texts(doc: DocumentBlocks) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, b in enumerate(doc.blocks):
        if isinstance(b, Paragraph):
            out[f"text:{i}"] = b.text
        elif isinstance(b, Table):
            for r, row in enumerate(b.rows):
                for c, cell in enumerate(row):
                    out[f"table:{i}:r{r}c{c}"] = cell.text
    return out


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def text_layer(n: int, seed: int) -> None:
    reports = generate(n, seed)
    inter = removed = injected = legit = legit_lost = 0
    per_kind: Counter[str] = Counter()
    per_kind_hit: Counter[str] = Counter()
    digits_changed = digits_total = held = 0
    t1_total = t1_gapped = 0
    verdicts: Counter[str] = Counter()
    elapsed = 0.0
    for rep in reports:
        before = _texts(rep.doc)
        t0 = time.perf_counter()
        out = strip_document(rep.doc)
        elapsed += time.perf_counter() - t0
        verdicts[out.verdict] += 1
        after = _texts(rep.doc)
        removed_at: dict[str, set[int]] = {}
        for r in out.removals:
            if r.start is not None and r.end is not None:
                removed_at.setdefault(r.location, set()).update(range(r.start, r.end))
        gap_locs = Counter(g.location for g in out.gaps)
        for loc, text in before.items():
            inj: set[int] = set()
            for (s, e), kind in zip(rep.injected.get(loc, []), rep.kinds.get(loc, []), strict=True):
                span = set(range(s, e))
                inj |= span
                per_kind[kind] += len(span)
                per_kind_hit[kind] += len(span & removed_at.get(loc, set()))
            rem = removed_at.get(loc, set())
            if loc in out.quarantined_cells:
                rem = set()
                held += len(inj)
            inter += len(rem & inj)
            removed += len(rem)
            injected += len(inj)
            legit += len(text) - len(inj)
            legit_lost += len(rem - inj)
            if loc.startswith("table:"):
                digits_total += len(_digits(text))
                if _digits(after[loc]) != _digits(text):
                    digits_changed += 1
            if any(k in ("T1", "T1u") for k in rep.kinds.get(loc, [])):
                n_t1 = sum(k in ("T1", "T1u") for k in rep.kinds[loc])
                t1_total += n_t1
                t1_gapped += min(n_t1, gap_locs.get(loc, 0))
    print(f"reports: {n} (seed {seed}), injected chars {injected}, legit chars {legit}")
    print(f"spam char recall     {inter / max(injected, 1):.4f}")
    print(
        f"  of the missed: {held} chars in quarantined cells (left as printed; a value cell "
        "touched by spam is published null with spam.ambiguous_cell)"
    )
    print(f"spam char precision  {inter / max(removed, 1):.4f}")
    print(f"legit chars lost     {legit_lost} ({legit_lost / max(legit, 1):.5%})")
    for label, unknown in (("known brands (lexicon)", False), ("unknown brands", True)):
        group = [k for k in per_kind if k.endswith("u") is unknown]
        g_inj = sum(per_kind[k] for k in group)
        g_hit = sum(per_kind_hit[k] for k in group)
        print(f"  recall, {label:<22} {g_hit / max(g_inj, 1):.4f} ({g_inj} chars)")
    for kind in sorted(per_kind):
        print(
            f"  recall {kind:<4} {per_kind_hit[kind] / per_kind[kind]:.4f} ({per_kind[kind]} chars)"
        )
    print(f"table cells with digits changed: {digits_changed} (of {digits_total} digits in cells)")
    print(f"T1 gap detection recall {t1_gapped / max(t1_total, 1):.4f} ({t1_total} replacements)")
    print(f"verdicts {dict(verdicts)}")
    print(f"time per report (strip_document) {elapsed / n * 1000:.2f} ms")


def must_stay(n: int, seed: int) -> None:
    cases = tomllib.loads((ROOT / "tests/fixtures/spam/cases.toml").read_text("utf-8"))["case"]
    changed = 0
    keep = [c for c in cases if c["kind"] == "text" and not c["removed"]]
    for c in keep:
        changed += strip_text(c["input"]).text != c["input"]
    rng = random.Random(seed + 1)
    lost = total = 0
    for _ in range(n):
        doc = clean_report(rng)
        before = _texts(doc)
        strip_document(doc)
        after = _texts(doc)
        total += sum(len(t) for t in before.values())
        lost += sum(len(before[k]) - len(after[k]) for k in before)
    print(f"must-stay-unchanged cases changed: {changed} of {len(keep)}")
    print(f"clean reports (FP bait inside): {lost} chars lost of {total}")


def dom_layer(n: int, seed: int) -> None:
    rng = random.Random(seed + 2)
    leaked = kept_ok = total = 0
    t = 0.0
    for _ in range(n):
        spams = [chain(rng) for _ in range(3)]
        inner = "".join(f'<a href="http://{rng.randint(100, 999)}.cc">{s}</a>' for s in spams)
        wrapper = rng.choice(WRAPPERS).format(inner)
        page = (
            '<html><head><style>.hx{display:none}</style></head><body bgcolor="#FFFFFF">'
            f"<p>全年共办理114件。</p>{wrapper}<p>公开信息5200条。</p></body></html>"
        )
        root = html.document_fromstring(page)
        t0 = time.perf_counter()
        clean_dom(root)
        t += time.perf_counter() - t0
        body = root.find(".//body")
        text = "".join(str(t) for t in body.itertext()) if body is not None else ""
        total += 1
        leaked += any(s in text for s in spams)
        kept_ok += "全年共办理114件。" in text and "公开信息5200条。" in text
    print(
        f"DOM hidden wrappers: {total} pages, leaked {leaked}, legit kept {kept_ok}/{total}, {t / total * 1000:.2f} ms/page"
    )


def glued_digits(n: int, seed: int) -> None:
    """Spam glued before, after or inside numbers of the report fixtures, parsed end to end:
    every published value must be the clean one or null with an error issue (issue 11)."""
    from parsing.pipeline import parse_document
    from tests.parsing.digit_cases import (
        GLUE_BASES,
        REPORTS,
        all_values,
        glue_spam,
        raw_report,
    )

    rng = random.Random(seed + 3)
    truth = {b: all_values(parse_document(raw_report(b))) for b in GLUE_BASES}
    pages = {b: (REPORTS / b / "input.html").read_text("utf-8") for b in GLUE_BASES}
    changed = nulled = silent_null = same = 0
    t = 0.0
    for _ in range(n):
        base = rng.choice(GLUE_BASES)
        page = glue_spam(rng, pages[base])
        t0 = time.perf_counter()
        report = parse_document(raw_report(base, page))
        t += time.perf_counter() - t0
        has_error = any(i.severity == "error" for i in report.validation_issues)
        for key, value in all_values(report).items():
            want = truth[base].get(key)
            if value == want:
                same += 1
            elif value is None:
                nulled += 1
                silent_null += not has_error
            else:
                changed += 1
    print(f"glued-digit cases: {n} reports (2 spammed cells each, seed {seed})")
    print(f"table digits changed: {changed}")
    print(
        f"  values kept {same}, nulled with an error issue {nulled - silent_null}, "
        f"nulled silently {silent_null}"
    )
    print(f"  time per report (parse_document) {t / n * 1000:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    text_layer(args.n, args.seed)
    must_stay(args.n, args.seed)
    dom_layer(args.n, args.seed)
    glued_digits(max(20, args.n // 3), args.seed)


if __name__ == "__main__":
    main()
