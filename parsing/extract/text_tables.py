"""Tables typed as text inside DOCX paragraphs and PDF/DOC text lines.

Reports typed into Word (or pasted from a browser) carry table 三 as paragraphs such as
``一、本年新收政府信息公开申请数量 | 21 | 17 | … | 165``; PDFs printed from them carry the same
text lines without ruling lines. HTML and plain text already read such rows
(:func:`parsing.extract.grid.group_text_rows`); this applies the same reading to the paragraphs
of the other containers, so the same report gives the same tables in any container.
"""

from __future__ import annotations

from parsing.blocks import Block, DocumentBlocks, Paragraph, Table
from parsing.extract.grid import group_text_rows, split_text_row
from parsing.numbers import is_numberish

CONTAINERS = frozenset({"docx", "pdf", "doc"})


def regroup_text_tables(doc: DocumentBlocks) -> DocumentBlocks:
    """Turn runs of two or more flattened-table paragraphs into table grids (in place)."""
    if doc.format not in CONTAINERS:
        return doc
    out: list[Block] = []
    run: list[str] = []
    found = 0

    def flush() -> None:
        nonlocal found
        if not run:
            return
        rows = sum(1 for line in run if split_text_row(line))
        if rows >= 2:
            for block in group_text_rows(run):
                if isinstance(block, Table) and len(block.rows) < 2:
                    out.extend(Paragraph(" | ".join(r)) for r in block.texts())
                    continue
                found += isinstance(block, Table)
                out.append(block)
        else:
            out.extend(Paragraph(line) for line in run)
        run.clear()

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            if run and _wrapped(run[-1], block.text):
                run[-1] = run[-1].rstrip() + " " + block.text.strip()  # a row wrapped in print
            else:
                run.append(block.text)
            continue
        flush()
        out.append(block)
    flush()
    if found:
        doc.blocks = out
        doc.flags.add("text_tables")
    return doc


def _wrapped(previous: str, line: str) -> bool:
    """True when ``line`` holds only the last numbers of the row ``previous`` (wrapped)."""
    if not previous.rstrip().endswith("|") or "|" not in previous:
        return False
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return bool(cells) and all(c and is_numberish(c) for c in cells)
