"""The intermediate form every extractor produces: a document as paragraphs and table grids.

HTML, plain text, PDF and DOCX extractors all turn bytes into a ``DocumentBlocks``; the
interpreter (``parsing.interpret``) reads sections and tables from it, so every format yields
the same ``Report``. Table grids are rectangular after span expansion: a cell spanning several
rows or columns repeats its text in every position it covers (``Cell.origin`` tells which
positions are copies, so counting never double-counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Cell:
    """One grid position. ``origin`` is (row, col) of the source cell when this is a span copy."""

    text: str
    origin: tuple[int, int] | None = None
    pad: bool = False  # filler added to make a ragged row rectangular: not a cell of the source
    raw: str | None = None  # the text as printed when the spam pass edited ``text``

    @property
    def is_copy(self) -> bool:
        """True when this position repeats a spanning cell rather than holding its own."""
        return self.origin is not None


@dataclass(slots=True)
class Paragraph:
    """A run of text: a heading, a paragraph, a line of a flattened document."""

    text: str


@dataclass(slots=True)
class Table:
    """A grid of cells (rows of equal length after span expansion)."""

    rows: list[list[Cell]]
    page: int | None = None  # 1-based page (PDF, scanned image) where the grid starts

    @classmethod
    def from_strings(cls, rows: list[list[str]]) -> Table:
        """Build a table from plain strings (no spans), padding rows to equal width."""
        width = max((len(r) for r in rows), default=0)
        return cls(
            [
                [Cell(t) for t in r] + [Cell("", pad=True) for _ in range(width - len(r))]
                for r in rows
            ]
        )

    def texts(self) -> list[list[str]]:
        """The grid as plain strings."""
        return [[c.text for c in row] for row in self.rows]


Block = Paragraph | Table


@dataclass(slots=True)
class DocumentBlocks:
    """An extracted document: ordered blocks plus what the extractor learnt on the way."""

    blocks: list[Block]
    format: str  # html | text | pdf | docx | doc | image
    title: str | None = None  # article heading / document title if the format has one
    published_date: str | None = None  # as printed on the page, normalised later
    warnings: list[str] = field(default_factory=list)
    spam_removals: list[SpamRemovalRecord] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    # scanned pages (issue 12): mean Tesseract word confidence (0-100) and the table cells
    # left empty because they were read with too little confidence
    ocr_confidence: float | None = None
    low_confidence_cells: list[str] = field(default_factory=list)
    # who the page says published it, by source (meta | index_table | page_source), as printed
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class SpamRemovalRecord:
    """One span removed as spam (before the models are built)."""

    location: str  # e.g. "title", "text:12", "table:1:r3c2", "dom:div.hidden", "pdf:p2"
    removed_text: str
    detector: str  # signature | repeat | lexicon | dom_hidden | link_farm | pdf_invisible | …
    start: int | None = None  # offsets in the original string of that location, when known
    end: int | None = None
