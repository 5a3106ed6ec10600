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

from .model import BBox, Cell, Row, Table
from .settings import ExtractSettings
from .words import Line, Word, group_lines, lines_to_text, split_segments


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
    """Left edges shared by enough multi-cell lines to be columns."""
    multi = [segs for segs in segmented if len(segs) >= 2]
    if len(multi) < 2:
        return []
    groups = _cluster([s.x0 for segs in multi for s in segs], tolerance=4.0)
    need = max(2, settings.min_column_support * len(multi))
    return [min(g) for g in groups if len(g) >= need]


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
    segmented = [tuple(split_segments(ln, settings.column_gap)) for ln in lines]
    starts = column_starts(segmented, settings)
    if len(starts) < 2:
        return []
    bands, current = [], []
    for segs in segmented:
        if _fits(segs, starts):
            current.append(segs)
            continue
        if current:
            bands.append(current)
        current = []
    if current:
        bands.append(current)
    return [_Band(tuple(b), tuple(starts)) for b in bands
            if sum(len(segs) >= 2 for segs in b) >= 2]


def _pitch(band: _Band) -> float:
    tops = [segs[0].top for segs in band.lines]
    gaps = [b - a for a, b in zip(tops, tops[1:]) if b > a]
    height = median(s.height for segs in band.lines for s in segs)
    return min(median(gaps), height * 1.6) if gaps else height * 1.2


def band_to_rows(band: _Band, page: int, settings: ExtractSettings) -> list[Row]:
    """Group the band's lines into rows: a gap wider than `row_gap` pitches, or a new entry
    in the first column after a gap, starts a row."""
    pitch = _pitch(band)
    key_lines = sum(1 for segs in band.lines if _column_of(segs[0].x0, band.starts) == 0)
    key_is_dense = key_lines >= 0.3 * len(band.lines)
    rows: list[list[tuple[Line, ...]]] = []
    prev_top, prev_had_key = None, False
    for segs in band.lines:
        has_key = _column_of(segs[0].x0, band.starts) == 0
        gap = segs[0].top - prev_top if prev_top is not None else None
        wide = gap is not None and gap >= settings.row_gap * pitch
        new_row = (not rows or (wide and (has_key or not key_is_dense))
                   or (has_key and not prev_had_key and key_is_dense))
        if new_row:
            rows.append([])
        rows[-1].append(segs)
        prev_top, prev_had_key = segs[0].top, has_key
    return [_row_cells(r, band.starts, page) for r in rows]


def _row_cells(lines: Sequence[Sequence[Line]], starts: Sequence[float], page: int) -> Row:
    by_col: list[list[Line]] = [[] for _ in starts]
    for segs in lines:
        for seg in segs:
            by_col[_column_of(seg.x0, starts)].append(seg)
    cells = []
    for i, col_lines in enumerate(by_col):
        right = starts[i + 1] - 4 if i + 1 < len(starts) else None
        if not col_lines:
            top = min(s.top for segs in lines for s in segs)
            bottom = max(s.bottom for segs in lines for s in segs)
            x1 = right if right is not None else starts[i] + 10
            cells.append(Cell("", page, BBox(starts[i], top, x1, bottom)))
            continue
        box = col_lines[0].bbox
        for ln in col_lines[1:]:
            box = box.union(ln.bbox)
        cells.append(Cell(lines_to_text(col_lines, right_edge=right or box.x1), page, box))
    return Row(tuple(cells), page)


def find_aligned_tables(words: Sequence[Word], page: int, settings: ExtractSettings) -> list[Table]:
    tables = []
    for band in find_bands(group_lines(words), settings):
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
