"""Tables drawn with ruling lines: the cell grid from the page's rules, words fill the cells.

The grid is built by pdfplumber's own pure steps (edges → intersections → cells →
tables) over the rules of the page view, drawn or found in a scan's image alike, so no
page object is needed and a page with too few rules simply has no grid.
"""
from __future__ import annotations

from typing import Sequence

from pdfplumber import table as grid

from .model import BBox, Row, Table
from .pageview import PageView, Rule
from .settings import ExtractSettings
from .words import Word, cell_in, words_in

NAME = "ruled"


def grid_to_rows(grid_rows, words: Sequence[Word], page: int) -> list[Row]:
    """pdfplumber rows (lists of cell boxes, None under a merge) to our rows, without the
    rows that hold no text at all."""
    rows = []
    for grid_row in grid_rows:
        cells = tuple(cell_in(words, BBox(*box), page) if box else None for box in grid_row.cells)
        if any(c and c.text for c in cells):
            rows.append(Row(cells, page))
    return rows


def rules_to_cell_groups(rules: Sequence[Rule], settings: ExtractSettings, scanned: bool) -> list[list[tuple]]:
    """Groups of grid cells (x0, top, x1, bottom), one group per table."""
    # a scan's lines wander by a pixel or two: snap them harder than drawn ones
    k = 2.0 if scanned else 1.0
    edges = [r.as_edge() for r in rules]
    if not any(e["orientation"] == "v" for e in edges) or not any(e["orientation"] == "h" for e in edges):
        return []
    edges = grid.merge_edges(edges, snap_x_tolerance=k * settings.snap_tolerance,
                             snap_y_tolerance=k * settings.snap_tolerance,
                             join_x_tolerance=k * settings.join_tolerance,
                             join_y_tolerance=k * settings.join_tolerance)
    edges = [e for e in edges if e["height" if e["orientation"] == "v" else "width"] >= 3]
    tolerance = k * settings.intersection_tolerance
    cells = grid.intersections_to_cells(grid.edges_to_intersections(edges, tolerance, tolerance))
    return grid.cells_to_tables(cells)


def find_ruled_tables(view: PageView, settings: ExtractSettings) -> list[Table]:
    """Every ruled grid on the page with at least two columns and one row of text."""
    tables = []
    for cells in rules_to_cell_groups(view.rules, settings, view.ocr):
        found = grid.Table(None, cells)
        rows = grid_to_rows(found.rows, words_in(view.words, BBox(*found.bbox)), view.number)
        if not rows or max(len(r.cells) for r in rows) < 2:
            continue
        xs = sorted({round(box[0], 1) for box in found.cells} | {round(found.bbox[2], 1)})
        tables.append(Table(rows=rows, page=view.number, bbox=BBox(*found.bbox),
                            strategy=NAME, column_edges=tuple(xs), pages=[view.number]))
    return tables
