"""The plain objects the table stage hands to the plan stage.

Coordinates are pdfplumber's: points from the page's top-left corner. Pages are 1-based.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BBox:
    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: BBox) -> BBox:
        return BBox(min(self.x0, other.x0), min(self.top, other.top),
                    max(self.x1, other.x1), max(self.bottom, other.bottom))

    def as_list(self) -> list[float]:
        return [round(v, 1) for v in (self.x0, self.top, self.x1, self.bottom)]


@dataclass(frozen=True)
class Cell:
    """One cell's cleaned text and where it was read. A cell split by a page break keeps
    the box of its first part and the page range of all parts."""
    text: str
    page: int
    bbox: BBox
    page_end: int | None = None
    # layout kept for joining a cell that a page break cut in two: the room left on its
    # last line, and the width its first word (and a space) needs
    room: float = 0.0
    lead: float = 0.0

    @property
    def last_page(self) -> int:
        return self.page_end or self.page


@dataclass(frozen=True)
class Row:
    """A table row. `cells[i]` is None where a cell above (vertical merge) or to the left
    (horizontal merge) covers column i: the plan stage copies a merged cell down."""
    cells: tuple[Cell | None, ...]
    page: int

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(c.text if c else "" for c in self.cells)

    @property
    def filled(self) -> tuple[int, ...]:
        return tuple(i for i, c in enumerate(self.cells) if c and c.text)


@dataclass(frozen=True)
class TextLine:
    """A line of text outside any table: headings and prose the plan stage reads for
    priority context and lists."""
    text: str
    page: int
    bbox: BBox
    size: float
    bold: bool


@dataclass
class Table:
    """A table as found on one page, or stitched across several."""
    rows: list[Row]
    page: int
    bbox: BBox
    strategy: str
    column_edges: tuple[float, ...] = ()
    pages: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    score: float = 1.0  # how well the strategy's evidence holds (see extractors/page.py)

    @property
    def n_columns(self) -> int:
        return max((len(r.cells) for r in self.rows), default=0)


@dataclass
class PageContent:
    """What the table stage read on one page, in reading order, with the intermediates a
    debug view draws."""
    number: int
    width: float
    height: float
    strategy: str
    tables: list[Table]
    lines: list[TextLine]
    rulings: list[BBox] = field(default_factory=list)
    skew: float = 0.0  # a scan's: degrees its image was turned back by, so that its boxes fit
