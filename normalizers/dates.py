"""Reading dates from plan text: tokens, date atoms, and chains of atoms.

The vocabulary is data (normalizers/data/timescales.toml); this module is the
small grammar over it, shared by the timescale and plan-period readers:

    text --tokenize--> tokens --link_chains (reading atoms)--> chains --share_years--> chains

An atom is one date or named period as written ("9 th May 2016", "Q3 2016 -17",
"Spring"), possibly without a year. A chain is a run of atoms joined only by
connectors ("April / May and November / December 2016"); within a chain a
yearless atom takes its year from the next atom that has one.
"""
from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "timescales.toml"

FLAG_PLAN_YEAR = "year_from_plan_period"
FLAG_FINANCIAL = "financial_year_assumed"
FLAG_AMBIGUOUS = "ambiguous"


@cache
def vocabulary() -> dict:
    with DATA.open("rb") as handle:
        return tomllib.load(handle)


def _alternation(phrases: list[str]) -> str:
    """Longest phrases first, so "and ongoing" wins over "and"."""
    return "|".join(sorted(phrases, key=len, reverse=True))


def _words(phrases: list[str]) -> str:
    return rf"(?<![\w/])(?:{_alternation(phrases)})(?![\w/])"


@cache
def month_numbers() -> dict[str, int]:
    return {name: int(number) for number, names in vocabulary()["months"].items() for name in names}


@cache
def _token_pattern() -> re.Pattern[str]:
    v = vocabulary()
    months = _alternation(list(month_numbers()))
    seasons = _alternation([w for s in v["seasons"].values() for w in s["words"]])
    terms = _alternation(v["terms"]["suffix"])
    q = v["quarters"]
    not_a_day = rf"(?!\s*(?:[./]\s?\d|\d|(?:{months})\b))"
    # Order matters: at any position the first alternative that matches wins.
    groups = [
        ("isodate", r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
        ("numdate", r"\b\d{1,2}\s?(?P<sep>[-./])\s?\d{1,2}\s?(?P=sep)\s?(?:\d{4}|\d{2})\b|\b\d{1,2} \d{1,2} \d{4}\b"),
        ("yearpair", rf"\b20\d{{2}}\s*[-–—/]\s*(?:20)?\d{{2}}\b{not_a_day}|\b\d{{2}}/\d{{2}}\b{not_a_day}"),
        ("week", _words(v["markers"]["week"])),
        ("quarter", rf"\b(?:{_alternation(q['prefix'])})\s?\d\b|\b[1-4](?:st|nd|rd|th)\s+(?:{_alternation(q['suffix'])})\b"),
        ("recurring", _words(v["kinds"]["recurring"])),
        ("unspecified", _words(v["kinds"]["unspecified"])),
        ("open_after", _words(v["markers"]["open_after"])),
        ("ongoing", _words(v["kinds"]["ongoing"])),
        ("approx", _words([w for a in v["approximate"].values() for w in a["words"]]) + "-?"),
        ("open_before", _words(v["markers"]["open_before"])),
        ("span", _words(v["markers"]["span"])),
        ("between", _words(v["markers"]["between"])),
        ("deadline", _words(v["markers"]["deadline"])),
        ("fylabel", _words(v["markers"]["financial_year"])),
        ("month", rf"\b(?:{months})\b\.?"),
        ("season", rf"\b(?:{seasons})\b(?:\s+(?:{terms})\b)?"),
        ("year", r"\b(?:19|20)\d{2}\b"),
        ("day", r"\b\d{1,2}(?:\s?(?:st|nd|rd|th)\b)?"),
        ("range", _words([c for c in v["connectors"]["range"] if c.isalpha()])
         + "|" + "|".join(re.escape(c) for c in v["connectors"]["range"] if not c.isalpha())),
        ("list", _words([c for c in v["connectors"]["list"] if c.isalpha()])
         + "|" + "|".join(re.escape(c) for c in v["connectors"]["list"] if not c.isalpha())),
        ("of", r"\bof\b|'"),
        ("other", r"[^\W\d_]+|\d+|\S"),
    ]
    return re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in groups), re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> tuple[Token, ...]:
    return tuple(
        Token(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _token_pattern().finditer(text)
    )


@dataclass(frozen=True)
class Atom:
    """One date or named period as written. `unit` is day, week, month, season,
    term, quarter, year, fyear or invalid; `year` is None until a year is known
    (for a quarter or fyear it is the financial year's first calendar year)."""

    unit: str
    start: int
    end: int
    year: int | None
    month: int | None = None
    day: int | None = None
    name: str | None = None
    last_year: int | None = None
    approx: str | None = None
    flags: tuple[str, ...] = ()

    def with_flag(self, flag: str) -> Atom:
        return self if flag in self.flags else replace(self, flags=self.flags + (flag,))


def _two_digit_year(digits: str) -> int:
    return vocabulary()["years"]["century"] + int(digits) if len(digits) == 2 else int(digits)


def _valid_day(year: int | None, month: int, day: int) -> bool:
    if not 1 <= month <= 12:
        return False
    return 1 <= day <= calendar.monthrange(year or 2000, month)[1]


def _invalid(start: int, end: int) -> Atom:
    """Something written as a date that is none ("31.02.2020", "Q5"): kept so
    that it is reported, never read."""
    return Atom("invalid", start, end, None)


def _numeric_date(token: Token) -> Atom:
    parts = re.findall(r"\d+", token.text)
    if token.kind == "isodate":
        year, month, day = (int(p) for p in parts)
    else:
        day, month, year = int(parts[0]), int(parts[1]), _two_digit_year(parts[2])
    if not _valid_day(year, month, day):
        return _invalid(token.start, token.end)
    return Atom("day", token.start, token.end, year, month, day)


def _year_pair(token: Token) -> Atom:
    """"2016-17", "2017 - 2018", "19/20": a financial year or a span of them.
    "2016-12" (second part not after the first) is an ISO year-month."""
    first, second = re.findall(r"\d+", token.text)
    start = _two_digit_year(first)
    end = _two_digit_year(second) if len(second) == 2 else int(second)
    if 0 < end - start <= vocabulary()["years"]["max_span"] and (len(first) == 4 or end - start == 1):
        return Atom("fyear", token.start, token.end, start, last_year=end, flags=(FLAG_FINANCIAL,))
    if len(first) == 4 and len(second) == 2 and 1 <= int(second) <= 12:
        return Atom("month", token.start, token.end, start, int(second))
    return _invalid(token.start, token.end)


def _season(token: Token) -> Atom:
    word = token.text.split()[0].lower()
    name = next(n for n, s in vocabulary()["seasons"].items() if word in s["words"])
    unit = "term" if len(token.text.split()) > 1 and name in vocabulary()["terms"] else "season"
    return Atom(unit, token.start, token.end, None, name=name)


def _approx_name(text: str) -> str:
    lowered = text.lower().rstrip("-")
    return next(
        n for n, a in vocabulary()["approximate"].items()
        if any(re.fullmatch(w, lowered) for w in a["words"])
    )


def _day_of(day: int, month: Atom) -> Atom:
    if month.unit != "month" or not _valid_day(month.year, month.month, day):
        return _invalid(month.start, month.end)
    return replace(month, unit="day", day=day)


def _after(tokens: tuple[Token, ...], i: int, *kinds: str) -> bool:
    return i < len(tokens) and tokens[i].kind in kinds


def _year_slot(tokens: tuple[Token, ...], i: int) -> tuple[int, int]:
    """Where a year after token i - 1 would stand, and the index after it: the next
    token, the one inside a bracket of its own ("Q1 (2011-12)", "Spring (2017)"), or a
    full year after a comma ("31st March, 2017")."""
    if _after(tokens, i, "other") and tokens[i].text == "(" and _after(tokens, i + 1, "year", "yearpair") \
            and _after(tokens, i + 2, "other") and tokens[i + 2].text == ")":
        return i + 1, i + 3
    if _after(tokens, i, "list") and tokens[i].text == "," and _after(tokens, i + 1, "year"):
        return i + 1, i + 2
    return i, i + 1


def _trailing_year(tokens: tuple[Token, ...], i: int, first_month: int) -> tuple[int | None, int]:
    """A year right after a month or season: "2016", two digits ("Jun 19",
    "Jan-20", "Mar '20") unless they are a day of a following month, or a
    financial year ("Winter 2019/20": the calendar year the month falls in)."""
    k, after = _year_slot(tokens, i)
    if _after(tokens, k, "year"):
        return int(tokens[k].text), after
    if _after(tokens, k, "yearpair"):
        fy = _year_pair(tokens[k])
        if fy.unit == "fyear" and fy.last_year == fy.year + 1:
            return fy.year + (first_month < vocabulary()["quarters"]["year_start_month"]), after
    j = i + 1 if _after(tokens, i, "range", "of") and tokens[i].text in "-'" else i
    if _after(tokens, j, "day") and re.fullmatch(r"\d{2}", tokens[j].text) and not _after(tokens, j + 1, "month"):
        return _two_digit_year(tokens[j].text), j + 1
    return None, i


def _quarter_at(tokens: tuple[Token, ...], i: int) -> tuple[Atom, int]:
    """"Q3", "Quarter 3", then maybe its financial year ("Q3 2016 -17")."""
    token = tokens[i]
    number = int(re.search(r"\d", token.text).group())
    if not 1 <= number <= 4:
        return _invalid(token.start, token.end), i + 1
    atom = Atom("quarter", token.start, token.end, None, name=str(number), flags=(FLAG_FINANCIAL,))
    k, j = _year_slot(tokens, i + 1)
    if _after(tokens, k, "yearpair"):
        fy = _year_pair(tokens[k])
        if fy.unit == "fyear" and fy.last_year == fy.year + 1:
            return replace(atom, year=fy.year, end=tokens[j - 1].end), j
    if _after(tokens, k, "year"):
        # "Q1 2020": taken as the financial year starting in 2020, a guess.
        year = int(tokens[k].text)
        return replace(atom, year=year, end=tokens[j - 1].end).with_flag(FLAG_AMBIGUOUS), j
    return atom, i + 1


def _month_at(tokens: tuple[Token, ...], i: int) -> tuple[Atom, int]:
    token = tokens[i]
    month = month_numbers()[token.text.rstrip(".").lower()]
    if _after(tokens, i + 1, "day"):
        # Month first, then day and year: "March 31, 2020".
        k = i + 3 if _after(tokens, i + 2, "list") and tokens[i + 2].text == "," else i + 2
        if _after(tokens, k, "year"):
            whole = Atom("month", token.start, tokens[k].end, int(tokens[k].text), month)
            return _day_of(_number(tokens[i + 1]), whole), k + 1
    year, j = _trailing_year(tokens, i + 1, month)
    return Atom("month", token.start, tokens[j - 1].end, year, month), j


def _day_at(tokens: tuple[Token, ...], i: int) -> tuple[Atom | None, int]:
    """"30 th April 2016", "14th of October"; or a bare day opening a run of
    days ("3 – 7 July"), which takes its month from the run."""
    token = tokens[i]
    day = _number(token)
    j = i + 2 if _after(tokens, i + 1, "of") else i + 1
    if _after(tokens, j, "month"):
        month, k = _month_at(tokens, j)
        return _day_of(day, replace(month, start=token.start)), k
    if 1 <= day <= 31 and _after(tokens, i + 1, "range", "list") and _after(tokens, i + 2, "day"):
        return Atom("day", token.start, token.end, None, None, day), i + 1
    return None, i + 1


def _number(token: Token) -> int:
    return int(re.match(r"\d+", token.text).group())


def _read_atom(tokens: tuple[Token, ...], i: int) -> tuple[Atom | None, int]:
    """The atom starting at token i, and the index after it (i + 1 if none)."""
    token = tokens[i]
    if token.kind in ("isodate", "numdate"):
        return _numeric_date(token), i + 1
    if token.kind == "yearpair":
        return _year_pair(token), i + 1
    if token.kind == "year":
        return Atom("year", token.start, token.end, int(token.text)), i + 1
    if token.kind == "quarter":
        return _quarter_at(tokens, i)
    if token.kind == "season":
        season = _season(token)
        year, j = _trailing_year(tokens, i + 1, _named_months(season)[0])
        return replace(season, year=year, end=tokens[j - 1].end), j
    if token.kind == "month":
        return _month_at(tokens, i)
    if token.kind == "day":
        return _day_at(tokens, i)
    return None, i + 1


@dataclass(frozen=True)
class Chain:
    """Atoms joined only by connectors, with what surrounds them.
    `links[k]` joins atoms[k] to atoms[k + 1]; `before`/`after` are the marker
    tokens right before the first atom and right after the last."""

    atoms: tuple[Atom, ...]
    links: tuple[str, ...]
    before: tuple[Token, ...]
    after: tuple[Token, ...]

    @property
    def start(self) -> int:
        return min([self.atoms[0].start] + [t.start for t in self.before])

    @property
    def end(self) -> int:
        return max([self.atoms[-1].end] + [t.end for t in self.after])


PREFIX_KINDS = ("approx", "open_before", "span", "deadline", "week", "between", "fylabel")


def _split_gap(gap: list[Token], follows_chain: bool) -> tuple[list[Token], list[Token], list[Token]]:
    """Tokens between two chains: the first chain's trailing open marker, the
    second chain's leading markers ("by end of", "from"), and the rest."""
    head = gap[:2] if gap and gap[0].kind in ("range", "list") else gap[:1]
    after = head if follows_chain and head and head[-1].kind == "open_after" else []
    rest = gap[len(after):]
    cut = len(rest)
    while cut and rest[cut - 1].kind in PREFIX_KINDS:
        cut -= 1
    return after, rest[cut:], rest[:cut]


def _joins(gap: list[Token]) -> bool:
    """A connector, maybe followed by words that qualify the next date ("– late 2020")."""
    return bool(gap) and gap[0].kind in ("range", "list") and all(t.kind in ("approx", "deadline", "week") for t in gap[1:])


def link_chains(tokens: tuple[Token, ...]) -> tuple[tuple[Chain, ...], tuple[Token, ...]]:
    """Chains of atoms, and the tokens that belong to none."""
    chains: list[Chain] = []
    loose: list[Token] = []
    atoms: list[Atom] = []
    links: list[str] = []
    before: list[Token] = []
    gap: list[Token] = []
    i = 0
    while i <= len(tokens):
        atom, nxt = _read_atom(tokens, i) if i < len(tokens) else (None, i + 1)
        if atom is None and i < len(tokens):
            gap.append(tokens[i])
            i = nxt
            continue
        if atoms and atom is not None and _joins(gap):
            links.append(gap[0].kind)
            atoms.append(_attach_prefixes(atom, gap[1:]))
        else:
            after, lead, rest = _split_gap(gap, bool(atoms))
            if atoms:
                chains.append(Chain(tuple(atoms), tuple(links), tuple(before), tuple(after)))
            loose.extend(rest)
            before, links = lead, []
            atoms = [_attach_prefixes(atom, lead)] if atom is not None else []
            if atom is None:
                loose.extend(lead)
        gap = []
        i = nxt
    return tuple(chains), tuple(loose)


def _attach_prefixes(atom: Atom, before: list[Token]) -> Atom:
    approx = next((t for t in before if t.kind == "approx"), None)
    if approx:
        atom = replace(atom, approx=_approx_name(approx.text)).with_flag(FLAG_AMBIGUOUS)
    if any(t.kind == "week" for t in before) and atom.unit == "day":
        atom = replace(atom, unit="week")
    return atom


CALENDAR_UNITS = ("day", "month", "season", "term")


def share_years(chain: Chain) -> Chain:
    """Right to left, a yearless atom takes the year (and a bare day the month)
    of the next atom: "3 – 7 July 2017", "April, July, October 2017"; a month
    later in the year than the next atom's falls in the year before."""
    atoms = list(chain.atoms)
    for k in range(len(atoms) - 2, -1, -1):
        atom, nxt = atoms[k], atoms[k + 1]
        if atom.unit == "day" and atom.month is None and nxt.unit in ("day", "week") and nxt.month:
            atom = replace(atom, month=nxt.month)
        if atom.year is None and nxt.year is not None and (atom.unit in CALENDAR_UNITS or atom.unit == nxt.unit):
            year = nxt.year
            if atom.month and nxt.month and atom.month > nxt.month and nxt.unit != "fyear":
                year -= 1
            atom = replace(atom, year=year)
        atoms[k] = atom
    return replace(chain, atoms=tuple(atoms))


# --- calendar arithmetic: the months an atom covers ---------------------------------

def _named_months(atom: Atom) -> tuple[int, int]:
    v = vocabulary()
    if atom.unit == "season":
        return tuple(v["seasons"][atom.name]["months"])
    if atom.unit == "term":
        return tuple(v["terms"][atom.name]["months"])
    return tuple(v["quarters"]["months"][atom.name])


def month_span(atom: Atom) -> tuple[tuple[int, int], tuple[int, int]]:
    """(year, month) of the first and last month an atom with a year covers."""
    if atom.unit in ("day", "week", "month"):
        return (atom.year, atom.month), (atom.year, atom.month)
    if atom.unit == "year":
        first, last = (atom.year, 1), (atom.year, 12)
        if atom.approx:
            m1, m2 = vocabulary()["approximate"][atom.approx]["months"]
            first, last = (atom.year, m1), (atom.year, m2)
        return first, last
    if atom.unit == "fyear":
        fy = vocabulary()["quarters"]["year_start_month"]
        return (atom.year, fy), (atom.last_year, fy - 1)
    m1, m2 = _named_months(atom)
    year = atom.year
    if atom.unit == "quarter" and m1 < vocabulary()["quarters"]["year_start_month"]:
        year += 1
    return (year, m1), (year + (m2 < m1), m2)


def first_day(atom: Atom) -> date:
    (year, month), _ = month_span(atom)
    return date(year, month, atom.day if atom.unit in ("day", "week") else 1)


def last_day(atom: Atom) -> date:
    (_, _), (year, month) = month_span(atom)
    if atom.unit == "day":
        return date(atom.year, atom.month, atom.day)
    if atom.unit == "week":
        return date.fromordinal(first_day(atom).toordinal() + 6)
    return date(year, month, calendar.monthrange(year, month)[1])


def with_year_from(atom: Atom, start: date, end: date) -> Atom | None:
    """The first occurrence of a yearless atom that ends on or after `start`
    (a quarter: the financial year `start` falls in). None if it cannot be dated."""
    if atom.unit == "quarter":
        fy = vocabulary()["quarters"]["year_start_month"]
        return replace(atom, year=start.year - (start.month < fy)).with_flag(FLAG_PLAN_YEAR)
    if atom.unit not in CALENDAR_UNITS + ("week",) or (atom.unit == "day" and atom.month is None):
        return None
    for year in range(start.year - 1, end.year + 2):
        candidate = replace(atom, year=year)
        if (atom.unit not in ("day", "week") or _valid_day(year, atom.month, atom.day)) and last_day(candidate) >= start:
            return candidate.with_flag(FLAG_PLAN_YEAR)
    return None
