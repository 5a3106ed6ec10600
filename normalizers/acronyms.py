"""Acronyms a document defines, "Safeguarding Effectiveness Group (SEG)" or
"SEG (Safeguarding Effectiveness Group)", found the Schwartz–Hearst way: the short
form's letters must appear in order in the long form, its first letter starting a word.
"""

from __future__ import annotations

import re
from typing import Sequence

_MARKUP = re.compile(r"<[^>]*>")
_PAREN = re.compile(r"\(([^()]{1,120})\)")
_WORD = re.compile(r"[^\s/]+")  # "(IRO)/Child Protection (CP)": a slash ends a word
_SHORT = re.compile(r"^[A-Za-z][\w&-]{1,9}$")
# Words a long form may not start with: a definition starts at its first content word.
_LEADING_STOPWORDS = frozenset({"the", "a", "an", "of", "and", "to", "for", "in", "on", "by", "with"})


def find_acronyms(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    # Converters leave <p> and &amp; in cell text; a definition never spans them.
    text = _MARKUP.sub(" ", text).replace("&amp;", "&")
    for match in _PAREN.finditer(text):
        inside = match[1].strip()
        before = text[: match.start()]
        pair = long_before_short(inside, before) or short_before_long(inside, before)
        if pair and pair[0] not in found:
            found[pair[0]] = pair[1]
    return found


def is_short_form(text: str) -> bool:
    return bool(_SHORT.match(text)) and sum(c.isupper() for c in text) >= 2


def long_before_short(inside: str, before: str) -> tuple[str, str] | None:
    """"Safeguarding Effectiveness Group (SEG)"."""
    if not is_short_form(inside):
        return None
    window = _WORD.findall(before)[-min(len(inside) + 5, len(inside) * 2) :]
    long_form = best_long_form(inside, window)
    return (inside, long_form) if long_form else None


def short_before_long(inside: str, before: str) -> tuple[str, str] | None:
    """"SEG (Safeguarding Effectiveness Group)"."""
    words = _WORD.findall(before)
    if not words or not is_short_form(words[-1]):
        return None
    short, candidate = words[-1], inside.split()
    if len(candidate) < 2:
        return None
    long_form = best_long_form(short, candidate)
    return (short, long_form) if long_form == " ".join(candidate) else None


def best_long_form(short: str, words: list[str]) -> str | None:
    """The shortest tail of `words` whose letters carry the short form."""
    for start in range(len(words) - 1, -1, -1):
        if words[start].lower() in _LEADING_STOPWORDS:
            continue
        tail = " ".join(words[start:]).strip(" ,;:–-()\"“”'‘’")
        if matches(short, tail):
            return tail
    return None


def matches(short: str, long: str) -> bool:
    """Schwartz–Hearst: each letter or digit of the short form, right to left, found in
    the long form in order; the first one at the start of a word."""
    letters = [c.lower() for c in short if c.isalnum()]
    lower = long.lower()
    pos = len(lower)
    for n, char in enumerate(reversed(letters)):
        first = n == len(letters) - 1
        pos -= 1
        while pos >= 0 and not (
            lower[pos] == char and (not first or pos == 0 or not lower[pos - 1].isalnum())
        ):
            pos -= 1
        if pos < 0:
            return False
    return lower[0] == letters[0]


def glossary(rows: Sequence[tuple[str, str]]) -> dict[str, str]:
    """An abbreviations table's rows ("DAC" | "Domestic Abuse Coordinator"): the pairs
    whose first cell is a short form that the second spells out."""
    return {short.strip(): long.strip() for short, long in rows
            if is_short_form(short.strip()) and long.strip() and matches(short.strip(), long.strip())}
