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


def grid_to_rows(grid_rows, words: Sequence[Word], page: int, edges: Sequence[float]) -> list[Row]:
    """pdfplumber rows (lists of cell boxes, None under a merge) to our rows, without the
    rows that hold no text at all."""
    rows = []
    for grid_row in grid_rows:
        boxes = split_unruled(grid_row.cells, words, edges)
        cells = tuple(cell_in(words, BBox(*box), page) if box else None for box in boxes)
        if any(c and c.text for c in cells):
            rows.append(Row(cells, page))
    return rows


def split_unruled(boxes: Sequence[tuple | None], words: Sequence[Word], edges: Sequence[float]) -> list[tuple | None]:
    """A cell merged across columns whose words stand apart at every column edge it
    covers, with words in each column, is a row of separate cells whose borders were
    not drawn (white on a shaded header) or not found (faint in a scan)."""
    out = list(boxes)
    for i, box in enumerate(boxes):
        span = 1
        while i + span < len(boxes) and boxes[i + span] is None:
            span += 1
        if box is None or span == 1 or i + span > len(edges) - 1:
            continue
        cuts = edges[i:i + span + 1]
        inside = [w for w in words if box[0] <= (w.x0 + w.x1) / 2 <= box[2] and box[1] <= (w.top + w.bottom) / 2 <= box[3]]
        crossed = any(w.x0 < x < w.x1 for w in inside for x in cuts[1:-1])
        filled = all(any(a <= (w.x0 + w.x1) / 2 <= b for w in inside) for a, b in zip(cuts, cuts[1:]))
        if inside and filled and not crossed:
            for k, (a, b) in enumerate(zip(cuts, cuts[1:])):
                out[i + k] = (a, box[1], b, box[3])
    return out


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
    edges = [e for e in edges + clipped_bottoms(edges, k * settings.snap_tolerance)
             if e["height" if e["orientation"] == "v" else "width"] >= 3]
    tolerance = k * settings.intersection_tolerance
    cells = grid.intersections_to_cells(grid.edges_to_intersections(edges, tolerance, tolerance))
    return grid.cells_to_tables(cells)


def clipped_bottoms(edges: Sequence[dict], tolerance: float) -> list[dict]:
    """The missing bottom rule of each cell the page break clipped: where two neighbouring
    vertical rules end level and no horizontal rule joins them there, a cell (a merged one,
    running on to the next page) has its sides but no bottom, so its text fell in no cell."""
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: e["x0"])
    horizontals = [e for e in edges if e["orientation"] == "h"]
    closed = []
    for a, b in zip(verticals, verticals[1:]):
        y = a["bottom"]
        if abs(b["bottom"] - y) > tolerance or b["top"] >= y or a["top"] >= b["bottom"] or any(
                abs(h["top"] - y) <= tolerance and h["x0"] <= a["x0"] + tolerance and h["x1"] >= b["x0"] - tolerance
                for h in horizontals):
            continue
        closed.append({"x0": a["x0"], "x1": b["x0"], "top": y, "bottom": y, "width": b["x0"] - a["x0"],
                       "height": 0.0, "orientation": "h", "object_type": "line"})
    return closed


def find_ruled_tables(view: PageView, settings: ExtractSettings) -> list[Table]:
    """Every ruled grid on the page with at least two columns and one row of text."""
    tables = []
    for cells in rules_to_cell_groups(view.rules, settings, view.ocr):
        found = grid.Table(None, cells)
        xs = sorted({round(box[0], 1) for box in found.cells} | {round(found.bbox[2], 1)})
        rows = grid_to_rows(found.rows, words_in(view.words, BBox(*found.bbox)), view.number, xs)
        if not rows or max(len(r.cells) for r in rows) < 2:
            continue
        tables.append(Table(rows=rows, page=view.number, bbox=BBox(*found.bbox),
                            strategy=NAME, column_edges=tuple(xs), pages=[view.number]))
    return tables
