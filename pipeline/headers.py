"""Header cells → schema fields, through the vocabulary in data/headers.toml.

Each header gets a score per field: a wording seen before scores highest, a close one less,
one holding a field's keyword less again, and the less the further into the header the
keyword stands. match_header takes the best field of one header on its own; columns.py
weighs these scores with what the columns hold and assigns fields to a whole table at once.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

from rapidfuzz import fuzz

FUZZY_MIN = 80  # below this a wording is no variant of a synonym
KEYWORD_TOP, KEYWORD_STEP, KEYWORD_FLOOR = 0.6, 0.06, 0.3  # keyword score by word position
WEAK_KEYWORD = 0.4  # a bare question word: any keyword near the start says more
HEADER_ROW_MIN = 0.5  # a cell names a column: a synonym, a close variant, a keyword in its first words
PLAN_COLUMNS = ("action", "lead", "timescale", "objective")


@dataclass(frozen=True)
class FieldVocabulary:
    field: str
    synonyms: tuple[str, ...]
    keywords: tuple[str, ...]
    weak_keywords: tuple[str, ...] = ()
    content: tuple[re.Pattern[str], ...] = ()  # what a body cell of the column looks like
    max_words: int | None = None
    side: str = ""  # "before" / "after" the action column, where plans put it
    min_fill: float = 0.0
    repeats: bool = False  # several columns may hold it


@dataclass(frozen=True)
class HeaderEvidence:
    field: str
    score: float  # 0..1
    how: str  # exact, fuzzy, keyword


@dataclass(frozen=True)
class HeaderMatch:
    text: str
    field: str | None
    how: str  # exact, fuzzy, keyword, none
    score: float  # 0..100


def normalize(text: str) -> str:
    # "Area(s) for action" reads as "area for action"; "#" is a header of its own
    text = re.sub(r"\(s\)", "", text.lower())
    return re.sub(r"\s+", " ", re.sub(r"[^\w/%#]+", " ", text)).strip()


@lru_cache(maxsize=1)
def vocabulary() -> tuple[FieldVocabulary, ...]:
    raw = tomllib.loads(resources.files("boardplans.pipeline.data").joinpath("headers.toml").read_text("utf-8"))
    return tuple(
        FieldVocabulary(field, tuple(normalize(s) for s in spec["synonyms"]),
                        tuple(k.lower() for k in spec["keywords"]),
                        tuple(k.lower() for k in spec.get("weak_keywords", ())),
                        tuple(re.compile(p, re.IGNORECASE) for p in spec.get("content", ())),
                        spec.get("max_words"), spec.get("side", ""), spec.get("min_fill", 0.0),
                        spec.get("repeats", False))
        for field, spec in raw.items()
    )


def _fuzzy(key: str, synonym: str) -> float:
    """Similarity in word order; word order aside only when both open with the same word,
    so the question word holds ("What will it do?" is no "Who will do it?")."""
    score = fuzz.ratio(key, synonym)
    if key.split()[0] == synonym.split()[0]:
        score = max(score, fuzz.token_sort_ratio(key, synonym))
    return score


def _keyword(key: str, keyword: str) -> float:
    m = re.search(rf"\b{re.escape(keyword)}", key)
    if not m:
        return 0.0
    position = len(key[:m.start()].split())
    longer = 0.03 * (len(keyword.split()) - 1)  # "want to achieve" says more than "aim"
    return max(KEYWORD_FLOOR, KEYWORD_TOP + longer - KEYWORD_STEP * position)


def _field_evidence(key: str, vocab: FieldVocabulary) -> HeaderEvidence | None:
    if key in vocab.synonyms:
        return HeaderEvidence(vocab.field, 1.0, "exact")
    ratio = max((_fuzzy(key, s) for s in vocab.synonyms), default=0.0)
    fuzzy = 0.45 + 0.45 * (ratio - FUZZY_MIN) / (100 - FUZZY_MIN) if ratio >= FUZZY_MIN else 0.0
    keyword = max((_keyword(key, k) for k in vocab.keywords), default=0.0)
    if any(re.search(rf"\b{re.escape(k)}\b", key) for k in vocab.weak_keywords):
        keyword = max(keyword, WEAK_KEYWORD)
    if not fuzzy and not keyword:
        return None
    return HeaderEvidence(vocab.field, fuzzy, "fuzzy") if fuzzy >= keyword else \
        HeaderEvidence(vocab.field, keyword, "keyword")


@lru_cache(maxsize=4096)
def header_evidence(text: str) -> tuple[HeaderEvidence, ...]:
    """Every field the header may name, best first (file order among equals)."""
    key = normalize(text)
    if not key:
        return ()
    found = [e for e in (_field_evidence(key, v) for v in vocabulary()) if e]
    return tuple(sorted(found, key=lambda e: -e.score))


def match_header(text: str) -> HeaderMatch:
    """The best field of one header on its own."""
    evidence = header_evidence(text)
    if not evidence:
        return HeaderMatch(text, None, "none", 0.0)
    best = evidence[0]
    return HeaderMatch(text, best.field, best.how, round(100 * best.score, 1))


def is_header_row(texts: Sequence[str]) -> bool:
    """A row reads as a header when most of its filled cells name known columns (a synonym,
    or a keyword in their opening words) and at least one of them is a plan column."""
    filled = [t for t in texts if t.strip()]
    if len(filled) < 2 or any(len(t) > 120 for t in filled):
        return False
    named = [m for m in map(match_header, filled) if m.score >= 100 * HEADER_ROW_MIN]
    return len(named) >= max(2, 0.6 * len(filled)) and any(m.field in PLAN_COLUMNS for m in named)
