"""samples/build.py: truth files match their specs, bad specs are named, PDFs are real."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pdfplumber
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def _load_builder():
    spec = importlib.util.spec_from_file_location("samples_build", SAMPLES / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


build = _load_builder()

SPEC_VARIANTS = [
    pytest.param(path, variant, id=f"{path.stem}-{variant}")
    for path in sorted((SAMPLES / "src").glob("*.yaml"))
    for variant in build.load_spec(path).variants
]


@pytest.mark.parametrize("path, variant", SPEC_VARIANTS)
def test_committed_truth_is_what_the_spec_derives(path, variant):
    spec = build.load_spec(path)
    committed = SAMPLES / "truth" / f"{build.output_stem(spec.sample, variant)}.json"
    assert committed.exists(), f"run: python samples/build.py --only {path.stem[:3]}"
    assert committed.read_text(encoding="utf-8") == build.truth_json(spec, variant)


def _write_spec(tmp_path: Path, rows: list, name: str = "900_inline", **table) -> Path:
    doc = {
        "sample": name,
        "seed": "none.txt",
        "variants": ["ruled"],
        "page": {"orientation": "landscape"},
        "truth": {"is_plan": True},
        "blocks": [
            {"heading": "Priority 1"},
            {"table": {"columns": [{"text": "Action", "span": 2}, "Lead", "Timescale"],
                       "fields": ["ref", "action", "lead", "timescale"],
                       "context": {"priority_ref": "1", "priority_title": "Early help"},
                       "rows": rows, **table}},
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


MILESTONE = {"text": "May 2015", "start": None, "end": "2015-05-31", "kind": "deadline"}
OWNER = {"name": "M Evans", "role": None, "organisation": None, "kind": "person"}


def test_truth_joins_sub_rows_and_takes_spanned_text(tmp_path):
    rows = [
        {"cells": ["1.1", ["<b>Audit</b> thresholds", "• with schools"], "M Evans", "May 2015"],
         "span": {0: 2, 1: 2, 2: 2},
         "truth": {"milestones": [MILESTONE], "owners": [OWNER], "relation": "single"}},
        {"cells": [None, None, None, "June 2015"], "record": "sub_row"},
        {"banner": "PRIORITY 2: Voice", "context": {"priority_ref": "2", "priority_title": "Voice"}},
        {"cells": ["2.1", "Survey", "", ""], "fields": {"objective": "Heard"}},
    ]
    truth = build.derive_truth(build.load_spec(_write_spec(tmp_path, rows)), "borderless")
    blank = dict.fromkeys(build.TEXT_FIELDS, "")
    assert truth["pdf"] == "900_inline_borderless.pdf"
    assert truth["actions"] == [
        blank | {"priority_ref": "1", "priority_title": "Early help", "ref": "1.1",
                 "action": "Audit thresholds\nwith schools", "lead": "M Evans",
                 "timescale": "May 2015\nJune 2015",
                 "sub_rows": [{"ref": "1.1", "action": "Audit thresholds\nwith schools",
                               "lead": "M Evans", "timescale": "May 2015"},
                              {"timescale": "June 2015"}],
                 "milestones": [MILESTONE], "owners": [OWNER], "relation": "single",
                 "status": ""},
        blank | {"priority_ref": "2", "priority_title": "Voice", "ref": "2.1",
                 "objective": "Heard", "action": "Survey", "sub_rows": [], "milestones": [],
                 "owners": [], "relation": "", "status": ""},
    ]


@pytest.mark.parametrize("rows, table, message", [
    ([{"cells": ["1.1", "Audit", "M Evans"]}], {},
     r"900_inline.yaml: table 0, row 0: 3 cells, the table has 4 columns"),
    ([{"cells": ["1.1", "Audit", "M Evans", "May"], "span": {1: 3}},
      {"cells": ["1.2", None, "C Gill", "June"]}], {},
     r"table 0, row 0: span of 3 rows on column 1 runs off the table"),
    ([{"cells": ["1.1", "Audit", "M Evans", "May"]},
      {"cells": ["1.2", None, "C Gill", "June"]}], {},
     r"table 0, row 1: null cell in column 1 is not covered by a span"),
    ([{"cells": ["1.1", "Audit", "M Evans", "May"], "colour": "red"}], {},
     r"table 0, row 0: unknown key colour"),
    ([{"cells": ["1.1", "Audit", "M Evans", "May"],
       "truth": {"milestones": [{"text": "May", "end": "2015-05-31", "kind": "deadline"}]}}], {},
     r"table 0, row 0: truth milestone 0: missing key start"),
    ([{"cells": ["1.1", "Audit", "M Evans", "May"],
       "truth": {"owners": [{"name": "M Evans", "role": None, "kind": "person"}]}}], {},
     r"table 0, row 0: truth owner 0: missing key organisation"),
    ([{"cells": ["1.1", "<p>Audit</p>", "M Evans", "May"]}], {},
     r"table 0, row 0: unknown markup <p>"),
    ([{"cells": ["1.1", "Audit", "M Evans", "May"]}], {"fields": ["ref", "deed", None, None]},
     r"table 0: fields: 'deed' is not one of"),
])
def test_a_bad_spec_is_named_by_file_table_and_row(tmp_path, rows, table, message):
    with pytest.raises(build.SpecError, match=message):
        build.load_spec(_write_spec(tmp_path, rows, **table))


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="needs LibreOffice (soffice) and poppler (pdftoppm) on PATH")
def test_built_pdfs_hold_the_cells_as_text_rules_and_images_and_rebuild_identically(tmp_path):
    rows = [{"cells": [f"{n}.1", f"<b>Action</b> number {n}", "C Gill/ CSE Sub-Group",
                       "• October 2015"]}
            for n in range(1, 41)]
    path = _write_spec(tmp_path, rows)
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["variants"] = ["ruled", "borderless", "scanned"]
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")

    written = build.build(build.load_spec(path), tmp_path, tmp_path)
    again = tmp_path / "again"
    again.mkdir()
    rebuilt = build.build(build.load_spec(path), again, again)
    assert [p.read_bytes() for p in written] == [p.read_bytes() for p in rebuilt]

    assert sorted(p.name for p in written) == [
        "900_inline.json", "900_inline.pdf", "900_inline_borderless.json",
        "900_inline_borderless.pdf", "900_inline_scanned.json", "900_inline_scanned.pdf"]
    with pdfplumber.open(tmp_path / "900_inline.pdf") as pdf:
        pages = [page.extract_text() for page in pdf.pages]
        assert len(pages) > 1 and all(page.lines or page.rects for page in pdf.pages)
    text = "\n".join(pages)
    assert "<b>" not in text and "Action number 40" in text and "C Gill/ CSE" in text
    assert all("Action Lead Timescale" in page for page in pages)  # header repeats
    with pdfplumber.open(tmp_path / "900_inline_borderless.pdf") as pdf:
        assert not any(page.lines or page.rects for page in pdf.pages)
        assert "Action number 40" in "\n".join(page.extract_text() for page in pdf.pages)
    with pdfplumber.open(tmp_path / "900_inline_scanned.pdf") as pdf:
        assert len(pdf.pages) == len(pages)
        assert not any(page.chars for page in pdf.pages) and all(page.images for page in pdf.pages)
    assert json.loads((tmp_path / "900_inline_scanned.json").read_text())["variant"] == "scanned"


def _page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="needs LibreOffice (soffice) and poppler (pdftoppm) on PATH")
@pytest.mark.parametrize("path", sorted((SAMPLES / "src").glob("*.yaml")), ids=lambda p: p.stem)
def test_make_samples_rebuilds_the_committed_pdfs_text(path, tmp_path):
    """`make samples` on this machine gives PDFs whose text is the committed PDFs' text,
    page by page (and, for the image-only scan, the same number of pages)."""
    written = build.build(build.load_spec(path), tmp_path, tmp_path)
    pdfs = [p for p in written if p.suffix == ".pdf"]
    assert pdfs
    for pdf in pdfs:
        assert _page_texts(pdf) == _page_texts(SAMPLES / pdf.name), pdf.name
