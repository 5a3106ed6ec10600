"""Words of a page that has no text layer, read by Tesseract.

Tesseract is optional: without it a scanned page yields no words, and the document stage
records that the file has no text layer and how to get OCR.
"""
from __future__ import annotations

import shutil

from .settings import ExtractSettings
from .words import Word


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_words(page, settings: ExtractSettings) -> list[Word]:
    """Tesseract's words, scaled from image pixels back to PDF points."""
    import pytesseract

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
    return words
