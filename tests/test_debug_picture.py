"""`boardplans debug`'s picture: its format from the file's suffix, its default place beside the
PDF, notes in the margin (never over the page's text) with the milestones and owners of each
action, a key to the tags, and a page where nothing was read saying so."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pdfplumber
from PIL import Image

from boardplans.extractors.ocr import estimate_skew
from boardplans.extractors.settings import ExtractSettings
from boardplans.pipeline.debug import TAG_KEY, draw_page, page_drawing, page_image, read_document
from conftest import SAMPLES

SCRIPT = Path(sys.executable).with_name("boardplans")
REDBRIDGE = SAMPLES / "001_redbridge_2017_18.pdf"
SCANNED = SAMPLES / "003_llr_annual_report_2015_16_scanned.pdf"


def _debug(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), "debug", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def _colours(picture: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in picture.convert("RGB").getcolors(maxcolors=1 << 24)}


def test_a_jpg_name_gets_jpeg(tmp_path: Path) -> None:
    run = _debug(REDBRIDGE, "--page", "1", "-o", tmp_path / "p1.jpg", "--resolution", "30", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert Image.open(tmp_path / "p1.jpg").format == "JPEG"


def test_by_default_the_picture_goes_beside_the_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "plans" / REDBRIDGE.name
    pdf.parent.mkdir()
    shutil.copy(REDBRIDGE, pdf)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = _debug(pdf, "--page", "2", "--resolution", "30", cwd=elsewhere)
    expected = pdf.with_name(f"debug-{pdf.stem}-p2.png")
    assert (run.returncode, run.stdout.strip()) == (0, str(expected)), run.stderr
    assert Image.open(expected).format == "PNG" and not any(elsewhere.iterdir())


def test_each_action_tag_carries_its_milestones_and_owners() -> None:
    drawing = page_drawing(read_document(REDBRIDGE, ExtractSettings()), 1)
    [first] = [t for t in drawing.tags if t.text == "P1 1.1 #1"]
    assert first.detail.startswith("due 2017-05-01, 2017-06-01, 2017-12-31")
    assert "lead Deputy Director, Safeguarding (role)" in first.detail


def test_notes_sit_in_the_margin_beside_the_page(tmp_path: Path) -> None:
    """The page is drawn as it is, below a legend; every note is written right of it."""
    out = draw_page(REDBRIDGE, 1, tmp_path / "p1.png", resolution=40)
    picture = Image.open(out).convert("RGB")
    with pdfplumber.open(REDBRIDGE) as pdf:
        page_width = pdf.pages[0].to_image(resolution=40).original.width
    margin = picture.crop((page_width + 4, 0, picture.width, picture.height))
    assert len(_colours(margin)) > 2  # notes written there
    assert TAG_KEY.startswith("P2 1.3 #5: action 5 of the document")


def test_a_scan_read_without_ocr_says_so_on_the_picture(tmp_path: Path) -> None:
    settings = ExtractSettings(ocr=False)
    drawing = page_drawing(read_document(SCANNED, settings), 1)
    assert (drawing.strategy, drawing.cells, drawing.tags) == ("none", (), ())
    assert drawing.unread.startswith("Nothing was read on this page: it has no text layer (a scan?). OCR was "
                                     "turned off")
    picture = Image.open(draw_page(SCANNED, 1, tmp_path / "scan.png", resolution=30, settings=settings))
    assert any(r > 150 and g < 90 and b < 90 for r, g, b in _colours(picture))  # the reason, in red


def _turned_scan(tmp_path: Path, angle: float) -> Path:
    """The first page of the sample plan as an image-only PDF, turned by `angle` degrees."""
    with pdfplumber.open(REDBRIDGE) as pdf:
        image = pdf.pages[0].to_image(resolution=100).original.convert("L")
    path = tmp_path / "turned.pdf"
    image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255, expand=False).save(path, resolution=100)
    return path


def test_a_skewed_scan_is_drawn_deskewed_so_that_its_boxes_fit(tmp_path: Path) -> None:
    # a scan's words and cells are where they are in the deskewed image: drawn over the
    # page as scanned, a 2-degree skew put the boxes a line off at the page's far side
    scan = _turned_scan(tmp_path, 2.0)
    content = read_document(scan, ExtractSettings()).pages[0]
    assert abs(content.skew + 2.0) < 0.3  # turned back by about 2 degrees
    with pdfplumber.open(scan) as pdf:
        as_scanned = pdf.pages[0].to_image(resolution=100).original
        drawn_on = page_image(pdf.pages[0], content, 100).original
    assert abs(estimate_skew(np.asarray(as_scanned.convert("L"))) + 2.0) < 0.3
    assert abs(estimate_skew(np.asarray(drawn_on.convert("L")))) < 0.3
    assert draw_page(scan, 1, tmp_path / "turned.png", resolution=100).is_file()
