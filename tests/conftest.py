"""Shared fixtures: the sample PDFs, PDFs built for a test, and the CLI run as a user runs it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pypdf
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PLAN_PDF = SAMPLES / "000_leicestershire_rutland_2016_17.pdf"
LONG_PAGES = 301


def pdf_bytes(contents: list[bytes], flate: bool = False) -> bytes:
    """A PDF of A4 pages, one content stream each (already zlib-compressed when `flate`), with
    Helvetica as /F1: the smallest file a real parser reads, written by hand so a test owns
    every byte."""
    n_pages = len(contents)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, content in enumerate(contents):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        filter_ = b" /Filter /FlateDecode" if flate else b""
        objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(content), filter_, content))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_page(title: str, lines: list[str]) -> bytes:
    """A content stream: the title in large type, then the lines in body type."""
    def escape(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    ops = [f"BT /F1 20 Tf 60 780 Td ({escape(title)}) Tj ET"]
    ops += [f"BT /F1 11 Tf 60 {740 - 16 * i} Td ({escape(line)}) Tj ET" for i, line in enumerate(lines)]
    return "\n".join(ops).encode("latin-1")


@pytest.fixture(scope="session")
def long_pdf(tmp_path_factory) -> Path:
    """A plan of hundreds of pages: the sample plan's pages over and over."""
    reader = pypdf.PdfReader(PLAN_PDF)
    writer = pypdf.PdfWriter()
    for i in range(LONG_PAGES):
        writer.add_page(reader.pages[i % len(reader.pages)])
    path = tmp_path_factory.mktemp("long") / "long_plan.pdf"
    writer.write(path)
    return path


@pytest.fixture
def boardplans() -> Callable[..., subprocess.CompletedProcess]:
    """`boardplans ARGS...` in a child process, as a user types it."""
    def run(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "boardplans.pipeline.cli", *map(str, args)], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
    return run


def ruled_plan_pdf(title: str, rows: list[tuple[str, str, str]]) -> bytes:
    """A one-page plan: the title, then a ruled Action / Lead / Timescale table of `rows`, one
    line of text per cell. Small and fast to read, and each test owns its every cell."""
    def escape(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    xs, top, height = (50, 300, 430, 545), 740, 40
    lines = [("Action", "Lead", "Timescale"), *rows]
    ops = [f"BT /F1 18 Tf 50 790 Td ({escape(title)}) Tj ET"]
    for i, row in enumerate(lines):
        ops += [f"BT /F1 10 Tf {x + 4} {top - i * height - 16} Td ({escape(text)}) Tj ET" for x, text in zip(xs, row)]
    bottom = top - len(lines) * height
    ops += [f"{xs[0]} {top - i * height} m {xs[-1]} {top - i * height} l S" for i in range(len(lines) + 1)]
    ops += [f"{x} {top} m {x} {bottom} l S" for x in xs]
    return pdf_bytes(["\n".join(ops).encode("latin-1")])
