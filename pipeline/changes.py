"""What changed between two datasets: documents added, changed, removed; actions added,
removed and changed, each change named (a deadline moved, a new lead, an action reworded).

The previous dataset is read from the output directory itself, so the report always
compares what a reader had with what they get now. An action of a replaced PDF is matched
to its earlier version by its text and reference: the same text (under any reference), else
the same reference with similar text, else very similar text.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd
from rapidfuzz import fuzz

# the fields an action change is reported for, in the order a reader wants them
COMPARED = ("action", "priority_ref", "objective", "lead", "timescale", "measure", "progress", "status")
SAME_REF_SIMILARITY = 60.0   # a reworded action under the same reference
SIMILAR_TEXT = 85.0          # a reworded action that was also renumbered
MD_ITEMS = 40                # entries per section in changes.md; changes.json has them all

Row = dict[str, str]


# the columns a comparison reads (the rest of a table is never looked at)
COLUMNS = {"documents": ("document_id", "file", "other_names", "sha256", "source_status", "first_seen", "last_seen"),
           "actions": ("action_id", "document_id", "board", "ref", "first_seen", "last_seen", *COMPARED),
           "milestones": ("action_id", "end")}


def _strings(df: pd.DataFrame | None, table: str) -> list[Row]:
    if df is None or df.empty:
        return []
    present = [c for c in COLUMNS[table] if c in df.columns]
    # column by column: to_dict("records") boxes each pyarrow-backed string one at a time (7x slower)
    values = [df[c].astype("string").fillna("").tolist() for c in present]
    return [dict(zip(present, row)) for row in zip(*values)]


@dataclass
class Snapshot:
    """One dataset's documents (by address), actions and deadlines, as strings."""
    documents: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)
    milestones: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, frames: Mapping[str, pd.DataFrame]) -> Snapshot:
        return cls(*(_strings(frames.get(t), t) for t in ("documents", "actions", "milestones")))

    @classmethod
    def read(cls, directory: Path) -> Snapshot:
        """The dataset a previous run left in `directory` (empty when there is none)."""
        def read(table: str) -> pd.DataFrame | None:
            path = Path(directory) / f"{table}.csv"
            if not path.is_file():
                return None
            return pd.read_csv(path, dtype=str, keep_default_na=False,
                               usecols=lambda c: c in COLUMNS[table])
        try:
            return cls.of({t: read(t) for t in ("documents", "actions", "milestones")})
        except (OSError, ValueError, pd.errors.ParserError):
            return cls()

    def __post_init__(self) -> None:
        self.by_url: dict[str, Row] = {}
        for doc in self.documents:
            for url in [doc.get("file", "")] + [u for u in doc.get("other_names", "").split(" | ") if u]:
                if url.startswith(("http://", "https://")):
                    self.by_url.setdefault(url, doc)
        self.by_document: dict[str, list[Row]] = {}
        for action in self.actions:
            self.by_document.setdefault(action["document_id"], []).append(action)
        self.by_action = {a["action_id"]: a for a in self.actions}
        self.deadlines: dict[str, str] = {}
        for m in self.milestones:
            if m.get("end") and m["end"] > self.deadlines.get(m["action_id"], ""):
                self.deadlines[m["action_id"]] = m["end"]

    def actions_of(self, document_id: str | None) -> list[Row]:
        return self.by_document.get(document_id or "", [])


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def match_actions(old: Sequence[Row], new: Sequence[Row]) -> tuple[list[tuple[Row, Row]], list[Row], list[Row]]:
    """(pairs, added, removed): each new action paired with at most one old one."""
    pairs: list[tuple[Row, Row]] = []
    left_old, left_new = list(old), list(new)

    def take(same) -> None:
        for n in list(left_new):
            hit = next((o for o in left_old if same(o, n)), None)
            if hit is not None:
                pairs.append((hit, n))
                left_old.remove(hit)
                left_new.remove(n)

    take(lambda o, n: (o["ref"], _norm(o["action"])) == (n["ref"], _norm(n["action"])))
    take(lambda o, n: _norm(o["action"]) == _norm(n["action"]))
    take(lambda o, n: bool(o["ref"]) and o["ref"] == n["ref"] and o["priority_ref"] == n["priority_ref"]
         and fuzz.ratio(_norm(o["action"]), _norm(n["action"])) >= SAME_REF_SIMILARITY)
    take(lambda o, n: fuzz.ratio(_norm(o["action"]), _norm(n["action"])) >= SIMILAR_TEXT)
    return pairs, left_new, left_old


def _change(name: str, before: str, after: str, deadline_before: str, deadline_after: str) -> dict | None:
    if name == "timescale" and deadline_before != deadline_after:
        if deadline_before and deadline_after:
            note = f"deadline moved from {deadline_before} to {deadline_after}"
        else:
            note = f"deadline set to {deadline_after}" if deadline_after else f"deadline {deadline_before} dropped"
        return {"field": name, "before": before, "after": after, "note": note}
    if _norm(before) == _norm(after):
        return None
    notes = {"action": "action reworded", "timescale": "timescale reworded (same deadline)",
             "lead": f"new lead: {' '.join(after.split()) or 'none'} (was {' '.join(before.split()) or 'none'})",
             "status": f"status {before or 'none'} → {after or 'none'}",
             "priority_ref": f"moved from priority {before or '(none)'} to {after or '(none)'}",
             "progress": "progress updated"}
    return {"field": name, "before": before, "after": after, "note": notes.get(name, f"{name} changed")}


def action_changes(old: Row, new: Row, before: Snapshot, after: Snapshot) -> list[dict]:
    found = (_change(name, old.get(name, ""), new.get(name, ""), before.deadlines.get(old["action_id"], ""),
                     after.deadlines.get(new["action_id"], "")) for name in COMPARED)
    return [c for c in found if c]


def _entry(url: str, action: Row) -> dict:
    return {"url": url, "board": action.get("board", ""), "action_id": action["action_id"],
            "priority_ref": action.get("priority_ref", ""), "ref": action.get("ref", ""),
            "action": action.get("action", "")}


@dataclass
class ChangeReport:
    documents: dict[str, list] = field(default_factory=lambda: {k: [] for k in (
        "added", "changed", "removed", "unchanged", "failed")})
    actions: dict[str, list] = field(default_factory=lambda: {k: [] for k in ("added", "removed", "changed")})
    first_seen: dict[str, str] = field(default_factory=dict)  # new action_id → first_seen carried over

    def compare(self, url: str, kind: str, old_doc: Row | None, new_id: str | None,
                before: Snapshot, after: Snapshot) -> None:
        """Record the actions a document's change (added, changed, removed) brings."""
        old = before.actions_of(old_doc["document_id"]) if old_doc else []
        new = after.actions_of(new_id) if kind != "removed" else []
        pairs, added, removed = match_actions(old, new)
        for o, n in pairs:
            if o.get("first_seen"):
                self.first_seen[n["action_id"]] = o["first_seen"]
            changes = action_changes(o, n, before, after)
            if changes:
                self.actions["changed"].append({**_entry(url, n), "previous_action_id": o["action_id"],
                                                "changes": changes})
        self.actions["added"] += [_entry(url, a) for a in added]
        self.actions["removed"] += [{**_entry(url, a), **({"document_removed": True} if kind == "removed" else {})}
                                    for a in removed]

    @property
    def empty(self) -> bool:
        """Nothing a reader needs to hear about: no document or action added, changed or removed."""
        return not any(self.documents[k] for k in ("added", "changed", "removed", "failed")) and not any(
            self.actions.values())

    def to_json(self) -> str:
        return json.dumps({"documents": self.documents, "actions": self.actions}, indent=2,
                          ensure_ascii=False) + "\n"

    def to_markdown(self, title: str, summary: Iterable[str]) -> str:
        lines = [f"# {title}", "", *summary, ""]
        if self.empty:
            lines += ["No changes: every document is as it was.", ""]
        docs = self.documents
        for kind in ("failed", "added", "changed", "removed"):
            if docs[kind]:
                lines += [f"## Documents {kind} ({len(docs[kind])})", ""]
                lines += [f"- {d['url']}: {d['reason']}" if isinstance(d, dict) else f"- {d}"
                          for d in docs[kind][:MD_ITEMS]]
                lines += _more(len(docs[kind])) + [""]
        acts = self.actions
        for kind in ("changed", "added", "removed"):
            if acts[kind]:
                lines += [f"## Actions {kind} ({len(acts[kind])})", ""]
                for a in acts[kind][:MD_ITEMS]:
                    label = " ".join(x for x in (a["board"], a["ref"] or a["priority_ref"]) if x)
                    text = " ".join(a["action"].split())
                    text = text if len(text) <= 90 else text[:89] + "…"
                    notes = "; ".join(c["note"] for c in a.get("changes", []))
                    lines.append(f"- {label + ': ' if label else ''}“{text}”" + (f" — {notes}" if notes else ""))
                lines += _more(len(acts[kind])) + [""]
        return "\n".join(lines).rstrip() + "\n"


def _more(count: int) -> list[str]:
    return [f"- … and {count - MD_ITEMS} more in changes.json"] if count > MD_ITEMS else []
