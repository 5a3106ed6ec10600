"""Tables read from the alignment of their text: unruled, ruled only across, shaded.

Off-the-shelf stream parsers emit one row per text line, and voting column starts over a
whole page lets prose bullets make false columns. Here a table is grown from the line
that opens it, usually its header:

- columns: the gutters between that line's pieces, narrowed by every line taken in, and
  extended by any gutter the body alone shows (a column whose header cell is empty);
  a line whose words cross a gutter is a banner when a line that fits follows it, else
  the table has ended;
- rows: a horizontal rule or the edge of a fill (zebra bands, a shaded header or banner)
  separates rows wherever the table has them; else a row starts where whitespace runs
  across every column, or at each entry of a first column of references;
- merged cells: where the rows are ruled, a column that no rule or fill edge crosses at a
  row boundary, and that is empty below it, is covered by the cell above.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from statistics import median
from typing import Sequence

from .furniture import is_contents_entry, is_page_number
from .model import BBox, Cell, Row, Table
from .pageview import PageView
from .settings import ExtractSettings
from .words import Line, Word, cell_from_lines, group_lines, is_bullet, split_segments, starts_paragraph

NAME = "aligned"
# a lettered or roman reference standing alone: "C", "b)", "(iv)", "xii."
_LETTER_REF = re.compile(r"^\(?(?:[A-Za-z]|[ivxlIVXL]{1,5})[.):]?$")

Gap = tuple[float, float]


@dataclass(frozen=True)
class Region:
    """One table's lines, the indexes of its banner lines, and its column gutters."""
    lines: tuple[Line, ...]
    banners: frozenset[int]
    gutters: tuple[Gap, ...]

    @property
    def x0(self) -> float:
        return min(ln.x0 for ln in self.lines)

    @property
    def x1(self) -> float:
        return max(ln.x1 for ln in self.lines)

    def column_of(self, word: Word) -> int:
        centre = (word.x0 + word.x1) / 2
        return sum(centre > (g[0] + g[1]) / 2 for g in self.gutters)


def segment_gaps(line: Line, settings: ExtractSettings) -> list[Gap]:
    segs = split_segments(line, settings.column_gap)
    return [(a.x1, b.x0) for a, b in zip(segs, segs[1:])]


def narrow(gutters: Sequence[Gap], line: Line, least: float) -> list[Gap] | None:
    """The gutters left free by the line's words (each the widest free part that is at
    least `least` wide), or None when a word of the line closes one of them."""
    out = []
    for lo, hi in gutters:
        free = [(lo, hi)]
        for w in line.words:
            free = [piece for a, b in free for piece in ((a, min(b, w.x0)), (max(a, w.x1), b)) if piece[1] - piece[0] > 0]
        wide = [f for f in free if f[1] - f[0] >= least]
        if not wide:
            return None
        out.append(max(wide, key=lambda f: f[1] - f[0]))
    return out


def body_gutters(lines: Sequence[Line], skip: frozenset[int], known: Sequence[Gap],
                 settings: ExtractSettings) -> list[Gap]:
    """Gutters the body shows beyond the known ones (a column whose header cell is
    empty): strips no piece of any line covers, with a body line's text, not only the
    opening line's, starting right after the strip."""
    spans = [(s.x0, s.x1, i > 0) for i, ln in enumerate(lines) if i not in skip
             for s in split_segments(ln, settings.column_gap)]
    spans += [(g[0], g[1], False) for g in known]  # known gutters are not found twice
    spans.sort()
    found: list[Gap] = []
    reach = spans[0][1]
    for k, (a, b, _) in enumerate(spans[1:], 1):
        opens_body = any(body and x0 - a <= settings.column_gap for x0, _, body in spans[k:])
        if a - reach >= settings.column_gap and opens_body:
            found.append((reach, a))
        reach = max(reach, b)
    return found


def grow_region(lines: Sequence[Line], start: int, height: float, settings: ExtractSettings) -> Region | None:
    """The table opened by lines[start], or None when it holds fewer than two lines that
    share its columns."""
    gutters = segment_gaps(lines[start], settings)
    if not gutters:
        return None
    least = settings.min_gutter * height
    taken = [lines[start]]
    banners: set[int] = set()
    crossing: list[Line] = []
    # one piece at the left edge: a first-column line or a banner, told apart only once
    # the other lines have set the gutters, so it does not narrow them
    provisional: set[int] = set()
    body_starts: list[float] = []
    header_starts = [seg.x0 for seg in split_segments(lines[start], settings.column_gap)]
    for line in lines[start + 1:]:
        last = crossing[-1] if crossing else taken[-1]
        gap = line.top - last.bottom
        if gap > settings.band_gap * height and (
                crossing or gap > settings.aligned_band_gap * height
                or not _carries_on(line, header_starts + body_starts, height, settings)):
            break
        narrowed = narrow(gutters, line, least)
        at_left = line.x0 <= min(t.x0 for t in taken) + 2 * height
        if narrowed is None:
            # a banner starts at the table's left edge, sits close and stays a few lines
            if len(crossing) >= settings.max_banner_lines or gap > settings.banner_gap * height or not at_left:
                break
            crossing.append(line)
            continue
        segments = split_segments(line, settings.column_gap)
        if len(segments) >= 2 and len(body_starts) >= 4 and not any(
                abs(seg.x0 - x) <= height for seg in segments for x in header_starts + body_starts):
            break  # none of its cells starts where a column of the body does: the next table
        single = at_left and len(segments) == 1
        if (crossing and single and gap < 0.5 * height and len(crossing) < settings.max_banner_lines
                and all(len(split_segments(c, settings.column_gap)) == 1 for c in crossing)):
            crossing.append(line)  # the short last line of a banner's paragraph (one run of text)
            continue
        if crossing and (gap > settings.banner_gap * height or single):
            break  # a banner heads a row across the columns; prose runs on at the left
        for c in crossing:
            banners.add(len(taken))
            taken.append(c)
        crossing = []
        if single:
            provisional.add(len(taken))
        else:
            gutters = narrowed
            body_starts += [seg.x0 for seg in segments]
        taken.append(line)
    if len(taken) - len(banners) - len(provisional) < 1:
        return None
    gutters += body_gutters(taken, frozenset(banners | provisional), gutters, settings)
    gutters.sort()
    banners |= {i for i in provisional if narrow(gutters, taken[i], least) is None}
    if len(taken) - len(banners) < 2 or len(banners) > settings.max_banner_share * len(taken):
        return None  # too few lines share the columns: prose whose wide spaces line up
    return Region(tuple(taken), frozenset(banners), tuple(gutters))


def _carries_on(line: Line, starts: Sequence[float], height: float, settings: ExtractSettings) -> bool:
    """Whether two or more of the line's cells start where the table's columns do."""
    segments = split_segments(line, settings.column_gap)
    return sum(any(abs(seg.x0 - x) <= height for x in starts) for seg in segments) >= 2


def find_regions(lines: Sequence[Line], settings: ExtractSettings) -> list[Region]:
    height = median(ln.height for ln in lines) if lines else 0.0
    regions = []
    i = 0
    while i < len(lines):
        region = grow_region(lines, i, height, settings)
        if region is None:
            i += 1
            continue
        regions.append(region)
        i += len(region.lines)
    return regions


# --- rows -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Separator:
    """A rule or fill edge across the table at height `y`, and the x-spans it covers."""
    y: float
    spans: tuple[tuple[float, float], ...]

    def covers(self, x0: float, x1: float) -> bool:
        inside = sum(max(0.0, min(b, x1) - max(a, x0)) for a, b in self.spans)
        return inside >= 0.5 * (x1 - x0)


def separators(view: PageView, x0: float, x1: float, top: float, bottom: float) -> list[Separator]:
    """Horizontal rules and fill edges inside the table's box that span most of its width."""
    marks: list[tuple[float, float, float]] = [(r.top, r.x0, r.x1) for r in view.rules
                                               if r.horizontal and r.x1 > x0 and r.x0 < x1]
    for f in view.fills:
        if f.x1 > x0 and f.x0 < x1:
            marks += [(f.top, f.x0, f.x1), (f.bottom, f.x0, f.x1)]
    marks = [m for m in marks if top - 2 <= m[0] <= bottom + 2]
    marks.sort()
    groups: list[list[tuple[float, float, float]]] = []
    for m in marks:
        if groups and m[0] - groups[-1][-1][0] <= 2.0:
            groups[-1].append(m)
        else:
            groups.append([m])
    out = []
    for g in groups:
        sep = Separator(median(m[0] for m in g), tuple((max(a, x0), min(b, x1)) for _, a, b in g))
        if sep.covers(x0, x1) or sum(b - a for a, b in sep.spans) >= 0.4 * (x1 - x0):
            out.append(sep)
    return out


def _straddled(sep: Separator, region: Region, spans: Sequence[tuple[float, float]]) -> bool:
    """Whether a word of a column the separator crosses straddles it (then it is no row
    boundary: a rule through text is strike-through or a stray mark)."""
    for i, ln in enumerate(region.lines):
        for w in ln.words:
            a, b = spans[region.column_of(w)]
            if w.top + 1.0 < sep.y < w.bottom - 1.0 and (i in region.banners or sep.covers(a, b)):
                return True
    return False


def _pieces(region: Region, n_cols: int) -> list[list[tuple[float, float]]]:
    """Per column, the vertical extent of each of its lines of text (banners left out)."""
    out: list[list[tuple[float, float]]] = [[] for _ in range(n_cols)]
    for i, ln in enumerate(region.lines):
        if i in region.banners:
            continue
        by_col: dict[int, list[Word]] = {}
        for w in ln.words:
            by_col.setdefault(region.column_of(w), []).append(w)
        for col, ws in by_col.items():
            out[col].append((min(w.top for w in ws), max(w.bottom for w in ws)))
    return out


def _gap_at(pieces: Sequence[tuple[float, float]], y: float) -> float:
    """The whitespace around height y in one column (infinite where the column is empty
    on one side, negative where a line of it crosses y)."""
    if any(a < y < b for a, b in pieces):
        return -1.0
    above = max((b for a, b in pieces if b <= y), default=None)
    below = min((a for a, b in pieces if a >= y), default=None)
    return float("inf") if above is None or below is None else below - above


def _goes_on(region: Region, i: int, column: int) -> bool:
    """Whether the line's text in a column opens in lower case, going on with a sentence."""
    first = min((w for w in region.lines[i].words if region.column_of(w) == column), key=lambda w: w.x0)
    return first.text[:1].islower()


def _own_gaps(region: Region, pieces: Sequence[Sequence[tuple[float, float]]], i: int) -> dict[int, float]:
    """For each column the line fills, the whitespace between its text there and the text
    above it in the same column (infinite where there is none): measured per column, as
    the lines of a table with cells of different heights need not share a band."""
    tops: dict[int, float] = {}
    for w in region.lines[i].words:
        c = region.column_of(w)
        tops[c] = min(tops.get(c, w.top), w.top)
    return {c: t - max((b for a, b in pieces[c] if a < t - 1.0 and b <= t + 1.0), default=float("-inf"))
            for c, t in tops.items()}


def _lowest_above(pieces: Sequence[Sequence[tuple[float, float]]], y: float) -> set[int]:
    """The columns whose text above height y reaches lowest (within a point)."""
    ends = [max((b for a, b in col if b <= y), default=float("-inf")) for col in pieces]
    return {c for c, e in enumerate(ends) if e >= max(ends) - 1.0}


def _looks_like_ref(text: str) -> bool:
    """A number, a lettered or roman marker: "2.1", "(iv)", "b)", "C". Words wrapped in a
    narrow column ("Priority", "Online") are not."""
    return any(ch.isdigit() for ch in text) or bool(_LETTER_REF.match(text))


def _stands_apart(pieces: Sequence[tuple[float, float]], wide: float) -> bool:
    """Whether a column's lines mostly stand apart (one short entry per row) rather than
    following each other at the leading, as the wrapped words of one cell do."""
    gaps = [b[0] - a[1] for a, b in zip(pieces, pieces[1:])]
    return bool(gaps) and sum(g > wide for g in gaps) >= 0.6 * len(gaps)


def _row_gap(region: Region, pieces: Sequence[Sequence[tuple[float, float]]], settings: ExtractSettings) -> float:
    """Whitespace wider than this between two lines separates rows: the text's own leading
    (measured inside columns, where the lines of one cell follow each other at the same
    pitch) plus a share of a line's height."""
    inner = sorted(b[0] - a[1] for col in pieces for a, b in zip(col, col[1:]) if b[0] > a[1] - 1.0)
    leading = inner[len(inner) // 4] if inner else 0.0
    height = median(ln.height for ln in region.lines)
    return leading + max(settings.row_gap_min, settings.row_gap * height)


def _is_ref_column(region: Region, pieces: Sequence[Sequence[tuple[float, float]]], column: int,
                   wide: float) -> bool:
    """Whether a column holds short references, one per entry ("1.2", "b)", "(iv)")."""
    keys = [k for k in ([w for w in ln.words if region.column_of(w) == column] for ln in region.lines) if k]
    return (len(keys) >= 2 and sum(len(k) == 1 and len(k[0].text) <= 8 for k in keys) >= 0.6 * len(keys)
            and (sum(_looks_like_ref(k[0].text) for k in keys if len(k) == 1) >= 0.6 * len(keys)
                 or _stands_apart(pieces[column], wide)))


def _key_column(region: Region, pieces: Sequence[Sequence[tuple[float, float]]], wide: float) -> int | None:
    """The column of references whose every entry opens a row: the first column, or the
    second where the first holds fewer entries (merged cells, as a priority spanning its
    actions)."""
    if _is_ref_column(region, pieces, 0, wide):
        return 0
    if len(pieces) > 2 and len(pieces[0]) < len(pieces[1]) and _is_ref_column(region, pieces, 1, wide):
        return 1
    return None


def whitespace_opens(region: Region, spans: Sequence[tuple[float, float]],
                     settings: ExtractSettings) -> list[tuple[int, int | None]]:
    """Lines that open a row, each with the column a merged cell runs on in (or None):
    where whitespace wider than the text's own leading runs across every column (or
    across all but one, when the line opens cells in two or more others: that one is a
    merged cell), after the header's bold lines, and at each entry of a first column of
    short references. The leading is measured inside columns, where the lines of one
    cell follow each other at the same pitch."""
    lines = region.lines
    pieces = _pieces(region, len(spans))
    wide = _row_gap(region, pieces, settings)
    key = _key_column(region, pieces, wide)
    firsts = [[w for w in ln.words if region.column_of(w) == (key or 0)] for ln in lines]
    key_is_ref = key is not None
    header_end = next((i for i, ln in enumerate(lines) if not ln.bold), 0)
    opens: list[tuple[int, int | None]] = []
    for i in range(1, len(lines)):
        y = (lines[i - 1].bottom + lines[i].top) / 2
        gaps = [_gap_at(col, y) for col in pieces]
        narrow = [c for c, g in enumerate(gaps) if g <= wide]
        filled = {region.column_of(w) for w in lines[i].words}
        opened = [c for c in filled if gaps[c] > wide]
        if i < header_end or i in region.banners or i - 1 in region.banners:
            continue  # the header's bold lines are one row; banners are rows by row_boundaries
        if key_is_ref and firsts[i] and not all(is_bullet(w.text) for w in firsts[i]):
            # a merged cell's last line may share the line of the next entry: it runs on
            # there, close below its text and going on with its sentence (in lower case);
            # left of a second key column every cell is merged, so closeness is enough
            own = _own_gaps(region, pieces, i)
            carried = [c for c, g in own.items() if c != key and g <= wide and (c < key or _goes_on(region, i, c))]
            runs_on = carried[0] if len(carried) == 1 and sum(g > wide for g in own.values()) >= 2 else None
            opens.append((i, runs_on))
        elif i == header_end:
            opens.append((i, None))
        elif len(filled) == 1 and filled <= _lowest_above(pieces, y):
            continue  # one cell's next paragraph, the lowest text above being its own
        elif not narrow:
            opens.append((i, None))
        elif len(narrow) == 1 and len(opened) >= 2:
            opens.append((i, narrow[0]))
    return opens


@dataclass(frozen=True)
class Boundary:
    """Where a row starts, and the separator drawn there (None: whitespace, which crosses
    every column)."""
    y: float
    sep: Separator | None

    def crosses(self, span: tuple[float, float]) -> bool:
        return self.sep is None or self.sep.covers(*span)


def row_boundaries(region: Region, view: PageView, spans: Sequence[tuple[float, float]],
                   settings: ExtractSettings) -> list[Boundary]:
    """The rows' top edges: the table's rules and fill edges where it has two or more
    between its lines, else whitespace; banner lines are rows of their own either way."""
    lines = region.lines
    top, bottom = lines[0].top, lines[-1].bottom
    seps = [s for s in separators(view, region.x0, region.x1, top, bottom)
            if top + 1.0 < s.y < bottom - 1.0 and not _straddled(s, region, spans)]
    spaced = []
    for i, merged in whitespace_opens(region, spans, settings):
        y = (lines[i - 1].bottom + lines[i].top) / 2
        # a merged cell running on below: a boundary across every other column
        cut = None if merged is None else Separator(y, tuple(sp for c, sp in enumerate(spans) if c != merged))
        spaced.append(Boundary(y, cut))
    near = [b for b in spaced if any(abs(s.y - b.y) <= 0.6 * lines[0].height for s in seps)]
    found = [Boundary(s.y, s) for s in seps]
    # rules or fills that draw most row boundaries are the rows; whitespace inside them is
    # a cell's own paragraph spacing
    if not (len(seps) >= 2 and len(near) >= settings.ruled_share * len(spaced)):
        found += [b for b in spaced if b not in near]
    # a banner of several lines is one row; stacked banners are rows of their own
    wide = _row_gap(region, _pieces(region, len(spans)), settings)
    for i in region.banners:
        # above the banner's own top even where OCR lines overlap, so all its words fall in its row
        y = min((lines[i - 1].bottom + lines[i].top) / 2, lines[i].top - 0.5) if i else lines[i].top - 0.5
        run_on = (i - 1 in region.banners and lines[i].top - lines[i - 1].bottom <= wide
                  and not starts_paragraph(lines[i], lines[i - 1], float("inf"), region.x1)
                  and not any(lines[i - 1].bottom - 1.0 < s.y < lines[i].top + 1.0 for s in seps))
        if not run_on:
            found.append(Boundary(y, None))
        if i + 1 < len(lines) and i + 1 not in region.banners:
            found.append(Boundary((lines[i].bottom + lines[i + 1].top) / 2, None))
    found.sort(key=lambda b: b.y)
    merged: list[Boundary] = [Boundary(top - 1.0, None)]
    for b in found:
        if b.y - merged[-1].y > 1.0:
            merged.append(b)
    return merged


def region_to_rows(region: Region, view: PageView, settings: ExtractSettings) -> list[Row]:
    spans = column_spans(region)
    rights = column_rights(region, len(spans))
    bounds = row_boundaries(region, view, spans, settings)
    ys = [b.y for b in bounds]
    n_rows, n_cols = len(bounds), len(spans)
    words: list[list[list[Word]]] = [[[] for _ in spans] for _ in bounds]
    banner_rows = set()
    for i, ln in enumerate(region.lines):
        for w in ln.words:
            k = bisect_right(ys, (w.top + w.bottom) / 2) - 1
            if i in region.banners:
                banner_rows.add(k)
                words[k][0].append(w)
                continue
            col = region.column_of(w)
            # a merged cell's text runs on below a boundary that does not cross its column
            while k > 0 and not bounds[k].crosses(spans[col]):
                k -= 1
            words[k][col].append(w)
    rows = []
    for k in range(n_rows):
        bottom = ys[k + 1] if k + 1 < n_rows else region.lines[-1].bottom
        if k in banner_rows:
            rows.append(_banner_row(words[k][0], n_cols, view.number))
            continue
        cells: list[Cell | None] = []
        for col, (a, b) in enumerate(spans):
            if words[k][col]:
                cells.append(_cell(words[k][col], rights[col], view.number))
            elif k > 0 and not bounds[k].crosses((a, b)):
                cells.append(None)  # covered by the merged cell above
            else:
                cells.append(Cell("", view.number, BBox(a, ys[k], b, bottom)))
        rows.append(Row(tuple(cells), view.number))
    return centred_first_cells(rows)


def centred_first_cells(rows: list[Row]) -> list[Row]:
    """A merged first cell set in the middle of the rows it spans (an HTML rowspan's
    default) starts inside the first of them, below that row's own first line, and runs on
    into the next: it is read as a row of its own (first cell only, between a row whose
    first cell is empty and one it covers). It goes back to the first row it spans."""
    out = list(rows)
    k = 1
    while k + 1 < len(out):
        above, row, below = out[k - 1], out[k], out[k + 1]
        first = row.cells[0]
        if (first is not None and first.text and all(c is not None and not c.text for c in row.cells[1:])
                and above.cells[0] is not None and not above.cells[0].text and below.cells[0] is None):
            out[k - 1] = Row((first, *above.cells[1:]), above.page)
            del out[k]
            continue
        k += 1
    return out


def column_spans(region: Region) -> list[tuple[float, float]]:
    bounds = [region.x0, *((a + b) / 2 for a, b in region.gutters), region.x1]
    return list(zip(bounds, bounds[1:]))


def column_rights(region: Region, n: int) -> list[float]:
    """How far each column's text reaches, for telling a wrapped line from a paragraph end."""
    reach = [0.0] * n
    for i, ln in enumerate(region.lines):
        if i in region.banners:
            continue
        for w in ln.words:
            col = region.column_of(w)
            reach[col] = max(reach[col], w.x1)
    return [r + 1.5 for r in reach]


def _cell(words: Sequence[Word], right: float, page: int) -> Cell:
    lines = group_lines(words)
    box = lines[0].bbox
    for ln in lines[1:]:
        box = box.union(ln.bbox)
    return cell_from_lines(lines, right, page, box)


def _banner_row(words: Sequence[Word], n: int, page: int) -> Row:
    cell = _cell(words, max(w.x1 for w in words) + 1.5, page)
    return Row((cell, *([None] * (n - 1))), page)


def _bullet_column(rows: Sequence[Row]) -> bool:
    """A column of bullets and nothing else: a list in the prose, not a table."""
    n = max(len(r.cells) for r in rows)
    for col in range(n):
        texts = [r.cells[col].text for r in rows if col < len(r.cells) and r.cells[col] and r.cells[col].text]
        if texts and all(is_bullet(t) for line in texts for t in line.split()):
            return True
    return False


def not_page_numbers(lines: Sequence[Line]) -> list[Line]:
    """The lines less those that read as a page number and stand apart from the line
    above: a year wrapped onto a line of its own ("End February" / "2025") runs on in its
    cell."""
    return [ln for i, ln in enumerate(lines)
            if not (is_page_number(ln.text) and (i == 0 or ln.top - lines[i - 1].bottom >= ln.height))]


def find_aligned_tables(view: PageView, words: Sequence[Word], settings: ExtractSettings) -> list[Table]:
    """Tables among `words` (the page's words outside tables other strategies found)."""
    # a page number under a table lines up with its columns as often as not, and contents
    # entries (title ..... page) with each other
    lines = [ln for ln in not_page_numbers(group_lines(words)) if not is_contents_entry(ln, settings.column_gap)]
    tables = []
    for region in find_regions(lines, settings):
        rows = [r for r in region_to_rows(region, view, settings) if r.filled]
        if not rows or max(len(r.filled) for r in rows) < 2 or _bullet_column(rows):
            continue  # a lone row is scored (page.row_score): it may be one the page break carried over
        box = BBox(region.x0, region.lines[0].top, region.x1, region.lines[-1].bottom)
        starts = tuple(min((w.x0 for ln in region.lines for w in ln.words if region.column_of(w) == c), default=a)
                       for c, (a, _) in enumerate(column_spans(region)))
        tables.append(Table(rows=rows, page=view.number, bbox=box, strategy=NAME,
                            column_edges=starts, pages=[view.number]))
    return tables
