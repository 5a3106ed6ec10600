"""Words, ruling lines and fills of a page that has no text layer, read from its image.

The page image is cleaned the way a scan needs before anything is read from it:

1. deskew: the angle that makes the rows of dark pixels sharpest (a projection profile
   searched over ±3°, coarse then fine) and the image turned back by it, so that rules
   are straight and a table's rows stay level across the page;
2. fills: large rectangles of uniform grey (a shaded header, a zebra band, a RAG cell),
   found after an opening that leaves no text stroke; they are returned as fills, since
   their edges separate rows, and are left out of the rule search;
3. rules: dark runs in the median-filtered image that survive an opening with a long thin
   kernel, after short gaps are closed (a faint or broken rule comes back whole);
4. OCR: the engine (`ocr_engines.py`) reads a copy in which each fill's background is
   made white (a dark header with white text is inverted first), so shading no longer
   comes out as garbage.

The image operations are numpy and Pillow (`ocr_imaging.py`), but for the rotation (OpenCV).

Without an engine a scanned page is not read (pageview.py), and the document stage records
that the file is a scan and what to install. Nothing here raises on an
ordinary scan: a blank page, a page with no rules or no fills gives empty lists.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import NamedTuple, Sequence

from . import ocr_imaging as imaging
from .model import BBox
from .ocr_engines import AUTO, engine
from .settings import ExtractSettings
from .words import Word, group_lines, layout_words


def ocr_available(name: str = AUTO, language: str = "eng") -> bool:
    """An OCR engine can run here: `name`, or any for "auto"."""
    return engine(name, language) is not None


def mend_bullets(words: list[Word]) -> list[Word]:
    """A misread bullet standing apart at the start of a line becomes "•" again."""
    mended = []
    for line in group_lines(words):
        first, rest = line.words[0], line.words[1:]
        if rest and first.text in layout_words()["ocr_bullets"] and rest[0].x0 - first.x1 > 0.4 * (first.bottom - first.top):
            first = replace(first, text="•")
        mended += [first, *rest]
    return mended


# what an engine makes of a ruling line: never a word
_RULE_ONLY = re.compile(r"^[|\[\]{}!]+$")
_DASHES = re.compile(r"^[—–_-]+$")
# what an engine makes of a speck: punctuation alone, read with little confidence
_SPECK = re.compile(r"^[^\w•]{1,2}$")
# or, standing apart, marks that are never a cell's text alone (a dash is: "nothing"), or
# letters in a box narrower than any type sets them: even an "i", boxed to its stroke, is
# a tenth of an em; a speck read as "sid" is a few hundredths of an em a letter
_LONE_MARK = re.compile(r"^[^\w•—–-]{1,2}$")
NARROWEST_EM = 0.12

# the widest skew searched, in degrees
MAX_SKEW = 3.0


@dataclass(frozen=True)
class Scan:
    """What one page image gives: words, rules (pdfplumber line dicts) and fills, in points."""
    words: list[Word]
    rulings: list[dict]
    fills: list[BBox]
    skew: float = 0.0  # degrees the image was turned back by


def ocr_page(page, settings: ExtractSettings) -> Scan:
    """A scanned page's words (the OCR engine's), ruling lines and fills, all found in the
    page image once it is deskewed."""
    image = page.to_image(resolution=settings.ocr_dpi).original
    return read_image(image, page.width / image.width, settings)


def read_image(image, scale: float, settings: ExtractSettings) -> Scan:
    """`ocr_page` on a PIL image whose pixels are `scale` points wide."""
    import numpy as np

    gray = np.asarray(image.convert("L"))
    dpi = 72.0 / scale
    angle = estimate_skew(gray)
    if abs(angle) >= 0.05:
        gray = rotate(gray, angle)
    fills = find_fills(gray, dpi)
    rules = rule_boxes(gray, dpi, fills)
    rulings = as_lines(rules, scale)
    words = ocr_words(ocr_image(gray, fills, rules), scale, settings, tabular=len(rulings) >= settings.min_rulings)
    words = [w for w in words if not on_ruling(w, rulings)]
    boxes = [BBox(x0 * scale, y0 * scale, x1 * scale, y1 * scale) for x0, y0, x1, y1 in fills]
    return Scan(words, rulings, boxes, angle)


def on_ruling(word: Word, rulings: list[dict]) -> bool:
    """A dash that is a piece of a horizontal ruling line read as text."""
    if not _DASHES.match(word.text):
        return False
    return any(r["top"] == r["bottom"] and word.top - 2 <= r["top"] <= word.bottom + 2
               and r["x0"] <= word.x1 and word.x0 <= r["x1"] for r in rulings)


# -- image cleaning ----------------------------------------------------------------------

def _background(gray) -> float:
    """The paper's grey level: the brightest common level."""
    import numpy as np

    return float(np.percentile(gray[::4, ::4], 90))


def estimate_skew(gray, max_angle: float = MAX_SKEW) -> float:
    """The angle in degrees (positive: the content runs down to the right) that makes the
    page's rows of dark pixels sharpest: a projection profile over ±`max_angle`, searched
    in steps of 0.25° and then of 0.02° around the best. 0.0 on a blank page."""
    import numpy as np

    small = gray
    factor = max(1, int(round(max(gray.shape) / 1400)))
    if factor > 1:
        small = imaging.shrink(gray, factor)
    smooth = imaging.median3(small)
    ys, xs = np.nonzero(smooth <= imaging.otsu_threshold(smooth))
    if len(ys) < 200 or len(ys) > 0.6 * smooth.size:
        return 0.0
    if len(ys) > 400_000:  # plenty: a sample is as sharp
        pick = np.random.default_rng(0).choice(len(ys), 400_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - small.shape[1] / 2
    offset = small.shape[1] * math.tan(math.radians(max_angle)) + 2

    def sharpness(deg: float) -> float:
        rows = np.rint(ys - xs * math.tan(math.radians(deg)) + offset).astype(np.int64)
        counts = np.bincount(rows)
        return float(np.dot(counts, counts))

    coarse = np.arange(-max_angle, max_angle + 1e-9, 0.25)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02)
    best = max(fine, key=sharpness)
    if abs(best) > max_angle:
        return 0.0
    return float(round(best, 3))


def rotate(gray, angle: float):
    """The image turned by `angle` degrees about its centre to undo a skew of `angle`,
    the corners filled with the paper's grey. OpenCV's bilinear warp, the one image
    operation left to it: a numpy one within one grey level of it on a few hundred of a
    page's four million pixels made Tesseract read a few of the corpus's rows otherwise."""
    import cv2

    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=_background(gray))


def find_fills(gray, dpi: float = 200.0) -> list[tuple[int, int, int, int]]:
    """Large uniform grey rectangles (x0, y0, x1, y1 in pixels): what survives an opening
    with a square wider than any text stroke, kept where it is a rectangle (its edges
    covered almost end to end, unlike a logo's disc) with room for a line of text."""
    background = _background(gray)
    shaded = imaging.median_below(gray, 5, background - 12)
    side = max(5, int(dpi * 0.08))
    solid = imaging.components(imaging.opening(shaded, side, side))
    height, width = gray.shape
    fills = []
    for x, y, w, h, area in zip(solid.x, solid.y, solid.w, solid.h, solid.area):
        if w < dpi * 0.25 or h < dpi * 0.1 or w * h > 0.5 * width * height:
            continue
        if area < 0.6 * w * h:
            continue
        box = shaded[y:y + h, x:x + w]
        inset = max(1, int(dpi * 0.01))
        edges = (box[inset, :].mean(), box[h - 1 - inset, :].mean(), box[:, inset].mean(), box[:, w - 1 - inset].mean())
        if min(edges) < 0.8:
            continue
        smooth = imaging.median_of_region(gray, 5, x, y, w, h)
        for y0, y1 in _bands(smooth, box, axis=1):
            for x0, x1 in _bands(smooth[y0:y1], box[y0:y1], axis=0):
                if x1 - x0 >= dpi * 0.1 and y1 - y0 >= dpi * 0.08:
                    fills.append((int(x + x0), int(y + y0), int(x + x1), int(y + y1)))
    return sorted(fills, key=lambda b: (b[1], b[0]))


def _bands(region, shaded, axis: int, step: float = 25.0) -> list[tuple[int, int]]:
    """Where a fill's grey changes along one axis (a light banner over a dark header, two
    RAG cells side by side): the runs of rows (axis=1) or columns (axis=0) whose typical
    level stays within `step` of the run's first."""
    import numpy as np

    masked = np.where(shaded, region, np.nan)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            levels = np.nanmedian(masked, axis=axis)
    runs: list[tuple[int, int]] = []
    start, ref = 0, None
    for i, level in enumerate(levels):
        if np.isnan(level):
            continue
        if ref is None:
            start, ref = i, level
        elif abs(level - ref) > step:
            runs.append((start, i))
            start, ref = i, level
    if ref is not None:
        runs.append((start, len(levels)))
    return runs


def _segments(mask, vertical: bool, dpi: float) -> list[tuple[int, int, int, int]]:
    """Long thin runs of `mask` along one axis (x, y, w, h in pixels): short pieces found,
    gaps between collinear pieces closed, then only the long ones kept."""
    piece = max(5, int(dpi * 0.1))
    gap = max(3, int(dpi * 0.06))
    long = max(piece + 1, int(dpi * (0.25 if vertical else 0.3)))
    thick = max(3, int(dpi * 0.04))

    def kernel(n: int) -> tuple[int, int]:
        return (1, n) if vertical else (n, 1)

    runs = imaging.opening(mask, *kernel(piece))
    runs = imaging.closing(runs, *kernel(gap))
    runs = imaging.components(imaging.opening(runs, *kernel(long)))
    found = []
    for x, y, w, h, area in zip(runs.x, runs.y, runs.w, runs.h, runs.area):
        across, along = (w, h) if vertical else (h, w)
        # a stroke is thin across its whole length: a blob (text run together) is not
        if along < long or area / along > thick:
            continue
        found.append((int(x), int(y), int(w), int(h)))
    return found


class RuleBox(NamedTuple):
    """A rule found in the image, its box in pixels; `solid` when ink covers it end to end
    (not closed over gaps: a faint rule, or the baseline of large bold type)."""
    vertical: bool
    x: int
    y: int
    w: int
    h: int
    solid: bool


def rule_boxes(gray, dpi: float, fills=()) -> list[RuleBox]:
    """The horizontal and vertical rules of a grey page image, in pixels. The inside of
    each fill (pixel boxes) is left out, so the gaps between white letters in a dark header
    are never lines; rules along the image border (the edge of the scanned sheet) are
    dropped."""
    height, width = gray.shape
    background = _background(gray)
    # faint rules count: anything clearly darker than the paper, speckle filtered out
    # darker than the paper around it (a blotchy scan's background varies), with no median
    # filter: it would erase a hairline, and the opening drops speckle anyway
    block = max(15, int(dpi * 0.15)) | 1
    dark = (gray < background - 30.0) & (gray <= imaging.local_mean(gray, block) - 20)
    for x0, y0, x1, y1 in fills:
        dark[max(0, y0 - 1):y1 + 1, max(0, x0 - 1):x1 + 1] = False
    border = max(2, int(dpi * 0.05))
    found = []
    for vertical in (False, True):
        for x, y, w, h in _segments(dark, vertical, dpi):
            far = width if vertical else height
            lo, hi = (x, x + w) if vertical else (y, y + h)
            if hi > border and lo < far - border:
                inked = dark[y:y + h, x:x + w].any(axis=1 if vertical else 0)
                found.append(RuleBox(vertical, x, y, w, h, solid=bool(inked.mean() >= 0.95)))
    return found


def image_rulings(image, scale: float, fills=()) -> list[dict]:
    """The rules of a page image (a PIL image or a grey array), as pdfplumber line objects
    in PDF points (see `rule_boxes`)."""
    import numpy as np

    gray = np.asarray(image.convert("L")) if hasattr(image, "convert") else np.asarray(image)
    return as_lines(rule_boxes(gray, 72.0 / scale, fills), scale)


def as_lines(rules: list[RuleBox], scale: float) -> list[dict]:
    """Rules in pixels as pdfplumber line objects in points."""
    found = []
    for vertical, x, y, w, h, _ in rules:
        if vertical:
            x0 = x1 = (x + w / 2) * scale
            top, bottom = y * scale, (y + h) * scale
        else:
            top = bottom = (y + h / 2) * scale
            x0, x1 = x * scale, (x + w) * scale
        found.append({"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                      "width": x1 - x0, "height": bottom - top})
    return found


# inside a fill, once its grey is stretched to the paper's, what is lighter than this share
# of the paper is the shade's mottle, not a letter's stroke
MOTTLE = 0.7

# a dark dot of at most this many pixels (at the OCR resolution) standing alone is a speck
SPECK_PIXELS = 6


def despeckle(gray, largest: int = SPECK_PIXELS):
    """The page with its specks (dark dots of a few pixels) made paper. A median filter
    would also remove them, but it rounds small type away (a dash lost, "1.2" read as
    "2"); this loses full stops instead, which a reference ("1.3" read as "13") feels."""
    parts = imaging.components(gray < min(_background(gray) - 60, 160))
    return imaging.paint(gray, parts, parts.area <= largest, int(_background(gray)))


def ocr_image(gray, fills=(), rules: Sequence[RuleBox] = ()):
    """The image the engine reads: dark text on white everywhere. The solid horizontal
    rules are made paper: one that touches a line of text (a scan's blur, a tight cell)
    made the engine read both as one line of garbage. Vertical ones stay: the stems of
    letters set one above the other ("P" over "f") can pass for a short one, and the
    engine reads a real one as "|", which is dropped. Inside each fill the background is
    made white (inverted first where the fill is darker than its text), after the specks
    are removed. It stays grey: Tesseract's own binarisation of a grey page reads more
    than Otsu's of ours (corpus scans: recall 0.64 -> 0.75), at twice the time."""
    import numpy as np

    page = despeckle(np.ascontiguousarray(gray)).astype(np.float32)
    background = _background(gray)
    for vertical, x, y, w, h, solid in rules:  # with the rule's blurred rim
        if solid and not vertical:
            page[max(0, y - 1):y + h + 1, max(0, x - 1):x + w + 1] = background
    for x0, y0, x1, y1 in fills:
        region = page[y0:y1, x0:x1]
        level = float(np.median(region))
        # the text is whichever way the pixels depart from the fill's grey: white text on
        # a dark header is inverted, dark text on a red (dark grey) RAG cell is not
        if np.count_nonzero(region > level + 40) > np.count_nonzero(region < level - 40):
            region = 255.0 - region
            level = 255.0 - level
        # stretch so that the fill's own grey becomes the paper's
        ink = float(np.percentile(region, 1))
        if level - ink > 10:
            region = (region - ink) * (background - 0) / (level - ink)
        # and its mottle (a shade JPEG-compressed) made paper: in sparse mode the engine
        # read it as marks and lost the words beside it ("No.", "Objective")
        region = np.where(region > MOTTLE * background, background, region)
        page[y0:y1, x0:x1] = np.clip(region, 0, 255)
        # the fill's blurred rim just outside its box would read as a rule or as marks
        rim = 3
        for ys, xs in ((slice(max(0, y0 - rim), y0 + rim), slice(max(0, x0 - rim), x1 + rim)),
                       (slice(max(0, y1 - rim), y1 + rim), slice(max(0, x0 - rim), x1 + rim)),
                       (slice(max(0, y0 - rim), y1 + rim), slice(max(0, x0 - rim), x0 + rim)),
                       (slice(max(0, y0 - rim), y1 + rim), slice(max(0, x1 - rim), x1 + rim))):
            page[ys, xs] = background
    return page.astype(np.uint8)


_DESCENDS = re.compile(r"[gjpqy,;()\[\]{}|@$]")
_ASCENDS = re.compile(r"[A-Z0-9bdfhklt()\[\]{}|!?/\\@#$%&£'\"]")
# the type's shape, in ems: capital height, and the ascent and descent of a font's box
# beyond the capitals and the baseline (what a text layer's word boxes span)
_CAP, _ABOVE, _BELOW = 0.68, 0.1, 0.25


def _type_band(line: list[tuple]) -> tuple[float, float, float]:
    """The top, bottom and size (pixels) a text layer would give a line of OCR words:
    Tesseract's boxes hug the glyphs (an "on" box is only the x-height tall), a text
    layer's span the font's ascent to its descent, and the table strategies measure gaps
    in line heights. The baseline and capital height are read from the words that show
    them."""
    from statistics import median

    plain = [b for t, _, b in line if not _DESCENDS.search(t)]
    tall = [b for t, _, b in line if _ASCENDS.search(t)]
    boxes = [b for _, _, b in line]
    baseline = median(b[3] for b in plain) if plain else max(b[3] for b in boxes) - 0.2 * max(b[3] - b[1] for b in boxes)
    if tall:
        cap_top = median(b[1] for b in tall)
    else:  # x-height only: about seven tenths of the capitals
        cap_top = baseline - (baseline - median(b[1] for b in boxes)) / 0.7
    cap = max(1.0, baseline - cap_top)
    size = cap / _CAP
    return cap_top - _ABOVE * size, baseline + _BELOW * size, size


def ocr_words(image, scale: float, settings: ExtractSettings, tabular: bool = False) -> list[Word]:
    """The OCR engine's words, scaled from image pixels back to PDF points, each with its
    confidence (0 to 1). On a page with a ruled table the engine is told the text is sparse
    (the words are regrouped by position here anyway)."""
    import numpy as np

    chosen = engine(settings.ocr_engine, settings.ocr_language)
    if chosen is None:
        return []
    gray = np.asarray(image.convert("L")) if hasattr(image, "convert") else np.ascontiguousarray(image)
    lines: dict[tuple, list[tuple]] = {}
    for w in chosen.read(gray, int(round(72.0 / scale)), settings.ocr_language, sparse=tabular):
        if _RULE_ONLY.match(w.text) or (_SPECK.match(w.text) and w.confidence < 0.4):
            continue
        lines.setdefault(w.line, []).append((w.text, w.confidence, (w.x0, w.y0, w.x1, w.y1)))
    words = []
    for line in lines.values():
        if chosen.glyph_boxes:  # a glyph's box reaches past the band only where the glyph does
            top, bottom, size = _type_band(line)
            boxes = [(x0, min(y0, top), x1, max(y1, bottom)) for _, _, (x0, y0, x1, y1) in line]
        else:
            top, bottom, size = _line_band(line)
            boxes = [(x0, top, x1, bottom) for _, _, (x0, _, x1, _) in line]
        read = [Word(text, x0 * scale, y0 * scale, x1 * scale, y1 * scale, size=size * scale, confidence=confidence)
                for (text, confidence, _), (x0, y0, x1, y1) in zip(line, boxes)]
        words += without_specks(read, settings.column_gap)
    return mend_bullets(words)


def is_speck(word: Word) -> bool:
    """A word the engine may have made of a speck, read with little confidence: a lone
    mark, or letters too narrow for the line's type size."""
    if word.confidence >= 0.7:
        return False
    lone_mark = bool(_LONE_MARK.match(word.text)) and word.text not in layout_words()["ocr_bullets"]
    return lone_mark or word.x1 - word.x0 < NARROWEST_EM * word.size * len(word.text)


def without_specks(line: list[Word], gap: float) -> list[Word]:
    """The line's words less its specks. A speck close to the words on both sides is
    kept: between two words ("LEAD / OWNER") it holds the line's spacing, and dropping
    it would open a column gutter that is not there."""
    line = sorted(line, key=lambda w: w.x0)
    kept = []
    for i, word in enumerate(line):
        left = word.x0 - line[i - 1].x1 if i else math.inf
        right = line[i + 1].x0 - word.x1 if i + 1 < len(line) else math.inf
        if not is_speck(word) or max(left, right) < gap:
            kept.append(word)
    return kept


def _line_band(line: list[tuple]) -> tuple[float, float, float]:
    """The top, bottom and size (pixels) of a line whose boxes already span its type band
    (an engine that boxes lines, not glyphs): the band is the boxes' own."""
    from statistics import median

    top, bottom = median(b[1] for _, _, b in line), median(b[3] for _, _, b in line)
    return top, bottom, max(1.0, (bottom - top) / (_ABOVE + _CAP + _BELOW))
