"""Lead cells → owners over every lead cell of the seed plans and other boards' styles
(tests/data/owner_cases.toml, written by hand from docs/normalized-forms.md), each case a
test of its own; a case with a `known_miss` is an expected failure, for that reason."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from boardplans.normalizers.owners import KINDS, RELATIONS, Owner, owner_key, parse_owners

from cases import case_param

CASES = tomllib.loads((Path(__file__).parent / "data" / "owner_cases.toml").read_text("utf-8"))["case"]


def expected_owners(case: dict) -> tuple[Owner, ...]:
    return tuple(
        Owner(
            name=owner.get("name"),
            role=owner.get("role"),
            organisation=owner.get("organisation"),
            kind=owner["kind"],
            expansion=owner.get("expansion"),
        )
        for owner in case["owners"]
    )


@pytest.mark.parametrize("case", [case_param(case, case["text"][:60]) for case in CASES])
def test_lead_cell(case: dict) -> None:
    parsed = parse_owners(case["text"], case.get("acronyms"))
    assert (parsed.owners, parsed.relation) == (expected_owners(case), case["relation"])


def test_the_table_holds_enough_other_styles() -> None:
    assert sum(case["source"] == "variant" for case in CASES) >= 40


def test_unread_text_is_kept_not_dropped() -> None:
    parsed = parse_owners("C Gill/ Supporting Leicestershire Families")
    assert parsed.owners == (Owner("C Gill", None, None, "person"),)
    assert (parsed.relation, parsed.understood, parsed.unparsed) == ("single", False, ("Supporting Leicestershire Families",))


def test_kinds_and_relations_stay_in_the_documented_sets() -> None:
    for case in CASES:
        parsed = parse_owners(case["text"], case.get("acronyms"))
        assert parsed.relation in RELATIONS
        assert {owner.kind for owner in parsed.owners} <= set(KINDS)


def test_every_listed_phrase_reads_as_its_own_list() -> None:
    """The compiled matcher agrees with owners.toml: no phrase is shadowed by another
    list or split by the tokenizer into something the matcher misses."""
    from boardplans.normalizers import language

    wrong = [
        (phrase, label, tags)
        for label, phrases in language.lexicon().phrases.items()
        for phrase in phrases
        if set(tags := language.tags(language.parse(phrase))) != {label}
    ]
    assert wrong == []


@pytest.mark.parametrize("spellings, acronyms", [
    (("l Mundy", "I Mundy"), {}),                               # a capital I read as a lower-case l
    (("CSE Sub-Group", "CSE Sub-group", "CSE Subgroup", "CSE Sub Group"), {}),
    (("Head of CPAT and EI&FSS", "Head of CPAT and EIFSS"), {}),
    (("SEG", "Safeguarding Effectiveness Group"), {"SEG": "Safeguarding Effectiveness Group"}),
    (("Quality & Performance Group", "Quality and Performance Group"), {}),
])
def test_spellings_of_one_owner_share_a_key(spellings, acronyms):
    keys = {owner_key(o) for text in spellings for o in parse_owners(text, acronyms).owners}
    assert len(keys) == 1, keys


def test_different_owners_keep_different_keys():
    keys = [owner_key(parse_owners(text).owners[0]) for text in ("L Campion", "I Campion", "CSE Subgroup", "SCR Subgroup")]
    assert len(set(keys)) == 4
