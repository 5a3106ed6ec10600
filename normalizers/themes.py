"""Text of an action or priority → the safeguarding themes it is about, each with its evidence:
the taxonomy phrase matched, the text as written, the field and the character span.

The taxonomy is data (data/themes.toml). Phrases are matched on lemmas by a spaCy
PhraseMatcher over a blank English pipeline with the lookup lemmatizer, so one entry covers
its inflections ("neglect" finds "neglected", "missing episode" finds "missing episodes",
"train" finds "trained" and "training"), and on token boundaries, so "CSE" never matches
inside "CSEs" nor "audit" inside "auditor". Acronyms and names that are common words in
lower case ("Prevent", "CP", "Missing") are matched as written.

spaCy is imported on first use only: the lookup tables take about a second to load.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import PhraseMatcher

_NOT = "not:"


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    phrases: tuple[str, ...]
    exact: tuple[str, ...]
    not_: tuple[str, ...]


@dataclass(frozen=True)
class ThemeMatch:
    theme: str
    phrase: str   # the taxonomy's phrase
    text: str     # the words matched, as written
    field: str    # where: action, method, objective, priority_title, title ...
    start: int    # character span of `text` in that field
    end: int


@cache
def taxonomy() -> tuple[Theme, ...]:
    raw = tomllib.loads(resources.files("boardplans.normalizers").joinpath("data/themes.toml").read_text("utf-8"))
    themes = tuple(Theme(t["id"], t["label"], tuple(t["phrases"]), tuple(t.get("exact", ())),
                         tuple(t.get("not", ()))) for t in raw["theme"])
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"themes.toml: a theme id is listed twice: {sorted(i for i in ids if ids.count(i) > 1)}")
    return themes


@dataclass(frozen=True)
class _Matchers:
    nlp: Language
    lemmas: PhraseMatcher  # phrases and `not` phrases, on lemmas of the lower-cased text
    exact: PhraseMatcher   # exact spellings, on the text as written


@cache
def _matchers() -> _Matchers:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the English lemma table of spacy-lookups-data
    lemmas, exact = PhraseMatcher(nlp.vocab, attr="LEMMA"), PhraseMatcher(nlp.vocab, attr="ORTH")
    for theme in taxonomy():
        lemmas.add(theme.id, list(nlp.pipe(p.lower() for p in theme.phrases)))
        if theme.not_:
            lemmas.add(_NOT + theme.id, list(nlp.pipe(p.lower() for p in theme.not_)))
        if theme.exact:
            exact.add(theme.id, [nlp.make_doc(p) for p in theme.exact])
    return _Matchers(nlp, lemmas, exact)


def _phrase_of(theme: Theme, words: str, lemma: bool, nlp: Language) -> str:
    """The taxonomy entry a match came from (a PhraseMatcher reports only the theme)."""
    if not lemma:
        return next((p for p in theme.exact if p == words), words)
    want = [t.lemma_ for t in nlp(words.lower())]
    return next((p for p in theme.phrases if [t.lemma_ for t in nlp(p.lower())] == want), words)


def field_matches(field: str, text: str) -> list[ThemeMatch]:
    """Every theme phrase in one field's text, in order; one span per theme where phrases
    overlap, the longer winning; a match inside a theme's `not` phrase is dropped."""
    if not text or not text.strip():
        return []
    m = _matchers()
    lower = text.lower()
    if len(lower) != len(text):  # a character whose lower case is longer: offsets must hold
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    lemma_doc, exact_doc = m.nlp(lower), m.nlp.make_doc(text)
    vocab = m.nlp.vocab.strings
    found: dict[str, list[tuple[int, int, bool]]] = {}
    blocked: dict[str, list[tuple[int, int]]] = {}
    for doc, lemma, matcher in ((lemma_doc, True, m.lemmas), (exact_doc, False, m.exact)):
        for key, start, end in matcher(doc):
            name = vocab[key]
            span = doc[start:end]
            if name.startswith(_NOT):
                blocked.setdefault(name[len(_NOT):], []).append((span.start_char, span.end_char))
            else:
                found.setdefault(name, []).append((span.start_char, span.end_char, lemma))
    by_id = {t.id: t for t in taxonomy()}
    out = []
    for theme_id, spans in found.items():
        kept = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in blocked.get(theme_id, ()))]
        # the longest span first among those that overlap, then text order
        kept.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        last_end = -1
        for start, end, lemma in kept:
            if start < last_end:
                continue
            last_end = end
            words = text[start:end]
            out.append(ThemeMatch(theme_id, _phrase_of(by_id[theme_id], words, lemma, m.nlp), words, field, start, end))
    return sorted(out, key=lambda x: (x.start, x.theme))


def themes_of(fields: Sequence[tuple[str, str | None]]) -> dict[str, list[ThemeMatch]]:
    """Theme → its matches, over fields given in order of weight (an action's own cells
    before its priority's statement): the first match of a theme is its best evidence."""
    out: dict[str, list[ThemeMatch]] = {}
    for name, text in fields:
        for match in field_matches(name, text or ""):
            out.setdefault(match.theme, []).append(match)
    order = {t.id: i for i, t in enumerate(taxonomy())}
    return dict(sorted(out.items(), key=lambda kv: order[kv[0]]))
