"""One page → its tables and the lines of text around them.

The strategy is chosen per page from what the page holds: ruling lines → the ruled
strategy; text without rulings → the text-aligned strategy; no text layer but images →
OCR words, then the text-aligned strategy.
"""
from __future__ import annotations

from typing import Callable, Sequence

from .aligned import find_aligned_tables
from .model import BBox, PageContent, Table, TextLine
from .ocr import ocr_available, ocr_words
from .ruled import find_ruled_tables
from .settings import ExtractSettings
from .words import Word, group_lines, words_from_pdfplumber, words_in

TableStrategy = Callable[[object, Sequence[Word], ExtractSettings], list[Table]]

STRATEGIES: dict[str, TableStrategy] = {
    "ruled": find_ruled_tables,
    "aligned": lambda page, words, settings: find_aligned_tables(words, page.page_number, settings),
}


def page_words(page, settings: ExtractSettings) -> tuple[list[Word], bool]:
    """The page's words, and whether they came from OCR."""
    raw = page.extract_words(extra_attrs=["fontname", "size"])
    if raw or not page.images or not settings.ocr or not ocr_available():
        return words_from_pdfplumber(raw), False
    return ocr_words(page, settings), True


def choose_strategy(page, settings: ExtractSettings) -> str:
    return "ruled" if len(page.edges) >= settings.min_rulings else "aligned"


def lines_outside(words: Sequence[Word], tables: Sequence[Table], page_number: int) -> list[TextLine]:
    inside = {id(w) for t in tables for w in words_in(words, _grow(t.bbox))}
    free = [w for w in words if id(w) not in inside]
    return [TextLine(ln.text, page_number, ln.bbox, ln.size, ln.bold) for ln in group_lines(free)]


def _grow(box: BBox, by: float = 1.5) -> BBox:
    return BBox(box.x0 - by, box.top - by, box.x1 + by, box.bottom + by)


def read_page(page, settings: ExtractSettings) -> PageContent:
    words, from_ocr = page_words(page, settings)
    strategy = choose_strategy(page, settings)
    tables = STRATEGIES[strategy](page, words, settings) if words else []
    if not tables and strategy == "ruled":
        strategy = "aligned"
        tables = STRATEGIES[strategy](page, words, settings)
    if from_ocr:
        strategy = f"ocr+{strategy}"
    rulings = [BBox(e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges] if "ruled" in strategy else []
    return PageContent(
        number=page.page_number, width=float(page.width), height=float(page.height),
        strategy=strategy, tables=tables,
        lines=lines_outside(words, tables, page.page_number),
        rulings=rulings,
    )
