"""Words of a page that has no text layer, read by Tesseract.

Tesseract is optional: without it a scanned page yields no words, and the document stage
records that the file has no text layer and how to get OCR.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import replace

from .settings import ExtractSettings
from .words import Word, group_lines


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


# what Tesseract makes of a bullet glyph at the start of a line
OCR_BULLETS = frozenset({"e", "¢", "«", "»", "°", "*", "©", "@", "+", "o", "«*", "e«"})


def mend_bullets(words: list[Word]) -> list[Word]:
    """A misread bullet standing apart at the start of a line becomes "•" again."""
    mended = []
    for line in group_lines(words):
        first, rest = line.words[0], line.words[1:]
        if rest and first.text in OCR_BULLETS and rest[0].x0 - first.x1 > 0.4 * (first.bottom - first.top):
            first = replace(first, text="•")
        mended += [first, *rest]
    return mended


def ocr_words(page, settings: ExtractSettings) -> list[Word]:
    """Tesseract's words, scaled from image pixels back to PDF points."""
    import pytesseract

    # Tesseract's OpenMP threads fight each other (and parallel workers) on small machines
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    image = page.to_image(resolution=settings.ocr_dpi).original
    scale = page.width / image.width
    data = pytesseract.image_to_data(image, lang=settings.ocr_language,
                                     output_type=pytesseract.Output.DICT)
    words = []
    for text, conf, left, top, width, height in zip(
            data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"]):
        if not text.strip() or float(conf) < 0:
            continue
        words.append(Word(text.strip(), left * scale, top * scale,
                          (left + width) * scale, (top + height) * scale,
                          size=height * scale))
    return mend_bullets(words)
