"""From positioned words to lines and to a cell's cleaned text.

Both table strategies and the OCR path meet here: they all produce `Word`s, and a cell's
text is rebuilt from the words inside it so that paragraphs and bullets survive as line
breaks while lines wrapped by the layout are joined back into one paragraph.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from statistics import median
from typing import Iterable, Sequence

from .model import BBox, Cell

_BULLET_START = re.compile(r"^\s*([•●▪■◦○‣∙·*]|-\s|–\s|\(?[a-z]\)\s|\d{1,2}\)\s)")
_MARKER = re.compile(r"^([•●▪■◦○‣∙·*–-]|\(?[a-z0-9]{1,3}[.)])$")
_BULLET_GLYPH = re.compile(r"^[•●▪■◦○‣∙·*–\-.]$")
_HYPHEN_END = re.compile(r"[A-Za-z0-9]-$")
_DASH = re.compile(r"^\s*[–—-]\s")
# the widest space, in line heights, between a bullet and its text (Word's hanging indent
# leaves about two)
HANGING_INDENT = 3.0
# two spaces between words, in line heights (a space is about a quarter of an em, a line's
# box about 1.2 ems)
WORD_SPACES = 0.6


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    bold: bool = False
    size: float = 0.0
    confidence: float = 1.0  # OCR's confidence in the reading, 0 to 1; 1.0 for a text layer

    @property
    def bbox(self) -> BBox:
        return BBox(self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def bbox(self) -> BBox:
        return BBox(self.x0, self.top, self.x1, self.bottom)

    @property
    def bold(self) -> bool:
        letters = [w for w in self.words if any(ch.isalpha() for ch in w.text)]
        return bool(letters) and all(w.bold for w in letters)

    @property
    def size(self) -> float:
        return median(w.size for w in self.words)


def words_from_pdfplumber(raw: Iterable[dict]) -> list[Word]:
    return [
        Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"],
             bold="bold" in str(w.get("fontname", "")).lower() or "black" in str(w.get("fontname", "")).lower(),
             size=float(w.get("size", 0.0)))
        for w in raw
    ]


def _same_line(line: Sequence[Word], w: Word) -> bool:
    """Whether `w` overlaps the line's band by most of its height: robust to a bullet glyph
    or an OCR box sitting a little higher or lower than the words beside it."""
    top, bottom = line[0].top, line[0].bottom
    overlap = min(bottom, w.bottom) - max(top, w.top)
    return overlap >= 0.5 * min(bottom - top, w.bottom - w.top)


def group_lines(words: Sequence[Word]) -> list[Line]:
    """Words sharing a baseline band become one line, left to right."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (round(w.top), w.x0)):
        if lines and _same_line(lines[-1], w):
            lines[-1].append(w)
        else:
            lines.append([w])
    return [Line(tuple(sorted(ws, key=lambda w: w.x0))) for ws in lines]


def split_segments(line: Line, gap: float) -> list[Line]:
    """Split a line where the space between two words is wider than `gap`. A bullet or
    list number keeps its item's text at a hanging indent's distance; further off, it
    is a reference in a column of its own."""
    # large type has wide spaces: a gap counts only when it is wider than twice a space
    gap = max(gap, WORD_SPACES * line.height)
    pieces: list[list[Word]] = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        space = w.x0 - prev.x1
        hanging = is_marker(pieces[-1]) and space <= HANGING_INDENT * line.height
        if space > gap and not hanging:
            pieces.append([w])
        else:
            pieces[-1].append(w)
    return [Line(tuple(p)) for p in pieces]


def is_bullet(text: str) -> bool:
    """A bullet glyph (or what OCR leaves of one), never a numbered reference."""
    return bool(_BULLET_GLYPH.match(text))


def is_marker(words: Sequence[Word]) -> bool:
    """A bullet glyph or list number standing alone before its item's indented text."""
    return len(words) == 1 and bool(_MARKER.match(words[0].text))


def opens_item(text: str, dash_list: bool = True) -> bool:
    """Whether a line opens a list item: a bullet glyph or list number, or a dash where the
    cell lists with dashes."""
    marker = _BULLET_START.match(text)
    return bool(marker) and (dash_list or not _DASH.match(marker.group(1)))


@lru_cache(maxsize=1)
def layout_words() -> dict:
    return tomllib.loads(resources.files("boardplans.extractors").joinpath("data/layout.toml").read_text("utf-8"))


def runs_on(text: str) -> bool:
    """Whether a line ends mid-word or mid-phrase ("Multi-", "June 2020 –", "Health and"),
    so that the next line continues it whatever room was left."""
    last = text.rsplit(None, 1)[-1].lower() if text.strip() else ""
    return bool(_HYPHEN_END.search(text)) or text.endswith((",", "/")) or (
        last in layout_words()["run_on_words"] and " " in text.strip())


def _lead(line: Line) -> float:
    first = line.words[0]
    return 0.25 * (first.bottom - first.top) + (first.x1 - first.x0)


def starts_paragraph(line: Line, prev: Line, pitch: float, right_edge: float, dash_list: bool = False) -> bool:
    """Whether `line` opens a new paragraph rather than continuing the wrapped `prev`: it
    starts with a bullet, stands a paragraph gap below, or its first word would have fitted
    at the end of `prev` (a wrapping layout would have put it there). A dash opens an item
    only in a cell that lists with dashes (`dash_list`): else it continues a range
    ("June 2020" / "– March 2021")."""
    if opens_item(line.text, dash_list):
        return True
    if runs_on(prev.text):
        return False
    if line.top - prev.top > pitch * 1.45:
        return True
    return prev.x1 + _lead(line) < right_edge


def join_wrapped(prev: str, nxt: str) -> str:
    """Join a line wrapped by the layout: a word broken at a hyphen closes up."""
    if _HYPHEN_END.search(prev):
        return prev + nxt
    return f"{prev} {nxt}"


def lines_to_text(lines: Sequence[Line], right_edge: float | None = None) -> str:
    """A cell's text: paragraphs and bullet items on their own line, wrapped lines joined.
    Nothing is rewritten: only whitespace and line breaks are decided here."""
    if not lines:
        return ""
    right = right_edge if right_edge is not None else max(ln.x1 for ln in lines)
    gaps = [b.top - a.top for a, b in zip(lines, lines[1:]) if b.top > a.top]
    pitch = median(gaps) if gaps else lines[0].height * 1.2
    pitch = min(pitch, lines[0].height * 1.6) if gaps else pitch
    dashes = [bool(_DASH.match(ln.text)) for ln in lines]
    dash_list = dashes[0] or sum(dashes) >= 2
    paragraphs = [lines[0].text]
    for prev, line in zip(lines, lines[1:]):
        if starts_paragraph(line, prev, pitch, right, dash_list):
            paragraphs.append(line.text)
        else:
            paragraphs[-1] = join_wrapped(paragraphs[-1], line.text)
    return "\n".join(p.strip() for p in paragraphs if p.strip())


def words_in(words: Sequence[Word], box: BBox) -> list[Word]:
    """The words whose centre lies inside `box`."""
    return [
        w for w in words
        if box.x0 <= (w.x0 + w.x1) / 2 <= box.x1 and box.top <= (w.top + w.bottom) / 2 <= box.bottom
    ]


def cell_from_lines(lines: Sequence[Line], right_edge: float, page: int, box: BBox) -> Cell:
    """A cell with its text and the layout a page-break join needs."""
    if not lines:
        return Cell("", page, box)
    return Cell(lines_to_text(lines, right_edge), page, box,
                room=right_edge - lines[-1].x1, lead=_lead(lines[0]))


def cell_in(words: Sequence[Word], box: BBox, page: int) -> Cell:
    """A ruled cell. Its right margin is taken to mirror the left one that the text shows,
    less a point and a half to stay on the safe side: a margin read too small would make
    a wrapped line look like a paragraph end."""
    lines = group_lines(words_in(words, box))
    padding = min(max(min((ln.x0 for ln in lines), default=box.x0) - box.x0, 1.0), 12.0)
    return cell_from_lines(lines, box.x1 - padding - 1.5, page, box)
