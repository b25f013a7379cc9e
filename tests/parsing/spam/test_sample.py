"""The real hacked report (合阳县 2020): exactly the four injected phrases go, nothing else."""

from __future__ import annotations

import copy
import time

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.spam import strip_document, strip_text

SIG = "澳门特区赌场_澳门金沙游戏¥中心大厅"


def test_sample_strip_text_removes_exactly_75_chars(sample_text: str) -> None:
    res = strip_text(sample_text, location="text")
    assert [r.removed_text for r in res.removals] == [SIG, SIG + ":", SIG + ":", SIG + ":"]
    assert sum(len(r.removed_text) for r in res.removals) == 75
    assert res.text == sample_text.replace(SIG + ":", "").replace(SIG, "")
    for r in res.removals:
        assert sample_text[r.start : r.end] == r.removed_text
    assert res.replacement_suspected
    assert [g.candidate for g in res.gaps] == [None, "关于", "关于", "关于"]


def test_sample_document(sample_blocks: DocumentBlocks) -> None:
    before = copy.deepcopy(sample_blocks)
    out = strip_document(sample_blocks)
    assert out.verdict == "cleaned_with_gaps", out.quarantine_reasons
    assert out.chars_removed == 75
    assert len(out.removals) == 4
    assert out.replacement_suspected
    assert out.quarantined_cells == []
    assert "template_word_missing:关于" in out.flags
    removed_by_loc: dict[str, list[str]] = {}
    for r in out.removals:
        removed_by_loc.setdefault(r.location, []).append(r.removed_text)
    for i, (b0, b1) in enumerate(zip(before.blocks, sample_blocks.blocks, strict=True)):
        if isinstance(b0, Table):
            assert isinstance(b1, Table)
            assert b0.texts() == b1.texts()  # every table cell unchanged
        else:
            assert isinstance(b0, Paragraph)
            assert isinstance(b1, Paragraph)
            expected = b0.text
            for t in removed_by_loc.get(f"text:{i}", []):
                expected = expected.replace(t, "", 1)
            assert b1.text == expected  # every other character unchanged


def test_sample_is_idempotent_and_fast(sample_blocks: DocumentBlocks) -> None:
    strip_document(sample_blocks)
    again = strip_document(sample_blocks)
    assert again.removals == []
    assert again.verdict == "clean"
    blocks = [copy.deepcopy(sample_blocks) for _ in range(20)]
    t0 = time.perf_counter()
    for b in blocks:
        strip_document(b)
    assert (time.perf_counter() - t0) / 20 < 0.05  # generous: measured ~ a few ms
