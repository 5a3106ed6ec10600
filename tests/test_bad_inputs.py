"""Each kind of bad input, made for real, ends with the status and the reason a person can act on.

Files go through `run_batch` (a worker process each, as in a real run), except where the
CLI's own output is the thing pinned.
"""
from __future__ import annotations

import csv
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pypdf
import pytest
from PIL import Image

from boardplans.extractors.ocr import ocr_available
from boardplans.extractors.settings import ExtractSettings
from boardplans.pipeline.batch import BatchOptions, run_batch

from conftest import PLAN_PDF, SAMPLES, pdf_bytes, text_page

SCANNED_REPORT = SAMPLES / "003_llr_annual_report_2015_16_scanned.pdf"
PROSE_PLAN = ["This plan sets out what the Board will do in the year ahead.",
              "Our first priority is to hear the voice of children in everything we do.",
              "Our second priority is that partners work together to keep children safe.",
              "The Board will report on its progress to partners at the end of the year."]


def empty(tmp: Path) -> Path:
    path = tmp / "empty.pdf"
    path.write_bytes(b"")
    return path


def truncated(tmp: Path) -> Path:
    data = PLAN_PDF.read_bytes()
    path = tmp / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    return path


def html_error_page(tmp: Path) -> Path:
    path = tmp / "business-plan.pdf"
    path.write_text("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
                    "<body><h1>Not Found</h1><p>The requested URL was not found.</p></body></html>\n")
    return path


def word_document(tmp: Path) -> Path:
    path = tmp / "plan.pdf"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(200))  # a .docx (zip) renamed
    return path


def encrypted(tmp: Path, user_password: str) -> Path:
    writer = pypdf.PdfWriter(clone_from=PLAN_PDF)
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    path = tmp / f"encrypted_{user_password or 'open'}.pdf"
    writer.write(path)
    return path


def password_protected(tmp: Path) -> Path:
    return encrypted(tmp, "secret")


def dangling_symlink(tmp: Path) -> Path:
    path = tmp / "moved.pdf"
    path.symlink_to(tmp / "nowhere.pdf")
    return path


def prose_plan(tmp: Path) -> Path:
    path = tmp / "prose_plan.pdf"
    path.write_bytes(pdf_bytes([text_page("Northmoor Safeguarding Children Board Business Plan 2019-20",
                                          PROSE_PLAN)]))
    return path


def first_page_of(source: Path, tmp: Path) -> Path:
    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(source).pages[0])
    path = tmp / f"{source.stem}_p1.pdf"
    writer.write(path)
    return path


def image_only_plan(tmp: Path) -> Path:
    """The sample plan's first page as a picture: a scan with no text layer."""
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(PLAN_PDF), str(tmp / "page")],
                   check=True)
    path = tmp / "scanned_plan.pdf"
    Image.open(next(tmp.glob("page*.png"))).convert("L").save(path, resolution=150)
    return path


def run_one(path: Path, settings: ExtractSettings | None = None) -> dict:
    options = BatchOptions(jobs=1, timeout=120, settings=settings or ExtractSettings())
    [result] = run_batch([path], options)
    return result.document


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    status: str
    reason: str  # regex, searched for in the reason


CASES = [
    Case(empty, "failed", r"^the file is empty \(0 bytes\): the download failed; fetch it again$"),
    Case(truncated, "failed", r"^damaged PDF \(.+\): the file is probably truncated or corrupt; fetch it again$"),
    Case(html_error_page, "failed", r"^not a PDF: the file is an HTML page saved with a \.pdf name"),
    Case(word_document, "failed", r"^not a PDF: the file does not start with %PDF- \(first bytes b'PK"),
    Case(password_protected, "failed", r"^password-protected PDF: .*ask the board for an open copy$"),
    Case(dangling_symlink, "failed", r"^cannot read the file: No such file or directory; check that it exists"),
    Case(prose_plan, "partial", r"^no tables found in a business plan: the plan may be written as prose"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.make.__name__ for c in CASES])
def test_bad_input_gets_status_and_reason(case: Case, tmp_path: Path) -> None:
    doc = run_one(case.make(tmp_path))
    assert (doc["status"], bool(re.search(case.reason, doc["reason"]))) == (case.status, True), doc["reason"]


def test_every_bad_input_is_a_row_of_the_cli_dataset(tmp_path: Path, boardplans) -> None:
    inputs = [case.make(tmp_path) for case in CASES] + [PLAN_PDF]
    run = boardplans("extract", *inputs, "-o", tmp_path / "out", "--jobs", "2", "--no-ocr")
    with open(tmp_path / "out" / "documents.csv", newline="") as fh:
        rows = {Path(r["file"]).name: (r["status"], r["reason"]) for r in csv.DictReader(fh)}
    expected = {p.name: case.status for p, case in zip(inputs, CASES)} | {PLAN_PDF.name: "ok"}
    assert (run.returncode, {name: status for name, (status, _) in rows.items()}) == (1, expected)
    for name, (status, reason) in rows.items():
        if status != "ok":
            assert f"  {status}: " in run.stdout and reason in run.stdout, name


def test_owner_password_only_opens_and_extracts_like_the_open_copy(tmp_path: Path) -> None:
    locked, open_copy = run_one(encrypted(tmp_path, "")), run_one(PLAN_PDF)
    assert (locked["status"], locked["pages"], locked["actions"]) == ("ok", open_copy["pages"], open_copy["actions"])


@pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed (make setup installs tesserocr)")
def test_scanned_plan_is_read_by_ocr_and_identified(tmp_path: Path) -> None:
    doc = run_one(image_only_plan(tmp_path))
    assert (doc["text_layer"], doc["board"], doc["document_type"], doc["period"]) == (
        "ocr", "Leicestershire and Rutland Local Safeguarding Children Board", "business_plan", "2016-17")


def test_scanned_plan_without_ocr_says_how_to_read_it(tmp_path: Path) -> None:
    doc = run_one(image_only_plan(tmp_path), ExtractSettings(ocr=False))
    assert doc["status"] == "skipped"  # left unread by the user's choice: no failure
    assert re.fullmatch(r"no text layer: the pages are images \(a scan\)\. "
                        r"OCR was turned off \(--no-ocr\): run without it to read scans", doc["reason"])


@pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed (make setup installs tesserocr)")
def test_scanned_annual_report_is_skipped_as_not_a_plan(tmp_path: Path) -> None:
    doc = run_one(first_page_of(SCANNED_REPORT, tmp_path))
    assert (doc["status"], doc["text_layer"], doc["document_type"]) == ("skipped", "ocr", "annual_report")
    assert re.match(r"not a business plan: the document reads as an annual report \('.*Annual Report.*'\); "
                    r"no actions to extract$", doc["reason"])
