"""Build the sample PDFs and their answer keys from the hand-written specs in samples/src.

A spec (format: samples/SPEC.md) is read into frozen dataclasses and validated; from it come
both the truth JSON (`derive_truth`, no rendering needed) and the PDFs: a Word document made
with python-docx, exported by LibreOffice headless, rasterised for the `scanned` variant.

    python samples/build.py [--only PREFIX ...] [--src DIR] [--out DIR] [--truth-out DIR]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Union

import numpy as np
import yaml
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent

TEXT_FIELDS = (
    "priority_ref", "priority_title", "ref", "parent_ref", "objective", "action",
    "method", "lead", "timescale", "measure", "progress",
)
VARIANTS = ("ruled", "borderless", "scanned")
RECORDS = ("action", "sub_row", "none")
MILESTONE_KINDS = ("deadline", "interval", "open", "ongoing", "recurring", "unspecified", "unparsed")
OWNER_KINDS = ("person", "role", "group", "organisation")
RELATIONS = ("single", "joint", "handover", "post_holder", "none")
STATUSES = ("red", "amber", "green", "purple", "white", "blue", "complete", "none")
MILESTONE_KEYS = (("text", "start", "end", "kind"), ("edtf", "flags"))  # (required, optional)
OWNER_KEYS = (("name", "role", "organisation", "kind"), ("expansion",))
PAGE_SIZES_CM = {"A4": (21.0, 29.7), "A3": (29.7, 42.0)}
BULLET = "• "
MARKUP = re.compile(r"</?([a-zA-Z]+)>")
STYLE_TAGS = ("b", "u")


class SpecError(ValueError):
    """A spec that cannot be built; the message names the file and where in it."""


# ---------------------------------------------------------------------------------------
# The spec as typed values

Paragraphs = tuple[str, ...]  # a cell or block's text, one entry per paragraph, markup kept


@dataclass(frozen=True)
class Page:
    orientation: str = "portrait"
    size: str = "A4"
    margin_cm: float = 1.5
    font: str = "Liberation Sans"
    font_size: float = 9


@dataclass(frozen=True)
class Row:
    cells: tuple[Paragraphs | None, ...]  # one per column; None = covered by a span or merge
    banner: bool = False                   # one shaded cell across the table
    merge: bool = False                    # the row's cells rendered as one merged cell
    span: dict[int, int] = field(default_factory=dict)  # column -> rows covered
    record: str = "action"
    context: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    columns: tuple[tuple[Paragraphs, int], ...]  # header cells: (text, columns spanned)
    widths: tuple[float, ...]
    fields: tuple[str | None, ...]
    rows: tuple[Row, ...]
    caption: Paragraphs | None = None            # a shaded row above the header
    header_repeat: bool = True
    shading: str = "D9D9D9"
    context: dict[str, str] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.widths)


@dataclass(frozen=True)
class Text:
    kind: str              # title | heading | paragraph
    text: str
    level: int = 1


@dataclass(frozen=True)
class ListBlock:
    numbered: bool
    items: tuple[str, ...]
    start: int = 1  # a numbered list can continue an earlier one's numbering


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Section:
    orientation: str


Block = Union[Text, ListBlock, PageBreak, Section, Table]


@dataclass(frozen=True)
class Spec:
    path: Path
    sample: str
    seed: str
    variants: tuple[str, ...]
    page: Page
    footer: str | None
    truth: dict[str, Any]
    blocks: tuple[Block, ...]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


# ---------------------------------------------------------------------------------------
# Reading and validating a spec


def load_spec(path: Path) -> Spec:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return parse_spec(raw, path)


def parse_spec(raw: Any, path: Path) -> Spec:
    where = path.name
    _mapping(raw, where)
    _keys(raw, where, required=("sample", "seed", "variants", "blocks"),
          optional=("page", "footer", "truth"))
    if raw["sample"] != path.stem:
        raise SpecError(f"{where}: sample {raw['sample']!r} must equal the file stem {path.stem!r}")
    variants = tuple(raw["variants"])
    for variant in variants:
        _choice(variant, VARIANTS, f"{where}: variants")
    page = Page(**_keys(raw.get("page") or {}, f"{where}: page",
                        optional=tuple(Page.__dataclass_fields__)))
    _choice(page.orientation, ("portrait", "landscape"), f"{where}: page.orientation")
    _choice(page.size, tuple(PAGE_SIZES_CM), f"{where}: page.size")
    blocks = tuple(_blocks(raw["blocks"], where))
    _check_sub_rows_follow_actions([b for b in blocks if isinstance(b, Table)], where)
    return Spec(path=path, sample=raw["sample"], seed=raw["seed"], variants=variants, page=page,
                footer=raw.get("footer"), truth=raw.get("truth") or {}, blocks=blocks)


def _blocks(raw_blocks: list, where: str) -> Iterator[Block]:
    table_index = 0
    for index, raw in enumerate(raw_blocks):
        here = f"{where}: block {index}"
        _mapping(raw, here)
        if "table" in raw:
            _keys(raw, here, required=("table",))
            yield _table(raw["table"], f"{where}: table {table_index}")
            table_index += 1
        elif "heading" in raw:
            _keys(raw, here, required=("heading",), optional=("level",))
            yield Text("heading", _text(raw["heading"], here), raw.get("level", 1))
        elif "title" in raw or "paragraph" in raw:
            kind = "title" if "title" in raw else "paragraph"
            _keys(raw, here, required=(kind,))
            yield Text(kind, _text(raw[kind], here))
        elif "bullets" in raw or "numbered" in raw:
            kind = "bullets" if "bullets" in raw else "numbered"
            _keys(raw, here, required=(kind,), optional=("start",) if kind == "numbered" else ())
            yield ListBlock(kind == "numbered", tuple(_text(i, here) for i in raw[kind]),
                            int(raw.get("start", 1)))
        elif "page_break" in raw:
            _keys(raw, here, required=("page_break",))
            yield PageBreak()
        elif "section" in raw:
            _keys(raw, here, required=("section",))
            orientation = _keys(raw["section"], here, required=("orientation",))["orientation"]
            yield Section(_choice(orientation, ("portrait", "landscape"), f"{here}: orientation"))
        else:
            raise SpecError(f"{here}: unknown block {sorted(raw)}")


def _table(raw: Any, where: str) -> Table:
    _mapping(raw, where)
    _keys(raw, where, required=("columns", "rows"),
          optional=("widths", "fields", "header_repeat", "shading", "context", "caption"))
    columns = tuple(_header_cell(c, where) for c in raw["columns"])
    width = sum(span for _, span in columns)
    widths = tuple(raw.get("widths") or [1] * width)
    fields = tuple(raw.get("fields") or [None] * width)
    for name, values in (("widths", widths), ("fields", fields)):
        if len(values) != width:
            raise SpecError(f"{where}: {len(values)} {name} for {width} columns")
    for name in fields:
        if name is not None:
            _choice(name, TEXT_FIELDS, f"{where}: fields")
    rows = tuple(_row(r, width, f"{where}, row {i}") for i, r in enumerate(raw["rows"]))
    _check_spans(rows, where)
    caption = raw.get("caption")
    return Table(columns=columns, widths=widths, fields=fields, rows=rows,
                 caption=None if caption is None else _paragraphs(caption, where),
                 header_repeat=raw.get("header_repeat", True),
                 shading=str(raw.get("shading", "D9D9D9")),
                 context=_text_fields(raw.get("context"), f"{where}: context"))


def _header_cell(raw: Any, where: str) -> tuple[Paragraphs, int]:
    if isinstance(raw, dict):
        _keys(raw, f"{where}: columns", required=("text",), optional=("span",))
        return _paragraphs(raw["text"], where), int(raw.get("span", 1))
    return _paragraphs(raw, where), 1


def _row(raw: Any, width: int, where: str) -> Row:
    _mapping(raw, where)
    context = _text_fields(raw.get("context"), f"{where}: context")
    if "banner" in raw:
        _keys(raw, where, required=("banner",), optional=("context",))
        return Row(cells=(_paragraphs(raw["banner"], where),), banner=True, record="none",
                   context=context)
    _keys(raw, where, required=("cells",),
          optional=("span", "merge", "record", "context", "fields", "truth"))
    if len(raw["cells"]) != width:
        raise SpecError(f"{where}: {len(raw['cells'])} cells, the table has {width} columns")
    merge = bool(raw.get("merge", False))
    span = {int(c): int(n) for c, n in (raw.get("span") or {}).items()}
    if merge and span:
        raise SpecError(f"{where}: a merged row cannot span rows")
    return Row(
        cells=tuple(None if c is None else _paragraphs(c, where) for c in raw["cells"]),
        merge=merge, span=span,
        record=_choice(raw.get("record", "none" if merge else "action"), RECORDS, f"{where}: record"),
        context=context,
        fields=_text_fields(raw.get("fields"), f"{where}: fields"),
        truth=_truth(raw.get("truth") or {}, where),
    )


def _check_spans(rows: tuple[Row, ...], where: str) -> None:
    covered = covered_cells(rows)
    for r, row in enumerate(rows):
        here = f"{where}, row {r}"
        for column, count in row.span.items():
            if not 0 <= column < len(row.cells) or row.cells[column] is None:
                raise SpecError(f"{here}: span on column {column}, which has no cell here")
            if count < 1 or r + count > len(rows):
                raise SpecError(f"{here}: span of {count} rows on column {column} runs off the table")
            for below in range(r + 1, r + count):
                if rows[below].banner or rows[below].merge:
                    raise SpecError(f"{here}: span on column {column} runs into row {below}, a banner")
                if rows[below].cells[column] is not None:
                    raise SpecError(f"{where}, row {below}: column {column} is under the span "
                                    f"from row {r} and must be null")
        if not (row.banner or row.merge):
            for column, cell in enumerate(row.cells):
                if cell is None and (r, column) not in covered:
                    raise SpecError(f"{here}: null cell in column {column} is not covered by a span")


def _check_sub_rows_follow_actions(tables: list[Table], where: str) -> None:
    seen_action = False
    for t, table in enumerate(tables):
        for r, row in enumerate(table.rows):
            if row.record == "sub_row" and not seen_action:
                raise SpecError(f"{where}: table {t}, row {r}: sub_row with no action above it")
            seen_action = seen_action or row.record == "action"


def _truth(raw: Any, where: str) -> dict[str, Any]:
    _keys(raw, f"{where}: truth", optional=("milestones", "owners", "relation", "status"))
    for i, milestone in enumerate(raw.get("milestones", [])):
        here = f"{where}: truth milestone {i}"
        _keys(milestone, here, required=MILESTONE_KEYS[0], optional=MILESTONE_KEYS[1])
        _choice(milestone["kind"], MILESTONE_KINDS, f"{here}: kind")
    for i, owner in enumerate(raw.get("owners", [])):
        here = f"{where}: truth owner {i}"
        _keys(owner, here, required=OWNER_KEYS[0], optional=OWNER_KEYS[1])
        _choice(owner["kind"], OWNER_KINDS, f"{here}: kind")
    if "relation" in raw:
        _choice(raw["relation"], RELATIONS, f"{where}: truth relation")
    if "status" in raw:
        _choice(raw["status"], STATUSES, f"{where}: truth status")
    return raw


def _text_fields(raw: Any, where: str) -> dict[str, str]:
    raw = raw or {}
    _keys(raw, where, optional=TEXT_FIELDS)
    return {k: _text(v, where) for k, v in raw.items()}


def _paragraphs(raw: Any, where: str) -> Paragraphs:
    items = raw if isinstance(raw, list) else str(raw).split("\n")
    return tuple(_text(p, where) for p in items)


def _text(raw: Any, where: str) -> str:
    text = "" if raw is None else str(raw)
    for tag in MARKUP.findall(text):
        if tag not in STYLE_TAGS:
            raise SpecError(f"{where}: unknown markup <{tag}> in {text[:60]!r}")
    return text


def _mapping(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping, got {type(raw).__name__}")


def _keys(raw: Any, where: str, required: tuple = (), optional: tuple = ()) -> dict:
    _mapping(raw, where)
    missing = [k for k in required if k not in raw]
    unknown = [k for k in raw if k not in required and k not in optional]
    if missing:
        raise SpecError(f"{where}: missing key {', '.join(map(str, missing))}")
    if unknown:
        raise SpecError(f"{where}: unknown key {', '.join(map(str, unknown))}")
    return raw


def _choice(value: Any, allowed: tuple, where: str) -> Any:
    if value not in allowed:
        raise SpecError(f"{where}: {value!r} is not one of {', '.join(map(str, allowed))}")
    return value


def covered_cells(rows: tuple[Row, ...]) -> dict[tuple[int, int], int]:
    """(row, column) of every cell under a span -> the row the spanning cell is in."""
    return {(r + k, column): r
            for r, row in enumerate(rows) for column, count in row.span.items()
            for k in range(1, count)}


# ---------------------------------------------------------------------------------------
# The answer key


def plain(paragraphs: Paragraphs) -> str:
    """A cell's truth text: paragraphs joined by newlines, bullet markers and tags removed."""
    return "\n".join(MARKUP.sub("", p).removeprefix(BULLET) for p in paragraphs)


def own_entry(table: Table, r: int) -> dict[str, str]:
    """The non-empty cells a row itself holds (not those under a span), by truth field."""
    row = table.rows[r]
    return {name: plain(cell) for name, cell in zip(table.fields, row.cells)
            if name and cell is not None and plain(cell)}


def seen_cells(table: Table, r: int) -> dict[str, str]:
    """The non-empty cells a reader sees on row r, a span's text included, by truth field."""
    origin = covered_cells(table.rows)
    cells = {}
    for column, name in enumerate(table.fields):
        cell = table.rows[origin.get((r, column), r)].cells[column]
        if name and cell is not None and plain(cell):
            cells[name] = plain(cell)
    return cells


def derive_actions(spec: Spec) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    context: dict[str, str] = {}
    for table in spec.tables:
        context = context | table.context
        for r, row in enumerate(table.rows):
            context = context | row.context
            if row.record == "action":
                actions.append(_action(table, r, context))
            elif row.record == "sub_row":
                _add_sub_row(actions[-1], table, r)
    return actions


def _action(table: Table, r: int, context: dict[str, str]) -> dict[str, Any]:
    row = table.rows[r]
    record: dict[str, Any] = {name: "" for name in TEXT_FIELDS}
    record |= context | seen_cells(table, r) | row.fields
    record["sub_rows"] = [own_entry(table, r)]  # kept only if a sub-row follows
    record["milestones"] = list(row.truth.get("milestones", []))
    record["owners"] = list(row.truth.get("owners", []))
    record["relation"] = row.truth.get("relation", "")
    record["status"] = row.truth.get("status", "")
    return record


def _add_sub_row(action: dict[str, Any], table: Table, r: int) -> None:
    row = table.rows[r]
    entry = own_entry(table, r)
    action["sub_rows"].append(entry)
    for name, text in entry.items():
        action[name] = f"{action[name]}\n{text}" if action[name] else text
    action |= row.fields
    action["milestones"] += row.truth.get("milestones", [])
    action["owners"] += row.truth.get("owners", [])
    for key in ("relation", "status"):
        action[key] = row.truth.get(key, action[key])


def derive_truth(spec: Spec, variant: str) -> dict[str, Any]:
    actions = derive_actions(spec)
    for action in actions:
        if len(action["sub_rows"]) == 1:
            action["sub_rows"] = []
    return {"sample": spec.sample, "pdf": pdf_name(spec.sample, variant), "seed": spec.seed,
            "variant": variant, "truth": spec.truth, "actions": actions}


def truth_json(spec: Spec, variant: str) -> str:
    return json.dumps(derive_truth(spec, variant), indent=2, ensure_ascii=False) + "\n"


def output_stem(sample: str, variant: str) -> str:
    return sample if variant == "ruled" else f"{sample}_{variant}"


def pdf_name(sample: str, variant: str) -> str:
    return output_stem(sample, variant) + ".pdf"


# ---------------------------------------------------------------------------------------
# Rendering: spec -> .docx

BULLET_LIST, NUMBERED_LIST = 90, 91  # abstractNum ids, clear of the template's own
FIXED_DATE = datetime.datetime(2000, 1, 1)  # metadata stamps, so rebuilds do not differ


@dataclass(frozen=True)
class Look:
    """How a variant draws tables."""
    rules: bool
    shading: bool


LOOKS = {"ruled": Look(True, True), "borderless": Look(False, False)}


def render_docx(spec: Spec, look: Look, path: Path) -> None:
    doc = Document()
    _base_style(doc, spec.page)
    _numbering_definitions(doc)
    _page_setup(doc.sections[0], spec.page, spec.page.orientation)
    if spec.footer:
        _footer(doc.sections[0].footer.paragraphs[0], spec.footer, spec.page.font_size - 1)
    for block in spec.blocks:
        _render_block(doc, block, spec.page, look)
    props = doc.core_properties
    props.author = props.last_modified_by = "boardplans samples"
    props.created = props.modified = FIXED_DATE
    props.revision = 1
    doc.save(str(path))


def _render_block(doc: DocxDocument, block: Block, page: Page, look: Look) -> None:
    if isinstance(block, Text):
        _text_block(doc, block, page)
    elif isinstance(block, ListBlock):
        num = _new_list(doc, block.numbered, block.start)
        for item in block.items:
            _list_paragraph(doc.add_paragraph(), item, num, indent_cm=0.6)
    elif isinstance(block, PageBreak):
        doc.add_page_break()
    elif isinstance(block, Section):
        _page_setup(doc.add_section(), page, block.orientation)
    else:
        _table_block(doc, block, look)


def _base_style(doc: DocxDocument, page: Page) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = page.font
    normal.font.size = Pt(page.font_size)
    fonts = normal.element.rPr.rFonts
    for attr in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attr), page.font)
    normal.paragraph_format.space_after = Pt(4)


def _page_setup(section, page: Page, orientation: str) -> None:
    short, long = PAGE_SIZES_CM[page.size]
    landscape = orientation == "landscape"
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(long), Cm(short)) if landscape else (Cm(short), Cm(long))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(page.margin_cm))


def _footer(paragraph: Paragraph, template: str, size: float) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in re.split(r"(\{PAGE\}|\{NUMPAGES\})", template):
        if piece in ("{PAGE}", "{NUMPAGES}"):
            _field(paragraph, piece.strip("{}"), size)
        elif piece:
            paragraph.add_run(piece).font.size = Pt(size)


def _field(paragraph: Paragraph, instruction: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) that LibreOffice fills in on export."""
    parts = [("w:fldChar", "begin"), ("w:instrText", f" {instruction} "),
             ("w:fldChar", "separate"), ("w:t", "1"), ("w:fldChar", "end")]
    for tag, value in parts:
        run = paragraph.add_run()
        run.font.size = Pt(size)
        element = OxmlElement(tag)
        if tag == "w:fldChar":
            element.set(qn("w:fldCharType"), value)
        else:
            element.set(qn("xml:space"), "preserve")
            element.text = value
        run._r.append(element)


def _text_block(doc: DocxDocument, block: Text, page: Page) -> None:
    paragraph = doc.add_paragraph()
    if block.kind == "paragraph":
        _runs(paragraph, block.text)
        return
    size = page.font_size + (8 if block.kind == "title" else max(4 - 2 * (block.level - 1), 1))
    _runs(paragraph, block.text, bold=True, size=size)
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(10)


def _runs(paragraph: Paragraph, text: str, bold: bool = False, size: float | None = None) -> None:
    """Add text as runs, <b> and <u> becoming real bold and underline."""
    on = {"b": False, "u": False}
    for piece in re.split(r"(</?[bu]>)", text):
        tag = MARKUP.fullmatch(piece)
        if tag:
            on[tag.group(1)] = not piece.startswith("</")
        elif piece:
            run = paragraph.add_run(piece)
            run.bold = (bold or on["b"]) or None
            run.underline = on["u"] or None
            if size:
                run.font.size = Pt(size)


def _numbering_definitions(doc: DocxDocument) -> None:
    numbering = doc.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    for abstract_id, fmt, text, hanging in ((BULLET_LIST, "bullet", "•", 240),
                                            (NUMBERED_LIST, "decimal", "%1.", 300)):
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
            '<w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{hanging}" w:hanging="{hanging}"/></w:pPr></w:lvl>'
            "</w:abstractNum>")
        if first_num is None:
            numbering.append(abstract)
        else:
            first_num.addprevious(abstract)


def _new_list(doc: DocxDocument, numbered: bool, start: int = 1) -> int:
    """A numbering instance; each list gets its own so it restarts at `start`."""
    numbering = doc.part.numbering_part.element
    num_id = max([int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))] + [0]) + 1
    abstract = NUMBERED_LIST if numbered else BULLET_LIST
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>'))
    return num_id


def _list_paragraph(paragraph: Paragraph, text: str, num_id: int, indent_cm: float) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id
    paragraph.paragraph_format.left_indent = Cm(indent_cm)
    paragraph.paragraph_format.first_line_indent = Cm(-0.4)
    paragraph.paragraph_format.space_after = Pt(1)
    _runs(paragraph, text)


def _table_block(doc: DocxDocument, table: Table, look: Look) -> None:
    section = doc.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    caption_rows = 1 if table.caption is not None else 0
    grid = doc.add_table(rows=caption_rows + 1 + len(table.rows), cols=table.width)
    _table_properties(grid, usable, table, look)
    bullets = _new_list(doc, numbered=False)
    fill = table.shading if look.shading else None
    header_rows = list(range(caption_rows + 1))
    if caption_rows:
        _fill(_whole_row(grid, 0), table.caption, bullets, bold=True, fill=fill)
    column = 0
    for text, span in table.columns:
        cell = grid.cell(caption_rows, column)
        if span > 1:
            cell = cell.merge(grid.cell(caption_rows, column + span - 1))
        _fill(cell, text, bullets, bold=True, fill=fill)
        column += span
    for r in header_rows:
        _row_properties(grid.rows[r], header=table.header_repeat)
    body = caption_rows + 1
    for r, row in enumerate(table.rows):
        _body_row(grid, body + r, row, bullets, fill)
    doc.add_paragraph()  # as Word has: without it adjacent tables fuse into one


def _body_row(grid, at: int, row: Row, bullets: int, fill: str | None) -> None:
    if row.banner or row.merge:
        paragraphs = tuple(p for cell in row.cells if cell is not None for p in cell)
        _fill(_whole_row(grid, at), paragraphs, bullets, bold=True,
              fill=fill if row.banner else None)
        return
    for column, cell in enumerate(row.cells):
        if cell is None:
            continue
        target = grid.cell(at, column)
        if column in row.span and row.span[column] > 1:
            target = target.merge(grid.cell(at + row.span[column] - 1, column))
        _fill(target, cell, bullets)


def _whole_row(grid, at: int) -> _Cell:
    return grid.cell(at, 0).merge(grid.cell(at, len(grid.columns) - 1))


def _fill(cell: _Cell, paragraphs: Paragraphs, bullets: int, bold: bool = False,
          fill: str | None = None) -> None:
    for i, text in enumerate(paragraphs):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        if text.startswith(BULLET):
            _list_paragraph(paragraph, text.removeprefix(BULLET), bullets, indent_cm=0.45)
        else:
            _runs(paragraph, text, bold=bold)
    if fill:
        shade = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
        cell._tc.get_or_add_tcPr().insert_element_before(
            shade, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def _table_properties(grid, usable: int, table: Table, look: Look) -> None:
    grid.autofit = False  # fixed layout: the widths below are kept
    total = sum(table.widths)
    widths = [int(usable * w / total) for w in table.widths]
    for column, width in zip(grid.columns, widths):
        column.width = width
        for cell in column.cells:
            cell.width = width
    tbl_pr = grid._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(widths) // 635))  # EMU -> twentieths of a point
    style = "single" if look.rules else "nil"
    edges = "".join(f'<w:{edge} w:val="{style}" w:sz="4" w:space="0" w:color="000000"/>'
                    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"))
    tbl_pr.insert_element_before(parse_xml(f'<w:tblBorders {nsdecls("w")}>{edges}</w:tblBorders>'),
                                 "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")


def _row_properties(row, header: bool) -> None:
    """Header rows never split; with header_repeat they repeat on every page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


# ---------------------------------------------------------------------------------------
# Rendering: .docx -> PDF, PDF -> scanned PDF


def export_pdfs(docx_paths: list[Path], out_dir: Path, work: Path) -> None:
    """Convert with LibreOffice headless, in a private profile so parallel runs don't collide."""
    profile = (work / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out_dir), *map(str, docx_paths)],
        check=True, capture_output=True, timeout=300)


PDF_DATE = re.compile(rb"(/CreationDate\(D:)\d{14}")
PDF_HASHES = re.compile(rb"(?<=/DocChecksum /)[0-9A-F]{32}|(?<=<)[0-9A-F]{32}(?=>\s*(?:<|\]))")


def stable_pdf(data: bytes) -> bytes:
    """LibreOffice's PDF with its export time, file ID and checksum replaced by fixed values
    of the same length (so the xref offsets stay valid): a rebuild is then byte-identical."""
    data = PDF_DATE.sub(rb"\g<1>20000101000000", data)
    body, trailer = data.rsplit(b"trailer", 1)  # the ID and checksum live in the trailer only
    digest = hashlib.md5(body + PDF_HASHES.sub(b"", trailer)).hexdigest().upper().encode()
    return body + b"trailer" + PDF_HASHES.sub(digest, trailer)


def scan(pdf: Path, out: Path, seed_text: str, work: Path, dpi: int = 150) -> None:
    """An image-only copy of pdf with a faint, seeded scan look: no text layer at all."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(work / "page")],
                   check=True, capture_output=True)
    rng = np.random.default_rng(int(hashlib.sha256(seed_text.encode()).hexdigest()[:16], 16))
    pages = []
    for png in sorted(work.glob("page-*.png")):
        with Image.open(png) as image:
            pages.append(scan_look(image.convert("L"), rng))
    fixed = time.gmtime(946684800)  # 2000-01-01: Pillow otherwise stamps the current time
    pages[0].save(out, save_all=True, append_images=pages[1:], resolution=dpi, quality=60,
                  creationDate=fixed, modDate=fixed, producer="boardplans samples")


def scan_look(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A slightly skewed page on greyish, mottled paper with a few specks of dust.

    Low-frequency mottling rather than per-pixel noise: it looks like paper and keeps the
    JPEG pages small."""
    page = page.rotate(rng.uniform(-0.4, 0.4), resample=Image.BICUBIC, fillcolor=255)
    pixels = np.asarray(page, dtype=np.float64) * 0.9 + 14  # greyish paper, lifted black
    coarse = rng.normal(0.0, 6.0, (page.height // 16 + 1, page.width // 16 + 1))
    mottle = Image.fromarray(coarse.astype(np.float32), mode="F").resize(page.size, Image.BICUBIC)
    pixels += np.asarray(mottle)
    specks = rng.random(pixels.shape) < 0.0008
    pixels[specks] = rng.uniform(60, 160, int(specks.sum()))
    scanned = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    return scanned.filter(ImageFilter.GaussianBlur(0.4))


def build(spec: Spec, out_dir: Path, truth_dir: Path) -> list[Path]:
    """Write every variant's PDF and truth file; returns the files written."""
    written = []
    with tempfile.TemporaryDirectory(prefix="boardplans-samples-") as tmp:
        work = Path(tmp)
        rendered = {"ruled"} if "scanned" in spec.variants else set()
        rendered |= {v for v in spec.variants if v in LOOKS}
        docs = []
        for variant in sorted(rendered):
            docs.append(work / f"{output_stem(spec.sample, variant)}.docx")
            render_docx(spec, LOOKS[variant], docs[-1])
        export_pdfs(docs, work, work)
        for variant in spec.variants:
            target = out_dir / pdf_name(spec.sample, variant)
            if variant == "scanned":
                pages = work / "scan"
                pages.mkdir()
                scan(work / pdf_name(spec.sample, "ruled"), target, spec.sample, pages)
            else:
                target.write_bytes(stable_pdf((work / pdf_name(spec.sample, variant)).read_bytes()))
            truth = truth_dir / f"{output_stem(spec.sample, variant)}.json"
            truth.write_text(truth_json(spec, variant), encoding="utf-8")
            written += [target, truth]
    return written


def spec_paths(src: Path, only: list[str]) -> list[Path]:
    return [p for p in sorted(src.glob("*.yaml"))
            if not only or any(p.stem.startswith(prefix) for prefix in only)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="PREFIX",
                        help="build only specs whose file name starts with PREFIX")
    parser.add_argument("--src", type=Path, default=HERE / "src", help="spec directory")
    parser.add_argument("--out", type=Path, default=HERE, help="PDF directory")
    parser.add_argument("--truth-out", type=Path, default=HERE / "truth", help="truth directory")
    parser.add_argument("--truth-only", action="store_true",
                        help="write the truth files only (no LibreOffice needed)")
    args = parser.parse_args(argv)
    paths = spec_paths(args.src, args.only)
    if not paths:
        parser.error(f"no spec in {args.src} matches {args.only or '*.yaml'}")
    args.out.mkdir(parents=True, exist_ok=True)
    args.truth_out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in paths:
        try:
            spec = load_spec(path)
            if args.truth_only:
                for variant in spec.variants:
                    (args.truth_out / f"{output_stem(spec.sample, variant)}.json").write_text(
                        truth_json(spec, variant), encoding="utf-8")
                print(f"{path.name}: truth for {', '.join(spec.variants)}")
            else:
                written = build(spec, args.out, args.truth_out)
                print(f"{path.name}: {', '.join(p.name for p in written)}")
        except (SpecError, yaml.YAMLError) as error:
            failures += 1
            print(f"error: {error}", file=sys.stderr)
        except subprocess.CalledProcessError as error:
            failures += 1
            print(f"error: {path.name}: {error.cmd[0]} failed: {error.stderr.decode()[-500:]}",
                  file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
