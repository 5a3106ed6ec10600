"""A short run of `make fuzz`: mutated sample PDFs all end with a status, nothing of ours escapes."""
from __future__ import annotations

import hashlib

from extractors.settings import ExtractSettings
from pipeline import fuzz
from pipeline.batch import BatchOptions

from conftest import SAMPLES


def test_forty_mutated_pdfs_each_get_a_status_and_nothing_escapes() -> None:
    options = BatchOptions(jobs=2, timeout=30, memory_mb=2048, settings=ExtractSettings(ocr=False))
    summary = fuzz.run(40, seed=0, options=options)
    assert (summary["cases"], sum(summary["statuses"].values()), summary["missing"], summary["escaped"]) == (
        40, 40, [], [])
    assert set(summary["statuses"]) <= {"ok", "partial", "skipped", "failed"}


def test_cases_are_the_same_bytes_for_the_same_seed_and_cover_every_mutation() -> None:
    sources = sorted(SAMPLES.glob("0[01]*.pdf"))

    def digest(seed: int) -> list[tuple[str, str]]:
        return [(c.name, hashlib.sha256(c.data).hexdigest()) for c in fuzz.cases(sources, 10, seed)]
    first = digest(7)
    assert first == digest(7) and first != digest(8)
    assert {m for m in fuzz.MUTATIONS for name, _ in first if name[5:].startswith(m)} == set(fuzz.MUTATIONS)
