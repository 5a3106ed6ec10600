"""A table's columns → schema fields, from what the headers say and what the cells hold.

Each (column, field) pair gets a score from two kinds of evidence: the header's wording
(headers.header_evidence) and how many of the column's filled cells look like the field's
cells (the `content` signatures in data/headers.toml). Fields are then assigned one to a
column over the whole table at once, for the best total score, so a column loses a field
to a neighbour that fits it better instead of taking whatever its own header names first.
Where a field's column stands in plans ("Outcome" left of the action is the objective,
right of it a measure) and whether the action column is filled weigh in too.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .headers import FieldVocabulary, header_evidence, vocabulary
from .patterns import range_part, split_leading_ref, strip_bullet

MIN_SCORE = 0.3  # a column scoring less for every field stays unmapped
SIDE_PENALTY = 0.5  # a field on the wrong side of the action column
NO_CONTENT_WEIGHT = 0.75  # header-only score where the cells cannot be judged
CONTENT_FITS = 0.5  # share of fitting cells from which content backs the header ("both")


@dataclass(frozen=True)
class ColumnAssignment:
    field: str | None
    score: float  # the pair's combined score, 0 when unmapped
    how: str  # header, content, both, none
    header: float = 0.0  # the header's evidence for the field, 0..1
    content: float | None = None  # share of filled cells fitting the field; None: not judged


@dataclass(frozen=True)
class Candidate:
    field: str
    score: float
    header: float
    content: float | None


def content_fit(cells: Sequence[str], vocab: FieldVocabulary) -> float | None:
    """Share of the filled cells that look like the field's cells; None without a signature
    or without filled cells."""
    filled = [_said(c) for c in cells if c.strip()]
    if not vocab.content or not filled:
        return None
    return sum(_fits(c, vocab) for c in filled) / len(filled)


def _said(cell: str) -> str:
    """A cell without its leading bullet or reference ("1.2 Review the ..."), which say
    nothing of the field."""
    text = strip_bullet(cell.strip())[1]
    ref = split_leading_ref(text)
    return ref.rest if ref else text


def _fits(cell: str, vocab: FieldVocabulary) -> bool:
    if vocab.max_words is not None and len(cell.split()) > vocab.max_words:
        return False
    return any(p.search(cell) for p in vocab.content)


def _fill(cells: Sequence[str]) -> float:
    return sum(bool(c.strip()) for c in cells) / len(cells) if cells else 0.0


def candidates(header: str, cells: Sequence[str]) -> tuple[Candidate, ...]:
    """Every field the column may hold, best first. Content alone can name a field (a column
    of refs under an empty header) and counts against a header its cells contradict."""
    said = {e.field: e.score for e in header_evidence(header)}
    found = []
    for vocab in vocabulary():
        h, c = said.get(vocab.field, 0.0), content_fit(cells, vocab)
        # header and cells weigh alike; a header its cells contradict keeps half its worth
        score = NO_CONTENT_WEIGHT * h if c is None else h * (0.5 + 0.5 * c) + 0.5 * c
        if vocab.min_fill and cells:
            score *= min(1.0, _fill(cells) / vocab.min_fill)
        if score >= MIN_SCORE:
            found.append(Candidate(vocab.field, score, h, c))
    return tuple(sorted(found, key=lambda k: -k.score))


def _units(headers: Sequence[str]) -> list[list[int]]:
    """Columns assigned together: "Start date" next to "End date" are one field's two ends."""
    units: list[list[int]] = []
    for i, text in enumerate(headers):
        if units and range_part(text) == "end" and range_part(headers[units[-1][-1]]) == "start":
            units[-1].append(i)
        else:
            units.append([i])
    return units


@lru_cache(maxsize=1)
def _sides() -> dict[str, str]:
    return {v.field: v.side for v in vocabulary() if v.side}


@lru_cache(maxsize=1)
def _repeating() -> frozenset[str]:
    return frozenset(v.field for v in vocabulary() if v.repeats)


def _penalty(name: str, left: frozenset[str]) -> float:
    """Cost of placing `name` right of the fields in `left`: a before-field right of the
    action, or the action right of an after-field."""
    sides = _sides()
    if sides.get(name) == "before" and "action" in left:
        return SIDE_PENALTY
    if name == "action":
        return SIDE_PENALTY * sum(sides.get(f) == "after" for f in left)
    return 0.0


def _best_assignment(options: list[dict[str | None, float]]) -> list[str | None]:
    """Exact search, left to right, over the fields used so far: each unit takes one field
    or none, no field twice but a repeating one. Tables have a handful of columns and each
    column a handful of candidates, so the states stay few."""
    repeating = _repeating()
    states: dict[frozenset[str], tuple[float, tuple[str | None, ...]]] = {frozenset(): (0.0, ())}
    for unit in options:
        nxt: dict[frozenset[str], tuple[float, tuple[str | None, ...]]] = {}
        for used, (total, chosen) in states.items():
            for name, score in unit.items():
                if name in used and name not in repeating:
                    continue
                key = used | {name} if name else used
                value = total + score - (_penalty(name, used) if name else 0.0)
                if key not in nxt or value > nxt[key][0] + 1e-9:
                    nxt[key] = (value, chosen + (name,))
        states = nxt
    return list(max(states.values(), key=lambda s: s[0])[1])


def assign_fields(headers: Sequence[str], columns: Sequence[Sequence[str]]) -> tuple[ColumnAssignment, ...]:
    """One assignment per column: `headers[i]` is column i's header text, `columns[i]` its
    body cells (top to bottom, "" for an empty cell)."""
    per_column = [{k.field: k for k in candidates(h, cells)} for h, cells in zip(headers, columns)]
    units = _units(headers)
    options: list[dict[str | None, float]] = []
    for unit in units:
        shared = [f for f in per_column[unit[0]] if all(f in per_column[i] for i in unit)]
        scores = {f: sum(per_column[i][f].score for i in unit) / len(unit) for f in shared}
        options.append({**dict(sorted(scores.items(), key=lambda kv: -kv[1])), None: 0.0})
    out: list[ColumnAssignment] = [ColumnAssignment(None, 0.0, "none")] * len(headers)
    for unit, name in zip(units, _best_assignment(options)):
        for i in unit:
            if name:
                out[i] = _assignment(per_column[i][name])
    return tuple(out)


def _assignment(k: Candidate) -> ColumnAssignment:
    if not k.header:
        how = "content"
    else:
        how = "both" if k.content is not None and k.content >= CONTENT_FITS else "header"
    return ColumnAssignment(k.field, round(k.score, 3), how, round(k.header, 3),
                            None if k.content is None else round(k.content, 3))
