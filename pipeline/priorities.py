"""Priorities stated in the prose ("The following top level strategic priorities were agreed:
1. Early help …"), and their link to the priorities the tables are organised by."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from rapidfuzz import fuzz

from boardplans.extractors.model import PageContent, TextLine

from .patterns import compiled, patterns, strip_bullet

LINK_THRESHOLD = 80


@dataclass(frozen=True)
class StatedPriority:
    ref: str
    title: str
    page: int
    source: str  # table, prose


def _is_intro(line: TextLine) -> bool:
    """A line announcing a list of priorities; an item of another list never is one."""
    if _item(line):
        return False
    return any(compiled(p).search(line.text) for p in patterns()["prose"]["list_intro"])


def _item(line: TextLine) -> tuple[str, str] | None:
    m = compiled(patterns()["prose"]["item"]).match(line.text.strip())
    if m:
        return m.group("ref"), m.group("title")
    bullet, rest = strip_bullet(line.text.strip())
    return ("", rest) if bullet and rest else None


def prose_lists(pages: Sequence[PageContent]) -> list[StatedPriority]:
    """Items of the lists that follow a line announcing priorities. An item's wrapped lines
    (indented to its text, no marker of their own) join it."""
    lines = [ln for p in pages for ln in p.lines]
    found: list[StatedPriority] = []
    i = 0
    while i < len(lines):
        if not _is_intro(lines[i]):
            i += 1
            continue
        i += 1
        items: list[list] = []
        skipped = 0  # an intro may run on for a line or two before its list
        while i < len(lines):
            line, item = lines[i], _item(lines[i])
            if item:
                items.append([item[0], item[1], line])
            elif items and line.page == items[-1][2].page and line.bbox.x0 > items[-1][2].bbox.x0 + 4:
                items[-1][1] += " " + line.text.strip()
            elif items or skipped >= 2:
                break
            else:
                skipped += 1
            i += 1
        numbered = all(ref for ref, _, _ in items)
        for n, (ref, title, line) in enumerate(items, 1):
            found.append(StatedPriority(ref if numbered else str(n), " ".join(title.split()), line.page, "prose"))
    return found


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower().replace("&", " and ")))


def _same(a: str, b: str) -> bool:
    return bool(a and b) and fuzz.token_set_ratio(_words(a), _words(b)) >= LINK_THRESHOLD


def link(table: Sequence[StatedPriority], prose: Sequence[StatedPriority]) -> list[tuple[StatedPriority, StatedPriority | None]]:
    """Each distinct priority once: table priorities with the prose item that states the
    same one (by wording, or by number when the table gives none), then prose-only items."""
    used: set[int] = set()
    out: list[tuple[StatedPriority, StatedPriority | None]] = []
    for t in table:
        match = next((i for i, p in enumerate(prose) if i not in used and _same(t.title, p.title)), None)
        if match is None and not t.title:
            match = next((i for i, p in enumerate(prose) if i not in used and p.ref == t.ref), None)
        if match is not None:
            used.add(match)
        out.append((t, prose[match] if match is not None else None))
    out += [(p, None) for i, p in enumerate(prose) if i not in used]
    return out

