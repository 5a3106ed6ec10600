"""Header cells → schema fields, through the synonym table in data/headers.toml.

A wording seen before maps exactly; an unseen wording of a known column maps fuzzily or
through a keyword it holds; anything else stays unmapped (and visible in the debug view).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

from rapidfuzz import fuzz, process

FUZZY_THRESHOLD = 86


@dataclass(frozen=True)
class FieldVocabulary:
    field: str
    synonyms: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class HeaderMatch:
    text: str
    field: str | None
    how: str  # exact, fuzzy, keyword, none
    score: float


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w/%]+", " ", text.lower())).strip()


@lru_cache(maxsize=1)
def vocabulary() -> tuple[FieldVocabulary, ...]:
    raw = tomllib.loads(resources.files("pipeline.data").joinpath("headers.toml").read_text("utf-8"))
    return tuple(
        FieldVocabulary(field, tuple(normalize(s) for s in spec["synonyms"]),
                        tuple(k.lower() for k in spec["keywords"]))
        for field, spec in raw.items()
    )


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, str]:
    return {syn: v.field for v in vocabulary() for syn in v.synonyms}


@lru_cache(maxsize=4096)
def match_header(text: str) -> HeaderMatch:
    key = normalize(text)
    if not key:
        return HeaderMatch(text, None, "none", 0.0)
    index = _synonym_index()
    if key in index:
        return HeaderMatch(text, index[key], "exact", 100.0)
    # word order aside ("how we will know" is "how will we know")
    best = process.extractOne(key, list(index), scorer=fuzz.token_sort_ratio)
    if best and best[1] >= FUZZY_THRESHOLD:
        return HeaderMatch(text, index[best[0]], "fuzzy", float(best[1]))
    # a long header ("RAG rating (select from drop down menu), commentary and evidence")
    # is judged by its opening words first, then by any keyword it holds
    for probe in (" ".join(key.split()[:3]), key):
        for vocab in vocabulary():
            if any(re.search(rf"\b{re.escape(k)}", probe) for k in vocab.keywords):
                return HeaderMatch(text, vocab.field, "keyword", 60.0)
    return HeaderMatch(text, None, "none", 0.0)


def is_header_row(texts: Sequence[str]) -> bool:
    """A row reads as a header when most of its filled cells name known columns and at
    least one of them is a plan column (action, lead or timescale)."""
    filled = [t for t in texts if t.strip()]
    if len(filled) < 2 or any(len(t) > 120 for t in filled):
        return False
    matches = [match_header(t) for t in filled]
    mapped = [m for m in matches if m.field]
    plan_columns = {m.field for m in mapped} & {"action", "lead", "timescale", "objective"}
    return len(mapped) >= max(2, 0.6 * len(filled)) and bool(plan_columns)
