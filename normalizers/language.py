"""The spaCy pipeline that reads lead cells: a blank English tokenizer plus a rule
component that tags each token with the word list it belongs to.

No statistical model: lead cells are short noun phrases in title case, where a tagger
trained on running prose has little to go on, and the word lists are what decide
between a person, a post and a body anyway.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

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


@Language.factory("owner_lexicon")
def _owner_lexicon(nlp: Language, name: str) -> OwnerLexicon:
    return OwnerLexicon(nlp, lexicon())


class OwnerLexicon:
    """Puts every word-list match in doc.spans["lexicon"], longest match winning, so
    "Clinical Commissioning Group" is one organisation rather than a Group."""

    def __init__(self, nlp: Language, lex: Lexicon) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for label, phrases in lex.phrases.items():
            self.matcher.add(label, [nlp.make_doc(phrase) for phrase in phrases])

    def __call__(self, doc: Doc) -> Doc:
        spans = self.matcher(doc, as_spans=True)
        # Equal-length ties go to the list order in owners.toml (role before prefix).
        order = list(_LISTS.values())
        spans = sorted(spans, key=lambda span: order.index(span.label_))
        doc.spans["lexicon"] = filter_spans(spans)
        return doc


@cache
def nlp() -> Language:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("owner_lexicon")
    return pipeline


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
    doc = text.doc if isinstance(text, Span) else text
    labels = [shape_tag(token.text) for token in doc]
    for match in doc.spans["lexicon"]:
        for i in range(match.start, match.end):
            labels[i] = match.label_
    if isinstance(text, Span):
        return tuple(labels[text.start : text.end])
    return tuple(labels)
