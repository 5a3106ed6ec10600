"""`boardplans debug`: one page's picture with what the pipeline read drawn on it.

The whole document is read, as `boardplans extract` reads it, so that tables stitched
across pages, inherited headers and the priority context carried down are the ones the
dataset got. Drawn on the page: the rulings of a ruled page and every table cell coloured by
what its row was read as. In a margin beside it, level with what they describe and joined to
it by a line, so that they never cover the page's text: each table's columns (the field each
was mapped to and how its header matched), a tag per action (priority ref, ref, action number
as in its action_id) with its milestones and owners, and each priority heading. Above the
page, a legend; on a page where nothing was read, why.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pdfplumber
from PIL import Image, ImageDraw, ImageFont
from pdfplumber.display import PageImage
from pdfplumber.utils.exceptions import PdfminerException

from boardplans.extractors.model import BBox, PageContent, Row, Table
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.stitch import is_repeated_header, stitch
from boardplans.normalizers.owners import Owner, parse_owners
from boardplans.normalizers.timescales import Milestone, parse_timescale

from .batch import UsageError
from .extract import DocumentError, _no_text_hint, read_pages, sniff
from .patterns import is_ref, split_leading_ref
from .plan import PlanResult, PlanRow, TableReport, is_banner, read_plan
from .records import timescale_texts

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
DETAIL_COLOUR = (90, 90, 90)
WARNING_COLOUR = (200, 0, 0)
TAG_KEY = ("P2 1.3 #5: action 5 of the document (action_id …-a005), ref 1.3, under priority 2 "
           "(P? when none); then its milestones (due) and owners (lead)")
MARGIN_SHARE = 0.45  # the margin's width, as a share of the page's
HOW_NAMES = {"none": "unmapped"}
# a picture's file suffix → the format it is written in (PIL's name)
PICTURE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


@dataclass(frozen=True)
class Tag:
    """A note for the margin, level with what it describes: in page coordinates, `y` its
    top and `x` where its leader line starts (the right edge of the table or heading)."""
    text: str
    x: float
    y: float
    colour: tuple[int, int, int]
    detail: str = ""  # written after the text, in grey: an action's milestones and owners


@dataclass(frozen=True)
class PageDrawing:
    strategy: str
    rulings: tuple[BBox, ...]
    cells: tuple[tuple[BBox, str], ...]  # (box, row kind)
    outlines: tuple[tuple[BBox, tuple[int, int, int]], ...]
    tags: tuple[Tag, ...]
    unread: str = ""  # why nothing was read on the page, when nothing was


@dataclass(frozen=True)
class ReadDocument:
    pages: list[PageContent]
    tables: list[Table]  # in the plan stage's order: report i describes tables[i]
    plan: PlanResult
    settings: ExtractSettings


def read_document(file: Path, settings: ExtractSettings) -> ReadDocument:
    pages = read_pages(file, settings)
    plan = read_plan(pages, stitch(pages))
    return ReadDocument(pages, [report.table for report in plan.tables], plan, settings)


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


def _milestone(m: Milestone) -> str:
    return m.end.isoformat() if m.end else m.text


def _owner(o: Owner) -> str:
    return f"{o.name or o.role or o.organisation} ({o.kind})"


def action_detail(action: PlanRow) -> str:
    """What the dataset makes of the action's timescale and lead, briefly (dates read without
    the plan's period: a relative one such as "Q2" may show as written)."""
    due = [_milestone(m) for t in timescale_texts(action) for m in parse_timescale(t).milestones]
    leads = [_owner(o) for o in parse_owners(action.get("lead") or "").owners]
    parts = [f"due {', '.join(due)}" if due else "", f"lead {'; '.join(leads)}" if leads else ""]
    return " · ".join(p for p in parts if p)


def action_tags(actions: Iterable[tuple[int, PlanRow]], page: int, right_edge: dict[int, float]) -> list[Tag]:
    """A tag level with each action's opening row on this page; `right_edge` maps id(cell) to
    the right edge of the table the cell is in."""
    tags = []
    for number, action in actions:
        cell = action.sources[0][1]
        if cell.page != page:
            continue
        text = " ".join(p for p in (f"P{action.priority_ref}" if action.priority_ref else "P?",
                                    action.ref, f"#{number}") if p)
        tags.append(Tag(text, right_edge.get(id(cell), cell.bbox.x1), cell.bbox.top,
                        KIND_COLOURS["action"], action_detail(action)))
    return tags


def column_tag(row: Row, labels: Sequence[str], right: float) -> Tag:
    """The columns of a table, left to right, level with its first row on the page; a cell
    merged across columns joins their labels with "+"."""
    merged: list[str] = []
    for cell, label in zip(row.cells, labels):
        if cell is None and merged:
            merged[-1] += f" + {label}"
        else:
            merged.append(label)
    top = min(c.bbox.top for c in row.cells if c is not None)
    return Tag("columns: " + " | ".join(merged), right, top, KIND_COLOURS["header"])


def unread_reason(page: PageContent, settings: ExtractSettings) -> str:
    """Why a page shows nothing, when nothing was read on it."""
    if page.tables or page.lines:
        return ""
    return "Nothing was read on this page: it has no text layer (a scan?). " + _no_text_hint(settings)


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
            tags.append(column_tag(on_page[0], part_labels, part.bbox.x1))
    numbered = list(enumerate(doc.plan.rows, 1))
    tags += action_tags(numbered, number, right_edge)
    headings = [(ref, line) for ref, _, line in doc.plan.headings if line.page == number]
    tags += [Tag(f"priority {ref}", line.bbox.x1, line.bbox.top, HEADING_COLOUR) for ref, line in headings]
    return PageDrawing(page.strategy, tuple(page.rulings), tuple(cells),
                       tuple((line.bbox, HEADING_COLOUR) for _, line in headings),
                       tuple(sorted(tags, key=lambda t: t.y)), unread_reason(page, doc.settings))


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _point(im: PageImage, x: float, y: float) -> tuple[float, float]:
    return (x - im.bbox[0]) * im.scale, (y - im.bbox[1]) * im.scale


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """`text` in lines no wider than `width` pixels, broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def draw_on_page(im: PageImage, drawing: PageDrawing) -> None:
    """The rulings, cells and heading outlines, on the page image itself."""
    for ruling in drawing.rulings:
        im.draw_line(((ruling.x0, ruling.top), (ruling.x1, ruling.bottom)),
                     stroke=RULING_COLOUR + (160,), stroke_width=1)
    for box, kind in drawing.cells:
        colour = KIND_COLOURS[kind]
        im.draw_rect((box.x0, box.top, box.x1, box.bottom), fill=colour + (40,),
                     stroke=colour + (255,), stroke_width=1)
    for box, colour in drawing.outlines:
        im.draw_rect((box.x0, box.top, box.x1, box.bottom), fill=colour + (30,), stroke=colour + (255,))


def _legend(draw: ImageDraw.ImageDraw, drawing: PageDrawing, font: ImageFont.FreeTypeFont, line: int) -> None:
    """Above the page: the strategy and the row colours, then what a tag says."""
    x = 4.0
    for text, colour in [(f"strategy: {drawing.strategy}", (0, 0, 0)), *KIND_COLOURS.items()]:
        width = draw.textlength(text, font=font)
        draw.rectangle((x - 2, 2, x + width + 2, line), outline=colour)
        draw.text((x, 3), text, font=font, fill=colour)
        x += width + 12
    draw.text((4, line + 4), TAG_KEY, font=font, fill=DETAIL_COLOUR)


def _margin(draw: ImageDraw.ImageDraw, im: PageImage, tags: Sequence[Tag], font: ImageFont.FreeTypeFont,
            line: int, left: int, top: int) -> None:
    """Each tag in the margin (x from `left`, the page starting at `top`), as level with what it
    describes as the tags above it allow, with a leader line back to it; its detail below it,
    indented, in grey."""
    width = draw.im.size[0] - left - 4
    indent = line
    free = 0.0  # the first y below the tags written so far
    for tag in tags:
        x, y = _point(im, tag.x, tag.y)
        at = max(y + top, free)
        lines = [(left, text, tag.colour) for text in _wrap(draw, tag.text, font, width)]
        lines += [(left + indent, text, DETAIL_COLOUR) for text in _wrap(draw, tag.detail, font, width - indent)]
        draw.line((x, y + top, left - 2, at + line / 2), fill=tag.colour, width=1)
        for k, (x_text, text, colour) in enumerate(lines):
            draw.text((x_text, at + k * line), text, font=font, fill=colour)
        free = at + len(lines) * line + 2


def render(im: PageImage, drawing: PageDrawing) -> Image.Image:
    """The annotated page with the legend above it (and, in red, why nothing was read, if
    nothing was) and the margin of tags beside it."""
    draw_on_page(im, drawing)
    size = max(10, round(im.resolution / 9))
    font, line = _font(size), size + 4
    page = im.annotated.convert("RGB")
    width = page.width + max(round(page.width * MARGIN_SHARE), 30 * size)
    measure = ImageDraw.Draw(page)
    unread = _wrap(measure, drawing.unread, font, width - 8)
    top = (2 + len(unread)) * line + 8
    canvas = Image.new("RGB", (width, page.height + top), "white")
    canvas.paste(page, (0, top))
    draw = ImageDraw.Draw(canvas)
    _legend(draw, drawing, font, line)
    for k, text in enumerate(unread):
        draw.text((4, (2 + k) * line + 4), text, font=font, fill=WARNING_COLOUR)
    _margin(draw, im, drawing.tags, font, line, page.width + 8, top)
    return canvas


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


def page_image(page: pdfplumber.page.Page, content: PageContent, resolution: int) -> PageImage:
    """The page to draw on: a scan turned as it was when read, since its boxes are the
    deskewed image's (a 2-degree skew put them a line off at the page's far side)."""
    im = page.to_image(resolution=resolution)
    if content.skew:
        im.original = im.original.rotate(content.skew, resample=Image.Resampling.BILINEAR, fillcolor="white")
        im.reset()
    return im


def draw_page(file: Path, page: int, out: Path, resolution: int = 110, settings: ExtractSettings | None = None) -> Path:
    """Write the picture of `page` (from 1) of `file`, read with `settings` (default: as
    extract reads it), to `out` (.png or .jpg) and return `out`."""
    file, out = Path(file), Path(out)
    _check(file, page)
    doc = read_document(file, ExtractSettings.resolve(settings))
    drawing = page_drawing(doc, page)
    with pdfplumber.open(file, password="") as pdf:
        picture = render(page_image(pdf.pages[page - 1], doc.pages[page - 1], resolution), drawing)
    out.parent.mkdir(parents=True, exist_ok=True)
    picture.save(out, format=PICTURE_FORMATS[out.suffix.lower()])
    return out
