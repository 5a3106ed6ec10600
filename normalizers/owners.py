"""Lead cells → owners, following docs/normalized-forms.md ("Lead cells → owners").

The cell is split first (lines, "/", ";", group names the PDF ran together, " and "
and commas between complete owners), each part is then classified by its head word (the
word list its last title, body or organisation word comes from), and only then is a
person's name read off the front of a part.
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Mapping
from dataclasses import dataclass, replace

from boardplans.normalizers import language as lang
from boardplans.normalizers.language import (
    ACRONYM,
    BODY,
    CAPITALISED,
    Doc,
    HEADS,
    HONORIFIC,
    INITIAL,
    ORG,
    PREFIX,
    PUNCT,
    ROLE,
    SUBJECT,
    Span,
)

KINDS = ("person", "role", "group", "organisation")
RELATIONS = ("single", "joint", "handover", "post_holder", "none")


@dataclass(frozen=True)
class Owner:
    name: str | None
    role: str | None
    organisation: str | None
    kind: str  # person | role | group | organisation
    expansion: str | None = None  # the document's expansion of acronyms the owner uses


@dataclass(frozen=True)
class Owners:
    text: str
    owners: tuple[Owner, ...]
    relation: str  # single | joint | handover | post_holder | none
    understood: bool
    unparsed: tuple[str, ...]


def parse_owners(text: str, acronyms: Mapping[str, str] | None = None) -> Owners:
    # plans repeat their lead cells; the reading is pure, so it is cached per cell and glossary
    return _parse_owners(text, tuple(sorted((acronyms or {}).items())))


@lru_cache(maxsize=8192)
def _parse_owners(text: str, glossary: tuple[tuple[str, str], ...]) -> Owners:
    acronyms = dict(glossary)
    cell = clean(text)
    if not cell or cell.lower() in lang.lexicon().no_owner:
        return Owners(text, (), "none", True, ())
    for relation, reader in (("post_holder", read_post_holder), ("handover", read_handover)):
        owners = reader(cell, acronyms)
        if owners:
            return Owners(text, with_expansions(owners, acronyms), relation, True, ())
    found: list[Owner] = []
    unparsed: list[str] = []
    for piece in split_cell(cell):
        owner = classify(piece, acronyms)
        if owner is None:
            unparsed.append(piece)
        else:
            found.append(owner)
    found = list(dict.fromkeys(found))  # a body named twice in one cell is one owner
    relation = {0: "none", 1: "single"}.get(len(found), "joint")
    return Owners(text, with_expansions(tuple(found), acronyms), relation, not unparsed, tuple(unparsed))


# --- cleaning ---------------------------------------------------------------------

_HYPHEN_BREAK = re.compile(r"(?<=\w)-\s+(?=[A-Za-z])")


def clean(text: str) -> str:
    """Collapse spaces within lines and mend words a line end broke at a hyphen
    ("Sub- Group" → "Sub-Group")."""
    text = _HYPHEN_BREAK.sub("-", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --- whole-cell structures ----------------------------------------------------------

_POST = re.compile(r"^(?P<body>[^:]+?),\s*(?P<post>[^,:]+?)\s*:\s*(?P<holder>[^:]+)$")


def read_post_holder(cell: str, acronyms: Mapping[str, str]) -> tuple[Owner, ...]:
    """"LLR Neglect Reference Group, Chair: Julie Quincey": the bodies (two names the PDF ran
    together are two) and the person holding a post in them."""
    match = _POST.match(cell)
    if not match:
        return ()
    bodies = tuple(classify(run.text, acronyms) for run in split_run_together(lang.parse(match["body"])))
    holder = classify(f"{match['post']}: {match['holder']}", acronyms)
    if not all(b is not None and b.kind in ("group", "organisation") for b in bodies) or (
            holder is None or holder.kind != "person"):
        return ()
    return (*bodies, holder)  # type: ignore[return-value]


def read_handover(cell: str, acronyms: Mapping[str, str]) -> tuple[Owner, ...]:
    """"Board Office to Executive Group": the first owner hands over to the second."""
    sides = cell.split(" to ")
    # A lone unknown word is too weak a sign here: "Report to Board" names no handover.
    docs = [lang.parse(side) for side in sides]
    if len(sides) != 2 or "\n" in cell or not all(ends_with_head(d) or person_split(d) == len(d) for d in docs):
        return ()
    owners = tuple(classify(side, acronyms) for side in sides)
    return owners if all(owners) else ()  # type: ignore[return-value]


# --- splitting --------------------------------------------------------------------

_SEPARATORS = re.compile(r"\s*(?:\n|/|;)\s*")


def split_cell(cell: str) -> list[str]:
    pieces: list[str] = []
    for part in _SEPARATORS.split(cell):
        if not part:
            continue
        doc = lang.parse(drop_qualifier(part))
        for run in split_run_together(doc):
            pieces.extend(owner.text for span in split_on_and(run) for owner in split_on_commas(span))
    return pieces


def depths(doc: Doc | Span) -> tuple[int, ...]:
    """Bracket depth of each token, so splits never happen inside a parenthesis."""
    depth, out = 0, []
    for token in doc:
        if token.text == ")":
            depth = max(depth - 1, 0)
        out.append(depth)
        if token.text == "(":
            depth += 1
    return tuple(out)


def drop_qualifier(part: str) -> str:
    """Cut a lower-case clause that qualifies a complete owner ("... Group with
    proposal for ..."); the owner is the text before it."""
    doc = lang.parse(part)
    openers = lang.lexicon().qualifier_openers
    level = depths(doc)
    for token in doc:
        if token.i and level[token.i] == 0 and token.text in openers:
            before = doc[: token.i].text.rstrip(" ,–-")
            if ends_with_head(lang.parse(before)):
                return before
    return part


def split_run_together(doc: Doc) -> list[Span]:
    """Split group and post names the PDF ran together: a body or title word ends a
    name when a new complete owner starts right after it. A title right after a body
    word with only subject words before it is that body's post ("Safeguarding Board
    Business Manager"), so it stays."""
    tags = lang.tags(doc)
    level = depths(doc)
    runs, start = [], 0
    for i in range(len(doc) - 1):
        nxt = i + 1
        if level[i] or not closes_owner(doc, tags, level, i) or tags[nxt] in HEADS:
            continue
        if not doc[nxt].text[:1].isupper():
            continue
        rest = doc[nxt:]
        if not (ends_with_head(rest) or person_split(rest) is not None):
            continue
        if tags[i] == BODY and belongs_to_body(tags[nxt:]):
            continue
        runs.append(doc[start:nxt])
        start = nxt
    runs.append(doc[start:])
    return runs


def closes_owner(doc: Doc, tags: tuple[str, ...], level: tuple[int, ...], i: int) -> bool:
    """Token i can end an owner's name: a body or title word, or the closing bracket of a
    note on one ("SCR Subgroup (where changes are required …)")."""
    if tags[i] in (BODY, ROLE):
        return True
    if doc[i].text != ")":
        return False
    opening = next((k for k in range(i - 1, -1, -1) if doc[k].text == "(" and level[k] == level[i]), None)
    return bool(opening) and tags[opening - 1] in (BODY, ROLE)


def belongs_to_body(tags: tuple[str, ...]) -> bool:
    """True when the tokens up to the next head word are subject words ending in a
    title: that title names a post in the body before it."""
    for tag in tags:
        if tag in HEADS:
            return tag == ROLE
        if tag not in (SUBJECT, PREFIX):
            return False
    return False


def split_on_and(span: Span) -> list[Span]:
    """Split on " and " / " & " only between two complete owners, never inside a
    name such as "Training and Development Subgroup"."""
    tags = lang.tags(span)
    level = depths(span)
    for i, token in enumerate(span):
        if token.lower_ not in ("and", "&") or level[i] or tags[i] in HEADS:
            continue
        left, right = span[:i], span[i + 1 :]
        if len(left) and len(right) and joins_two_owners(left, right):
            return [left, *split_on_and(right)]
    return [span]


def joins_two_owners(left: Span, right: Span) -> bool:
    # The right side is judged up to the next "and" too: "Group & A Davies & Karen Wright".
    nxt = first_owner(right)
    starts_post = lang.tags(right)[0] in (ROLE, PREFIX, HONORIFIC) or person_split(core_of(nxt)) is not None
    # After a comma list, "and" joins its last item: "J. Smith, K. Brown and L. Green".
    last = last_comma_part(left)
    if has_role_complement(last):
        # "Head of X and Y" coordinates the complement unless a new owner follows.
        return starts_post
    if not is_complete(last):
        return False
    if not ends_strongly(core_of(last)) and len(nxt) > 1:
        # A bare acronym or place before a longer name is part of it: "CSE and Missing
        # Subgroup", "Sefmere and Wynborough Council"; a post or person still starts anew.
        return starts_post
    return starts_post or is_complete(right) or is_complete(nxt)


def first_owner(span: Span) -> Span:
    """The span up to its first " and " / " & " outside brackets and names."""
    tags, level = lang.tags(span), depths(span)
    ands = (i for i, t in enumerate(span) if t.lower_ in ("and", "&") and not level[i] and tags[i] not in HEADS)
    return span[: next(ands, len(span))]


def top_commas(span: Span) -> list[int]:
    """Indexes of the commas outside brackets."""
    level = depths(span)
    return [i for i, t in enumerate(span) if t.text == "," and not level[i]]


def last_comma_part(span: Span) -> Span:
    commas = top_commas(span)
    return span[commas[-1] + 1 :] if commas else span


def core_of(text: Doc | Span) -> Doc:
    """The text without its trailing parentheses, as its own doc."""
    return lang.parse(strip_parentheticals(text.text)[0])


def is_complete(text: Doc | Span) -> bool:
    """Ends where an owner's name ends, a trailing parenthesis aside: on a head word, as
    a bare person's name, or as an agency named by its area."""
    core = core_of(text)
    return ends_with_head(core) or person_split(core) == len(core) or is_place(core)


def ends_strongly(doc: Doc) -> bool:
    """Ends on a title, body or organisation word, or is a person's name: unlike a bare
    acronym or place, it cannot be the first word of a longer name."""
    words = [tag for tag in lang.tags(doc) if tag != PUNCT]
    return bool(words) and (words[-1] in HEADS or person_split(doc) is not None)


# --- comma lists ----------------------------------------------------------------------

NAME, NOTED, TITLED, POST, GROUP, AGENCY = "name", "noted", "titled", "post", "group", "agency"


def split_on_commas(span: Span) -> list[Span]:
    """Split a comma list of owners ("Training Coordinator, Principal Social Worker",
    "S. Jackson, O. Evans", "FGM Task Group, Halstead CCG"). A part that is no owner of
    its own ("Safeguarding", "LBR") continues the owner before it, a post or agency after
    a bare name is that person's ("Sarah Jones, Head of Quality", "DCI Tom Hale, Wexcombe
    Police"), and a body after a post is the post's organisation ("Deputy Director,
    Safeguarding, Redbridge CCG")."""
    commas = top_commas(span)
    bounds = zip([0] + [c + 1 for c in commas], commas + [len(span)])
    parts = [span[a:b] for a, b in bounds if a < b]
    owners = parts[:1]
    for part in parts[1:]:
        if opens_owner(comma_shape(owners[-1]), comma_shape(part)):
            owners.append(part)
        else:
            owners[-1] = span.doc[owners[-1].start : part.end]
    return owners or [span]


def comma_shape(span: Span) -> str | None:
    """What a comma part is: a bare name, a name with a bracket, a name with a post, a
    post, a group or agency (ends on a body or organisation word), or None (a subject
    word, an acronym, a place: not enough to stand as an owner of its own)."""
    core, notes = strip_parentheticals(span.text)
    doc = lang.parse(core)
    split = person_split(doc)
    if split is not None:
        return TITLED if split < len(doc) else (NOTED if notes else NAME)
    kind = kind_of(core, {})
    if kind == "role":
        return POST
    words = [tag for tag in lang.tags(doc) if tag != PUNCT]
    return {BODY: GROUP, ORG: AGENCY}.get(words[-1]) if kind else None


def opens_owner(before: str | None, part: str | None) -> bool:
    """Whether a comma part of shape `part` starts a new owner after one of shape `before`.
    A person works for an agency but only sits on a group ("C. Hussain, Policies and
    Procedures Group" are two owners); a bracket closes a name ("Grace Ashworth (Stanshire
    County Council), Head of Service" are two owners); after a body any owner starts anew."""
    if before is None or part is None:
        return False
    if before in (POST, TITLED):
        return part not in (GROUP, AGENCY)
    if before == NAME:
        return part not in (POST, AGENCY)
    return True


# --- reading one part ---------------------------------------------------------------

_TRAILING_NOTE = re.compile(r"\s*\(([^()]*)\)\s*$")
_SEGMENT_BREAK = re.compile(r"\s*,\s*|\s+[–—-]\s+")


def strip_parentheticals(text: str) -> tuple[str, tuple[str, ...]]:
    notes: list[str] = []
    while match := _TRAILING_NOTE.search(text):
        notes.insert(0, match[1].strip())
        text = text[: match.start()]
    return text.strip(), tuple(notes)


def classify(piece: str, acronyms: Mapping[str, str]) -> Owner | None:
    core, notes = strip_parentheticals(piece)
    owner = classify_core(core, acronyms) if core else None
    for note in notes:
        if owner is None or not note[:1].isupper():
            continue
        owner = merge_note(owner, classify_core(note, acronyms))
    return owner


def merge_note(owner: Owner, note: Owner | None) -> Owner:
    """A parenthesis after an owner either completes it ("Police (DI Jones)", "Head of
    Service (CSC)", "Jane Smith (Chair)", "Sue Thompson (Bexton County Council)") or only
    qualifies it, and is then dropped."""
    if note is None:
        return owner
    if owner.kind in ("group", "organisation") and note.kind == "person":
        return replace(note, organisation=owner.name)
    if owner.kind == "person" and note.kind == "role" and owner.role is None:
        return replace(owner, role=note.role)
    if owner.kind in ("person", "role") and note.kind == "organisation" and owner.organisation is None:
        return replace(owner, organisation=note.name)
    if owner.kind == "person" and owner.role and note.kind == "group" and owner.organisation is None:
        return replace(owner, organisation=note.name)  # "Chair: J Quincey (CCG Hosted Safeguarding Team)"
    return owner


def classify_core(text: str, acronyms: Mapping[str, str]) -> Owner | None:
    if ":" in text:
        return read_post(text, acronyms)
    segments = [s for s in _SEGMENT_BREAK.split(text) if s]
    organisation = None
    if len(segments) > 1 and kind_of(segments[-1], acronyms) in ("group", "organisation"):
        if leads_with_post(segments[:-1], acronyms):
            organisation = segments.pop()
    head = lang.parse(segments[0])
    split = person_split(head)
    if split is not None:
        role = ", ".join(s for s in (head[split:].text, *segments[1:]) if s) or None
        return Owner(head[:split].text, role, organisation, "person")
    joined = ", ".join(segments)
    kind = kind_of(joined, acronyms)
    if kind is None:
        return None
    if kind == "role":
        return Owner(None, joined, organisation, "role")
    return Owner(joined, None, organisation, kind)


def read_post(text: str, acronyms: Mapping[str, str]) -> Owner | None:
    """"Chair: Julie Quincey" → the person holding the post."""
    post, holder = (side.strip() for side in text.split(":", 1))
    doc = lang.parse(holder)
    if kind_of(post, acronyms) != "role" or person_split(doc) != len(doc):
        return None
    return Owner(holder, post, None, "person")


def leads_with_post(segments: list[str], acronyms: Mapping[str, str]) -> bool:
    """The organisation is split off only from a post ("Deputy Director, Safeguarding,
    Redbridge CCG"), not from a body whose name holds a comma."""
    head = lang.parse(segments[0])
    return person_split(head) is not None or kind_of(", ".join(segments), acronyms) == "role"


def kind_of(text: str, acronyms: Mapping[str, str]) -> str | None:
    """person is left to person_split; this says role, group or organisation by the
    head word, or None when the text names no owner the word lists know."""
    doc = lang.parse(text)
    tags = lang.tags(doc)
    words = [tag for tag in tags if tag != PUNCT]
    if not words:
        return None
    if has_role_complement(doc):
        return "role"
    heads = [tag for tag in tags if tag in HEADS]
    if heads:
        return {ROLE: "role", BODY: "group", ORG: "organisation"}[heads[-1]]
    if words[-1] == ACRONYM:
        # An agency by its initials, alone or after its place ("LCC", "Barnsley MBC"),
        # unless the document defines the initials as something else.
        expansion = acronyms.get(doc.text) if len(words) == 1 else None
        return (kind_of(expansion, {}) if expansion else None) or "organisation"
    if is_place(doc):
        return "organisation"
    return None


def has_role_complement(doc: Doc | Span) -> bool:
    """A title followed by "of" / "in" / "for" carries the rest into the post."""
    complements = lang.lexicon().role_complements
    tags = lang.tags(doc)
    return any(
        tags[i] == ROLE and doc[i + 1].lower_ in complements for i in range(len(doc) - 1)
    )


def ends_with_head(doc: Doc | Span) -> bool:
    """The last word, ignoring trailing parentheses, is a title, body or organisation
    word, or an acronym."""
    core, _ = strip_parentheticals(doc.text)
    words = [tag for tag in lang.tags(lang.parse(core)) if tag != PUNCT]
    return bool(words) and (words[-1] in HEADS or words[-1] == ACRONYM)


def is_place(doc: Doc | Span) -> bool:
    """A single capitalised word in no list ("Rutland", "Probation") is an agency named
    by its area."""
    return len(doc) == 1 and lang.tags(doc)[0] == CAPITALISED


def person_split(doc: Doc | Span) -> int | None:
    """Index where a leading person's name ends, when the text is a name optionally
    followed by a post ("Jane Held LSCB Chair", "I Pearson", "Cllr J Smith");
    None when it does not start with a name."""
    tags = lang.tags(doc)
    end = name_end(doc, tags)
    if end is None:
        return None
    if end == len(doc) or kind_of(doc[end:].text, {}) == "role":
        return end
    return None


def name_end(doc: Doc | Span, tags: tuple[str, ...]) -> int | None:
    i = 0
    while i < len(doc) and tags[i] == HONORIFIC:
        i += 1
    titled = i > 0
    if i + 1 < len(doc) and tags[i] == INITIAL and doc[i].text.isalpha():
        i += 1
        if doc[i].text == ".":
            i += 1
        return name_word_end(doc, tags, i)
    words, j = 0, i
    while words < 3 and (k := name_word_end(doc, tags, j)) is not None:
        words, j = words + 1, k
    if words >= 2 or (titled and words == 1):
        return j
    return None


def name_word_end(doc: Doc | Span, tags: tuple[str, ...], i: int) -> int | None:
    """End of one capitalised name word at i, joining hyphenated parts
    ("Gosling-Thomas")."""
    if i >= len(doc) or tags[i] != CAPITALISED:
        return None
    end = i + 1
    while end + 1 < len(doc) and doc[end].text == "-" and tags[end + 1] == CAPITALISED:
        end += 2
    return end


# --- the owner key --------------------------------------------------------------------

_LONE_LOWER_L = re.compile(r"^l(?=\s)")  # "l Mundy": a capital I read or typed as a lower-case l
_INNER_AMP = re.compile(r"(?<=\w)&(?=\w)")
_NOT_WORD = re.compile(r"[^\w\s]+")


def owner_key(owner: Owner) -> str:
    """One key for the spellings of one owner, for joining across actions and documents:
    kind, then the name (a group known by its initials, by the document's expansion of
    them), or a role's post and body, lower-cased with spellings from owners.toml
    [key_spellings] unified and punctuation dropped."""
    if owner.kind == "role":
        text = ", ".join(t for t in (owner.role, owner.organisation) if t)
    elif owner.expansion and "; " not in owner.expansion and lang.shape_tag(owner.name or "") == ACRONYM:
        text = owner.expansion
    else:
        text = owner.name or ""
    text = _INNER_AMP.sub("", _LONE_LOWER_L.sub("I", " ".join(text.split()))).lower().replace("&", " and ")
    for variant, spelling in lang.lexicon().key_spellings.items():
        text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", spelling, text)
    return f"{owner.kind}:" + " ".join(_NOT_WORD.sub(" ", text).split())


# --- acronyms -------------------------------------------------------------------------

_WORD = re.compile(r"[\w&]+")


def with_expansions(owners: tuple[Owner, ...], acronyms: Mapping[str, str]) -> tuple[Owner, ...]:
    return tuple(replace(owner, expansion=expansion_of(owner, acronyms)) for owner in owners)


def expansion_of(owner: Owner, acronyms: Mapping[str, str]) -> str | None:
    found: list[str] = []
    for text in (owner.name, owner.role, owner.organisation):
        for word in _WORD.findall(text or ""):
            long_form = acronyms.get(word)
            if long_form and long_form not in found:
                found.append(long_form)
    return "; ".join(found) or None
