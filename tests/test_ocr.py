"""The scan path: deskew, fills, rules and the image an engine reads, on rendered pages and
on images drawn for the test (so each test knows the right answer); each OCR engine on the
scanned sample; and what the CLI does with a scan when an engine is missing or turned off."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pdfplumber
import pypdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from boardplans.extractors.ocr import (estimate_skew, find_fills, image_rulings, ocr_available, ocr_image,
                                       read_image, rotate, rule_boxes, without_specks)
from boardplans.extractors.ocr_engines import ENGINES
from boardplans.extractors.pageview import is_scan
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.words import Word, words_from_pdfplumber
from boardplans.pipeline.extract import process_document

from conftest import PLAN_PDF, ROOT, SAMPLES

matplotlib.use("Agg")

needs_ocr = pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed (make setup installs tesserocr)")
DPI = 200
SCALE = 72.0 / DPI
SCANNED = SAMPLES / "003_llr_annual_report_2015_16_scanned.pdf"
# why an engine may be missing: the one that pip cannot bring is the Tesseract program
MISSING = {"tesseract": "the Tesseract program is not on PATH (apt-get install tesseract-ocr; CI installs it)",
           "tesserocr": "tesserocr is not installed (a dependency of boardplans: make setup)",
           "rapidocr": "rapidocr is not installed (pip install rapidocr onnxruntime; in the dev extra)"}


def engine_param(name: str):
    return pytest.param(name, marks=pytest.mark.skipif(not ENGINES[name].available("eng"), reason=MISSING[name]))


ENGINE_PARAMS = [engine_param(n) for n in ENGINES]


def line(img: np.ndarray, start: tuple[int, int], end: tuple[int, int], level: int) -> None:
    """A one-pixel horizontal or vertical line drawn into `img`."""
    (x0, y0), (x1, y1) = start, end
    img[min(y0, y1):max(y0, y1) + 1, min(x0, x1):max(x0, x1) + 1] = level


def write(img: np.ndarray, text: str, at: tuple[int, int], level: int, size: int = 30) -> np.ndarray:
    """`text` drawn with its top left at `at` (Pillow's own scalable font)."""
    picture = Image.fromarray(img)
    ImageDraw.Draw(picture).text(at, text, fill=level, font=ImageFont.load_default(size=size))
    return np.asarray(picture).copy()


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
        line(img, (100, y), (1100, y), gray_level)
    for x in (100, 500, 1100):
        line(img, (x, 100), (x, 700), gray_level)
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
    for y in range(80, 780, 40):
        img = write(img, "Review the multi-agency audit IIII lll 2018", (80, y), 30)
    assert image_rulings(img, SCALE) == []


def header_image() -> np.ndarray:
    """A dark header band with white text over dark text on the paper, and a grey disc (a
    logo) that is no fill."""
    img = np.full((900, 1200), 248, np.uint8)
    img[200:281, 100:1101] = 95
    for x, word in ((120, "Action"), (500, "Lead"), (850, "Timescale")):
        img = write(img, word, (x, 222), 245)
    img = write(img, "Deliver training", (120, 310), 30)
    ys, xs = np.ogrid[:900, :1200]
    img[(ys - 600) ** 2 + (xs - 200) ** 2 <= 80 ** 2] = 100
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


def test_a_solid_rule_touching_text_is_made_paper_for_the_engine_and_the_text_stays() -> None:
    # a table ruled by horizontal lines only, scanned: the row's rule touches the tops of
    # its first line, and the engine read rule and line together as garbage
    img = np.full((900, 1200), 248, np.uint8)
    img[298:301, 100:1100] = 40
    img = write(img, "Track the action plans", (120, 300), 30)
    rules = rule_boxes(img, DPI)
    assert [(r.vertical, r.solid) for r in rules] == [(False, True)]
    cleaned = ocr_image(img, (), rules)
    assert (cleaned[297:302, 104:1096] >= 240).all()  # the rule is paper (its ends may keep a stub)
    assert (cleaned[305:330, 120:500] <= 60).sum() == (img[305:330, 120:500] <= 60).sum()  # the letters are not


def test_the_baseline_of_large_bold_type_is_not_painted_out() -> None:
    # a scanned title: the bottoms of its letters close into a long thin run, found as a
    # rule that is not solid; painting it out turned "Board" into "Roard"
    img = np.full((900, 1200), 248, np.uint8)
    for dx in (0, 1, 2):  # bold
        img = write(img, "Safeguarding Children Board", (100 + dx, 300), 20, size=60)
    rules = [r for r in rule_boxes(img, DPI) if not r.vertical]
    assert rules and not any(r.solid for r in rules)
    assert (ocr_image(img, (), rules) == img).all()


def test_a_mottled_dark_header_is_clean_paper_for_the_engine() -> None:
    # a shaded header scanned and JPEG-compressed: once the shade is stretched to the
    # paper's grey its mottle stayed, and the engine's sparse mode lost words beside it
    img = header_image().astype(np.int16)
    img[200:281, 100:1101] += np.random.default_rng(3).integers(-25, 26, (81, 1001), dtype=np.int16)
    img = np.clip(img, 0, 255).astype(np.uint8)
    band = ocr_image(img, find_fills(img, DPI))[205:275, 105:1095]
    assert ((band <= 80) | (band >= 245)).mean() > 0.97  # ink or paper, nothing between
    assert (band <= 60).mean() > 0.02


def test_word_confidence_defaults_to_certain() -> None:
    assert Word("x", 0, 0, 1, 1).confidence == 1.0


def ocr_word(text: str, x0: float, x1: float, confidence: float = 0.96) -> Word:
    return Word(text, x0, 44, x1, 55, size=10.6, confidence=confidence)


def test_specks_of_a_speckled_borderless_scan_are_not_words_or_columns() -> None:
    # a speckled scan of an unruled table: specks read as narrow letters ("sid" 0.7 pt
    # wide) and lone marks in the gutters made false columns and broke the header's line
    header = [ocr_word("REF", 68.8, 83.1), ocr_word("HAPPEN?", 291.2, 329.7),
              ocr_word("sid", 333.3, 334.0, 0.29), ocr_word("Aa", 350.9, 351.7, 0.12),
              ocr_word("BY", 523.7, 533.8), ocr_word(".", 617.0, 618.4, 0.67), ocr_word("MILESTONE", 689.3, 736.5)]
    assert [w.text for w in without_specks(header, 7.0)] == ["REF", "HAPPEN?", "BY", "MILESTONE"]


def test_a_doubtful_mark_between_close_words_stays_and_a_sure_narrow_word_stays() -> None:
    # dropping the "/" of "LEAD / OWNER" would open a gutter between LEAD and OWNER; a
    # dash is a cell's "nothing"; a word read surely is text however narrow its box
    line = [ocr_word("LEAD", 314.6, 340.5), ocr_word("/", 343.0, 345.5, 0.5), ocr_word("OWNER", 348.0, 384.8),
            ocr_word("-", 420.0, 421.5, 0.64), ocr_word("i", 480.0, 481.0, 0.93)]
    assert [w.text for w in without_specks(line, 7.0)] == ["LEAD", "/", "OWNER", "-", "i"]


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_ocr_reads_white_text_on_a_dark_header_and_returns_the_fill(engine: str) -> None:
    scan = read_image(Image.fromarray(rotate(header_image(), -1.0)), SCALE, ExtractSettings(ocr_engine=engine))
    assert abs(scan.skew - 1.0) <= 0.3
    texts = {w.text for w in scan.words}
    assert {"Action", "Lead", "Timescale", "Deliver", "training"} <= texts
    assert all(0.0 <= w.confidence <= 1.0 for w in scan.words)
    assert len(scan.fills) == 1


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_a_blank_scan_reads_as_nothing_without_raising(engine: str) -> None:
    scan = read_image(Image.fromarray(np.full((1100, 850), 250, np.uint8)), SCALE, ExtractSettings(ocr_engine=engine))
    assert scan.words == [] and scan.rulings == [] and scan.fills == []


# -- the engines on the scanned sample ---------------------------------------------------

@pytest.fixture(scope="module")
def scanned_page() -> tuple[Image.Image, float]:
    with pdfplumber.open(SCANNED) as pdf:
        page = pdf.pages[0]
        image = page.to_image(resolution=DPI).original
        return image, page.width / image.width


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_each_engine_reads_the_scanned_samples_words_with_their_boxes(engine: str, scanned_page) -> None:
    image, scale = scanned_page
    words = read_image(image, scale, ExtractSettings(ocr_engine=engine)).words
    texts = {w.text for w in words}
    assert {"Leicestershire", "Rutland", "Safeguarding", "Annual", "Report"} <= texts
    title = next(w for w in words if w.text == "Leicestershire")
    # in points on the A4 page, a line of type tall, not a pixel box
    assert 0 <= title.x0 < title.x1 <= 596 and 4 < title.bottom - title.top < 60
    assert all(0.0 <= w.confidence <= 1.0 for w in words)


# -- scans in the CLI, with and without an engine ----------------------------------------

@pytest.fixture(scope="module")
def one_page_scan(tmp_path_factory) -> Path:
    """The scanned sample's first page alone: a scan that is quick to read."""
    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(SCANNED).pages[0])
    path = tmp_path_factory.mktemp("scan") / "scan_p1.pdf"
    writer.write(path)
    return path


def path_without_tesseract(tmp: Path) -> str:
    """A PATH with the interpreter's folder and the system's tools but no `tesseract`."""
    shadow = tmp / "bin"
    shadow.mkdir(exist_ok=True)
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        for tool in ("pdftoppm", "pdfinfo", "qpdf"):
            if (Path(folder) / tool).is_file() and not (shadow / tool).exists():
                (shadow / tool).symlink_to(Path(folder) / tool)
    return os.pathsep.join([str(Path(sys.executable).parent), str(shadow)])


def run_cli(args: list[str], env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "boardplans.pipeline.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def documents(out: Path) -> list[dict]:
    with open(out / "documents.csv", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_without_tesseract_on_path_a_scan_is_read_by_a_pip_engine_or_reported(one_page_scan, tmp_path) -> None:
    env = {**os.environ, "PATH": path_without_tesseract(tmp_path)}
    run = run_cli(["extract", str(one_page_scan), "-o", str(tmp_path / "out"), "-q"], env=env)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    [doc] = documents(tmp_path / "out")
    if any(ENGINES[n].available("eng") for n in ENGINES if n != "tesseract"):
        assert (doc["text_layer"], doc["document_type"]) == ("ocr", "annual_report")
    else:
        assert doc["status"] == "skipped" and "install" in doc["reason"]


def test_a_scan_without_its_engine_is_skipped_with_what_to_install(one_page_scan, tmp_path) -> None:
    """The API asked for Tesseract where there is none: the scan is reported, not failed."""
    code = ("import json, sys; from boardplans.pipeline.extract import process_document; "
            "from boardplans.extractors.settings import ExtractSettings; "
            "print(json.dumps(process_document(sys.argv[1], ExtractSettings(ocr_engine='tesseract')).document))")
    env = {**os.environ, "PATH": path_without_tesseract(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code, str(one_page_scan)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    doc = json.loads(run.stdout)
    assert doc["status"] == "skipped"
    assert doc["reason"] == ("no text layer: the pages are images (a scan). No OCR engine to read it: install "
                             "Tesseract (apt-get install tesseract-ocr), or choose another --ocr-engine")


def test_no_ocr_over_a_scan_exits_0_and_says_why_it_was_not_read(one_page_scan, tmp_path) -> None:
    run = run_cli(["extract", str(one_page_scan), "-o", str(tmp_path / "out"), "--no-ocr"])
    assert run.returncode == 0, run.stderr
    [doc] = documents(tmp_path / "out")
    assert doc["status"] == "skipped" and "--no-ocr" in doc["reason"]


@pytest.mark.parametrize("args, message", [
    (["--ocr-engine", "nonesuch"], "argument --ocr-engine: invalid choice: 'nonesuch'"),
    (["--ocr-engine", "tesseract"], "--ocr-engine: OCR engine 'tesseract' is not installed"),
])
def test_an_unknown_or_missing_engine_is_a_usage_error_before_any_work(args, message, one_page_scan, tmp_path) -> None:
    env = {**os.environ, "PATH": path_without_tesseract(tmp_path)}
    run = run_cli(["extract", str(one_page_scan), "-o", str(tmp_path / "out"), *args], env=env, timeout=60)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


# -- what is a scan ----------------------------------------------------------------------

def figure_pdf(path: Path, image: np.ndarray | None, page_number: str | None) -> Path:
    """An A4 PDF page (matplotlib): optionally a full-page picture, optionally a page number
    as real text at the foot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.27, 11.69))
    if image is not None:
        ax = fig.add_axes((0, 0, 1, 1))
        ax.imshow(image, cmap="gray", vmin=0, vmax=255, aspect="auto")
        ax.set_axis_off()
    if page_number is not None:
        fig.text(0.5, 0.02, page_number, fontsize=10)
    fig.savefig(path, format="pdf")
    return path


def test_a_page_number_alone_is_not_a_scan_and_is_not_called_one(tmp_path) -> None:
    doc = process_document(figure_pdf(tmp_path / "number.pdf", None, "3"), ExtractSettings()).document
    assert doc["status"] == "skipped"
    assert doc["reason"].startswith("no text to read: the pages have no page images")


def test_a_scan_with_a_stamped_page_number_is_still_a_scan(tmp_path, scanned_page) -> None:
    image, _ = scanned_page
    path = figure_pdf(tmp_path / "stamped.pdf", np.asarray(image.convert("L")), "3")
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        words = words_from_pdfplumber(page.extract_words())
        assert [w.text for w in words] == ["3"]
        assert is_scan(page, words, ExtractSettings())
    doc = process_document(path, ExtractSettings(ocr=False)).document
    assert doc["reason"].startswith("no text layer: the pages are images (a scan).")
