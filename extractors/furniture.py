"""Page furniture: running headers and footers, page numbers.

They are lines in the top or bottom band of a page, set apart from the page's content,
that either read as a page number or recur, digits aside, on several pages. They are
removed from the page views before any table is looked for, so a running head can
neither open a table nor join one, nor stand between a table's two parts across a page
break, and it stays out of priority titles and prose lists.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Sequence

from .pageview import PageView
from .settings import ExtractSettings
from .words import Line, group_lines, split_segments

_PAGE_NUMBER = re.compile(r"^(page\s*)?\d+(\s*(of|/)\s*\d+)?$|\bpage\s*\d+(\s*(of|/)\s*\d+)?\s*$", re.I)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.search(text.strip()))


# a contents entry's page number stands this share of the line's width from its title
CONTENTS_SPACE = 0.4
# a run of leader dots, as between a contents entry and its page number
_LEADER = re.compile(r"\.{4,}|(?:\.\s){4,}|…{2,}")


def is_contents_entry(line: Line, gap: float) -> bool:
    """A line of a table of contents: a title, leader dots or a wide space, and a page
    number. Its two pieces line up with the next entry's like a table's columns, but it
    is no table."""
    if _LEADER.search(line.text):
        return True
    pieces = split_segments(line, gap)
    return (len(pieces) == 2 and pieces[1].text.isdigit() and len(pieces[1].text) <= 3
            and pieces[1].x0 - pieces[0].x1 >= CONTENTS_SPACE * (line.x1 - line.x0))


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _margin_lines(view: PageView, settings: ExtractSettings) -> list[tuple[Line, bool]]:
    """Lines in the top or bottom band, each with whether whitespace sets it apart from
    the content (a running head does; a table header at the top of a page does not)."""
    lines = group_lines(view.words)
    band = settings.margin_band * view.height
    out = []
    for i, ln in enumerate(lines):
        room = settings.furniture_gap * ln.height
        if ln.top < band:
            out.append((ln, i + 1 == len(lines) or lines[i + 1].top - ln.bottom >= room))
        elif ln.bottom > view.height - band:
            out.append((ln, i == 0 or ln.top - lines[i - 1].bottom >= room))
    return out


def drop_furniture(views: Sequence[PageView], settings: ExtractSettings) -> list[PageView]:
    margins = [_margin_lines(v, settings) for v in views]
    counts = Counter(_shape(ln.text) for lines in margins for ln, apart in lines if apart)
    repeated = {shape for shape, n in counts.items() if n >= max(2, len(views) // 2)}
    out = []
    for view, lines in zip(views, margins):
        drop = {id(w) for ln, apart in lines
                if is_page_number(ln.text) or apart and _shape(ln.text) in repeated for w in ln.words}
        out.append(replace(view, words=tuple(w for w in view.words if id(w) not in drop)) if drop else view)
    return out
