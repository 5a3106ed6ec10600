"""Settings of the table stage, explicit and immutable (pdfplumber's TableSettings, frozen)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class ExtractSettings:
    # ruled strategy: passed to pdfplumber's table finder
    snap_tolerance: float = 3.0
    join_tolerance: float = 3.0
    intersection_tolerance: float = 3.0
    # a page is read as ruled when its ruling segments reach this count
    min_rulings: int = 6
    # text-aligned strategy: a gap wider than this many points separates two cells
    column_gap: float = 7.0
    # share of lines a column start must be seen on to count as a column
    min_column_support: float = 0.15
    # a step between lines this many line pitches tall ends a row (text-aligned tables:
    # rows sit one cell padding further apart than the lines inside a cell)
    row_gap: float = 1.07
    # a vertical gap this many line heights tall ends a text-aligned table
    band_gap: float = 2.5
    # OCR of pages without a text layer (Tesseract, when installed)
    ocr: bool = True
    ocr_dpi: int = 200
    ocr_language: str = "eng"
    # header and footer bands, as a share of the page height, read as page furniture
    margin_band: float = 0.08

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

    def pdfplumber_explicit(self, rulings: Sequence[dict]) -> dict[str, Any]:
        """Table settings over ruling lines found elsewhere (a scanned page's image)."""
        return {
            "vertical_strategy": "explicit", "horizontal_strategy": "explicit",
            "explicit_vertical_lines": [r for r in rulings if r["x0"] == r["x1"]],
            "explicit_horizontal_lines": [r for r in rulings if r["top"] == r["bottom"]],
            # a scan's lines wander by a pixel or two: snap them harder than drawn ones
            "snap_tolerance": 2 * self.snap_tolerance, "join_tolerance": 2 * self.join_tolerance,
            "intersection_tolerance": 2 * self.intersection_tolerance,
        }

    def pdfplumber_lines(self) -> dict[str, Any]:
        return {
            "vertical_strategy": "lines",
            "horizontal_strategy": "lines",
            "snap_tolerance": self.snap_tolerance,
            "join_tolerance": self.join_tolerance,
            "intersection_tolerance": self.intersection_tolerance,
        }
