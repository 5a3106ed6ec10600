"""Lead cells → tokens tagged with the word list each belongs to.

A document is the cell's tokens, split as spaCy's English tokenizer splits them
(normalizers/tokenizer.py), and its lexicon matches: the phrases of owners.toml matched on
lower-cased tokens, longest match winning, as a spaCy PhraseMatcher and filter_spans would
give them. No statistical model: lead cells are short noun phrases in title case, where a
tagger trained on running prose has little to go on, and the word lists are what decide
between a person, a post and a body anyway. `Doc`, `Span` and `Token` keep the names and
the attributes of spaCy's that the owner rules read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Iterator, overload

from boardplans.normalizers.tokenizer import spans as token_spans

# Lexicon labels, from owners.toml.
ROLE = "ROLE"
PREFIX = "PREFIX"
BODY = "BODY"
ORG = "ORG"
SUBJECT = "SUBJECT"
HONORIFIC = "HONORIFIC"
# Shape labels, for tokens in no list.
ACRONYM = "ACRONYM"
INITIAL = "INITIAL"
CAPITALISED = "CAP"
LOWER = "LOWER"
PUNCT = "PUNCT"

HEADS = frozenset({ROLE, BODY, ORG})

_LISTS = {
    "role_titles": ROLE,
    "role_prefixes": PREFIX,
    "body_words": BODY,
    "organisation_words": ORG,
    "subject_words": SUBJECT,
    "honorifics": HONORIFIC,
}


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[str, tuple[str, ...]]  # label -> phrases
    qualifier_openers: frozenset[str]
    role_complements: frozenset[str]
    no_owner: frozenset[str]
    key_spellings: dict[str, str]


@cache
def lexicon() -> Lexicon:
    raw = tomllib.loads(resources.files("boardplans.normalizers").joinpath("data/owners.toml").read_text("utf-8"))
    return Lexicon(
        phrases={label: tuple(raw[key]) for key, label in _LISTS.items()},
        qualifier_openers=frozenset(raw["qualifier_openers"]),
        role_complements=frozenset(raw["role_complements"]),
        no_owner=frozenset(word.lower() for word in raw["no_owner"]),
        key_spellings={k.lower(): v for k, v in raw["key_spellings"].items()},
    )


@dataclass(frozen=True)
class Token:
    doc: Doc
    i: int

    @property
    def text(self) -> str:
        return self.doc.words[self.i]

    @property
    def lower_(self) -> str:
        return self.text.lower()


class _Tokens:
    """What a Doc and a Span share: tokens by index and by slice."""
    doc: Doc
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[Token]:
        return (Token(self.doc, i) for i in range(self.start, self.end))

    @overload
    def __getitem__(self, key: int) -> Token: ...
    @overload
    def __getitem__(self, key: slice) -> Span: ...
    def __getitem__(self, key: int | slice) -> Token | Span:
        if isinstance(key, slice):
            start, end, _ = key.indices(len(self))
            return Span(self.doc, self.start + start, self.start + max(start, end))
        if not -len(self) <= key < len(self):
            raise IndexError(key)
        return Token(self.doc, self.start + key % len(self))


@dataclass(frozen=True)
class Span(_Tokens):
    doc: Doc
    start: int
    end: int
    label_: str = ""

    @property
    def text(self) -> str:
        """Its tokens' text, without the whitespace after the last."""
        if self.start == self.end:
            return ""
        return self.doc.text[self.doc.bounds[self.start][0]:self.doc.bounds[self.end - 1][1]]


@dataclass(frozen=True, eq=False)
class Doc(_Tokens):
    """A text's tokens, their character bounds, and one label per token (`tags`)."""
    text: str
    bounds: tuple[tuple[int, int], ...]
    words: tuple[str, ...]
    labels: tuple[str, ...] = ()

    @property
    def doc(self) -> Doc:  # type: ignore[override]
        return self

    @property
    def start(self) -> int:  # type: ignore[override]
        return 0

    @property
    def end(self) -> int:  # type: ignore[override]
        return len(self.bounds)


def filter_spans(spans: list[Span]) -> list[Span]:
    """The longest spans, the first among equals, none overlapping (spaCy's filter_spans)."""
    kept: list[Span] = []
    seen: set[int] = set()
    for span in sorted(spans, key=lambda s: (s.end - s.start, -s.start), reverse=True):
        if span.start not in seen and span.end - 1 not in seen:
            kept.append(span)
            seen.update(range(span.start, span.end))
    return sorted(kept, key=lambda s: s.start)


class OwnerLexicon:
    """Every word-list match, longest match winning, so "Clinical Commissioning Group" is
    one organisation rather than a Group; equal-length ties go to the list order in
    owners.toml (role before prefix)."""

    def __init__(self, lex: Lexicon) -> None:
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # first word → (words, label)
        for label, phrases in lex.phrases.items():
            for phrase in phrases:
                words = tuple(phrase[a:b].lower() for a, b in token_spans(phrase))
                self.phrases.setdefault(words[0], []).append((words, label))
        self.order = list(_LISTS.values())

    def __call__(self, doc: Doc) -> list[Span]:
        lower = [word.lower() for word in doc.words]
        found = [Span(doc, i, i + len(words), label)
                 for i, word in enumerate(lower) for words, label in self.phrases.get(word, ())
                 if tuple(lower[i:i + len(words)]) == words]
        return filter_spans(sorted(found, key=lambda span: self.order.index(span.label_)))


@cache
def _lexicon_matcher() -> OwnerLexicon:
    return OwnerLexicon(lexicon())


@lru_cache(maxsize=65536)
def parse(text: str) -> Doc:
    """The tokens of `text`, each labelled with its word list, else its shape. Docs are
    immutable: one per text."""
    bounds = tuple(token_spans(text))
    words = tuple(text[a:b] for a, b in bounds)
    labels = [shape_tag(word) for word in words]
    for match in _lexicon_matcher()(Doc(text, bounds, words)):
        labels[match.start:match.end] = [match.label_] * (match.end - match.start)
    return Doc(text, bounds, words, tuple(labels))


def shape_tag(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return PUNCT
    if len(text) == 1:
        return INITIAL
    if sum(c.isupper() for c in letters) >= 2 and text[0].isupper() and (
        text.isupper() or len(text) <= 5
    ):
        return ACRONYM
    if text[0].isupper():
        return CAPITALISED
    return LOWER


def tags(text: Doc | Span) -> tuple[str, ...]:
    """One label per token: its word list, else its shape. A span reads the labels of
    the document it comes from."""
    return text.doc.labels[text.start:text.end]
