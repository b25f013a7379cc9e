"""A demo report as a Word attachment: the same tables as the HTML page, with real merged cells."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from docx import Document
from lxml import html as lxml_html

from flows.demo_content import DemoReport, table_four, table_three, table_two


def _grid(table_html: str) -> tuple[list[tuple[int, int, int, int, str]], int, int]:
    """Cells as (row, col, rowspan, colspan, text) with their grid positions, and the size."""
    table = lxml_html.fragment_fromstring(table_html)
    taken: set[tuple[int, int]] = set()
    cells: list[tuple[int, int, int, int, str]] = []
    width = 0
    rows = table.findall(".//tr")
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.findall("td"):
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            cells.append((r, c, rs, cs, td.text_content()))
            taken.update((r + i, c + j) for i in range(rs) for j in range(cs))
            c += cs
            width = max(width, c)
    return cells, len(rows), width


def _add_table(doc: object, table_html: str) -> None:
    cells, height, width = _grid(table_html)
    table = doc.add_table(rows=height, cols=width)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, c, rs, cs, text in cells:
        cell = table.cell(r, c)
        if rs > 1 or cs > 1:
            cell = cell.merge(table.cell(r + rs - 1, c + cs - 1))
        cell.text = text


def report_docx(rep: DemoReport) -> bytes:
    """The report as a DOCX document (paragraphs and three tables)."""
    doc = Document()
    doc.add_heading(f"{rep.publisher}{rep.year}年政府信息公开工作年度报告", level=1)
    doc.add_paragraph(f"本报告统计期限为{rep.year}年1月1日至{rep.year}年12月31日。")
    doc.add_paragraph("一、总体情况")
    doc.add_paragraph(f"{rep.year}年，{rep.publisher}依法做好政府信息公开工作。")
    doc.add_paragraph("二、主动公开政府信息情况")
    _add_table(doc, table_two(rep))
    doc.add_paragraph("三、收到和处理政府信息公开申请情况")
    _add_table(doc, table_three(rep))
    doc.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    _add_table(doc, table_four(rep))
    doc.add_paragraph("五、存在的主要问题及改进情况")
    doc.add_paragraph("公开内容的规范性有待提高，下一步将加强培训。")
    doc.add_paragraph("六、其他需要报告的事项")
    doc.add_paragraph("本年度未收取信息处理费。")
    doc.core_properties.created = doc.core_properties.modified = datetime(2022, 3, 1)
    out = io.BytesIO()
    doc.save(out)
    return _fixed_zip_times(out.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """The same bytes on every run (zip entries carry the time they were written)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2022, 3, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
