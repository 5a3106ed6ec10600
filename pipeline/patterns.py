"""The regexes of data/patterns.toml, compiled once, and the small pure readers over them."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal


@lru_cache(maxsize=1)
def patterns() -> dict:
    return tomllib.loads(resources.files("boardplans.pipeline.data").joinpath("patterns.toml").read_text("utf-8"))


@lru_cache(maxsize=None)
def compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


Kind = Literal["priority", "objective"]


@dataclass(frozen=True)
class PriorityHeading:
    """A heading, banner or cell that opens a priority or an objective."""
    ref: str    # normalized: "1", "1a", "B", "3" (for "iii" or "Three"); empty for "THEME: TRAINING"
    title: str  # empty when the heading's remainder is metadata or nothing
    kind: Kind = "priority"  # the level its label usually names; "priority" for a bare number
    label: str = ""          # the label as printed ("Key Priority"), without a board acronym
    board: str = ""          # a board acronym before the label ("LSCB")


@dataclass(frozen=True)
class _Grammar:
    heading: re.Pattern   # board acronym, label, ref: the remainder is read by _remainder
    colon: re.Pattern     # board acronym, label, colon, title
    numbered: re.Pattern  # a ref opening a line, for read_numbered_heading
    kinds: dict[str, str]
    qualifiers: dict[str, str]
    words: dict[str, int]


def _phrase(label: str) -> str:
    return r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", label.strip()))


def label_key(label: str) -> str:
    return " ".join(re.split(r"[\s-]+", label.lower().strip()))


@lru_cache(maxsize=1)
def grammar() -> _Grammar:
    spec = patterns()["headings"]
    kinds = {label_key(w): "priority" for w in spec["priority_labels"]}
    kinds |= {label_key(w): "objective" for w in spec["objective_labels"]}
    qualifiers = {label_key(q): k for q, k in spec["qualifiers"].items()}
    words = {w.lower(): n for w, n in spec["number_words"].items()}
    by_length = lambda ws: sorted(ws, key=len, reverse=True)
    label = "|".join(_phrase(w) for w in by_length(kinds))
    qualifier = "|".join(_phrase(w) for w in by_length(qualifiers))
    firsts = "|".join(re.escape(w) for w in by_length({k.split()[0] for k in [*kinds, *qualifiers]}))
    board = rf"(?:(?!(?:{firsts})\b)(?P<board>(?-i:{spec['board_acronym']}))\s+)?"
    full_label = rf"(?P<label>(?:(?:{qualifier})\s+)?(?:{label}))\b"
    word = "|".join(by_length(words))
    # roman numerals to xxxix: any of i, v, x in their order (the lookahead makes it non-empty)
    ref = (r"(?P<open>[(\[])?(?:"
           r"(?P<num>[0-9]{1,2})(?P<suffix>[a-z])?"
           r"|(?P<roman>(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))"
           r"|(?P<letter>[a-z])"
           rf"|(?P<word>{word}))"
           r"(?(open)[)\]])"
           r"(?![\w]|[.,][\w])")  # not "1.1", "A.1", "1,2" nor the start of a word
    # after a label, an outline ref too ("Objective 1.1:", "Objective A.2 –"); a bare one opens
    # no heading ("1.1 Focus on …" is a row's ref)
    outline = r"(?P<outline>(?:[0-9]{1,2}|[a-z])(?:\.[0-9]{1,2}[a-z]?)+)(?![\w]|[.,][\w])"
    prefix = spec["ref_prefix"]
    flags = re.IGNORECASE
    return _Grammar(
        heading=re.compile(rf"^{board}{full_label}\s*(?:{prefix})?(?:{outline}|{ref})", flags),
        colon=re.compile(rf"^{board}{full_label}\s*:\s*(?P<title>\S.*)$", flags),
        numbered=re.compile(rf"^{ref}", flags),
        kinds=kinds, qualifiers=qualifiers, words=words)


def _roman(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10}
    digits = [values[c] for c in text.lower()]
    return sum(-d if i + 1 < len(digits) and d < digits[i + 1] else d for i, d in enumerate(digits))


def _ref(m: re.Match, g: _Grammar) -> str:
    if m.groupdict().get("outline"):
        return m.group("outline").upper() if m.group("outline")[0].isalpha() else m.group("outline")
    if m.group("num"):
        return str(int(m.group("num"))) + (m.group("suffix") or "")
    if m.group("roman"):
        return str(_roman(m.group("roman")))
    if m.group("word"):
        return str(g.words[m.group("word").lower()])
    return m.group("letter").upper()


def _kind(label: str, g: _Grammar) -> Kind:
    key = label_key(label)
    if key in g.kinds:
        return g.kinds[key]
    first, _, rest = key.partition(" ")
    given = g.qualifiers.get(first, "same")
    return g.kinds.get(rest, "priority") if given == "same" else given


def _remainder(rest: str, m: re.Match, loose: bool) -> str | None:
    """The title after a ref, or None when what follows the ref shows it is no heading:
    "Priority 1-3", "Priority 2 is to …" (a title opening in lower case after no separator
    is a sentence, unless `loose`), or a lower-case letter ref with no separator ("Aim a …")."""
    seps = patterns()["headings"]["separators"]
    sep = re.match(rf"\s*[{re.escape(seps)}](?:\s*[{re.escape(seps)}])*", rest)
    if sep:
        after = rest[sep.end():]
        if after and not after[0].isspace() and sep.group(0)[-1] not in ":)":
            return None  # "1-3", "1.Neglect"
        return after.strip()
    title = rest.strip()
    if rest and not rest[0].isspace():
        return None
    letter = m.group("letter") or m.group("roman") or ""
    if title and not m.group("open") and (letter.islower() or (not loose and _prose(title))):
        return None
    return title


def _prose(text: str) -> bool:
    """Whether text opens as a sentence goes on: a lower-case word ("and 2 were …", "is to
    …"), not an enumerator ("a) To hold …") nor a capital."""
    return bool(re.match(r"[a-z][a-z’'-]*(?:\s|$)", text))


def _title(title: str) -> str:
    return "" if compiled(patterns()["priority"]["metadata"]).match(title) else title


def _read(text: str, loose: bool) -> PriorityHeading | None:
    text = " ".join(text.split())
    g = grammar()
    m = g.heading.match(text)
    if m:
        title = _remainder(text[m.end():], m, loose)
        if title is not None:
            label = m.group("label")
            return PriorityHeading(_ref(m, g), _title(title), _kind(label, g), label, m.group("board") or "")
    m = g.colon.match(text)
    if m:
        title = m.group("title").strip()
        spec = patterns()
        words = len(title.split())
        if (words <= spec["headings"]["colon_title_max_words"] and not _prose(title)
                and title.lower().rstrip(".") not in spec["priority"]["not_titles"] and _title(title)):
            label = m.group("label")
            return PriorityHeading("", title, _kind(label, g), label, m.group("board") or "")
    return None


def read_priority_heading(text: str) -> PriorityHeading | None:
    """A line or banner that opens a priority or an objective: a label, then a ref, then a
    separator and a title (any of them may be missing but the label), or a label, a colon
    and a short title. "LSCB Priority 1 – Lead: …" → ref 1, no title; "PRIORITY 2: To
    strengthen …" → ref 2 with its title; "Priority Theme One" → ref 1; "Outcome 3: …" →
    kind objective; "THEME: TRAINING" → no ref, title TRAINING. Prose that opens with a
    label word ("Priority will be given to …", "Outcomes for children improved") is None."""
    return _read(text, loose=False)


def heading_lead(text: str) -> str:
    """The lead a priority heading names after its statement ("LSCB Priority 6 – Lead: Julie
    Quincey; Board Officer: Gary Watts" → "Lead: Julie Quincey; Board Officer: Gary Watts")."""
    metadata = compiled(patterns()["priority"]["metadata"])
    for word in re.finditer(r"(?<![\w])\w", text):
        if metadata.match(text[word.start():]):
            return text[word.start():].strip()
    return ""


def read_numbered_heading(text: str) -> PriorityHeading | None:
    """A line the caller knows stands as a heading (a banner, a bold line) that opens with a
    bare ref: "1. Identification of …", "2) Neglect", "1. - MANAGING ALLEGATIONS", "(iii)
    Early help", "B. Neglect". In running prose such a line is a list item, so the caller
    decides; a letter or a roman numeral needs its punctuation ("A confident partnership" is
    no heading), and a title is required."""
    return _numbered(text, loose=False)


def _numbered(text: str, loose: bool) -> PriorityHeading | None:
    text = " ".join(text.split())
    g = grammar()
    m = g.numbered.match(text)
    if not m:
        return None
    rest = text[m.end():]
    if not (m.group("open") or m.group("num")) and not re.match(r"\s*[.):]", rest):
        return None
    if m.group("word"):
        return None  # "One of …", "Third …": words are refs only after a label
    title = _remainder(rest, m, loose)
    return PriorityHeading(_ref(m, g), _title(title)) if title else None


def read_priority_cell(text: str) -> PriorityHeading:
    """A priority column's cell: "Priority 2: Exploitation", "2. Exploitation", "2
    Exploitation", "B) Neglect", or a statement with no number (ref empty). A cell is known
    to name a priority, so its title may open in lower case."""
    heading = _read(text, loose=True) or _numbered(text, loose=True)
    return heading or PriorityHeading("", " ".join(text.split()))


@dataclass(frozen=True)
class Ref:
    ref: str
    rest: str


def split_leading_ref(text: str) -> Ref | None:
    """ "1.2.1 To complete the review" → ref 1.2.1 and the rest."""
    m = compiled(patterns()["refs"]["leading"]).match(text.strip())
    if not m:
        return None
    ref = m.group("ref")
    # a bare number opening a sentence ("3 development sessions") is no reference
    if ref.isdigit() and m.group(0)[len(ref)] not in ".)":
        return None
    return Ref(ref, m.group("rest"))


def range_part(text: str) -> str:
    """ "start" or "end" for a sub-header naming one end of a range, else ""."""
    key = " ".join(text.lower().replace(":", " ").split())
    parts = patterns()["header_parts"]
    return next((part for part in ("start", "end") if key in parts[part]), "")


def is_ref(text: str) -> bool:
    return bool(compiled(patterns()["refs"]["whole"]).match(text.strip()))


def strip_bullet(text: str) -> tuple[bool, str]:
    m = compiled(patterns()["refs"]["bullet"]).match(text)
    return (True, text[m.end():]) if m else (False, text)
