"""Tables without ruling lines, read from the alignment of the words.

Off-the-shelf stream parsers emit one row per text line; a plan's cells hold paragraphs,
so rows are rebuilt from the table's own structure instead: columns are the left edges
that many lines share, and a row ends where a vertical gap wider than the line pitch runs
across the table, or where the first column starts a new entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Sequence

from .furniture import is_page_number
from .model import BBox, Cell, Row, Table
from .settings import ExtractSettings
from .words import Line, Word, cell_from_lines, group_lines, split_segments


@dataclass(frozen=True)
class _Band:
    """A run of lines that share a column structure: one candidate table."""
    lines: tuple[tuple[Line, ...], ...]  # each line as its segments
    starts: tuple[float, ...]            # column left edges


def _cluster(values: Sequence[float], tolerance: float) -> list[list[float]]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tolerance:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


def column_starts(segmented: Sequence[Sequence[Line]], settings: ExtractSettings) -> list[float]:
    """Left edges shared by enough multi-cell lines to be columns, plus the edges a line
    that mostly sits on those columns reveals (a header naming a column that is still empty
    on this page)."""
    multi = [segs for segs in segmented if len(segs) >= 2]
    if len(multi) < 2:
        return []
    groups = _cluster([s.x0 for segs in multi for s in segs], tolerance=4.0)
    need = max(2, settings.min_column_support * len(multi))
    starts = [min(g) for g in groups if len(g) >= need]
    extra = []
    for segs in multi:
        on = [s for s in segs if any(abs(s.x0 - x) <= 4.0 for x in starts)]
        if len(on) >= 2 and len(on) >= len(segs) - 1:
            extra += [s.x0 for s in segs if s not in on]
    return sorted(starts + [min(g) for g in _cluster(extra, tolerance=4.0)])


def _column_of(x0: float, starts: Sequence[float]) -> int | None:
    for i in range(len(starts) - 1, -1, -1):
        if x0 >= starts[i] - 4.0:
            return i
    return None


def _fits(segs: Sequence[Line], starts: Sequence[float]) -> bool:
    """A line belongs to the table when each of its pieces starts on a column edge and no
    piece runs across the next column's edge (prose would)."""
    for seg in segs:
        col = _column_of(seg.x0, starts)
        if col is None or abs(seg.x0 - starts[col]) > 4.0 and len(segs) > 1:
            return False
        if col + 1 < len(starts) and seg.x1 > starts[col + 1] + 2.0:
            return False
    return True


def find_bands(lines: Sequence[Line], settings: ExtractSettings) -> list[_Band]:
    """Runs of consecutive lines that sit on the page's columns, with no gap wider than a
    few lines between them: each a candidate table."""
    segmented = [tuple(split_segments(ln, settings.column_gap)) for ln in lines]
    starts = column_starts(segmented, settings)
    if len(starts) < 2:
        return []
    height = median(ln.height for ln in lines)
    segmented = [tuple(split_segments(ln, settings.column_gap, starts, tight=0.35 * height)) for ln in lines]
    bands: list[list[tuple[Line, ...]]] = []
    current: list[tuple[Line, ...]] = []
    for segs in segmented:
        far = current and segs[0].top - current[-1][0].bottom > settings.band_gap * height
        if not _fits(segs, starts) or far:
            if current:
                bands.append(current)
            current = [segs] if _fits(segs, starts) else []
            continue
        current.append(segs)
    if current:
        bands.append(current)
    trimmed = [b[next(i for i, segs in enumerate(b) if len(segs) >= 2):]
               for b in bands if sum(len(segs) >= 2 for segs in b) >= 2]
    return [_Band(tuple(b), tuple(starts)) for b in trimmed]


def _pitch(band: _Band) -> float:
    """The line pitch inside a cell: the smallest step between consecutive lines. Rows sit
    one cell padding further apart, so any step clearly above it starts a new row."""
    tops = [segs[0].top for segs in band.lines]
    height = median(s.height for segs in band.lines for s in segs)
    steps = [b - a for a, b in zip(tops, tops[1:]) if b - a > 0.5 * height]
    return min(steps) if steps else height * 1.2


def _all_bold(segs: Sequence[Line]) -> bool:
    return all(s.bold for s in segs)


def band_to_rows(band: _Band, page: int, settings: ExtractSettings) -> list[Row]:
    """Group the band's lines into rows. A row starts after a header line (bold, above
    plain lines), at each entry of a first column of short references, and after a step
    wider than the line pitch where the first column opens a new entry (not a sentence
    running on in lower case)."""
    pitch = _pitch(band)
    keys = [segs[0] for segs in band.lines if _column_of(segs[0].x0, band.starts) == 0]
    key_is_dense = len(keys) >= 0.3 * len(band.lines)
    # a column of short references (1.1, 2.3, A1): each entry opens a row by itself
    key_is_ref = bool(keys) and sum(len(k.words) == 1 and len(k.text) <= 8 for k in keys) >= 0.6 * len(keys)
    rows: list[list[tuple[Line, ...]]] = []
    prev: tuple[Line, ...] | None = None
    for segs in band.lines:
        key = segs[0] if _column_of(segs[0].x0, band.starts) == 0 else None
        if prev is None or (_all_bold(prev) and not _all_bold(segs)):
            new_row = True
        elif key_is_ref:
            new_row = key is not None
        else:
            wide = segs[0].top - prev[0].top > settings.row_gap * pitch
            opens = key is not None and not key.text[:1].islower()
            new_row = wide and (opens or not key_is_dense)
        if new_row:
            rows.append([])
        rows[-1].append(segs)
        prev = segs
    return [_row_cells(r, band.starts, page) for r in rows]


def _row_cells(lines: Sequence[Sequence[Line]], starts: Sequence[float], page: int) -> Row:
    by_col: list[list[Line]] = [[] for _ in starts]
    for segs in lines:
        for seg in segs:
            by_col[_column_of(seg.x0, starts)].append(seg)
    cells = []
    for i, col_lines in enumerate(by_col):
        # the gutter holds both cells' padding (Word's default: 0.19 cm each): stay on the safe side
        right = starts[i + 1] - 12 if i + 1 < len(starts) else None
        if not col_lines:
            top = min(s.top for segs in lines for s in segs)
            bottom = max(s.bottom for segs in lines for s in segs)
            x1 = right if right is not None else starts[i] + 10
            cells.append(Cell("", page, BBox(starts[i], top, x1, bottom)))
            continue
        box = col_lines[0].bbox
        for ln in col_lines[1:]:
            box = box.union(ln.bbox)
        cells.append(cell_from_lines(col_lines, right or box.x1, page, box))
    return Row(tuple(cells), page)


def find_aligned_tables(words: Sequence[Word], page: int, settings: ExtractSettings) -> list[Table]:
    # a page number under a table lines up with its columns as often as not
    lines = [ln for ln in group_lines(words) if not is_page_number(ln.text)]
    tables = []
    for band in find_bands(lines, settings):
        rows = [r for r in band_to_rows(band, page, settings) if r.filled]
        if len(rows) < 2:
            continue
        box = rows[0].cells[0].bbox
        for r in rows:
            for c in r.cells:
                box = box.union(c.bbox)
        tables.append(Table(rows=rows, page=page, bbox=box, strategy="aligned",
                            column_edges=band.starts, pages=[page]))
    return tables
