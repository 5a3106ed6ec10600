"""Settings of the table stage, explicit and immutable (pdfplumber's TableSettings, frozen)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping


@dataclass(frozen=True)
class ExtractSettings:
    # ruled strategy: passed to pdfplumber's table finder
    snap_tolerance: float = 3.0
    join_tolerance: float = 3.0
    intersection_tolerance: float = 3.0
    # a rectangle this thin (points) is a rule, not a fill
    rule_thickness: float = 2.0
    # a scanned page with this many ruling segments is told to OCR as sparse, tabular text
    min_rulings: int = 6
    # text-aligned strategy: a gap wider than this many points separates two cells
    column_gap: float = 7.0
    # a column gutter stays open while this many line heights of it are free of words
    # (more than the space between two words, which a line crossing it leaves free)
    min_gutter: float = 0.4
    # whitespace across every column wider than the lines' own leading by this share of
    # a line's height (and at least row_gap_min points) ends a row: rows sit one cell
    # padding further apart than the lines inside a cell
    row_gap: float = 0.12
    row_gap_min: float = 1.0
    # a vertical gap this many line heights tall ends a text-aligned table
    band_gap: float = 1.8
    # ... unless the line below carries on the columns (two or more of its cells start
    # where the table's do): then up to this many, as where rows are padded apart
    aligned_band_gap: float = 4.0
    # where rules or fill edges mark this share of the whitespace row boundaries, they
    # alone separate the rows
    ruled_share: float = 0.6
    # a proposed table scoring below this leaves its region to the next strategy
    min_table_score: float = 0.3
    # a banner row (a line across the columns) is at most this many lines
    max_banner_lines: int = 4
    # a table whose lines are more than this share banners is prose
    max_banner_share: float = 0.4
    # ... and sits no further than this many line heights from the rows around it
    banner_gap: float = 1.6
    # OCR of pages without a text layer, by the engine named here (extractors/ocr_engines.py;
    # "auto": the best one installed)
    ocr: bool = True
    ocr_engine: str = "auto"
    ocr_dpi: int = 200
    ocr_language: str = "eng"
    # the pages to read, numbered from 1 (`extract --pages`); empty: every page
    pages: tuple[int, ...] = ()
    # header and footer bands, as a share of the page height, read as page furniture
    margin_band: float = 0.08
    # ... and set apart from the content by this many of its line heights
    furniture_gap: float = 1.0

    @classmethod
    def resolve(cls, value: ExtractSettings | Mapping[str, Any] | None) -> ExtractSettings:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown extract setting(s) {unknown}; known: {sorted(known)}")
        return replace(cls(), **dict(value))
