"""Timescale cells → milestones, following docs/normalized-forms.md.

A cell is cut into clauses (lines, sentences); each clause is read into chains
of date atoms (normalizers.dates); each run of atoms joined by range connectors
becomes one milestone, and its kind comes from the words around it. Every
milestone's EDTF string is checked by the `edtf` library, and its start and end
are that library's bounds of the string.

Readings the conventions do not spell out (to be added to the conventions):
- "early / mid / late 2019" is a third of the year (Jan–Apr, May–Aug, Sep–Dec),
  flag ambiguous; "mid March" stays March, flag ambiguous.
- "Autumn / Spring / Summer term" are school terms (Sep–Dec, Jan–Mar, Apr–Jul).
- "w/c 14 Oct 2019" is that week: a deadline on its seventh day.
- "Q1 2020" (one calendar year) is the financial year starting that year, flag ambiguous.
- A lone year, year range or yearless date in a clause that also holds a dated
  month or day is a name ("Programme 2017 – 2018", "Spring Edition"), not a milestone.
- A yearless date with no plan period, an impossible date ("31.02.2020", "Q5") and
  a range ending before it starts are reported in `unparsed`, never guessed.
- "By" / "end of" a financial year ("By end of 2017/18") is a deadline at its end;
  "financial year" / "FY" before a year range only names it as one.
- A year in brackets after a quarter or season ("Q1 (2011-12)") or a full year
  after a comma ("31st March, 2017") is that date's year.
- dateparser is not used: on the seed forms it read "22.10.10" as 2110, "Jan-20" as
  20 January, "2016-17" as 17 April 2016 and knew no seasons or financial quarters.
  On the development corpus (dateparser 1.5.0, DMY, last day of month) it read none
  of the cells the grammar failed on ("Q1 (2011-12)", "August and October 2011"), and
  of the 559 single-date cells it read 316 right and 7 wrong (every financial year
  "2014-15" as 15 December 2014): no gain, and false readings.
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import edtf

from boardplans.normalizers.dates import (
    Atom,
    Chain,
    Token,
    link_chains,
    first_day,
    last_day,
    month_span,
    share_years,
    tokenize,
    vocabulary,
    with_year_from,
)
from boardplans.normalizers.periods import PlanPeriod

DEADLINE, INTERVAL, OPEN = "deadline", "interval", "open"
ONGOING, RECURRING, UNSPECIFIED, UNPARSED = "ongoing", "recurring", "unspecified", "unparsed"


@dataclass(frozen=True)
class Milestone:
    text: str
    start: date | None
    end: date | None
    kind: str
    edtf: str | None
    flags: tuple[str, ...]
    label: str | None = None  # the clause's words around the date ("Programme starts")


@dataclass(frozen=True)
class Timescale:
    text: str
    milestones: tuple[Milestone, ...]
    understood: bool
    unparsed: tuple[str, ...]


@dataclass(frozen=True)
class _Reading:
    milestones: tuple[Milestone, ...]
    unparsed: tuple[str, ...]


@lru_cache(maxsize=8192)  # plans repeat their timescale cells; the reading is pure
def parse_timescale(text: str, period: PlanPeriod | None = None) -> Timescale:
    parts = clauses(text)
    readings = [_read_clause(clause, period) for clause in parts]
    unparsed = tuple(f for r in readings for f in r.unparsed)
    if not any(r.milestones for r in readings) and any(parts):
        whole = _collapse(" ".join(parts))
        return Timescale(text, (_unparsed(whole),), False, (whole,))
    # what was not read stays, in cell order, as unparsed milestones beside the dated ones
    milestones = tuple(m for r in readings for m in (*r.milestones, *map(_unparsed, r.unparsed)))
    return Timescale(text, milestones, not unparsed, unparsed)


def _unparsed(text: str) -> Milestone:
    return Milestone(text, None, None, UNPARSED, None, ())


_TAG = re.compile(r"<[^>]*>")
# a line, a sentence, or a bracketed date closing a clause before a new sentence
# ("Toolkit launch (May 2016) The Board / Executive need to …")
_CLAUSE_END = re.compile(r"\n|;|(?<=[\w)\]])\.(?=\s+[A-Z(]|\s*$)|(?<=\d\))\s+(?=[A-Z][a-z])")


def clauses(text: str) -> tuple[str, ...]:
    """Lines and sentences: a recurring word or a name reaches no further."""
    plain = html.unescape(_TAG.sub("\n", text))
    return tuple(c for c in (_collapse(part) for part in _CLAUSE_END.split(plain)) if c)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _is_name_like(chain: Chain) -> bool:
    """A lone year, year range or yearless date: in a clause that also holds a
    dated month or day it names a thing ("Training Programme 2017 – 2018",
    "Spring Edition"), not a time."""
    atom = chain.atoms[0]
    if chain.before:  # "throughout 2016-17", "by 2018": the words make it a time
        return False
    return len(chain.atoms) == 1 and (atom.unit in ("year", "fyear") or (atom.year is None and atom.unit != "invalid"))


def _read_clause(clause: str, period: PlanPeriod | None) -> _Reading:
    chains, loose = link_chains(tokenize(clause))
    chains = tuple(map(share_years, chains))
    if any(not _is_name_like(c) for c in chains):
        chains = tuple(c for c in chains if not _is_name_like(c))
    recurring = any(t.kind == "recurring" for t in loose)
    milestones: list[Milestone] = []
    unparsed = []
    for chain in chains:
        dated = _with_years(chain, period)
        if dated is None:
            unparsed.append(_collapse(clause[chain.start:chain.end]))
            continue
        for milestone in _chain_milestones(clause, dated, recurring):
            # A range that ends before it starts ("8 - 2 July") cannot be read as written.
            if milestone.start and milestone.end and milestone.start > milestone.end:
                unparsed.append(milestone.text)
            else:
                milestones.append(milestone)
    if not milestones:
        milestones = [_word_milestone(t) for t in loose if t.kind in _WORD_KINDS]
    if not milestones and not unparsed:  # a remark: kept as text, never dropped
        unparsed.append(_collapse(clause))
    milestones = with_labels(clause, milestones)
    return _Reading(tuple(milestones), tuple(unparsed))


_LABEL_TRIM = " \t:;,.–—-()[]"
_LABEL_FILLERS = {"by", "in", "from", "on", "at", "to", "and", "end", "of", "the", "until", "before", "due"}


def _label(words: str) -> str | None:
    words = " ".join(words.split()).strip(_LABEL_TRIM)
    if not words or all(w.lower().strip(_LABEL_TRIM) in _LABEL_FILLERS for w in words.split()):
        return None
    return words


def with_labels(clause: str, milestones: list[Milestone]) -> list[Milestone]:
    """Each milestone labelled by the clause's words before it ("Programme starts" in
    "Programme starts: September 2016"); a clause's only milestone also by the words after it
    ("Toolkit launch (May 2016)")."""
    out, pos = [], 0
    for m in milestones:
        found = clause.find(m.text, pos)
        if found < 0:
            out.append(m)
            continue
        label = _label(clause[pos:found])
        pos = found + len(m.text)
        if label is None and len(milestones) == 1:
            label = _label(clause[pos:])
        out.append(replace(m, label=label))
    return out


_WORD_KINDS = {"recurring": RECURRING, "unspecified": UNSPECIFIED, "ongoing": ONGOING, "open_after": ONGOING}


def _word_milestone(token: Token) -> Milestone:
    return Milestone(token.text, None, None, _WORD_KINDS[token.kind], None, ())


def _with_years(chain: Chain, period: PlanPeriod | None) -> Chain | None:
    """The chain with every atom dated, years missing from the cell taken from the
    plan period; None when an atom cannot be dated. Bare days ("3 – 7") with no
    month are numbers, not dates, and leave the chain."""
    kept = [k for k, atom in enumerate(chain.atoms) if not (atom.unit == "day" and atom.month is None)]
    atoms = []
    for atom in (chain.atoms[k] for k in kept):
        if atom.year is None and atom.unit != "invalid" and period:
            atom = with_year_from(atom, period.start, period.end) or atom
        if atom.year is None:
            return None
        atoms.append(atom)
    links = tuple(chain.links[k - 1] for k in kept[1:])
    return Chain(tuple(atoms), links, chain.before, chain.after)


def _runs(chain: Chain) -> list[list[Atom]]:
    """Atoms joined by range connectors form one run; list connectors separate
    runs, except the first after "between"."""
    runs: list[list[Atom]] = [[chain.atoms[0]]] if chain.atoms else []
    between = any(t.kind == "between" for t in chain.before)
    for k, (atom, link) in enumerate(zip(chain.atoms[1:], chain.links)):
        if link == "range" or (between and k == 0):
            runs[-1].append(atom)
        else:
            runs.append([atom])
    return runs


def _chain_milestones(clause: str, chain: Chain, recurring: bool) -> list[Milestone]:
    runs = _runs(chain)
    before = {t.kind for t in chain.before}
    milestones = []
    for index, run in enumerate(runs):
        first, last = run[0], run[-1]
        opens = ("open_before" in before and index == 0) or (chain.after and index == len(runs) - 1)
        if recurring:
            kind = RECURRING
        elif len(run) > 1:
            kind = INTERVAL
        elif opens:
            kind = OPEN
        elif "deadline" in before and index == 0:
            kind = DEADLINE  # "By end of 2017/18": due by the end of the year, not over it
        elif ("span" in before and index == 0) or first.unit == "fyear":
            kind = INTERVAL
        else:
            kind = DEADLINE
        start = min([first.start] + [t.start for t in chain.before]) if index == 0 else first.start
        end = max([last.end] + [t.end for t in chain.after]) if index == len(runs) - 1 else last.end
        flags = tuple(dict.fromkeys(f for atom in run for f in atom.flags))
        milestones.append(_milestone(_collapse(clause[start:end]), kind, first, last, flags))
    return milestones


def _milestone(text: str, kind: str, first: Atom, last: Atom, flags: tuple[str, ...]) -> Milestone:
    if kind == OPEN:
        code = f"{_edtf_first(first)}/.."
    elif kind == INTERVAL or first is not last:
        code = f"{_edtf_first(first)}/{_edtf_last(last)}"
    else:
        code = _edtf_whole(first)
    lower, upper = _bounds(code)
    start = lower if kind in (INTERVAL, OPEN) or (kind == RECURRING and first is not last) else None
    return Milestone(text, start, None if kind == OPEN else upper, kind, code, flags)


@lru_cache(maxsize=4096)
def _bounds(code: str) -> tuple[date, date | None]:
    """First and last day of an EDTF string, by the `edtf` library (which also
    rejects an invalid string). Cached: its parser is slow and plans repeat dates."""
    parsed = edtf.parse_edtf(code)
    upper = parsed.upper_strict()  # infinite for an open end ("2016-04/..")
    return _day(parsed.lower_strict()), None if isinstance(upper, float) else _day(upper)


def _day(moment: time.struct_time) -> date:
    return date(moment.tm_year, moment.tm_mon, moment.tm_mday)


def _month(year_month: tuple[int, int]) -> str:
    return f"{year_month[0]:04d}-{year_month[1]:02d}"


def _edtf_first(atom: Atom) -> str:
    if atom.unit in ("day", "week"):
        return first_day(atom).isoformat()
    if atom.unit == "year" and not atom.approx:
        return str(atom.year)
    return _month(month_span(atom)[0])


def _edtf_last(atom: Atom) -> str:
    if atom.unit in ("day", "week"):
        return last_day(atom).isoformat()
    if atom.unit == "year" and not atom.approx:
        return str(atom.year)
    return _month(month_span(atom)[1])


def _edtf_whole(atom: Atom) -> str:
    """The atom alone. Seasons use ISO 8601-2 codes where `edtf` reads them right
    (it takes winter, 24, as December alone); quarters and financial years are
    month intervals, as `edtf` accepts no quarter code inside an interval."""
    if atom.unit in ("day", "month") or (atom.unit == "year" and not atom.approx):
        return _edtf_first(atom)
    code = vocabulary()["seasons"].get(atom.name or "", {}).get("edtf") if atom.unit == "season" else None
    if code:
        return f"{atom.year:04d}-{code}"
    return f"{_edtf_first(atom)}/{_edtf_last(atom)}"
