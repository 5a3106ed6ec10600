"""Tables → plan rows: header mapping, context carried down, hierarchy, sub-rows.

Every rule here reads the structure of a table (which cells are filled, merged or covered,
where references and bullets stand), never the wording of one board.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from statistics import median
from typing import Iterator, Sequence

from boardplans.extractors.model import Cell, PageContent, Row, Table, TextLine

from .columns import assign_fields
from .headers import HeaderMatch, is_header_row, match_header, normalize
from .patterns import (PriorityHeading, heading_lead, is_ref, label_key, range_part, read_numbered_heading, read_priority_cell,
                       read_priority_heading, split_leading_ref, strip_bullet)

# fields whose empty cell means "same as the row above" (a merged cell the PDF lost)
FILL_DOWN = ("priority", "objective")
# a continued table's column starts within this many points of one before it: the same column
COLUMN_MATCH = 12.0
# a line this many times the body text's size is set as a heading
HEADING_SIZE = 1.15
# fields that make a row a plan action rather than a heading or a parent task
PLAN_DATA = ("method", "lead", "timescale", "measure", "progress", "partners", "resources")
# fields a milestone sub-row may carry on its own
SUB_ROW_FIELDS = ("lead", "timescale", "measure", "progress", "method")


@dataclass(frozen=True)
class ColumnMap:
    fields: tuple[str | None, ...]
    headers: tuple[HeaderMatch | None, ...]
    header_row: int  # index in the table's rows, -1 when inherited from the table before
    parts: tuple[str, ...] = ()  # "start" / "end" where a sub-header splits a column into a range

    @property
    def primary(self) -> str | None:
        """The field whose cell opens a new row: the action, else the objective."""
        for name in ("action", "objective"):
            if name in self.fields:
                return name
        return next((f for f in self.fields if f and f != "ref"), None)


@dataclass
class PlanRow:
    priority_ref: str
    priority_title: str
    ref: str
    parent_ref: str
    values: dict[str, str]
    table: int
    strategy: str
    sources: list[tuple[str, Cell]] = field(default_factory=list)
    sub_rows: list[dict[str, str]] = field(default_factory=list)
    # text the normalizers read instead of the cell's, for a field split into start and end
    readings: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def own_cells(self) -> list[Cell]:
        return [c for _, c in self.sources]

    @property
    def page_start(self) -> int:
        return min(c.page for c in self.own_cells)

    @property
    def page_end(self) -> int:
        return max(c.last_page for c in self.own_cells)


@dataclass
class Context:
    priority_ref: str = ""
    priority_title: str = ""
    objective: str = ""
    objective_ref: str = ""
    parent_ref: str = ""
    priority_open: bool = False
    priority_label: str = ""  # the label that opened the priority ("theme"), "" for a bare ref

    def set_priority(self, ref: str, title: str, label: str = "") -> None:
        self.priority_ref, self.priority_title = ref, title
        self.priority_open, self.priority_label = True, label
        self.objective = self.objective_ref = self.parent_ref = ""

    def open_heading(self, heading: PriorityHeading, inner: bool = False) -> str:
        """Open the level a heading or banner names and say which, "priority" or "objective".
        The level is read from the nesting, not from one word: under an open priority, the
        inner of two stacked banners, a bare ref under a labelled priority, and an
        objective's label other than the one that opened the priority ("Outcome 1" under
        "Theme A") open an objective; anything else opens a priority ("Outcome 2" after an
        "Outcome 1" that opened one)."""
        label = label_key(heading.label)
        outline = heading.kind == "objective" and "." in heading.ref  # "Objective 1.1": its ref says so
        nests = outline or self.priority_open and (
            (inner and not (label and heading.kind == "priority")) or (not label and bool(self.priority_label))
            or (heading.kind == "objective" and label != self.priority_label))
        if not nests:
            self.set_priority(heading.ref, heading.title, label)
            return "priority"
        self.objective_ref, self.objective, self.parent_ref = heading.ref, heading.title, heading.ref
        return "objective"


def read_heading(text: str, stands_out: bool) -> PriorityHeading | None:
    """A heading's reading: labelled ("Priority 2: …", "Outcome 1 – …") anywhere, or a bare
    ref ("1. - MANAGING ALLEGATIONS", "B. Neglect") where the line stands out as a heading
    (a banner row, a bold or larger line), as a numbered list item in prose does not."""
    return read_priority_heading(text) or (read_numbered_heading(text) if stands_out else None)


@dataclass
class TableReport:
    """How one table was read: the parsing report kept beside the data, with the table as
    the plan stage read it (a form turned into rows) and its column map, for the debug view."""
    index: int
    pages: list[int]
    strategy: str
    columns: list[str | None]
    headers: list[str]
    header_source: str  # own, inherited, form, none
    rows: int
    actions: int
    notes: list[str]
    table: Table | None = field(repr=False, default=None)
    cmap: ColumnMap | None = field(repr=False, default=None)


@dataclass(frozen=True)
class ParentRow:
    """A row that heads other rows in a hierarchical plan: an objective banner ("1.1 Focus
    on …") or a task whose bullets are its actions ("1.1.3 To contribute to …")."""
    kind: str  # objective, task
    row: PlanRow


@dataclass
class PlanResult:
    rows: list[PlanRow]
    tables: list[TableReport]
    headings: list[tuple[str, str, TextLine]]  # (ref, title, line) of priority headings
    parents: list[ParentRow] = field(default_factory=list)


def _mostly_refs(table: Table, column: int, start: int) -> bool:
    texts = [r.cells[column].text for r in table.rows[start:]
             if column < len(r.cells) and r.cells[column] and r.cells[column].text]
    return bool(texts) and sum(is_ref(t) for t in texts) >= 0.6 * len(texts)


def map_columns(table: Table) -> ColumnMap | None:
    """The first of the table's opening rows that reads as a header, its columns typed by
    header and content together (pipeline/columns.py). A header cell spanning two columns
    gives both its field; over a narrow column of references, the first one is the ref."""
    for index, row in enumerate(table.rows[:4]):
        if not is_header_row(row.texts):
            continue
        below = index + 1 < len(table.rows) and _is_sub_header(table.rows[index + 1], row)
        start = index + 2 if below else index + 1
        columns = [[r.cells[i].text for r in table.rows[start:] if i < len(r.cells) and r.cells[i] is not None]
                   for i in range(len(row.cells))]
        texts = list(row.texts)
        for col in range(len(texts) - 1):
            # "Action" over a narrow column of refs and the actions: the header names the second
            if row.cells[col + 1] is None and _mostly_refs(table, col, start):
                texts[col], texts[col + 1] = "", texts[col]
        fields: list[str | None] = [a.field for a in assign_fields(texts, columns)]
        for col in range(len(fields)):
            if fields[col] is None and _mostly_refs(table, col, start):
                fields[col] = "ref"
            elif fields[col] is None and col and row.cells[col] is None:
                fields[col] = fields[col - 1]  # merged into the header cell on its left
        matches = tuple(match_header(cell.text) if cell else None for cell in row.cells)
        # the ends of a range are named by a sub-header, or by headers of their own ("Start date")
        parts = tuple(range_part(t) for t in table.rows[start - 1].texts)
        return ColumnMap(tuple(fields), matches, start - 1, parts)
    return None


def _is_sub_header(row: Row, header: Row) -> bool:
    """A second header row naming the parts of a header cell that spans several columns
    ("Timescale" over "Start" | "End"): short texts, only under spanning header cells."""
    spanned = {i for i, c in enumerate(header.cells) if c is None}
    spanned |= {i - 1 for i in spanned}
    filled = row.filled
    return bool(filled) and set(filled) <= spanned and all(len(row.cells[i].text) <= 30 for i in filled)


def as_form(table: Table) -> Table | None:
    """A two-column table whose left cells are labels ("Action", "Lead", "Timescale") and
    right cells their values, turned into an ordinary table: the labels become the header,
    and each run of labels (a label seen again starts the next) one row of values."""
    if table.n_columns != 2:
        return None
    labelled = [(r, match_header(r.cells[0].text).field) for r in table.rows
                if len(r.cells) == 2 and r.cells[0] is not None and r.cells[1] is not None]
    fields = [f for _, f in labelled if f]
    if len(set(fields)) < 3 or not {"action", "objective"} & set(fields) or len(fields) < 0.6 * len(table.rows):
        return None
    order: list[str] = []
    labels: dict[str, Cell] = {}
    runs: list[dict[str, Cell]] = [{}]
    for row, name in labelled:
        if name is None:
            continue
        if name in runs[-1]:
            runs.append({})
        runs[-1][name] = row.cells[1]
        if name not in labels:
            order.append(name)
            labels[name] = row.cells[0]
    header = Row(tuple(labels[n] for n in order), table.page)
    body = [Row(tuple(run.get(n) or Cell("", labels[n].page, labels[n].bbox) for n in order), table.page)
            for run in runs]
    return Table(rows=[header, *body], page=table.page, bbox=table.bbox, strategy=table.strategy,
                 pages=list(table.pages), notes=table.notes + ["read as a form: labels on the left"])


def range_reading(row: Row, cmap: ColumnMap, name: str) -> str:
    """How the normalizers should read a field split into start and end columns: the two
    cells as one range ("Apr 2019 – Mar 2020"), or what there is of it."""
    ends = {part: cell.text for f, part, cell in zip(cmap.fields, cmap.parts, row.cells)
            if f == name and part and cell is not None and cell.text}
    if "start" in ends and "end" in ends:
        return f"{ends['start']} – {ends['end']}"
    return f"From {ends['start']}" if "start" in ends else ends.get("end", "")


def _row_values(row: Row, cmap: ColumnMap) -> tuple[dict[str, str], set[str], list[tuple[str, Cell]]]:
    """Text per field, the fields covered by a merged cell, and the cells read."""
    values: dict[str, str] = {}
    covered: set[str] = set()
    sources: list[tuple[str, Cell]] = []
    for name, cell in zip(cmap.fields, row.cells):
        if name is None:
            continue
        if cell is None:
            covered.add(name)
            continue
        if cell.text:
            values[name] = f"{values[name]}\n{cell.text}" if values.get(name) else cell.text
            sources.append((name, cell))
    return values, covered, sources


def is_banner(row: Row) -> bool:
    """One filled cell at the left edge, the rest merged into it or a priority heading."""
    filled = row.filled
    if len(filled) != 1 or filled[0] != 0 or len(row.cells) < 2:
        return False
    merged = all(c is None for c in row.cells[1:])
    return merged or read_priority_heading(row.cells[0].text) is not None


class _TableReader:
    """Reads one table's body rows in order, carrying the document context."""

    def __init__(self, index: int, table: Table, cmap: ColumnMap, ctx: Context, priority_stated: bool,
                 carried: _TableReader | None = None):
        self.index, self.table, self.cmap, self.ctx = index, table, cmap, ctx
        # whether a heading or banner stated this table's priority; if not, numbered refs
        # ("2.1" under a priority 1 carried over from the table before) name it
        self.priority_stated = priority_stated
        # a reference column numbered as an outline (A, A.1, A.1.1): its top level are priorities
        columns = [i for i, f in enumerate(cmap.fields) if f == "ref"]
        self.outline = any("." in r.cells[i].text for r in table.rows for i in columns
                           if i < len(r.cells) and r.cells[i] is not None)
        # fixed per table, read on every row
        self.header_key = [normalize(m.text if m else "") for m in cmap.headers]
        self.ranged = {f for f, part in zip(cmap.fields, cmap.parts) if f and part == "start"}
        self.rows: list[PlanRow] = []
        self.parents: list[ParentRow] = []
        self.pending: PlanRow | None = None  # a task with no plan data: parent or action
        self.above: dict[str, str] = {}      # the last action row's values, for fill-down
        self.above_sources: dict[str, Cell] = {}
        # a table continued from the page before: its merged cells run on into this one,
        # also where their column is empty here and so was not found
        self.runs_on: set[str] = set()
        if carried is not None:
            self.above_sources = {f: c for f, c in carried.above_sources.items() if f in FILL_DOWN}
            self.above = {f: carried.above[f] for f in self.above_sources}
            self.runs_on = {f for f in self.above if f not in cmap.fields}

    def read(self, rows: Sequence[Row]) -> list[PlanRow]:
        previous_banner = False  # stacked banners: the outer is the priority, the inner the objective
        for k, row in enumerate(rows):
            if self._repeats_header(row):
                # a header inside a table: a new table set flush against the last one
                self._flush_pending()
                self.priority_stated = False
                continue
            banner = is_banner(row)
            if banner:
                self._flush_pending()
                outer = k + 1 < len(rows) and is_banner(rows[k + 1])
                self._banner(row.cells[0], inner=previous_banner, outer=outer and not previous_banner)
            else:
                self._body_row(row)
            previous_banner = banner
        self._flush_pending()
        return self.rows

    def _repeats_header(self, row: Row) -> bool:
        return [normalize(t) for t in row.texts] == self.header_key and is_header_row(row.texts)

    def _banner(self, cell: Cell, inner: bool, outer: bool) -> None:
        heading = read_heading(cell.text, stands_out=True)
        if heading is None and outer and not self.ctx.priority_ref:
            # the outer of two stacked banners names a priority by its place even unnumbered
            # ("MAXIMISING LEARNING …" over "To ensure learning …"), where no numbered
            # priority is open that it would be a statement under
            heading = PriorityHeading("", cell.text)
        if heading and self.ctx.open_heading(heading, inner) == "priority":
            self.priority_stated = True
            self.above.clear()
            return
        if heading is None:  # an objective's statement, perhaps after its ref ("1.1 Focus on …")
            ref = split_leading_ref(cell.text)
            self.ctx.objective_ref = self.ctx.parent_ref = ref.ref if ref else ""
            self.ctx.objective = ref.rest if ref else cell.text
        if self.ctx.objective_ref:
            self.parents.append(ParentRow("objective", PlanRow(
                self.ctx.priority_ref, self.ctx.priority_title, self.ctx.objective_ref, "",
                {"objective": self.ctx.objective}, self.index, self.table.strategy, [("objective", cell)])))

    def _body_row(self, row: Row) -> None:
        values, covered, sources = _row_values(row, self.cmap)
        primary = self.cmap.primary
        opens_row = bool(values.get(primary) or values.get("ref"))
        if not opens_row:
            if self.pending is not None:
                self._promote_pending()
            if self.rows and values:
                self._attach_sub_row(self.rows[-1], values, sources)
            return
        bullet, text = strip_bullet(values.get(primary, ""))
        ref = values.get("ref", "")
        if not ref and text and not bullet:
            leading = split_leading_ref(text)
            if leading:
                ref, text = leading.ref, leading.rest
        values[primary] = text
        has_plan_data = any(values.get(f) or f in covered for f in PLAN_DATA if f in self.cmap.fields)
        if self.outline and values.get("ref") and "." not in ref and not has_plan_data:
            self._flush_pending()
            self.ctx.set_priority(ref, text)
            self.priority_stated = True
            self.above.clear()
            return
        if self.pending is not None:
            if bullet or (ref and ref.startswith(self.pending.ref + ".")):
                self.ctx.parent_ref = self.pending.ref
                self.parents.append(ParentRow("task", self.pending))
                self.pending = None
            else:
                self._flush_pending()
        plan_row = self._new_row(values, covered, sources, ref, bullet)
        plan_row.readings = {f: range_reading(row, self.cmap, f) for f in self.ranged}
        if not has_plan_data and ref and not bullet:
            self.pending = plan_row
        else:
            self.rows.append(plan_row)

    def _new_row(self, values: dict[str, str], covered: set[str], sources: list[tuple[str, Cell]],
                 ref: str, bullet: bool) -> PlanRow:
        for name in list(covered) + [f for f in FILL_DOWN if (f in self.cmap.fields or f in self.runs_on)
                                     and not values.get(f)]:
            if self.above.get(name) and not values.get(name):
                values[name] = self.above[name]
                sources.append((name, self.above_sources[name]))
        top = ref.split(".")[0]
        if (not self.priority_stated and "." in ref and top.isdigit()
                and top != self.ctx.priority_ref and self.ctx.priority_ref.isdigit()):
            self.ctx.set_priority(top, "")
            self.above.clear()
        if "objective" not in self.cmap.fields and self.ctx.objective:
            values["objective"] = self.ctx.objective
        priority_ref, priority_title = self.ctx.priority_ref, self.ctx.priority_title
        if values.get("priority"):
            stated = read_priority_cell(values["priority"])
            priority_ref, priority_title = stated.ref, stated.title
        parent = ""
        if bullet:
            parent = self.ctx.parent_ref
        elif ref and self.ctx.objective_ref and ref.startswith(self.ctx.objective_ref + "."):
            parent = self.ctx.objective_ref
        self.above = dict(values)
        self.above_sources = {name: cell for name, cell in sources}
        return PlanRow(priority_ref, priority_title, ref, parent, values, self.index,
                       self.table.strategy, sources)

    def _attach_sub_row(self, target: PlanRow, values: dict[str, str],
                        sources: list[tuple[str, Cell]]) -> None:
        own = {k: v for k, v in values.items() if k in SUB_ROW_FIELDS}
        if not own:
            return
        first = {k: target.get(k) for k in SUB_ROW_FIELDS if target.get(k)}
        if first and not target.sub_rows:
            target.sub_rows.append(first)
        if first:
            target.sub_rows.append(own)
        for name, text in own.items():
            target.values[name] = f"{target.get(name)}\n{text}" if target.get(name) else text
        target.sources.extend(sources)

    def _promote_pending(self) -> None:
        self.rows.append(self.pending)
        self.pending = None

    def _flush_pending(self) -> None:
        if self.pending is not None:
            self._promote_pending()


def _document_order(pages: Sequence[PageContent], tables: Sequence[Table]) -> Iterator[TextLine | Table]:
    items: list[tuple[int, float, int, TextLine | Table]] = []
    for page in pages:
        items += [(ln.page, ln.bbox.top, 0, ln) for ln in page.lines]
    items += [(t.page, t.bbox.top, 1, t) for t in tables]
    for *_, item in sorted(items, key=lambda i: i[:3]):
        yield item


def _paragraph(lines: Sequence[TextLine], start: int) -> list[TextLine]:
    """The lines from `start` that form one paragraph: same page, same type, no wider gap
    than the leading, up to the next priority heading."""
    para: list[TextLine] = []
    for line in lines[start:]:
        if para and read_priority_heading(line.text):
            break
        if para:
            last = para[-1]
            height = last.bbox.bottom - last.bbox.top
            if (line.page != last.page or line.bbox.top - last.bbox.bottom > 0.8 * height
                    or line.bold != last.bold or abs(line.size - last.size) > 0.5):
                break
        para.append(line)
    return para


def _heading_title(lines: Sequence[TextLine], index: int, own_title: str) -> str:
    """A heading's title: its own remainder and the lines it wraps onto; or, for a heading
    with no title of its own ("Priority 1 – Lead: …"), the statement that follows it."""
    if own_title:
        return " ".join([own_title] + [ln.text for ln in _paragraph(lines, index)[1:]])
    following = _paragraph(lines, index + 1)
    return "" if following and read_priority_heading(following[0].text) else " ".join(ln.text for ln in following)


def column_lefts(table: Table) -> list[float | None]:
    """Where each column's text starts: the least left edge of its filled cells."""
    lefts: list[float | None] = []
    for k in range(table.n_columns):
        xs = [r.cells[k].bbox.x0 for r in table.rows if k < len(r.cells) and r.cells[k] and r.cells[k].text]
        lefts.append(min(xs) if xs else None)
    return lefts


def continued_map(previous: ColumnMap, before: Table, table: Table) -> ColumnMap | None:
    """The map of the table before for a headerless table that continues it: with as many
    columns, or, at the top of the next page, with fewer where a column is empty there (a
    merged cell running on from the page before, or a column left empty throughout, which
    an unruled table does not show), each column then taken for the one before that starts
    where it does, in the same order."""
    if len(previous.fields) == table.n_columns:
        return replace(previous, header_row=-1)
    continues = table.page == max(before.pages or [before.page]) + 1 and not is_header_row(table.rows[0].texts)
    if table.n_columns > len(previous.fields) or not continues:
        return None  # a table of its own (a glossary, a key) further on
    known = column_lefts(before)
    picks: list[int] = []
    for x in column_lefts(table):
        near = [k for k, left in enumerate(known) if left is not None and x is not None
                and abs(left - x) <= COLUMN_MATCH and (not picks or k > picks[-1])]
        if not near:
            return None
        picks.append(min(near, key=lambda k: abs(known[k] - x)))
    empty = set(range(len(previous.fields))) - {k for r in before.rows[previous.header_row + 1:] for k in r.filled}
    if any(f not in FILL_DOWN and k not in empty for k, f in enumerate(previous.fields) if k not in picks):
        return None  # a merged or empty cell runs on unseen; a missing action or lead column is another table
    return ColumnMap(tuple(previous.fields[k] for k in picks), tuple(previous.headers[k] for k in picks), -1,
                     tuple(previous.parts[k] for k in picks) if previous.parts else ())


def stands_out(line: TextLine, body_size: float) -> bool:
    """A line set as a heading: bold, or larger than the body text."""
    return line.bold or line.size >= HEADING_SIZE * body_size


def _headings_before(lines: Sequence[TextLine], body_size: float) -> list[tuple[TextLine, PriorityHeading]]:
    """The headings among the lines between two tables, each with its full title. Labelled
    ones all count; a bare-numbered one ("2. – Neglect") only where it heads the table: the
    last such, with nothing below it but other headings and its lead ("Lead: …"); sections
    of prose are numbered the same way ("4. Our vision")."""
    found = []
    for i, line in enumerate(lines):
        heading = read_heading(line.text, stands_out(line, body_size))
        if heading:
            found.append((i, line, replace(heading, title=_heading_title(lines, i, heading.title))))
    bare = [i for i, _, h in found if not h.label]
    heads_table = bool(bare) and all(stands_out(ln, body_size) or heading_lead(ln.text) for ln in lines[bare[-1] + 1:])
    return [(line, h) for i, line, h in found if h.label or (heads_table and i == bare[-1])]


def read_plan(pages: Sequence[PageContent], tables: Sequence[Table]) -> PlanResult:
    ctx = Context()
    body_size = median([ln.size for p in pages for ln in p.lines] or [0.0])
    rows: list[PlanRow] = []
    parents: list[ParentRow] = []
    reports: list[TableReport] = []
    headings: list[tuple[str, str, TextLine]] = []
    previous: ColumnMap | None = None
    previous_table: Table | None = None
    reader: _TableReader | None = None
    pending_lines: list[TextLine] = []
    for item in _document_order(pages, tables):
        if isinstance(item, TextLine):
            pending_lines.append(item)
            continue
        stated = False
        for line, heading in _headings_before(pending_lines, body_size):
            if ctx.open_heading(heading) == "priority":
                headings.append((heading.ref, heading.title, line))
                stated = True
        pending_lines = []
        index = len(reports)
        # a form's label column can pass for a header row ("Lead | … Partnership Manager"),
        # so it is tried first; a table of actions never reads as one
        form = as_form(item)
        if form is not None:
            item = form
        cmap, source = map_columns(item), "form" if form is not None else "own"
        if cmap is None and previous is not None:
            cmap, source = continued_map(previous, previous_table, item), "inherited"
        if cmap is None:
            reports.append(TableReport(index, item.pages, item.strategy, [], list(item.rows[0].texts) if item.rows else [],
                                       "none", len(item.rows), 0, item.notes + ["no plan header: not read as a plan table"],
                                       item, None))
            continue
        previous, previous_table = cmap, item
        above = [row for row in item.rows[:max(cmap.header_row, 0)] if is_banner(row)]
        for k, row in enumerate(above):
            heading = read_heading(row.cells[0].text, stands_out=True)
            if heading and ctx.open_heading(heading, inner=k > 0) == "priority":
                stated = True
        body = item.rows[cmap.header_row + 1:]
        reader = _TableReader(index, item, cmap, ctx, stated, reader if source == "inherited" and not stated else None)
        found = reader.read(body)
        rows += found
        parents += reader.parents
        headers = [m.text if m else "" for m in cmap.headers]
        reports.append(TableReport(index, item.pages, item.strategy, list(cmap.fields), headers,
                                   source, len(body), len(found), list(item.notes), item, cmap))
    return PlanResult(rows, reports, headings, parents)
