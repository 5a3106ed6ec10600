"""A plan's period, read from its title: "Business Plan 2016-17", "October 2010 – March 2011".

A year range is UK financial years ("2015 – 2017" runs 1 April 2015 to 31 March
2017); a month range runs from the first day of its first month to the last day of
its last. A single year or date is not a period: None.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from boardplans.normalizers.dates import first_day, last_day, link_chains, share_years, tokenize


@dataclass(frozen=True)
class PlanPeriod:
    text: str
    start: date
    end: date


def parse_plan_period(text: str) -> PlanPeriod | None:
    chains, _ = link_chains(tokenize(text))
    for chain in map(share_years, chains):
        if any(atom.year is None for atom in chain.atoms):
            continue
        if chain.atoms[0].unit == "fyear":
            atom = chain.atoms[0]
            return PlanPeriod(text[atom.start:atom.end], first_day(atom), last_day(atom))
        if len(chain.atoms) == 2 and chain.links == ("range",):
            first, last = chain.atoms
            return PlanPeriod(text[first.start:last.end], first_day(first), last_day(last))
    return None
