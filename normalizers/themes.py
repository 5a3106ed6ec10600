"""Text of an action or priority → the safeguarding themes it is about, each with its evidence:
the taxonomy phrase matched, the text as written, the field and the character span.

The taxonomy is data (data/themes.toml). Phrases are matched on lemmas, so one entry covers
its inflections ("neglect" finds "neglected", "missing episode" finds "missing episodes",
"train" finds "trained" and "training"), and on token boundaries, so "CSE" never matches
inside "CSEs" nor "audit" inside "auditor". Acronyms and names that are common words in
lower case ("Prevent", "CP", "Missing") are matched as written.

Text is split by spaCy's English tokenizer rules (normalizers/tokenizer.py), and the lemmas
are those of spaCy's English lookup table (spacy-lookups-data) cut down to the forms whose
lemma is a taxonomy word (data/theme_lemmas.toml, rebuilt by `python -m
boardplans.normalizers.themes` when the taxonomy changes; a test checks it is current): the
matches of a spaCy PhraseMatcher on lemmas, without loading spaCy or its 1 s lemma table.
"""
from __future__ import annotations

import gzip
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from boardplans.normalizers.tokenizer import spans

LEMMAS_FILE = "data/theme_lemmas.toml"


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


def _data(name: str) -> dict:
    return tomllib.loads(resources.files("boardplans.normalizers").joinpath(name).read_text("utf-8"))


@cache
def taxonomy() -> tuple[Theme, ...]:
    themes = tuple(Theme(t["id"], t["label"], tuple(t["phrases"]), tuple(t.get("exact", ())),
                         tuple(t.get("not", ()))) for t in _data("data/themes.toml")["theme"])
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"themes.toml: a theme id is listed twice: {sorted(i for i in ids if ids.count(i) > 1)}")
    return themes


@cache
def lemma_table() -> dict[str, str]:
    return _data(LEMMAS_FILE)["lemmas"]


def words(text: str) -> list[str]:
    return [text[a:b] for a, b in spans(text)]


def lemma_key(words: Sequence[str]) -> tuple[str, ...]:
    """The lemmas of lower-cased words: what a `phrases` entry is matched on."""
    table = lemma_table()
    return tuple(table.get(w, w) for w in words)


@dataclass(frozen=True)
class _Entry:
    theme: str
    phrase: str
    blocks: bool  # a `not` phrase: it blocks the theme's matches inside it


@dataclass(frozen=True)
class _Index:
    """Each phrase's token keys by their first key; lemma keys and exact spellings apart."""
    lemma: dict[str, list[tuple[tuple[str, ...], _Entry]]]
    exact: dict[str, list[tuple[tuple[str, ...], _Entry]]]


def _lemma_phrase(phrase: str) -> tuple[str, ...]:
    return lemma_key(words(phrase.lower()))


@cache
def _index() -> _Index:
    index = _Index({}, {})
    for theme in taxonomy():
        entries = [(index.lemma, _lemma_phrase(p), _Entry(theme.id, p, False)) for p in theme.phrases]
        entries += [(index.lemma, _lemma_phrase(p), _Entry(theme.id, p, True)) for p in theme.not_]
        entries += [(index.exact, tuple(words(p)), _Entry(theme.id, p, False))
                    for p in theme.exact]
        for table, key, entry in entries:
            table.setdefault(key[0], []).append((key, entry))
    return index


def _matches(keys: Sequence[str], index: Mapping[str, list[tuple[tuple[str, ...], _Entry]]]
             ) -> Iterator[tuple[int, int, _Entry]]:
    """Every (first token, end token, entry) whose keys occur in `keys`, overlaps included."""
    for i, key in enumerate(keys):
        for phrase, entry in index.get(key, ()):
            if tuple(keys[i:i + len(phrase)]) == phrase:
                yield i, i + len(phrase), entry


def field_matches(field: str, text: str) -> list[ThemeMatch]:
    """Every theme phrase in one field's text, in order; one span per theme where phrases
    overlap, the longer winning; a match inside a theme's `not` phrase is dropped."""
    if not text or not text.strip():
        return []
    lower = text.lower()
    if len(lower) != len(text):  # a character whose lower case is longer: offsets must hold
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    index = _index()
    found: dict[str, list[tuple[int, int, str]]] = {}
    blocked: dict[str, list[tuple[int, int]]] = {}
    # lemmas are read from the lower-cased text and exact spellings from the text as written,
    # each split on its own (the tokenizer's rules see case: "CSE." is not "cse.")
    for written, table, to_keys in ((lower, index.lemma, lemma_key), (text, index.exact, list)):
        bounds = spans(written)
        for first, end, entry in _matches(to_keys([written[a:b] for a, b in bounds]), table):
            span = (bounds[first][0], bounds[end - 1][1])
            if entry.blocks:
                blocked.setdefault(entry.theme, []).append(span)
            else:
                found.setdefault(entry.theme, []).append((*span, entry.phrase))
    out = []
    for theme_id, matched in found.items():
        kept = [s for s in matched if not any(a <= s[0] and s[1] <= b for a, b in blocked.get(theme_id, ()))]
        # the longest span first among those that overlap, then text order
        kept.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        last_end = -1
        for start, end, phrase in kept:
            if start < last_end:
                continue
            last_end = end
            out.append(ThemeMatch(theme_id, phrase, text[start:end], field, start, end))
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


def english_lookup() -> dict[str, str]:
    """spaCy's English lemma lookup table, from spacy-lookups-data (a dev dependency)."""
    source = resources.files("spacy_lookups_data").joinpath("data/en_lemma_lookup.json.gz")
    return json.loads(gzip.decompress(source.read_bytes()))


def theme_lemmas(lookup: Mapping[str, str]) -> dict[str, str]:
    """The entries of `lookup` that can decide a match: every form whose lemma is the lemma of
    a taxonomy word, and every taxonomy lemma that the table maps elsewhere (so no form falls
    back to itself where the full table would not)."""
    phrase_words = {w for t in taxonomy() for p in t.phrases + t.not_ for w in words(p.lower())}
    wanted = {lookup.get(w, w) for w in phrase_words}
    return {form: lemma for form, lemma in sorted(lookup.items()) if lemma in wanted or form in wanted}


def write_theme_lemmas(path: Path) -> int:
    table = theme_lemmas(english_lookup())
    lines = ["# Generated by `python -m boardplans.normalizers.themes` from spacy-lookups-data's English",
             "# lemma table: the forms whose lemma is a word of data/themes.toml. Do not edit by hand.",
             "[lemmas]", *(f"{json.dumps(form)} = {json.dumps(lemma)}" for form, lemma in table.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(table)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / LEMMAS_FILE
    print(f"{target}: {write_theme_lemmas(target)} forms")
