"""A short run of `make fuzz`: mutated PDFs all end with a status, nothing of ours escapes or is
reported as a damaged file."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pdfplumber
import pytest

from boardplans.extractors.settings import ExtractSettings
from boardplans.pipeline import extract, fuzz
from boardplans.pipeline.batch import BatchOptions

from conftest import PLAN_PDF, SAMPLES

# the default memory limit, as users run it: it is an address-space limit, and a worker forked
# from this test process (grown large by the tests before it) starts with all it mapped, so a
# lower one left the workers too little to read the samples (internal errors, now and then)
OPTIONS = BatchOptions(jobs=2, timeout=30, settings=ExtractSettings(ocr=False))


def test_forty_mutated_pdfs_each_get_a_status_and_nothing_escapes() -> None:
    # the text samples and, when the development corpus is beside the clone, one of its
    # Chromium plans: 40 cases are 8 rounds of the 5 mutations, so every seed gets some
    sources = fuzz.sample_seeds() + fuzz.corpus_seeds()[:1]
    summary = fuzz.run(40, seed=0, options=OPTIONS, sources=sources)
    assert (summary["cases"], sum(summary["statuses"].values()), summary["missing"], summary["escaped"],
            summary["internal_as_damaged"]) == (40, 40, [], [], [])
    assert set(summary["statuses"]) <= {"ok", "partial", "skipped", "failed"}
    assert summary["seeds"] == {"samples": len(fuzz.sample_seeds()), "corpus": len(sources) - len(fuzz.sample_seeds())}


def test_cases_are_the_same_bytes_for_the_same_seed_and_cover_every_mutation() -> None:
    sources = sorted(SAMPLES.glob("0[01]*.pdf"))

    def digest(seed: int) -> list[tuple[str, str]]:
        return [(c.name, hashlib.sha256(c.data).hexdigest()) for c in fuzz.cases(sources, 10, seed)]
    first = digest(7)
    assert first == digest(7) and first != digest(8)
    assert {m for m in fuzz.MUTATIONS for name, _ in first if name[5:].startswith(m)} == set(fuzz.MUTATIONS)


def test_cases_are_spread_over_every_seed() -> None:
    sources = [SAMPLES / "000_leicestershire_rutland_2016_17.pdf", SAMPLES / "004_leeds_2010_11.pdf"]
    names = [c.name for c in fuzz.cases(sources, 15, 0)]
    assert [sum(n.endswith(f"_{p.stem}.pdf") for n in names) for p in sources] == [10, 5]


def test_corpus_seeds_are_the_chromium_plans_only() -> None:
    found = fuzz.corpus_seeds()
    if not found:
        pytest.skip(f"the development corpus is not at {fuzz.DEVSET.resolve()}")
    assert all(json.loads((p.parent / "style.json").read_text("utf-8"))["renderer"] == "chromium" for p in found)
    assert all(p.name == "plan.pdf" for p in found)
    assert fuzz.corpus_seeds(Path("/nonexistent")) == []


def test_blame_names_the_parser_for_a_parser_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot a pdf at all")
    with pytest.raises(Exception) as caught:
        pdfplumber.open(broken).pages
    assert fuzz.blame(caught.value)["owner"] == "parser"


def test_an_error_of_ours_is_never_passed_off_as_a_damaged_pdf(monkeypatch) -> None:
    # a bug in our page reading: it must reach the worker (which reports an internal
    # error), not become "damaged PDF (ValueError ...): fetch it again"
    def buggy_read_pages(path, settings):
        return ExtractSettings.resolve({"no_such_setting": 1})  # raises in boardplans.extractors.settings
    monkeypatch.setattr(extract, "read_pages", buggy_read_pages)
    with pytest.raises(ValueError, match="no_such_setting") as raised:
        extract.process_document(PLAN_PDF, OPTIONS.settings)
    where = extract.raised_in(raised.value)
    assert (where.owner, where.module) == ("ours", "boardplans.extractors.settings")