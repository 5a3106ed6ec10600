"""Tables that continue across pages become one table.

A table continues on the next page when nothing (page furniture removed) stands between the two
parts and their columns line up. The repeated header row is dropped, and a row that the
page break cut in two is joined back: the previous part ran to the bottom of the page and
the new part does not open a new entry in the first column.
"""
from __future__ import annotations

import re
from typing import Sequence

from .model import Cell, PageContent, Row, Table
from .words import join_wrapped, opens_item, runs_on

_COLUMN_TOLERANCE = 6.0


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def content_bottom(pages: Sequence[PageContent], height: float) -> float:
    """How far down the content of the pages `height` tall reaches: the bottom of their
    text area (a landscape page's is higher up than a portrait one's)."""
    alike = [p for p in pages if abs(p.height - height) < 1.0]
    bottoms = [t.bbox.bottom for p in alike for t in p.tables]
    bottoms += [ln.bbox.bottom for p in alike for ln in p.lines]
    return max(bottoms, default=0.0)


def columns_match(a: Table, b: Table) -> bool:
    if a.n_columns != b.n_columns:
        return False
    if len(a.column_edges) != len(b.column_edges):
        return True  # a merged cell can hide an edge; equal counts are enough then
    return all(abs(x - y) <= _COLUMN_TOLERANCE for x, y in zip(a.column_edges, b.column_edges))


def continues(prev: Table, prev_page: PageContent, table: Table, page: PageContent) -> bool:
    if page.number != prev_page.number + 1 or not columns_match(prev, table):
        return False
    if prev is not prev_page.tables[-1] or table is not page.tables[0]:
        return False
    after = [ln for ln in prev_page.lines if ln.bbox.top > prev.bbox.bottom]
    before = [ln for ln in page.lines if ln.bbox.bottom < table.bbox.top]
    return not after and not before


def is_repeated_header(first: Row, head: Row) -> bool:
    a, b = [_norm(t) for t in first.texts], [_norm(t) for t in head.texts]
    return any(a) and a == b


def _line_height(row: Row) -> float:
    """An estimate of one text line: the smallest filled cell, capped at a line's height."""
    heights = [c.bbox.bottom - c.bbox.top for c in row.cells if c and c.text]
    return min(min(heights, default=12.0), 14.0)


def is_split_row(last: Row, prev_bottom: float, fragment: Row, bottom: float) -> bool:
    """The page break cut `last` in two and `fragment` is its second part."""
    if prev_bottom < bottom - 2.5 * _line_height(last):
        return False  # the row ended with room to spare: the break fell between rows
    key = fragment.cells[0]
    key_text = key.text if key else ""
    if key_text:
        return key_text[:1].islower()
    if last.cells[0] is None:
        # a merged first cell runs on over the break, so its being empty says nothing: the
        # fragment's other cells tell, going on with a sentence (lower case) or opening anew
        return any(c.text[:1].islower() for c in fragment.cells[1:] if c and c.text)
    return True


def _append(cell: Cell, more: Cell) -> Cell:
    """Join a cell's second part as the layout joins lines: a new paragraph when the part
    opens with a bullet or its first word would have fitted on the first part's last line."""
    if opens_item(more.text) or (cell.room > more.lead and not runs_on(cell.text)):
        text = f"{cell.text}\n{more.text}"
    else:
        text = join_wrapped(cell.text, more.text)
    return Cell(text, cell.page, cell.bbox, page_end=more.last_page, room=more.room, lead=cell.lead)


def join_split_row(rows: list[Row], fragment: Row) -> None:
    """Join the fragment's cells onto the cells they continue: the last row's own cell, or,
    where the last row is covered by a merged cell, that cell in the row above."""
    for col, more in enumerate(fragment.cells):
        if more is None or not more.text:
            continue
        k = len(rows) - 1
        while k > 0 and (col >= len(rows[k].cells) or rows[k].cells[col] is None):
            k -= 1
        cells = list(rows[k].cells)
        current = cells[col] if col < len(cells) else None
        cells[col] = _append(current, more) if current is not None and current.text else more
        rows[k] = Row(tuple(cells), rows[k].page)


def merge_into(prev: Table, part: Table, table: Table, bottom: float, heads: Sequence[Row]) -> None:
    """Append `table` to `prev`, whose last page's part is `part`; `heads` are the first
    rows of the tables so far. The header a page repeats is the first row of `prev` or,
    where `prev` opened headerless (a table split under a heading mid-page), of a table
    before it."""
    notes = prev.notes
    rows = list(table.rows)
    if rows and any(is_repeated_header(rows[0], head) for head in heads):
        rows.pop(0)
        notes.append(f"p{table.page}: repeated header dropped")
    if rows and prev.rows and is_split_row(prev.rows[-1], part.bbox.bottom, rows[0], bottom):
        join_split_row(prev.rows, rows.pop(0))
        notes.append(f"p{table.page}: row split by the page break joined")
    prev.rows.extend(rows)
    prev.pages.append(table.page)


def stitch(pages: Sequence[PageContent]) -> list[Table]:
    """All tables of a document, those continuing across pages joined."""
    bottoms = {h: content_bottom(pages, h) for h in {p.height for p in pages}}
    out: list[Table] = []
    owner: dict[int, PageContent] = {}
    last_part: dict[int, Table] = {}
    for page in pages:
        for table in page.tables:
            if out:
                prev = out[-1]
                part = last_part[id(prev)]
                if continues(part, owner[id(part)], table, page):
                    merge_into(prev, part, table, bottoms[owner[id(part)].height], [t.rows[0] for t in out if t.rows])
                    last_part[id(prev)] = table
                    owner[id(table)] = page
                    continue
            out.append(table)
            last_part[id(table)] = table
            owner[id(table)] = page
    return out
