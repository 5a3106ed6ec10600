"""The scan path: deskew, fills, rules and the image Tesseract reads, on rendered pages and on
images drawn for the test (so each test knows the right answer)."""
from __future__ import annotations

import numpy as np
import pdfplumber
import pytest

from boardplans.extractors.ocr import (estimate_skew, find_fills, image_rulings, ocr_available, ocr_image,
                            read_image, rotate)
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.words import Word

from conftest import PLAN_PDF

cv2 = pytest.importorskip("cv2")

needs_ocr = pytest.mark.skipif(not ocr_available(), reason="OCR needs Tesseract "
                               "(apt-get install tesseract-ocr; CI installs it)")
DPI = 200
SCALE = 72.0 / DPI


@pytest.fixture(scope="module")
def rendered_page() -> np.ndarray:
    """The first page of the sample plan as a greyscale image at the OCR resolution."""
    with pdfplumber.open(PLAN_PDF) as pdf:
        return np.asarray(pdf.pages[0].to_image(resolution=DPI).original.convert("L")).copy()


def speckle(gray: np.ndarray, count: int = 3000, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = gray.copy()
    ys, xs = rng.integers(0, gray.shape[0] - 2, count), rng.integers(0, gray.shape[1] - 2, count)
    for y, x in zip(ys, xs):
        out[y:y + 2, x:x + 2] = 60
    return out


@pytest.mark.parametrize("angle", [1.3, -0.7, 2.4])
def test_deskew_recovers_a_known_rotation_of_a_rendered_page(rendered_page, angle: float) -> None:
    skewed = speckle(rotate(rendered_page, -angle))
    assert abs(estimate_skew(skewed) - angle) <= 0.2


def test_a_straight_page_is_left_alone(rendered_page) -> None:
    assert abs(estimate_skew(rendered_page)) <= 0.1


def test_a_blank_page_has_no_skew_rules_or_fills() -> None:
    blank = np.full((1100, 850), 250, np.uint8)
    assert estimate_skew(blank) == 0.0
    assert find_fills(blank, DPI) == []
    assert image_rulings(blank, SCALE) == []


def grid_image(gray_level: int = 190, broken: bool = True) -> np.ndarray:
    """A 4 x 3 grid of faint one-pixel rules, each broken by a short gap every 60 pixels."""
    img = np.full((900, 1200), 248, np.uint8)
    for y in (100, 300, 500, 700):
        cv2.line(img, (100, y), (1100, y), gray_level, 1)
    for x in (100, 500, 1100):
        cv2.line(img, (x, 100), (x, 700), gray_level, 1)
    if broken:
        for pos in range(130, 1100, 60):
            img[:, pos:pos + 4] = np.where(img[:, pos:pos + 4] < 248, 248, img[:, pos:pos + 4])
        for pos in range(130, 700, 60):
            img[pos:pos + 4, :] = np.where(img[pos:pos + 4, :] < 248, 248, img[pos:pos + 4, :])
    return speckle(img, 800)


def test_faint_broken_rules_are_found_whole() -> None:
    rules = image_rulings(grid_image(), SCALE)
    horizontal = sorted((r for r in rules if r["top"] == r["bottom"]), key=lambda r: r["top"])
    vertical = sorted((r for r in rules if r["x0"] == r["x1"]), key=lambda r: r["x0"])
    assert np.allclose([r["top"] / SCALE for r in horizontal], [100, 300, 500, 700], atol=1.5)
    assert np.allclose([r["x0"] / SCALE for r in vertical], [100, 500, 1100], atol=1.5)
    for r in horizontal:
        assert r["x0"] / SCALE <= 105 and r["x1"] / SCALE >= 1085
    for r in vertical:
        assert r["top"] / SCALE <= 105 and r["bottom"] / SCALE >= 685


def test_text_and_speckle_are_not_rules() -> None:
    img = speckle(np.full((900, 1200), 248, np.uint8), 3000)
    for i, y in enumerate(range(100, 800, 40)):
        cv2.putText(img, "Review the multi-agency audit IIII lll 2018", (80, y), cv2.FONT_HERSHEY_SIMPLEX,
                    0.9, 30, 2)
    assert image_rulings(img, SCALE) == []


def header_image() -> np.ndarray:
    """A dark header band with white text over dark text on the paper, and a grey disc (a
    logo) that is no fill."""
    img = np.full((900, 1200), 248, np.uint8)
    cv2.rectangle(img, (100, 200), (1100, 280), 95, -1)
    for x, word in ((120, "Action"), (500, "Lead"), (850, "Timescale")):
        cv2.putText(img, word, (x, 252), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 245, 2)
    cv2.putText(img, "Deliver training", (120, 340), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2)
    cv2.circle(img, (200, 600), 80, 100, -1)
    return img


def test_a_shaded_header_is_a_fill_and_a_logo_is_not() -> None:
    fills = find_fills(header_image(), DPI)
    assert len(fills) == 1
    x0, y0, x1, y1 = fills[0]
    assert abs(x0 - 100) <= 4 and abs(y0 - 200) <= 4 and abs(x1 - 1101) <= 4 and abs(y1 - 281) <= 4


def test_the_gaps_between_white_letters_are_not_rules() -> None:
    img = header_image()
    img[500:700, 100:300] = 248  # without the disc, whose rim reads as short rules
    assert image_rulings(img, SCALE, fills=find_fills(img, DPI)) == []


def test_the_image_for_ocr_has_dark_text_on_white_inside_a_dark_fill() -> None:
    img = header_image()
    cleaned = ocr_image(img, find_fills(img, DPI))
    band = cleaned[205:275, 105:1095]
    assert (band >= 245).mean() > 0.8  # the fill's grey is now paper
    assert (band <= 60).mean() > 0.02  # and its white letters are ink


def test_word_confidence_defaults_to_certain() -> None:
    assert Word("x", 0, 0, 1, 1).confidence == 1.0


@needs_ocr
def test_ocr_reads_white_text_on_a_dark_header_and_returns_the_fill() -> None:
    from PIL import Image

    scan = read_image(Image.fromarray(rotate(header_image(), -1.0)), SCALE, ExtractSettings())
    assert abs(scan.skew - 1.0) <= 0.3
    texts = {w.text for w in scan.words}
    assert {"Action", "Lead", "Timescale", "Deliver", "training"} <= texts
    assert all(0.0 <= w.confidence <= 1.0 for w in scan.words)
    assert len(scan.fills) == 1


@needs_ocr
def test_a_blank_scan_reads_as_nothing_without_raising() -> None:
    from PIL import Image

    scan = read_image(Image.fromarray(np.full((1100, 850), 250, np.uint8)), SCALE, ExtractSettings())
    assert scan.words == [] and scan.rulings == [] and scan.fills == []
