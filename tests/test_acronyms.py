"""Acronym definitions found in the seed documents and in other boards' phrasings."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardplans.normalizers.acronyms import find_acronyms, glossary

# the seed documents that samples/ are rebuilt from: ../shared/seeds, beside the project
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (
            "000_8ffa6d8f218a86c3.txt",
            {
                "CSE": "Child Sexual Exploitation",
                "SPDF": "Strategic Partnership Development Fund",
                "SEG": "Safeguarding Effectiveness Group",
                "SoS": "Signs of Safety",
                "PRF": "Performance Reporting Framework",
                "EHA": "Early Help Assessment",
            },
        ),
        (
            "001_e9f858bba1b07f49.txt",
            {
                "LSP": "Local Strategy Plan",
                "EI&FSS": "Early Intervention and Family Support Service",
                "IRO": "Independent Reviewing Officer",
                "CP": "Child Protection",
                "SPOCs": "Single Point of Contacts",
                "MCP": "Missing Children Panel",
                "SAB": "Safeguarding Adults Board",
            },
        ),
        ("002_482c4765827834fc.txt", {"CSE": "Child Sexual Exploitation"}),
        ("004_be2caeb63f6063aa.txt", {"CTB": "Children's Trust Board"}),
    ],
)
def test_every_definition_in_a_seed(seed: str, expected: dict[str, str]) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"no seed documents: {SEEDS} is absent (shared/ must sit beside the clone)")
    assert find_acronyms((SEEDS / seed).read_text("utf-8")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Safeguarding Effectiveness Group (SEG) meets", {"SEG": "Safeguarding Effectiveness Group"}),
        ("reported to SEG (Safeguarding Effectiveness Group) quarterly", {"SEG": "Safeguarding Effectiveness Group"}),
        ("the Child Death Overview Panel (CDOP)", {"CDOP": "Child Death Overview Panel"}),
        ("a Multi-Agency Safeguarding Hub (MASH) pilot", {"MASH": "Multi-Agency Safeguarding Hub"}),
        ("Local Authority Designated Officer (LADO)", {"LADO": "Local Authority Designated Officer"}),
        ("Toolkit launch (May 2016)", {}),
        ("Training and Development Subgroup (Multi-Agency)", {}),
        ("the Children's Trust, (Rutland)", {}),
        ("the Quality Group (QG) and the Audit Group (XYZ)", {"QG": "Quality Group"}),
        ("", {}),
    ],
)
def test_phrasings(text: str, expected: dict[str, str]) -> None:
    assert find_acronyms(text) == expected


def test_an_abbreviations_table_is_a_glossary():
    rows = [("CSC", "Children's Social Care"), ("DAC", "Domestic Abuse Coordinator"),
            ("Red", "Off track"), ("MASH", "Multi-Agency Safeguarding Hub"), ("TBC", "")]
    assert glossary(rows) == {"CSC": "Children's Social Care", "DAC": "Domestic Abuse Coordinator",
                              "MASH": "Multi-Agency Safeguarding Hub"}
