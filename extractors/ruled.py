"""Tables drawn with ruling lines: pdfplumber finds the cell grid, words fill the cells."""
from __future__ import annotations

from typing import Sequence

from .model import BBox, Row, Table
from .settings import ExtractSettings
from .words import Word, cell_in, words_in


def grid_to_rows(grid_rows, words: Sequence[Word], page: int) -> list[Row]:
    """pdfplumber rows (lists of cell boxes, None under a merge) to our rows, without the
    rows that hold no text at all."""
    rows = []
    for grid_row in grid_rows:
        cells = tuple(cell_in(words, BBox(*box), page) if box else None for box in grid_row.cells)
        if any(c and c.text for c in cells):
            rows.append(Row(cells, page))
    return rows


def find_ruled_tables(page, words: Sequence[Word], settings: ExtractSettings,
                      rulings: Sequence[dict] | None = None) -> list[Table]:
    """Every ruled grid on the page with at least two columns and one row of text: from the
    page's own line objects, or from `rulings` found in a scanned page's image."""
    table_settings = settings.pdfplumber_lines() if rulings is None else settings.pdfplumber_explicit(rulings)
    tables = []
    for found in page.find_tables(table_settings=table_settings):
        rows = grid_to_rows(found.rows, words_in(words, BBox(*found.bbox)), page.page_number)
        if not rows or max(len(r.cells) for r in rows) < 2:
            continue
        xs = sorted({round(box[0], 1) for box in found.cells} | {round(found.bbox[2], 1)})
        tables.append(Table(rows=rows, page=page.page_number, bbox=BBox(*found.bbox),
                            strategy="ruled", column_edges=tuple(xs), pages=[page.page_number]))
    return tables
