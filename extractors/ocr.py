"""Words of a page that has no text layer, read by Tesseract.

Tesseract is optional: without it a scanned page yields no words, and the document stage
records that the file has no text layer and how to get OCR.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace

from .settings import ExtractSettings
from .words import Word, group_lines, layout_words


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None




def mend_bullets(words: list[Word]) -> list[Word]:
    """A misread bullet standing apart at the start of a line becomes "•" again."""
    mended = []
    for line in group_lines(words):
        first, rest = line.words[0], line.words[1:]
        if rest and first.text in layout_words()["ocr_bullets"] and rest[0].x0 - first.x1 > 0.4 * (first.bottom - first.top):
            first = replace(first, text="•")
        mended += [first, *rest]
    return mended


# what Tesseract makes of a ruling line: never a word
_RULE_ONLY = re.compile(r"^[|\[\]{}!]+$")
_DASHES = re.compile(r"^[—–_-]+$")


def ocr_page(page, settings: ExtractSettings) -> tuple[list[Word], list[dict]]:
    """A scanned page's words (Tesseract) and ruling lines (found in the same image)."""
    image = page.to_image(resolution=settings.ocr_dpi).original
    scale = page.width / image.width
    rulings = image_rulings(image, scale)
    words = ocr_words(image, scale, settings, tabular=len(rulings) >= settings.min_rulings)
    return [w for w in words if not on_ruling(w, rulings)], rulings


def on_ruling(word: Word, rulings: list[dict]) -> bool:
    """A dash that is a piece of a horizontal ruling line read as text."""
    if not _DASHES.match(word.text):
        return False
    return any(r["top"] == r["bottom"] and word.top - 2 <= r["top"] <= word.bottom + 2
               and r["x0"] <= word.x1 and word.x0 <= r["x1"] for r in rulings)


def image_rulings(image, scale: float) -> list[dict]:
    """The horizontal and vertical lines of a page image, as pdfplumber line objects in
    PDF points: dark runs that survive an opening with a long thin kernel (OpenCV)."""
    import cv2
    import numpy as np

    gray = np.asarray(image.convert("L"))
    dark = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    height, width = dark.shape
    found = []
    for kernel, vertical in (((max(25, width // 40), 1), False), ((1, max(25, height // 60)), True)):
        lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        count, _, stats, _ = cv2.connectedComponentsWithStats(lines)
        for x, y, w, h, _ in stats[1:count]:
            if vertical:
                x0 = x1 = (x + w / 2) * scale
                top, bottom = y * scale, (y + h) * scale
            else:
                top = bottom = (y + h / 2) * scale
                x0, x1 = x * scale, (x + w) * scale
            found.append({"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                          "width": x1 - x0, "height": bottom - top})
    return found


def ocr_words(image, scale: float, settings: ExtractSettings, tabular: bool = False) -> list[Word]:
    """Tesseract's words, scaled from image pixels back to PDF points. On a page with a
    ruled table, Tesseract's own layout analysis reads across the cells, so it is told the
    text is sparse (the words are regrouped by position here anyway)."""
    import pytesseract

    # Tesseract's OpenMP threads fight each other (and parallel workers) on small machines
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    data = pytesseract.image_to_data(image, lang=settings.ocr_language, config=f"--psm {11 if tabular else 3}",
                                     output_type=pytesseract.Output.DICT)
    words = []
    for text, conf, left, top, width, height in zip(
            data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"]):
        if not text.strip() or float(conf) < 0 or _RULE_ONLY.match(text.strip()):
            continue
        words.append(Word(text.strip(), left * scale, top * scale,
                          (left + width) * scale, (top + height) * scale,
                          size=height * scale))
    return mend_bullets(words)
