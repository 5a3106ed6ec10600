"""Plan rows → normalized records: the rows of the dataset's tables for one document."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from boardplans.extractors.model import BBox, Table
from boardplans.normalizers.owners import Owners, owner_key, parse_owners
from boardplans.normalizers.periods import PlanPeriod
from boardplans.normalizers.status import parse_status, read_status_key
from boardplans.normalizers.themes import themes_of
from boardplans.normalizers.timescales import parse_timescale

from .extract import Record, Records
from .patterns import heading_lead
from .plan import PlanResult, PlanRow
from .priorities import StatedPriority, link


def two_column_rows(tables: Sequence[Table]) -> list[tuple[str, str]]:
    """The rows of two-column tables as pairs: where keys and glossaries are kept."""
    return [(r.texts[0], r.texts[1]) for t in tables if t.n_columns == 2 for r in t.rows if len(r.cells) == 2]


def status_key(plan: PlanResult) -> dict[str, str]:
    """The document's own RAG key: a two-column table that was not read as a plan table."""
    return read_status_key(two_column_rows([r.table for r in plan.tables if r.header_source == "none"]))


def timescale_texts(row: PlanRow) -> list[str]:
    """Each milestone sub-row's timescale is its own cell: parse them one by one."""
    if row.sub_rows:
        return [s["timescale"] for s in row.sub_rows if s.get("timescale")]
    text = row.readings.get("timescale") or row.get("timescale")
    return [text] if text else []


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def box(bbox: BBox) -> dict[str, float]:
    """A cell's position as written: points, to 2 decimals (a hundredth of a point is far
    finer than any PDF places text; more digits are float noise)."""
    return {"x0": round(bbox.x0, 2), "top": round(bbox.top, 2), "x1": round(bbox.x1, 2),
            "bottom": round(bbox.bottom, 2)}


def action_records(doc: Mapping[str, Any], rows: Sequence[PlanRow], period: PlanPeriod | None,
                   acronyms: Mapping[str, str], key: Mapping[str, str],
                   prose: Sequence[StatedPriority], out: Records) -> None:
    """Rows to records. A priority the tables number but never title takes its title from
    the prose list that numbers it the same way."""
    prose_titles = {p.ref: p.title for p in prose}
    for n, row in enumerate(rows, 1):
        if row.priority_ref and not row.priority_title:
            row.priority_title = prose_titles.get(row.priority_ref, "")
        action_id = f"{doc['document_id']}-a{n:03d}"
        readings = [parse_timescale(t, period) for t in timescale_texts(row)]
        milestones = [m for r in readings for m in r.milestones]
        owners = parse_owners(row.get("lead"), acronyms)
        status = parse_status(row.get("progress"), key)
        first = next((c for name, c in row.sources if name == "action"), row.own_cells[0])
        out.actions.append({
            "action_id": action_id, "document_id": doc["document_id"], "document": doc["file"],
            "board": doc["board"], "board_id": doc.get("board_id"), "period": doc["period"],
            "priority_id": None, "priority_ref": row.priority_ref, "priority_title": row.priority_title,
            "ref": row.ref, "parent_ref": row.parent_ref, "parent_id": None,
            **{name: row.get(name) for name in ("objective", "action", "method", "lead", "timescale",
                                                "measure", "progress", "partners")},
            "status": status.status,
            "page_start": row.page_start, "page_end": row.page_end,
            **box(first.bbox),
            "table_index": row.table, "extractor": row.strategy,
            "timescale_understood": all(r.understood for r in readings),
            "timescale_unparsed": " | ".join(u for r in readings for u in r.unparsed),
            "lead_understood": owners.understood,
            "lead_unparsed": " | ".join(owners.unparsed),
        })
        for k, m in enumerate(milestones, 1):
            out.milestones.append({
                "milestone_id": f"{action_id}-m{k}", "action_id": action_id, "text": m.text, "label": m.label,
                "start": _iso(m.start), "end": _iso(m.end), "kind": m.kind, "edtf": m.edtf,
                "flags": " ".join(m.flags),
            })
        out.owners += owner_records(owners, action_id=action_id)
        for name, cell in row.sources:
            out.cells.append({
                "action_id": action_id, "field": name, "page": cell.page, "page_end": cell.last_page,
                **box(cell.bbox),
            })


def _priority_key(ref: str, title: str) -> str:
    """A priority is known by its number; one the plan never numbers, by its statement."""
    return ref or title


def table_priorities(plan: PlanResult) -> list[StatedPriority]:
    """Distinct priorities the tables are organised by, in order of first appearance."""
    found = [(line.page, line.bbox.top, StatedPriority(ref, title, line.page, "table"))
             for ref, title, line in plan.headings]
    found += [(row.page_start, row.own_cells[0].bbox.top,
               StatedPriority(row.priority_ref, row.priority_title, row.page_start, "table"))
              for row in plan.rows if row.priority_ref or row.priority_title]
    seen: dict[str, StatedPriority] = {}
    for *_, stated in sorted(found, key=lambda f: f[:2]):
        key = _priority_key(stated.ref, stated.title)
        if key not in seen:
            seen[key] = stated
        elif not seen[key].title:  # a heading with no statement of its own, titled by a later row
            seen[key] = StatedPriority(stated.ref, stated.title, seen[key].page, "table")
    return list(seen.values())


def owner_records(owners: Owners, action_id: str | None = None, priority_id: str | None = None) -> list[Record]:
    """The owners of an action's lead cell, or of a priority's heading."""
    return [{"owner_id": f"{action_id or priority_id}-o{k}", "action_id": action_id, "priority_id": priority_id,
             "name": o.name, "role": o.role, "organisation": o.organisation, "kind": o.kind,
             "expansion": o.expansion, "relation": owners.relation, "key": owner_key(o)}
            for k, o in enumerate(owners.owners, 1)]


def priority_records(doc: Mapping[str, Any], plan: PlanResult, prose: Sequence[StatedPriority],
                     actions: Sequence[Record], acronyms: Mapping[str, str], out: Records) -> None:
    """The document's priorities, each action linked to the one it sits under, and a
    priority's own lead (from its heading) read into owners."""
    counts: dict[str, int] = {}
    for a in actions:
        key = _priority_key(a["priority_ref"], a["priority_title"])
        counts[key] = counts.get(key, 0) + 1
    leads = {ref: heading_lead(line.text) for ref, _, line in plan.headings}
    ids: dict[str, str] = {}
    for n, (stated, other) in enumerate(link(table_priorities(plan), prose), 1):
        source = "both" if other else stated.source
        priority_id = f"{doc['document_id']}-p{n:02d}"
        lead = leads.get(stated.ref, "") if stated.source == "table" else ""
        if stated.source == "table":
            ids[_priority_key(stated.ref, stated.title)] = priority_id
        out.priorities.append({
            "priority_id": priority_id, "document_id": doc["document_id"],
            "ref": stated.ref, "title": stated.title or (other.title if other else ""),
            "source": source, "prose_title": other.title if other else "",
            "actions": counts.get(_priority_key(stated.ref, stated.title), 0) if stated.source == "table" else 0,
            "page": stated.page, "lead": lead, "in_plan": None,
        })
        if lead:
            out.owners += owner_records(parse_owners(lead, acronyms), priority_id=priority_id)
    for a in actions:
        a["priority_id"] = ids.get(_priority_key(a["priority_ref"], a["priority_title"]))


def parent_records(doc: Mapping[str, Any], plan: PlanResult, out: Records) -> None:
    """The rows that head actions in hierarchical plans, and each action's link to its
    parent: the last parent with that ref at or before the action in reading order."""
    priority_of = {(a["priority_ref"], a["priority_title"]): a["priority_id"] for a in out.actions}
    by_ref = {p["ref"]: p["priority_id"] for p in out.priorities if p["source"] != "prose" and p["ref"]}
    placed: list[tuple[tuple[int, int, float], str, str]] = []
    for n, parent in enumerate(plan.parents, 1):
        row, cell = parent.row, parent.row.own_cells[0]
        parent_id = f"{doc['document_id']}-h{n:03d}"
        out.parents.append({
            "parent_id": parent_id, "document_id": doc["document_id"],
            "priority_id": priority_of.get((row.priority_ref, row.priority_title)) or by_ref.get(row.priority_ref),
            "kind": parent.kind, "ref": row.ref, "parent_ref": row.parent_ref,
            "text": row.get("action") or row.get("objective"), "page": cell.page, **box(cell.bbox),
        })
        # compared with the actions' written (rounded) tops
        placed.append(((row.table, cell.page, out.parents[-1]["top"]), row.ref, parent_id))
    for action in out.actions:
        here = (action["table_index"], action["page_start"], action["top"])
        action["parent_id"] = next((pid for where, ref, pid in reversed(placed)
                                    if ref == action["parent_ref"] and where <= here), None)


def _theme_rows(fields: Sequence[tuple[str, str | None]], action_id: str | None = None,
                priority_id: str | None = None) -> list[Record]:
    rows = []
    for theme, matches in themes_of(fields).items():
        best = matches[0]
        rows.append({"theme_id": f"{action_id or priority_id}-{theme}", "action_id": action_id,
                     "priority_id": priority_id, "theme": theme, "phrase": best.phrase, "evidence": best.text,
                     "field": best.field, "start": best.start, "end": best.end, "matches": len(matches)})
    return rows


def theme_records(actions: Sequence[Record], priorities: Sequence[Record]) -> list[Record]:
    """The themes of every action (its own cells first, then its priority's statement) and of
    every priority of a plan; priorities of documents set aside (in_plan false) get none.
    Made with the document's other records and cached with them: a run that reads no file
    matches no theme (a change to the taxonomy changes the pipeline version)."""
    rows = []
    for a in actions:
        fields = [(f, a.get(f)) for f in ("action", "method", "objective", "priority_title")]
        rows += _theme_rows(fields, action_id=a["action_id"])
    for p in priorities:
        if p["in_plan"]:
            rows += _theme_rows([("title", p["title"]), ("prose_title", p["prose_title"])], priority_id=p["priority_id"])
    return rows
