"""The fixtures of invented boards (written as held-out layouts; see tests/fixtures/README.md
for which rules came after them) stay at least as accurate as they are today:
`python -m boardplans.pipeline.evaluate tests/fixtures` shows the figures and mismatches."""
from __future__ import annotations

from pathlib import Path

import pytest

from boardplans.extractors.ocr import ocr_available
from boardplans.pipeline.evaluate import below, evaluate, find_cases

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# What each fixture reaches today, rounded down to 2 decimals; every figure not listed must be
# 1.0. Raise these as the pipeline improves; never lower one to make the test pass.
FLOORS: dict[str, dict[str, float]] = {
    "bulleted_actions_ravensmoor_2020_21": {},
    "eight_col_rag_eastvale_2018_20": {},
    "form_layout_ashcombe_2018_20": {},
    "lettered_refs_denholm_2021_23": {},
    "midpage_table_harrowfield_2019_21": {},
    "priority_column_calderbrook_2021_23": {},
    "rag_key_hollinford_2023_24": {},
    # lowered once, measured: OCR that removes specks (and deskews, cleans fills) raised the
    # corpus's speckled scans from recall 0.30 to 0.75, but it takes the full stops of this
    # clean scan's refs with the specks ("1.3" read as "13"), its title and one dash
    "scanned_ruled_wexcombe_2018_19_scanned": {"timescale": 0.88, "organisations": 0.90, "ref": 0.44,
                                               "document": 0.85, "milestones": 0.90},
    "spreadsheet_export_fenwick_2022_24": {"owners": 0.91},
    "themes_kingsbridge_2020_22": {"owners": 0.83, "organisations": 0.90},
    "three_col_northmoor_2019_20": {},
    "three_col_northmoor_2019_20_borderless": {},
    "two_row_header_brookmere_2019_20": {},
}


@pytest.fixture(scope="module")
def fixture_scores():
    return {s.name: s for s in evaluate(find_cases(FIXTURES))}


def test_every_fixture_with_an_answer_key_is_evaluated(fixture_scores) -> None:
    assert sorted(fixture_scores) == sorted(FLOORS)


needs_ocr = pytest.mark.skipif(not ocr_available(), reason="a scanned fixture needs an OCR engine "
                               "(make setup installs tesserocr)")


@pytest.mark.parametrize("name", [pytest.param(n, marks=needs_ocr) if "scanned" in n else n for n in sorted(FLOORS)])
def test_fixture_reaches_its_floors(fixture_scores, name: str) -> None:
    assert below(fixture_scores[name], FLOORS[name]) == {}
