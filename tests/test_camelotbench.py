"""The camelot adapter of `make bench-camelot` on a real PDF: camelot's cells, found in PDF
space (origin bottom-left), land where our own ruled grid has them (origin top-left)."""
from __future__ import annotations

from pathlib import Path

import pytest

from boardplans.extractors.ruled import find_ruled_tables
from boardplans.pipeline.camelotbench import SETTINGS, Camelot, page_views

pytest.importorskip("camelot")

PDF = Path(__file__).parent / "fixtures" / "three_col_northmoor_2019_20.pdf"


def test_a_camelot_cell_lands_on_the_ruled_cell_it_reads():
    view = page_views(PDF)[0]
    ours = find_ruled_tables(view, SETTINGS)[0]
    theirs = Camelot(PDF, "hybrid").propose(view, view.words, SETTINGS)[0]
    assert theirs.page == 1 and theirs.strategy == "camelot-hybrid"
    header, first = ours.rows[0].cells[0], theirs.rows[0].cells[0]
    assert first.text == header.text == "What will we do"
    assert all(abs(a - b) <= 1.0 for a, b in zip(first.bbox.as_list(), header.bbox.as_list()))
    assert [r.texts for r in theirs.rows] == [r.texts for r in ours.rows]
