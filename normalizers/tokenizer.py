"""Text → tokens, split as spaCy's English tokenizer splits it, without importing spaCy.

spaCy's rules are data: the prefix, suffix, infix and URL patterns and the special cases
("Dr.", "e.g.", "don't" → "do" "n't") of its English tokenizer, kept in data/tokenizer.toml,
which `python -m boardplans.normalizers.tokenizer` writes from an installed spaCy (a dev
dependency; a test checks the file is current). `spans` applies them in spaCy's own order
(its Tokenizer.explain): special case, else prefixes and suffixes peeled off one at a time,
then a URL or special case, else the infixes. A space after a token belongs to it; any
other whitespace is a token of its own, as in a spaCy Doc.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

RULES_FILE = "data/tokenizer.toml"
_RUNS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class Rules:
    prefix: re.Pattern[str]
    suffix: re.Pattern[str]
    infix: re.Pattern[str]
    url: re.Pattern[str]
    special: dict[str, tuple[str, ...]]  # a whole chunk → its tokens


@cache
def rules() -> Rules:
    raw = tomllib.loads(resources.files("boardplans.normalizers").joinpath(RULES_FILE).read_text("utf-8"))
    patterns = raw["patterns"]
    return Rules(*(re.compile(patterns[name]) for name in ("prefix", "suffix", "infix", "url")),
                 {orth: tuple(pieces) for orth, pieces in raw["special"].items()})


@lru_cache(maxsize=65536)
def split_chunk(chunk: str) -> tuple[str, ...]:
    """The tokens of a run of non-space characters."""
    special = rules().special
    if chunk in special:
        return special[chunk]
    prefixes, core, suffixes = _peel(chunk)
    return _merge_specials((*prefixes, *_split_core(core), *reversed(suffixes)), special)


def _peel(chunk: str) -> tuple[list[str], str, list[str]]:
    """Prefixes and suffixes taken off by turns until neither is left or the rest is a
    special case: (prefixes, the rest, suffixes from the outside in)."""
    r = rules()
    prefixes: list[str] = []
    suffixes: list[str] = []
    while chunk not in r.special and (r.prefix.search(chunk) or r.suffix.search(chunk)):
        if prefix := r.prefix.search(chunk):
            if prefix.end() == 0:
                break
            prefixes.append(chunk[:prefix.end()])
            chunk = chunk[prefix.end():]
            if chunk in r.special:
                continue
        if suffix := r.suffix.search(chunk):
            if suffix.start() == len(chunk):
                break
            suffixes.append(chunk[suffix.start():])
            chunk = chunk[:suffix.start()]
    return prefixes, chunk, suffixes


def _split_core(core: str) -> tuple[str, ...]:
    """What is left after the affixes: a URL whole, a special case's tokens, else split at
    its infixes (an infix at the very start does not split)."""
    r = rules()
    if not core or r.url.match(core):
        return (core,) if core else ()
    if core in r.special:
        return r.special[core]
    pieces: list[str] = []
    offset = 0
    for infix in r.infix.finditer(core):
        if offset == 0 and infix.start() == 0:
            continue
        pieces += [piece for piece in (core[offset:infix.start()], infix.group()) if piece]
        offset = infix.end()
    return (*pieces, *([core[offset:]] if core[offset:] else []))


def _merge_specials(tokens: tuple[str, ...], special: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Runs of tokens that spell a special case ("Mrs" "." in "Mrs.Jones", ")" ":") become its
    tokens, the longest runs first, as spaCy's special-case matcher does after splitting."""
    found = sorted(((i, j) for i in range(len(tokens)) for j in range(i + 2, len(tokens) + 1)
                    if "".join(tokens[i:j]) in special), key=lambda s: (s[0] - s[1], s[0]))
    taken: dict[int, int] = {}
    for i, j in found:
        if all(j <= a or b <= i for a, b in taken.items()):
            taken[i] = j
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in taken:
            out += special["".join(tokens[i:taken[i]])]
            i = taken[i]
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token of `text`."""
    out: list[tuple[int, int]] = []
    for run in _RUNS.finditer(text):
        at, chunk = run.start(), run.group()
        if not chunk[0].isspace():
            for token in split_chunk(chunk):
                out.append((at, at + len(token)))
                at += len(token)
            continue
        # one space after a token is that token's; the rest of the run is a token of its own
        start = at + (chunk[0] == " " and bool(out))
        if start < run.end():
            out.append((start, run.end()))
    return out


def spacy_rules() -> dict:
    """The English tokenizer's rules, read from an installed spaCy (a dev dependency)."""
    import spacy
    from spacy.attrs import ORTH

    tokenizer = spacy.blank("en").tokenizer
    return {"patterns": {"prefix": tokenizer.prefix_search.__self__.pattern,
                         "suffix": tokenizer.suffix_search.__self__.pattern,
                         "infix": tokenizer.infix_finditer.__self__.pattern,
                         "url": tokenizer.url_match.__self__.pattern},
            "special": {orth: [piece[ORTH] for piece in pieces] for orth, pieces in sorted(tokenizer.rules.items())
                        if not orth.isspace()}}


def _toml_string(text: str) -> str:
    def escaped(c: str) -> str:
        if c in '"\\':
            return "\\" + c
        if c.isprintable():
            return c
        return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
    return '"' + "".join(map(escaped, text)) + '"'


def write_rules(path: Path) -> int:
    data = spacy_rules()
    lines = ["# Generated by `python -m boardplans.normalizers.tokenizer` from spaCy's English tokenizer",
             "# (normalizers/tokenizer.py). Do not edit by hand.", "[patterns]",
             *(f"{name} = {_toml_string(pattern)}" for name, pattern in data["patterns"].items()), "", "[special]",
             *(f"{_toml_string(orth)} = [{', '.join(map(_toml_string, pieces))}]"
               for orth, pieces in data["special"].items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(data["special"])


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / RULES_FILE
    print(f"{target}: {write_rules(target)} special cases")
