"""The regexes of data/patterns.toml, compiled once, and the small pure readers over them."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def patterns() -> dict:
    return tomllib.loads(resources.files("pipeline.data").joinpath("patterns.toml").read_text("utf-8"))


@lru_cache(maxsize=None)
def compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class PriorityHeading:
    ref: str
    title: str  # empty when the heading's remainder is metadata or nothing


def read_priority_heading(text: str) -> PriorityHeading | None:
    """ "LSCB Priority 1 – Lead: …" → ref 1, no title; "PRIORITY 2: To strengthen …" → ref 2
    with its title; "Theme A: Neglect" → ref A."""
    text = " ".join(text.split())
    spec = patterns()["priority"]
    for pattern in spec["heading"]:
        m = compiled(pattern).match(text)
        if m:
            title = (m.groupdict().get("title") or "").strip()
            if compiled(spec["metadata"]).match(title):
                title = ""
            return PriorityHeading(m.group("ref").upper(), title)
    return None


def read_priority_cell(text: str) -> PriorityHeading:
    """A priority column's cell: "Priority 2: Exploitation", "2. Exploitation", "2
    Exploitation", "B) Neglect", or a statement with no number."""
    heading = read_priority_heading(text)
    if heading:
        return heading
    text = " ".join(text.split())
    m = compiled(patterns()["priority"]["cell"]).match(text)
    return PriorityHeading(m.group("ref").upper(), m.group("title")) if m else PriorityHeading("", text)


@dataclass(frozen=True)
class Ref:
    ref: str
    rest: str


def split_leading_ref(text: str) -> Ref | None:
    """ "1.2.1 To complete the review" → ref 1.2.1 and the rest."""
    m = compiled(patterns()["refs"]["leading"]).match(text.strip())
    if not m:
        return None
    ref = m.group("ref")
    # a bare number opening a sentence ("3 development sessions") is no reference
    if ref.isdigit() and m.group(0)[len(ref)] not in ".)":
        return None
    return Ref(ref, m.group("rest"))


def range_part(text: str) -> str:
    """ "start" or "end" for a sub-header naming one end of a range, else ""."""
    key = " ".join(text.lower().replace(":", " ").split())
    parts = patterns()["header_parts"]
    return next((part for part in ("start", "end") if key in parts[part]), "")


def is_ref(text: str) -> bool:
    return bool(compiled(patterns()["refs"]["whole"]).match(text.strip()))


def strip_bullet(text: str) -> tuple[bool, str]:
    m = compiled(patterns()["refs"]["bullet"]).match(text)
    return (True, text[m.end():]) if m else (False, text)
