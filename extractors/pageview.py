"""One interface to a page: the objects the table strategies read.

Strategies see words, ruling lines, fills and the count of images, never the parser's
page object, so the parser behind `view_of` can change without touching them. A page
without a text layer is read by OCR into the same objects.

Rules and fills are told apart by shape, not by how they were drawn: a rule is a line,
or a rectangle thin in one dimension (how LibreOffice and Chromium draw cell borders);
a fill is a coloured rectangle with room for text inside. A fill separates rows; it
never sets a table's extent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .model import BBox
from .ocr import ocr_available, ocr_page
from .settings import ExtractSettings
from .words import Word, words_from_pdfplumber


@dataclass(frozen=True)
class Rule:
    """A ruling segment, horizontal (top == bottom) or vertical (x0 == x1)."""
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return self.x1 - self.x0 >= self.bottom - self.top

    @property
    def bbox(self) -> BBox:
        return BBox(self.x0, self.top, self.x1, self.bottom)

    def as_edge(self) -> dict:
        """The edge object pdfplumber's table functions take."""
        return {"x0": self.x0, "x1": self.x1, "top": self.top, "bottom": self.bottom,
                "width": self.x1 - self.x0, "height": self.bottom - self.top,
                "orientation": "h" if self.horizontal else "v", "object_type": "line"}


@dataclass(frozen=True)
class PageView:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]
    rules: tuple[Rule, ...]
    fills: tuple[BBox, ...]
    images: int
    ocr: bool  # words and rules were read from the page image
    skew: float = 0.0  # degrees the page image was turned back by before it was read


def _is_white(colour) -> bool:
    if colour is None:
        return True
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    values = [v for v in values if isinstance(v, (int, float))]
    if len(values) == 4:  # CMYK: white has no ink
        return all(v <= 0.02 for v in values)
    return bool(values) and all(v >= 0.98 for v in values)


def rules_and_fills(lines: Iterable[dict], rects: Iterable[dict], thin: float,
                    page_area: float) -> tuple[list[Rule], list[BBox]]:
    """pdfplumber line and rectangle objects → rules and fills (see the module note)."""
    rules: list[Rule] = []
    fills: list[BBox] = []
    for ln in lines:
        if abs(ln["top"] - ln["bottom"]) <= thin:
            y = (ln["top"] + ln["bottom"]) / 2
            rules.append(Rule(ln["x0"], y, ln["x1"], y))
        elif abs(ln["x0"] - ln["x1"]) <= thin:
            x = (ln["x0"] + ln["x1"]) / 2
            rules.append(Rule(x, ln["top"], x, ln["bottom"]))
    for r in rects:
        w, h = r["x1"] - r["x0"], r["bottom"] - r["top"]
        if h <= thin and w > thin:
            y = (r["top"] + r["bottom"]) / 2
            rules.append(Rule(r["x0"], y, r["x1"], y))
        elif w <= thin and h > thin:
            x = (r["x0"] + r["x1"]) / 2
            rules.append(Rule(x, r["top"], x, r["bottom"]))
        elif w > thin and h > thin:
            if r.get("stroke"):  # a box drawn around something: its four sides are rules
                rules += [Rule(r["x0"], r["top"], r["x1"], r["top"]), Rule(r["x0"], r["bottom"], r["x1"], r["bottom"]),
                          Rule(r["x0"], r["top"], r["x0"], r["bottom"]), Rule(r["x1"], r["top"], r["x1"], r["bottom"])]
            if r.get("fill") and not _is_white(r.get("non_stroking_color")) and w * h < 0.5 * page_area:
                fills.append(BBox(r["x0"], r["top"], r["x1"], r["bottom"]))
    return rules, sorted(set(fills), key=lambda b: (b.top, b.x0))


# a page whose images cover this share of it, with no text beyond its header and footer
# bands, is a scan
SCAN_COVER = 0.5


def is_scan(page, words: Sequence[Word], settings: ExtractSettings) -> bool:
    """The page's content is an image: images cover most of it, and its text layer holds
    nothing outside the header and footer bands (a scan with a page number stamped on it
    is still a scan)."""
    width, height = float(page.width), float(page.height)
    covered = sum(max(0.0, min(i["x1"], width) - max(i["x0"], 0.0))
                  * max(0.0, min(i["bottom"], height) - max(i["top"], 0.0)) for i in page.images)
    band = settings.margin_band * height
    in_margins = all(w.bottom <= band or w.top >= height - band for w in words)
    return covered >= SCAN_COVER * width * height and in_margins


def view_of(page, settings: ExtractSettings) -> PageView:
    """The page's objects from pdfplumber, or from OCR of its image when it is a scan."""
    words = words_from_pdfplumber(page.extract_words(extra_attrs=["fontname", "size"]))
    number, width, height = page.page_number, float(page.width), float(page.height)
    readable = settings.ocr and ocr_available(settings.ocr_engine, settings.ocr_language)
    if not (readable and is_scan(page, words, settings)):
        rules, fills = rules_and_fills(page.lines, page.rects, settings.rule_thickness, width * height)
        return PageView(number, width, height, tuple(words), tuple(rules), tuple(fills), len(page.images), False)
    scan = ocr_page(page, settings)
    rules = [Rule(r["x0"], r["top"], r["x1"], r["bottom"]) for r in scan.rulings]
    # a text layer's own words (a stamped page number) stay where OCR read nothing
    kept = words_outside(words, [BBox(w.x0, w.top, w.x1, w.bottom) for w in scan.words], margin=0.0)
    return PageView(number, width, height, (*scan.words, *kept),
                    tuple(rules), tuple(scan.fills), len(page.images), True, scan.skew)


def words_outside(words: Sequence[Word], boxes: Sequence[BBox], margin: float = 1.5) -> list[Word]:
    """The words whose centre lies in none of `boxes` (grown by `margin`)."""
    def inside(w: Word, b: BBox) -> bool:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        return b.x0 - margin <= cx <= b.x1 + margin and b.top - margin <= cy <= b.bottom + margin
    return [w for w in words if not any(inside(w, b) for b in boxes)]
