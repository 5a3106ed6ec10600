"""Document stage: open a PDF, fingerprint it, read its pages, and identify it from its own
text (board, title, plan period, document type), never from its file name."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from boardplans.extractors.model import PageContent, TextLine
from boardplans.normalizers.periods import PlanPeriod, parse_plan_period

from .patterns import patterns

BUSINESS_PLAN = "business_plan"


@dataclass(frozen=True)
class Identity:
    board: str
    title: str
    period: PlanPeriod | None
    document_type: str  # business_plan, annual_report, other


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _squash(text: str) -> str:
    return " ".join(text.split())


def title_lines(pages: Sequence[PageContent]) -> list[TextLine]:
    """The opening lines set in the largest type on the first page that has text."""
    for page in pages:
        if not page.lines:
            continue
        head = page.lines[: max(8, len(page.lines) // 3)]
        biggest = max(ln.size for ln in head)
        first = next(i for i, ln in enumerate(head) if ln.size >= biggest - 0.5)
        block = [head[first]]
        for ln in head[first + 1:]:
            if ln.size < biggest - 0.5:
                break
            block.append(ln)
        return block
    return []


def find_board(lines: Sequence[str], all_text: str) -> str:
    """The longest board name on the earliest line that names one; else a board named by
    its acronym and the place its agencies share."""
    spec = patterns()["document"]
    for line in lines:
        found = [m.group("board") for p in spec["board"] for m in re.finditer(p, line)]
        if found:
            return re.sub(r"^The\s+", "", _squash(max(found, key=len)))
    return _board_from_place(all_text, spec)


def _board_from_place(text: str, spec: dict) -> str:
    """A board named only by its acronym ("LSCB Business Plan"): the place that the
    document's agencies are named after, with the acronym spelled out."""
    acronym = next((a for a in spec["acronym_expansions"] if re.search(rf"\b{a}\b", text)), None)
    if acronym is None:
        return ""
    before = "|".join(re.escape(w) for w in spec["place_before"])
    after = "|".join(re.escape(w) for w in spec["place_after"])
    place = r"([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
    votes = Counter(m.group(1) for m in re.finditer(rf"\b(?:{before})\s+{place}", text))
    votes.update(m.group(1) for m in re.finditer(rf"{place}\s+(?:{after})\b", text))
    for word in spec["not_places"]:
        votes.pop(word, None)
    if not votes:
        return ""
    name, count = votes.most_common(1)[0]
    return f"{name} {spec['acronym_expansions'][acronym]}" if count >= 2 else ""


def find_document_type(title: str, first_text: str) -> str:
    types = patterns()["document"]["types"]
    for text in (title.lower(), first_text.lower()):
        for kind, words in types.items():
            if any(w in text for w in words):
                return kind
    return "other"


def identify(pages: Sequence[PageContent], all_text: str) -> Identity:
    head = [ln.text for ln in title_lines(pages)]
    heading = _squash(" ".join(head))
    first_lines = [ln.text for p in pages[:2] for ln in p.lines]
    first_text = "\n".join(first_lines)
    board = find_board([heading] + head + first_lines, all_text)
    title = heading
    if board and title.lower().startswith(("the " + board).lower()):
        title = title[len(board) + 4:].strip(" –-:")
    elif board and title.lower().startswith(board.lower()):
        title = title[len(board):].strip(" –-:")
    period = parse_plan_period(title) or next(
        (p for p in map(parse_plan_period, first_text.splitlines()[:15]) if p), None)
    return Identity(board, title, period, find_document_type(title, first_text))
