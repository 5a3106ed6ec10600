"""The batch runner: limits that stop one document without stopping the batch, duplicates,
unreadable files, very long documents, and the CLI's exit codes."""
from __future__ import annotations

import csv
import os
import re
import shutil
import zlib
from pathlib import Path

import pytest

from boardplans.pipeline.batch import BatchOptions, run_batch

from conftest import LONG_PAGES, PLAN_PDF, pdf_bytes

BOMB_MB = 1024  # decompressed size of the bomb's one content stream


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 1 MB PDF whose page content inflates to 1 GB: memory exhaustion on demand."""
    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    stream = b"".join(packer.compress(block) for _ in range(BOMB_MB)) + packer.flush()
    path = tmp_path_factory.mktemp("bomb") / "bomb.pdf"
    path.write_bytes(pdf_bytes([stream], flate=True))
    return path


def documents_csv(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "documents.csv", newline="") as fh:
        return {Path(row["file"]).name: row for row in csv.DictReader(fh)}


@pytest.mark.slow
def test_a_document_of_hundreds_of_pages_completes(long_pdf: Path) -> None:
    [result] = run_batch([long_pdf], BatchOptions(jobs=1, timeout=600))
    assert (result.document["status"], result.document["pages"]) == ("ok", LONG_PAGES)


def test_the_same_file_under_two_names_is_processed_once(tmp_path: Path) -> None:
    first, second = tmp_path / "plan.pdf", tmp_path / "plan (1).pdf"
    shutil.copy(PLAN_PDF, first)
    shutil.copy(PLAN_PDF, second)
    results = run_batch([first, second], BatchOptions(jobs=2, timeout=120))
    assert [(r.document["file"], r.document["other_names"], r.document["status"]) for r in results] == [
        (str(first), str(second), "ok")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_a_file_without_read_permission_fails_with_the_reason(tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    shutil.copy(PLAN_PDF, locked)
    locked.chmod(0)
    [result] = run_batch([locked], BatchOptions(jobs=1, timeout=120))
    assert result.document["status"] == "failed"
    assert re.match(r"cannot read the file: Permission denied; check that it exists and its permissions$",
                    result.document["reason"])


def test_timeout_stops_one_document_and_the_batch_goes_on(tmp_path: Path, long_pdf: Path, boardplans) -> None:
    # long enough for the 7-page plan on a loaded machine, far too short for the 301-page one
    run = boardplans("extract", long_pdf, PLAN_PDF, "-o", tmp_path / "out", "--timeout", "8", "--jobs", "2")
    docs = documents_csv(tmp_path / "out")
    assert (run.returncode, docs[long_pdf.name]["status"], docs[PLAN_PDF.name]["status"]) == (1, "failed", "ok")
    assert re.match(r"timed out after 8 s: the parser got stuck on this file; raise --timeout if it is "
                    r"genuinely long, else report it$", docs[long_pdf.name]["reason"])


def test_memory_limit_stops_a_decompression_bomb_and_the_batch_goes_on(tmp_path: Path, bomb: Path,
                                                                       boardplans) -> None:
    run = boardplans("extract", bomb, PLAN_PDF, "-o", tmp_path / "out", "--memory-mb", "1024", "--jobs", "2")
    docs = documents_csv(tmp_path / "out")
    assert (run.returncode, docs[bomb.name]["status"], docs[PLAN_PDF.name]["status"]) == (1, "failed", "ok")
    assert re.match(r"ran out of memory \(limit 1024 MB per document\): the PDF is too large or malformed; "
                    r"raise --memory-mb or report it$", docs[bomb.name]["reason"])


def test_a_tiny_memory_limit_fails_every_document_with_a_memory_reason(tmp_path: Path) -> None:
    results = run_batch([PLAN_PDF], BatchOptions(jobs=1, timeout=120, memory_mb=64))
    assert [(r.document["status"], "--memory-mb" in r.document["reason"]) for r in results] == [("failed", True)]


@pytest.mark.parametrize("args, message", [
    (["no/such/plan.pdf"], r"^boardplans: error: no/such/plan\.pdf: no such file or folder$"),
    ([str(PLAN_PDF), "--jobs", "-1"], r"argument -j/--jobs: must be at least 1, not -1$"),
    ([str(PLAN_PDF), "--jobs", "0"], r"argument -j/--jobs: must be at least 1, not 0$"),
    ([str(PLAN_PDF), "--jobs", "two"], r"argument -j/--jobs: invalid int value: 'two'$"),
], ids=["missing input", "negative jobs", "no jobs", "jobs not a number"])
def test_usage_errors_exit_2_and_write_nothing(args: list[str], message: str, tmp_path: Path, boardplans) -> None:
    run = boardplans("extract", *args, "-o", tmp_path / "out")
    assert (run.returncode, bool(re.search(message, run.stderr.strip(), re.M)), (tmp_path / "out").exists()) == (
        2, True, False), run.stderr


def test_a_clean_run_exits_0(tmp_path: Path, boardplans) -> None:
    run = boardplans("extract", PLAN_PDF, "-o", tmp_path / "out", "-q")
    assert (run.returncode, run.stdout, documents_csv(tmp_path / "out")[PLAN_PDF.name]["status"]) == (0, "", "ok")
