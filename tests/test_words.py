"""A cell's text from its positioned words: paragraphs and bullets kept as line breaks,
lines wrapped by the layout joined, nothing rewritten. Words are placed as a PDF places
them (10 pt lines, 5 pt per character); the real-PDF side is covered by test_eval.py."""
from __future__ import annotations

import pytest

from boardplans.extractors.words import Word, group_lines, lines_to_text


def placed(*lines: str, left: float = 10.0) -> list[Word]:
    words = []
    for n, text in enumerate(lines):
        x = left
        for token in text.split():
            words.append(Word(token, x, n * 12.0, x + 5 * len(token), n * 12.0 + 10))
            x += 5 * len(token) + 3
    return words


def cell(*lines: str, right: float) -> str:
    return lines_to_text(group_lines(placed(*lines)), right_edge=right)


@pytest.mark.parametrize("lines, right, text", [
    # the next line's first word would not have fitted: a wrapped line, joined
    (("Develop a programme of", "communication activity"), 130, "Develop a programme of communication activity"),
    # it would have fitted: the line ended its paragraph
    (("LCC", "LCC", "Rutland"), 130, "LCC\nLCC\nRutland"),
    # a word broken at a hyphen closes up, whatever its case
    (("Training and Development Subgroup (Multi-", "Agency)"), 210, "Training and Development Subgroup (Multi-Agency)"),
    # a dangling range or conjunction runs on even where the next word would have fitted
    (("June 2020 –", "March 2021"), 200, "June 2020 – March 2021"),
    (("June 2020", "– March 2021"), 60, "June 2020 – March 2021"),
    # bullets always open an item; dashes only in a cell that lists with them
    (("• Bruising to babies", "• Case supervision"), 300, "• Bruising to babies\n• Case supervision"),
    (("- item one", "- item two"), 300, "- item one\n- item two"),
    # "2016)" is no list number
    (("Toolkit launch (May", "2016) The Board"), 100, "Toolkit launch (May 2016) The Board"),
])
def test_cell_text(lines, right, text):
    assert cell(*lines, right=right) == text


def test_a_bullet_glyph_a_little_off_the_baseline_stays_on_its_line():
    words = placed("Young people at risk")
    words.insert(0, Word("•", 2, 2.5, 6, 11))
    assert [ln.text for ln in group_lines(words)] == ["• Young people at risk"]
