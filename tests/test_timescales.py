"""Timescale cells against the hand-written table in tests/data/timescale_cases.toml.

The table holds every timescale cell of the seed plans plus variants in other
boards' wording. Each case is a test of its own: right when it gives exactly the expected
milestones, in order, each with the expected kind, start and end (and flags, where listed).
A case the normalizer is known to get wrong says why in its `known_miss`, and is an
expected failure that fails the suite once it comes right (then drop the `known_miss`).
"""
from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import edtf
import pytest

from boardplans.normalizers.dates import vocabulary
from boardplans.normalizers.periods import parse_plan_period
from boardplans.normalizers.timescales import Milestone, Timescale, parse_timescale

from cases import case_param

CASES = tomllib.loads((Path(__file__).parent / "data" / "timescale_cases.toml").read_text())["case"]
DATED_KINDS = {"deadline", "interval", "open", "recurring"}


def _read(case: dict) -> Timescale:
    period = parse_plan_period(case["period"]) if "period" in case else None
    return parse_timescale(case["text"], period)


def _as_expected(milestone: Milestone, with_flags: bool) -> dict:
    shown = {"kind": milestone.kind}
    if milestone.start:
        shown["start"] = milestone.start.isoformat()
    if milestone.end:
        shown["end"] = milestone.end.isoformat()
    if with_flags:
        shown["flags"] = sorted(milestone.flags)
    return shown


def _mismatch(case: dict) -> str | None:
    got = _read(case).milestones
    want = [dict(m, flags=sorted(m["flags"])) if "flags" in m else m for m in case["milestones"]]
    shown = [_as_expected(m, "flags" in w) for m, w in zip(got, want)]
    if len(got) != len(want) or shown != want:
        return f"{case['source']}: {case['text']!r}\n    want {want}\n    got  {[_as_expected(m, True) for m in got]}"
    return None


@pytest.mark.parametrize("case", [case_param(case, f"{case['source']}: {case['text'][:40]}") for case in CASES])
def test_case(case):
    assert _mismatch(case) is None, _mismatch(case)


def test_table_covers_seeds_and_variants():
    sources = [c["source"] for c in CASES]
    for seed in ("000", "001", "002", "004"):
        assert any(s.startswith(f"seed {seed}") for s in sources)
    assert sources.count("variant") >= 100


@pytest.mark.parametrize("case", [c for c in CASES if c["text"].strip()], ids=lambda c: c["text"][:40])
def test_every_dated_milestone_has_a_valid_edtf_matching_its_dates(case):
    for m in _read(case).milestones:
        if m.kind not in DATED_KINDS or (m.kind == "recurring" and m.edtf is None):
            assert (m.start, m.end, m.edtf) == (None, None, None)
            continue
        parsed = edtf.parse_edtf(m.edtf)
        upper = parsed.upper_strict()
        lower = parsed.lower_strict()
        if m.end is not None:
            assert m.end == date(upper.tm_year, upper.tm_mon, upper.tm_mday)
        if m.start is not None:
            assert m.start == date(lower.tm_year, lower.tm_mon, lower.tm_mday)


def test_empty_cell_is_understood_and_has_no_milestones():
    assert parse_timescale("   ") == Timescale("   ", (), True, ())


def test_text_naming_no_date_is_one_unparsed_milestone_and_kept():
    result = parse_timescale("Subject to funding")
    assert result.understood is False
    assert result.unparsed == ("Subject to funding",)
    assert result.milestones == (Milestone("Subject to funding", None, None, "unparsed", None, ()),)


def test_yearless_date_without_a_plan_period_is_reported_not_dropped():
    result = parse_timescale("Report in September\n31.12.2019")
    assert [(m.kind, m.text, m.end) for m in result.milestones] == [
        ("unparsed", "September", None), ("deadline", "31.12.2019", date(2019, 12, 31))]
    assert result.unparsed == ("September",)
    assert result.understood is False


def test_a_remark_beside_a_date_is_an_unparsed_milestone_and_the_date_keeps_its_label():
    result = parse_timescale("Toolkit launch (May 2016) The Board / Executive need to provide a steer",
                             parse_plan_period("2016-17"))
    assert [(m.kind, m.label) for m in result.milestones] == [("deadline", "Toolkit launch"), ("unparsed", None)]
    assert result.unparsed == ("The Board / Executive need to provide a steer",)
    assert result.understood is False
    labels = parse_timescale("Board: 8th July 2016\nProgramme starts: September 2016\nBy March 2017").milestones
    assert [m.label for m in labels] == ["Board", "Programme starts", None]


def test_milestone_text_is_the_part_of_the_cell_it_was_read_from():
    result = parse_timescale("Commissioned by 01.05.2017. Rolled out of training by 01.06.2017.")
    assert [m.text for m in result.milestones] == ["by 01.05.2017", "by 01.06.2017"]
    assert [m.edtf for m in result.milestones] == ["2017-05-01", "2017-06-01"]


def test_season_is_written_as_its_iso_code_and_winter_as_months():
    spring, winter = parse_timescale("Spring 2017\nWinter 2017").milestones
    assert (spring.edtf, winter.edtf) == ("2017-21", "2017-12/2018-02")
    assert winter.end == date(2018, 2, 28)


def _mutations(text: str) -> list[str]:
    """Each case cut short, with a character dropped, and with digits bumped."""
    bumped = "".join(str((int(c) + 7) % 10) if c.isdigit() else c for c in text)
    return [text[: len(text) // 2], text[1:], text.replace(" ", ""), bumped, text.upper()]


@pytest.mark.parametrize("case", CASES[::3], ids=lambda c: c["text"][:40])
def test_mangled_cells_still_give_a_result_with_ordered_dates(case):
    for text in _mutations(case["text"]):
        result = parse_timescale(text)
        assert result.understood == (not result.unparsed)
        for m in result.milestones:
            assert m.start is None or m.end is None or m.start <= m.end
            assert (m.kind == "unparsed") == (m.edtf is None and m.kind not in ("ongoing", "recurring", "unspecified"))


VOCABULARY = vocabulary()


@pytest.mark.parametrize("number, name", [(int(n), w) for n, ws in VOCABULARY["months"].items() for w in ws])
def test_every_month_spelling_reads_as_its_month(number, name):
    (m,) = parse_timescale(f"{name.title()} 2019").milestones
    assert (m.kind, m.end.year, m.end.month) == ("deadline", 2019, number)


@pytest.mark.parametrize("word, last_month", [(w, s["months"][1]) for s in VOCABULARY["seasons"].values() for w in s["words"]])
def test_every_season_word_ends_with_its_last_month(word, last_month):
    (m,) = parse_timescale(f"{word} 2019").milestones
    assert m.end.month == last_month


@pytest.mark.parametrize("connector", VOCABULARY["connectors"]["range"])
def test_every_range_connector_joins_two_months_into_one_interval(connector):
    (m,) = parse_timescale(f"March {connector} May 2019").milestones
    assert (m.kind, m.start, m.end) == ("interval", date(2019, 3, 1), date(2019, 5, 31))


@pytest.mark.parametrize("connector", VOCABULARY["connectors"]["list"])
def test_every_list_connector_keeps_two_dates_apart(connector):
    assert [m.end for m in parse_timescale(f"March {connector} May 2019").milestones] == [date(2019, 3, 31), date(2019, 5, 31)]
