"""RAG / progress cells → one status, following docs/normalized-forms.md ("Status")."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

STATUSES = ("red", "amber", "green", "purple", "white", "blue", "complete", "none")


@dataclass(frozen=True)
class Status:
    text: str
    status: str  # one of STATUSES
    understood: bool  # False when the cell holds text but no status word


@dataclass(frozen=True)
class Vocabulary:
    words: dict[str, str]  # phrase -> status
    labels: tuple[str, ...]
    definitions: tuple[tuple[str, tuple[str, ...]], ...]  # (status, phrases), in order


@cache
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("boardplans.normalizers").joinpath("data/status.toml").read_text("utf-8"))
    return Vocabulary(
        words={phrase: status for status, phrases in raw["words"].items() for phrase in phrases},
        labels=tuple(sorted(raw["labels"], key=len, reverse=True)),
        definitions=tuple((d["status"], tuple(d["phrases"])) for d in raw["definition"]),
    )


_MARKUP = re.compile(r"<[^>]*>")
_CLAUSE_END = re.compile(r"\s*(?:[:.,;–—]|\s-\s)\s*")


def clean(text: str) -> str:
    return " ".join(_MARKUP.sub(" ", text).replace("&amp;", "&").split())


def parse_status(text: str, key: Mapping[str, str] | None = None) -> Status:
    cell = clean(text)
    if not cell:
        return Status(text, "none", True)
    status = read_labelled(cell, key or {}) or read_leading(cell, key or {})
    return Status(text, status or "none", status is not None)


def read_labelled(cell: str, key: Mapping[str, str]) -> str | None:
    """"Grade: White", "RAG - Green": the value after a status label."""
    lower = cell.lower()
    for label in vocabulary().labels:
        match = re.match(rf"{re.escape(label)}\s*(?::|-|–)\s*(.+)", lower)
        if match:
            return read_leading(match[1], key)
    return None


def read_leading(cell: str, key: Mapping[str, str]) -> str | None:
    """The whole cell, or its first clause, is a status word or a label from the
    document's own key ("Complete – report presented May 2017")."""
    lower = cell.lower().strip(" .!")
    found = key.get(lower) or vocabulary().words.get(lower)
    if found:
        return found
    first = _CLAUSE_END.split(lower, maxsplit=1)[0]
    if len(first) < 2 or first == lower:
        return None
    return key.get(first) or vocabulary().words.get(first)


def read_status_key(rows: Sequence[tuple[str, str]]) -> dict[str, str]:
    """A document's RAG key table (label, definition) → {label_lower: status}. A label
    that is a status word stands for itself; any other is read from its definition;
    rows giving neither (the header) are left out."""
    key: dict[str, str] = {}
    for label, definition in rows:
        name = clean(label).lower()
        status = vocabulary().words.get(name) or definition_status(clean(definition).lower())
        if name and status:
            key[name] = status
    return key


def definition_status(definition: str) -> str | None:
    for status, phrases in vocabulary().definitions:
        if any(phrase in definition for phrase in phrases):
            return status
    return None
