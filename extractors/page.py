"""One page → its tables and the lines of text around them.

The strategy is chosen per page from what the page holds: ruling lines → the ruled
strategy; text without rulings → the text-aligned strategy. A page with no text layer but
images is read by OCR: Tesseract's words, and the ruling lines found in the same image,
then the same choice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .aligned import find_aligned_tables
from .model import BBox, PageContent, Table, TextLine
from .ocr import ocr_available, ocr_page
from .ruled import find_ruled_tables
from .settings import ExtractSettings
from .words import Word, group_lines, words_from_pdfplumber, words_in

@dataclass(frozen=True)
class PageInput:
    """What the strategies read: the words, the ruling segments (pdfplumber edge or line
    objects), and whether both came from OCR of a page image."""
    words: list[Word]
    rulings: list[dict]
    ocr: bool


TableStrategy = Callable[[object, PageInput, ExtractSettings], list[Table]]

STRATEGIES: dict[str, TableStrategy] = {
    "ruled": lambda page, seen, settings: find_ruled_tables(page, seen.words, settings,
                                                           seen.rulings if seen.ocr else None),
    "aligned": lambda page, seen, settings: find_aligned_tables(seen.words, page.page_number, settings),
}


def page_input(page, settings: ExtractSettings) -> PageInput:
    raw = page.extract_words(extra_attrs=["fontname", "size"])
    if raw or not page.images or not settings.ocr or not ocr_available():
        return PageInput(words_from_pdfplumber(raw), page.edges, False)
    words, rulings = ocr_page(page, settings)
    return PageInput(words, rulings, True)


def choose_strategy(seen: PageInput, settings: ExtractSettings) -> str:
    return "ruled" if len(seen.rulings) >= settings.min_rulings else "aligned"


def lines_outside(words: Sequence[Word], tables: Sequence[Table], page_number: int) -> list[TextLine]:
    inside = {id(w) for t in tables for w in words_in(words, _grow(t.bbox))}
    free = [w for w in words if id(w) not in inside]
    return [TextLine(ln.text, page_number, ln.bbox, ln.size, ln.bold) for ln in group_lines(free)]


def _grow(box: BBox, by: float = 1.5) -> BBox:
    return BBox(box.x0 - by, box.top - by, box.x1 + by, box.bottom + by)


def read_page(page, settings: ExtractSettings) -> PageContent:
    seen = page_input(page, settings)
    strategy = choose_strategy(seen, settings)
    tables = STRATEGIES[strategy](page, seen, settings) if seen.words else []
    if not tables and strategy == "ruled":
        strategy = "aligned"
        tables = STRATEGIES[strategy](page, seen, settings)
    rulings = [BBox(e["x0"], e["top"], e["x1"], e["bottom"]) for e in seen.rulings] if strategy == "ruled" else []
    return PageContent(
        number=page.page_number, width=float(page.width), height=float(page.height),
        strategy=f"ocr+{strategy}" if seen.ocr else strategy, tables=tables,
        lines=lines_outside(seen.words, tables, page.page_number),
        rulings=rulings,
    )
