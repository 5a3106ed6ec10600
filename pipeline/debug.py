"""`boardplans debug`: one page's picture with what the pipeline read drawn on it.

The whole document is read, as `boardplans extract` reads it, so that tables stitched
across pages, inherited headers and the priority context carried down are the ones the
dataset got. Drawn on the page: the rulings of a ruled page, every table cell coloured by
what its row was read as, each column's field and how its header was matched, a tag per
action (priority ref, ref, action number as in its action_id) and the page's strategy.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pdfplumber
from PIL import ImageFont
from pdfplumber.display import PageImage
from pdfplumber.utils.exceptions import PdfminerException

from boardplans.extractors.model import BBox, PageContent, Row, Table
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.stitch import is_repeated_header, stitch

from .batch import UsageError
from .extract import DocumentError, read_pages, sniff
from .patterns import is_ref, split_leading_ref
from .plan import PlanResult, PlanRow, TableReport, is_banner, read_plan

# row kind → RGB; cells get a translucent fill and a solid outline of the same colour
KIND_COLOURS: dict[str, tuple[int, int, int]] = {
    "header": (31, 119, 180),
    "banner": (148, 103, 189),
    "action": (44, 160, 44),
    "sub-row": (255, 127, 14),
    "parent": (188, 189, 34),
    "continuation": (23, 190, 207),
    "skipped": (127, 127, 127),
}
RULING_COLOUR = (214, 39, 40)
HEADING_COLOUR = (227, 119, 194)
HOW_NAMES = {"none": "unmapped"}


@dataclass(frozen=True)
class Tag:
    """A label to write on the page, anchored at a point in page coordinates."""
    text: str
    x: float
    y: float
    colour: tuple[int, int, int]
    above: bool = False  # set it just above the anchor rather than just below
    right: bool = False  # end it at the anchor rather than start there


@dataclass(frozen=True)
class PageDrawing:
    strategy: str
    rulings: tuple[BBox, ...]
    cells: tuple[tuple[BBox, str], ...]  # (box, row kind)
    outlines: tuple[tuple[BBox, tuple[int, int, int]], ...]
    tags: tuple[Tag, ...]


@dataclass(frozen=True)
class ReadDocument:
    pages: list[PageContent]
    tables: list[Table]  # in the plan stage's order: report i describes tables[i]
    plan: PlanResult


def read_document(file: Path, settings: ExtractSettings) -> ReadDocument:
    pages = read_pages(file, settings)
    plan = read_plan(pages, stitch(pages))
    return ReadDocument(pages, [report.table for report in plan.tables], plan)


def column_labels(table: Table, report: TableReport) -> list[str]:
    """Each column's field and how its header got it."""
    if report.header_source == "inherited":
        return [f"{f or '-'} (inherited)" for f in report.columns]
    cmap = report.cmap
    labels = []
    for name, match in zip(cmap.fields, cmap.headers):
        if match is None:
            how = "merged"
        elif name == "ref" and match.field != "ref":
            how = "from refs"
        else:
            how = HOW_NAMES.get(match.how, match.how)
        labels.append(f"{name or '-'} ({how})")
    return labels


def _row_ref(row: Row) -> str:
    """The reference a row opens with: a cell of its own, or the start of its first cell."""
    texts = [t for t in row.texts if t]
    if not texts:
        return ""
    if is_ref(texts[0]):
        return texts[0]
    leading = split_leading_ref(texts[0])
    return leading.ref if leading else ""


def row_kinds(table: Table, report: TableReport, actions: Sequence[PlanRow]) -> dict[int, str]:
    """id(row) → what the plan stage read the row as."""
    if report.header_source == "none":
        return {id(r): "skipped" for r in table.rows}
    header_row = report.cmap.header_row
    row_of = {id(c): i for i, r in enumerate(table.rows) for c in r.cells if c is not None}
    opening = {row_of[id(a.sources[0][1])] for a in actions if id(a.sources[0][1]) in row_of}
    # a row holding a cell of an action opened above it adds to that action; cells an
    # action copied down from rows above it belong to those rows, not to this action
    feeding = {row_of[id(c)] for a in actions for _, c in a.sources
               if id(c) in row_of and row_of[id(c)] > row_of.get(id(a.sources[0][1]), len(table.rows))}
    parents = {a.parent_ref for a in actions if a.parent_ref}
    kinds = {}
    for i, row in enumerate(table.rows):
        if i == header_row:
            kind = "header"
        elif i in opening:
            kind = "action"
        elif i in feeding:
            kind = "sub-row"
        elif is_banner(row):
            kind = "banner"
        else:
            kind = "parent" if _row_ref(row) in parents else "skipped"
        kinds[id(row)] = kind
    return kinds


def action_tags(actions: Iterable[tuple[int, PlanRow]], page: int, right_edge: dict[int, float]) -> list[Tag]:
    """A tag at the right edge of the table, level with each action's opening row on this page;
    `right_edge` maps id(cell) to the right edge of the table the cell is in."""
    tags = []
    for number, action in actions:
        cell = action.sources[0][1]
        if cell.page != page:
            continue
        text = " ".join(p for p in (f"P{action.priority_ref}" if action.priority_ref else "P?",
                                    action.ref, f"#{number}") if p)
        tags.append(Tag(text, right_edge.get(id(cell), cell.bbox.x1), cell.bbox.top,
                        KIND_COLOURS["action"], right=True))
    return tags


def _row_tags(row: Row, labels: Sequence[str], colour: tuple[int, int, int]) -> list[Tag]:
    """One tag per cell of the row; a cell merged across columns lists each column's label."""
    tags: list[Tag] = []
    for cell, label in zip(row.cells, labels):
        if cell is not None:
            tags.append(Tag(label, cell.bbox.x0, cell.bbox.top, colour, above=True))
        elif tags:
            tags[-1] = replace(tags[-1], text=f"{tags[-1].text} | {label}")
    return tags


def _continued(tables: Sequence[Table], part: Table) -> Table | None:
    """The table begun on an earlier page that `part` was stitched onto, if any."""
    return next((t for t in tables if t is not part and part.page in t.pages and t.page < part.page), None)


def _left_out(row: Row, owner: Table | None) -> str:
    """What a row that stitching dropped was: the header repeated, or the tail of a row
    the page break cut, joined to its first part on the page before."""
    if owner is not None and owner.rows and is_repeated_header(row, owner.rows[0]):
        return "header"
    return "continuation"


def page_drawing(doc: ReadDocument, number: int) -> PageDrawing:
    page = doc.pages[number - 1]
    kinds: dict[int, str] = {}  # id(cell) → how its row was read; by cell, because a form's
    labels: dict[int, list[str]] = {}  # rows are made anew from the page's cells
    for table, report in zip(doc.tables, doc.plan.tables):
        actions = [r for r in doc.plan.rows if r.table == report.index]
        by_row = row_kinds(table, report, actions)
        kinds.update({id(c): by_row[id(r)] for r in table.rows for c in r.cells if c is not None})
        if report.header_source not in ("none", "form"):
            labels[id(table)] = column_labels(table, report)
    cells: list[tuple[BBox, str]] = []
    tags: list[Tag] = []
    right_edge: dict[int, float] = {}
    for part in page.tables:
        owner = _continued(doc.tables, part)
        on_page = [r for r in part.rows if r.page == number]
        right_edge.update({id(c): part.bbox.x1 for r in on_page for c in r.cells if c is not None})
        for row in on_page:
            cells += [(c.bbox, kinds.get(id(c)) or _left_out(row, owner)) for c in row.cells if c is not None]
        part_labels = labels.get(id(owner if owner is not None else part))
        if part_labels and on_page:
            tags += _row_tags(on_page[0], part_labels, KIND_COLOURS["header"])
    numbered = list(enumerate(doc.plan.rows, 1))
    tags += action_tags(numbered, number, right_edge)
    headings = [(ref, line) for ref, _, line in doc.plan.headings if line.page == number]
    tags += [Tag(f"priority {ref}", line.bbox.x0, line.bbox.top, HEADING_COLOUR, above=True)
             for ref, line in headings]
    return PageDrawing(page.strategy, tuple(page.rulings), tuple(cells),
                       tuple((line.bbox, HEADING_COLOUR) for _, line in headings), tuple(tags))


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _point(im: PageImage, x: float, y: float) -> tuple[float, float]:
    return (x - im.bbox[0]) * im.scale, (y - im.bbox[1]) * im.scale


def _write(im: PageImage, tag: Tag, size: int, placed: list[tuple[float, float, float, float]]) -> None:
    """Write a tag on a white plate, clamped to the image. A tag meeting one already written
    moves along: a column label to the right, any other tag down."""
    font = _font(size)
    x, y = _point(im, tag.x, tag.y)
    left, top, right, bottom = im.draw.textbbox((0, 0), tag.text, font=font)
    w, h = right - left + 4, bottom - top + 2
    if tag.right:  # outside the anchor when the margin has room, else inside it
        x = x + 2 if x + 2 + w <= im.annotated.width else x - w
    y = y - h if tag.above else y
    x = min(max(x, 0), im.annotated.width - w)
    y = max(y, 0)
    while blocking := next((b for b in placed if x < b[2] and b[0] < x + w and y < b[3] and b[1] < y + h), None):
        if tag.above:
            x = blocking[2] + 1
        else:
            y = blocking[3] + 1
    placed.append((x, y, x + w, y + h))
    im.draw.rectangle((x, y, x + w, y + h), fill=(255, 255, 255, 225), outline=tag.colour + (255,))
    im.draw.text((x + 2 - left, y + 1 - top), tag.text, font=font, fill=tag.colour)


def render(im: PageImage, drawing: PageDrawing) -> None:
    for ruling in drawing.rulings:
        im.draw_line(((ruling.x0, ruling.top), (ruling.x1, ruling.bottom)),
                     stroke=RULING_COLOUR + (160,), stroke_width=1)
    for box, kind in drawing.cells:
        colour = KIND_COLOURS[kind]
        im.draw_rect((box.x0, box.top, box.x1, box.bottom), fill=colour + (40,),
                     stroke=colour + (255,), stroke_width=1)
    for box, colour in drawing.outlines:
        im.draw_rect((box.x0, box.top, box.x1, box.bottom), fill=colour + (30,), stroke=colour + (255,))
    size = max(10, round(im.resolution / 9))
    placed: list[tuple[float, float, float, float]] = []
    for tag in drawing.tags:
        _write(im, tag, size, placed)
    legend = [Tag(f"strategy: {drawing.strategy}", 0, 0, (0, 0, 0))]
    legend += [Tag(kind, 0, 0, colour) for kind, colour in KIND_COLOURS.items()]
    x = 0.0
    for tag in legend:  # along the top edge, left to right
        _write(im, Tag(tag.text, x / im.scale + im.bbox[0], im.bbox[1], tag.colour), size, placed)
        x += im.draw.textlength(tag.text, font=_font(size)) + 10


def _check(file: Path, page: int) -> None:
    """Fail with a usage error unless `file` is a readable PDF that has page `page`."""
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    try:
        sniff(file)
        with pdfplumber.open(file, password="") as pdf:
            count = len(pdf.pages)
    except DocumentError as exc:
        raise UsageError(f"{file}: {exc}") from exc
    except PdfminerException as exc:
        raise UsageError(f"{file}: cannot be read as a PDF ({exc})") from exc
    if not 1 <= page <= count:
        raise UsageError(f"page {page} is out of range: {file} has {count} page(s), 1-{count}")


def draw_page(file: Path, page: int, out: Path, resolution: int = 110) -> Path:
    """Write the picture of `page` (from 1) of `file` to `out` and return `out`."""
    file, out = Path(file), Path(out)
    _check(file, page)
    doc = read_document(file, ExtractSettings())
    drawing = page_drawing(doc, page)
    with pdfplumber.open(file, password="") as pdf:
        im = pdf.pages[page - 1].to_image(resolution=resolution)
        render(im, drawing)
        out.parent.mkdir(parents=True, exist_ok=True)
        im.save(out, quantize=False)
    return out
