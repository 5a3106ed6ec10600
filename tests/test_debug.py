"""`boardplans debug`: the page picture, and its errors as a user meets them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageChops

from boardplans.extractors.settings import ExtractSettings
from boardplans.pipeline.batch import UsageError
from boardplans.pipeline.debug import draw_page, page_drawing, read_document

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REDBRIDGE = SAMPLES / "001_redbridge_2017_18.pdf"
BORDERLESS = SAMPLES / "002_west_berkshire_2015_17_borderless.pdf"


@pytest.mark.parametrize("pdf, page", [(REDBRIDGE, 1), (BORDERLESS, 5)], ids=["ruled", "borderless"])
def test_picture_has_the_page_shape_and_shows_annotations(pdf: Path, page: int, tmp_path: Path) -> None:
    out = draw_page(pdf, page, tmp_path / "nested" / "page.png", resolution=60)
    assert out.is_file()
    with pdfplumber.open(pdf) as doc:
        width, height = float(doc.pages[page - 1].width), float(doc.pages[page - 1].height)
        plain = doc.pages[page - 1].to_image(resolution=60).original.convert("RGB")
    picture = Image.open(out).convert("RGB")
    assert picture.width > plain.width and picture.height > plain.height  # a margin beside, a legend above
    assert plain.width / plain.height == pytest.approx(width / height, rel=0.02)
    page = picture.crop((0, picture.height - plain.height, plain.width, picture.height))
    assert ImageChops.difference(page, plain).getbbox() is not None


def test_redbridge_first_page_rows_and_tags() -> None:
    drawing = page_drawing(read_document(REDBRIDGE, ExtractSettings()), 1)
    assert drawing.strategy == "ruled" and drawing.rulings
    assert {kind for _, kind in drawing.cells} == {"header", "banner", "action", "sub-row"}
    texts = [t.text for t in drawing.tags]
    assert [t for t in texts if t.startswith("P")] == ["P1 1.1 #1", "P1 1.2 #2"]
    [columns] = [t for t in texts if t.startswith("columns: ")]
    assert "lead (exact)" in columns and "progress (keyword)" in columns


def test_borderless_page_reads_as_aligned_with_headings() -> None:
    drawing = page_drawing(read_document(BORDERLESS, ExtractSettings()), 5)
    assert drawing.strategy == "aligned" and not drawing.rulings
    texts = [t.text for t in drawing.tags]
    assert [t for t in texts if t.startswith("priority")] == ["priority 3", "priority 4"]


def test_a_form_of_label_value_tables_draws_its_labels_as_the_header() -> None:
    form = ROOT / "tests" / "fixtures" / "form_layout_ashcombe_2018_20.pdf"
    drawing = page_drawing(read_document(form, ExtractSettings()), 1)
    assert {kind for _, kind in drawing.cells} == {"header", "action"}
    texts = [t.text for t in drawing.tags]
    assert [t for t in texts if t.startswith("P")] == ["P1 #1", "P1 #2", "P2 #3", "P2 #4"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "boardplans.pipeline.cli", "debug", *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_cli_page_out_of_range_exits_2_naming_the_range(tmp_path: Path) -> None:
    run = _cli(str(REDBRIDGE), "--page", "999", "-o", str(tmp_path / "x.png"))
    assert run.returncode == 2
    assert "page 999 is out of range" in run.stderr and "15 page(s), 1-15" in run.stderr
    assert not (tmp_path / "x.png").exists()


def test_cli_writes_the_picture_and_prints_its_path(tmp_path: Path) -> None:
    out = tmp_path / "p2.png"
    run = _cli(str(REDBRIDGE), "--page", "2", "-o", str(out), "--resolution", "40")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(out) and out.is_file()


def test_a_file_that_is_not_a_pdf_is_a_usage_error(tmp_path: Path) -> None:
    fake = tmp_path / "plan.pdf"
    fake.write_text("<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(UsageError, match="not a PDF: the file is an HTML page"):
        draw_page(fake, 1, tmp_path / "x.png")


def test_page_zero_is_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"page 0 is out of range: .* has 6 page\(s\), 1-6"):
        draw_page(BORDERLESS, 0, tmp_path / "x.png")
