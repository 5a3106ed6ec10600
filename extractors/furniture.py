"""Page furniture: running headers and footers, page numbers.

They are lines in the top or bottom band of a page that either read as a page number or
recur, digits aside, on several pages. Removing them keeps them out of priority titles and
prose lists, and lets a table continue across a page break.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Sequence

from .model import PageContent, TextLine
from .settings import ExtractSettings

_PAGE_NUMBER = re.compile(r"^(page\s*)?\d+(\s*(of|/)\s*\d+)?$|\bpage\s*\d+(\s*(of|/)\s*\d+)?\s*$", re.I)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.search(text.strip()))


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _in_band(line: TextLine, page: PageContent, band: float) -> bool:
    return line.bbox.top < page.height * band or line.bbox.bottom > page.height * (1 - band)


def drop_furniture(pages: Sequence[PageContent], settings: ExtractSettings) -> list[PageContent]:
    band = settings.margin_band
    counts = Counter(_shape(ln.text) for p in pages for ln in p.lines if _in_band(ln, p, band))
    repeated = {shape for shape, n in counts.items() if n >= max(2, len(pages) // 2)}

    def furniture(line: TextLine, page: PageContent) -> bool:
        if not _in_band(line, page, band):
            return False
        return is_page_number(line.text) or _shape(line.text) in repeated

    return [replace(p, lines=[ln for ln in p.lines if not furniture(ln, p)]) for p in pages]
