"""The plan stage's structural rules, on small tables built the way the table stage hands
them over (cells with text, None where a merged cell covers a column). The same rules are
exercised end to end on real PDFs by test_eval.py and test_fixtures.py."""
from __future__ import annotations

import pytest

from boardplans.extractors.model import BBox, Cell, PageContent, Row, Table, TextLine
from boardplans.pipeline.headers import match_header
from boardplans.pipeline.patterns import read_priority_cell, read_priority_heading, split_leading_ref
from boardplans.pipeline.plan import as_form, map_columns, read_plan

BOX = BBox(0, 0, 10, 10)


def row(*texts: str | None, page: int = 1) -> Row:
    return Row(tuple(None if t is None else Cell(t, page, BOX) for t in texts), page)


def table(*rows: Row) -> Table:
    return Table(rows=list(rows), page=1, bbox=BOX, strategy="ruled", pages=[1])


def plan(*rows: Row):
    return read_plan([], [table(*rows)]).rows


@pytest.mark.parametrize("header, field", [
    ("Who is responsible?", "lead"), ("Lead Officer", "lead"), ("LEAD RESPONSIBILITY", "lead"),
    ("Responsible lead/group", "lead"), ("Owner", "lead"), ("Accountable lead", "lead"),
    ("When is it going to be done by?", "timescale"), ("Timescale and milestones", "timescale"),
    ("Timeframe", "timescale"), ("By when", "timescale"), ("Deadline", "timescale"),
    ("Target date", "timescale"), ("Target completion date", "timescale"),
    ("What are we going to do?", "action"), ("TASKS", "action"), ("Actions to be taken", "action"),
    ("Desired outcome", "objective"), ("Outcome we want", "objective"),
    ("How will we know", "measure"), ("Impact / what difference has it made?", "measure"),
    ("RAG rating (select from drop down menu), commentary and evidence of impact", "progress"),
    ("Update on progress", "progress"), ("Ref", "ref"), ("Notes to self", None),
])
def test_headers_map_through_synonyms_fuzzy_matches_and_keywords(header, field):
    assert match_header(header).field == field


def test_a_header_spanning_a_narrow_reference_column_gives_it_the_ref_field():
    t = table(row("Action", None, "Lead Officer", "Timescale"),
              row("1.1", "Train staff", "Head of Service", "May 2017"),
              row("1.2", "Audit cases", "QA Manager", "June 2017"))
    assert map_columns(t).fields == ("ref", "action", "lead", "timescale")


def test_a_sub_header_under_a_spanning_cell_is_part_of_the_header_and_names_a_range():
    rows = plan(row("Action", "Lead", "Timescale", None),
                row("", "", "Start", "End"),
                row("Train staff", "QA Manager", "Apr 2019", "Mar 2020"),
                row("Audit cases", "QA Manager", "Sept 2019", "Ongoing"),
                row("Publish a guide", "Comms Manager", "", "Dec 2019"))
    assert [(r.get("action"), r.get("timescale"), r.readings["timescale"]) for r in rows] == [
        ("Train staff", "Apr 2019\nMar 2020", "Apr 2019 – Mar 2020"),
        ("Audit cases", "Sept 2019\nOngoing", "Sept 2019 – Ongoing"),
        ("Publish a guide", "Dec 2019", "Dec 2019")]


def test_banner_rows_set_the_priority_and_merged_cells_apply_to_every_row_they_span():
    rows = plan(row("Objective", "Action", "Lead", "By when"),
                row("PRIORITY 2: Keep children safe online", None, None, None),
                row("Children know the risks", "Run workshops", "Youth Council", "June 2019"),
                row(None, "Publish a guide", "Comms Manager", "July 2019"))
    assert [(r.priority_ref, r.priority_title, r.get("objective"), r.get("action")) for r in rows] == [
        ("2", "Keep children safe online", "Children know the risks", "Run workshops"),
        ("2", "Keep children safe online", "Children know the risks", "Publish a guide")]


def test_a_row_without_its_own_action_is_a_milestone_sub_row_of_the_action_above():
    rows = plan(row("Ref", "Action", "Lead", "Timescale", "Measure"),
                row("3.1", "Refresh the campaign", "Head of Youth", "April 2017", "Consultation held"),
                row(None, None, None, "June 2017", "Video published"))
    assert len(rows) == 1
    assert rows[0].get("timescale") == "April 2017\nJune 2017"
    assert rows[0].sub_rows == [{"timescale": "April 2017", "measure": "Consultation held", "lead": "Head of Youth"},
                                {"timescale": "June 2017", "measure": "Video published"}]


def test_hierarchical_refs_and_bullets_give_parent_and_child():
    rows = plan(row("Tasks", "Lead", "Timescale"),
                row("Strategic Priority (1) Leadership", None, None),
                row("1.1 Focus on core business", None, None),
                row("1.1.1 Influence the plan", "", ""),
                row("• Present the annual report", "Jane Held LSCB Chair", "22.10.10"),
                row("1.1.2 Agree the budget", "Executive group", "17.12.10"))
    assert [(r.priority_ref, r.ref, r.parent_ref, r.get("objective"), r.get("action")) for r in rows] == [
        ("1", "", "1.1.1", "Focus on core business", "Present the annual report"),
        ("1", "1.1.2", "1.1", "Focus on core business", "Agree the budget")]


def test_a_task_with_no_lead_takes_the_lead_row_below_it():
    rows = plan(row("Tasks", "Lead", "Timescale"),
                row("3.2.1 Develop a QA model", "", ""),
                row("", "Sam Prince Chair", "21.01.11"))
    assert [(r.ref, r.get("action"), r.get("lead"), r.get("timescale")) for r in rows] == [
        ("3.2.1", "Develop a QA model", "Sam Prince Chair", "21.01.11")]


def test_an_empty_objective_belongs_to_the_row_above():
    rows = plan(row("Ref", "Desired outcome", "Action", "Lead"),
                row("3.3", "Staff are trained", "Promote e-learning", "C Gill"),
                row("3.4", "", "Develop face to face training", "C Gill"))
    assert [r.get("objective") for r in rows] == ["Staff are trained", "Staff are trained"]


def test_a_repeated_header_inside_a_table_starts_a_new_table_whose_refs_name_its_priority():
    rows = read_plan([], [table(row("Theme 1 Early Help", None, None),
                                row("Ref", "Action", "Lead"),
                                row("1.1", "Audit thresholds", "M Evans"),
                                row("Ref", "Action", "Lead"),
                                row("2.1", "Audit conferences", "L Campion"))]).rows
    assert [(r.priority_ref, r.ref) for r in rows] == [("1", "1.1"), ("2", "2.1")]


def test_a_form_of_labels_and_values_reads_as_one_action_per_run_of_labels():
    t = table(row("Priority", "1. Neglect"), row("Action", "Launch the toolkit"),
              row("Lead", "QA Subgroup"), row("Timescale", "March 2020"),
              row("Action", "Audit 30 cases"), row("Lead", "Head of Service"), row("Timescale", "TBC"))
    assert as_form(t) is not None
    rows = read_plan([], [t]).rows
    assert [(r.priority_ref, r.priority_title, r.get("action"), r.get("lead")) for r in rows] == [
        ("1", "Neglect", "Launch the toolkit", "QA Subgroup"),
        ("1", "Neglect", "Audit 30 cases", "Head of Service")]


def test_a_two_column_table_of_prose_is_no_form():
    assert as_form(table(row("Red", "Very little progress"), row("Amber", "Some progress"),
                         row("Green", "On target"))) is None


@pytest.mark.parametrize("text, ref, title", [
    ("LSCB Priority 1 – Lead: Victor Cook; Board Officer: Andy Sharp", "1", ""),
    ("PRIORITY 2: To strengthen the protection of children", "2", "To strengthen the protection of children"),
    ("Strategic Priority (4) Championing good practice", "4", "Championing good practice"),
    ("Theme A: Safeguarding babies", "A", "Safeguarding babies"),
    ("Theme 3 - Child Sexual Exploitation (CSE)", "3", "Child Sexual Exploitation (CSE)"),
])
def test_priority_headings(text, ref, title):
    got = read_priority_heading(text)
    assert (got.ref, got.title) == (ref, title)


@pytest.mark.parametrize("text", ["Priority areas are reviewed yearly", "Our priorities", "Prioritise the work"])
def test_prose_is_no_priority_heading(text):
    assert read_priority_heading(text) is None


@pytest.mark.parametrize("text, ref, title", [
    ("1 Neglect", "1", "Neglect"), ("2. Exploitation", "2", "Exploitation"), ("B) Neglect", "B", "Neglect"),
    ("A confident partnership", "", "A confident partnership"),
])
def test_priority_cells(text, ref, title):
    got = read_priority_cell(text)
    assert (got.ref, got.title) == (ref, title)


@pytest.mark.parametrize("text, ref", [("1.2.1 To complete the review", "1.2.1"), ("4) Governance", "4"),
                                       ("3 development sessions", None), ("A.1 Objective", "A.1"),
                                       # refs opening the action cell, priority.objective + letter
                                       ("1.3b Roll out the CSE risk assessment tool", "1.3b")])
def test_leading_refs(text, ref):
    got = split_leading_ref(text)
    assert (got.ref if got else None) == ref


def test_a_leading_ref_opens_a_cell_of_several_paragraphs():
    # refs in the action cell ("1.1.1. Report …") above a second paragraph ("Learning will …"):
    # the ref was read only where the cell held one paragraph
    got = split_leading_ref("1.2.2. Review the statement of purpose\nLearning will be shared")
    assert got is not None and (got.ref, got.rest) == ("1.2.2", "Review the statement of purpose\nLearning will be shared")


def test_the_top_level_of_an_outline_numbered_reference_column_is_a_priority():
    rows = plan(row("Ref", "Action", "Lead", "Timescale"),
                row("B", "Safeguarding adolescents", "", ""),
                row("B.1 Young people at risk are known", None, None, None),
                row("B.1.1", "Hold a monthly meeting", "Detective Inspector", "Monthly"))
    assert [(r.priority_ref, r.priority_title, r.ref, r.parent_ref, r.get("objective"), r.get("action")) for r in rows] == [
        ("B", "Safeguarding adolescents", "B.1.1", "B.1", "Young people at risk are known", "Hold a monthly meeting")]


def test_priorities_a_column_states_without_numbers_stay_apart():
    from boardplans.pipeline.records import table_priorities

    result = read_plan([], [table(row("Priority", "Action", "Lead"),
                                  row("Neglect", "Launch the toolkit", "QA Subgroup"),
                                  row("", "Audit cases", "Head of Service"),
                                  row("Exploitation", "Map hotspots", "Police"))])
    assert [(p.ref, p.title) for p in table_priorities(result)] == [("", "Neglect"), ("", "Exploitation")]


# -- the level a heading opens: read from the nesting, not from one word ------------------

HEADER = ("Action", "Lead", "Timescale")


def levels(rows) -> list[tuple[str, str, str]]:
    return [(r.priority_ref, r.priority_title, r.get("objective")) for r in rows]


def test_stacked_banners_the_outer_bare_numbered_one_is_the_priority_the_inner_the_objective():
    # banner_single + subrow objective: "1. - MANAGING ALLEGATIONS" over "Outcome 1 – …"
    rows = plan(row(*HEADER),
                row("1. - MANAGING ALLEGATIONS", None, None),
                row("Outcome 1 – To ensure allegations are managed well", None, None),
                row("Train staff", "LADO", "May 2017"),
                row("2. - LEARNING FROM REVIEWS", None, None),
                row("To share the learning of reviews", None, None),
                row("Hold learning events", "Chair", "June 2017"))
    assert levels(rows) == [("1", "MANAGING ALLEGATIONS", "To ensure allegations are managed well"),
                            ("2", "LEARNING FROM REVIEWS", "To share the learning of reviews")]


def test_stacked_banners_unnumbered_the_outer_is_the_priority_by_its_place():
    # banner_table, priorities unlabelled: "MAXIMISING LEARNING …" over "To ensure …"; a
    # lone banner after rows is the next objective of the same priority
    rows = plan(row(*HEADER),
                row("MAXIMISING LEARNING FROM REVIEWS", None, None),
                row("To ensure learning improves practice", None, None),
                row("Maintain a learning log", "Chair", "May 2018"),
                row("To track the recommendations", None, None),
                row("Introduce rapid reviews", "Chair", "June 2018"),
                row("ALLEGATIONS", None, None),
                row("To promote safer recruitment", None, None),
                row("Produce a briefing", "LADO", "TBA"))
    assert levels(rows) == [("", "MAXIMISING LEARNING FROM REVIEWS", "To ensure learning improves practice"),
                            ("", "MAXIMISING LEARNING FROM REVIEWS", "To track the recommendations"),
                            ("", "ALLEGATIONS", "To promote safer recruitment")]


def test_stacked_unnumbered_banners_under_a_numbered_priority_stay_under_it():
    rows = plan(row(*HEADER),
                row("2. NEGLECT", None, None),
                row("Train staff", "Lead", "May 2017"),
                row("Early help", None, None),
                row("To identify neglect sooner", None, None),
                row("Audit cases", "Lead", "June 2017"))
    assert [r.priority_ref for r in rows] == ["2", "2"]


def test_an_objective_label_under_a_priority_of_another_label_is_an_objective_and_twice_a_priority():
    nested = plan(row(*HEADER), row("Theme A - Prevent", None, None), row("Outcome 1 – To know the duty", None, None),
                  row("Train staff", "Lead", "May 2017"))
    assert levels(nested) == [("A", "Prevent", "To know the duty")]
    # a plan whose top level is "Outcome": the second one is a priority of its own
    top = plan(row(*HEADER), row("Outcome 1: Early help", None, None), row("Train staff", "Lead", "May 2017"),
               row("Outcome 2: Neglect", None, None), row("Audit cases", "Lead", "June 2017"))
    assert levels(top) == [("1", "Early help", ""), ("2", "Neglect", "")]


def line(text: str, top: float, bold: bool = False, size: float = 10.0) -> TextLine:
    return TextLine(text, 1, BBox(30, top, 500, top + size), size, bold)


def page_plan(lines: list[TextLine], *rows: Row):
    t = Table(rows=list(rows), page=1, bbox=BBox(30, 400, 500, 500), strategy="ruled", pages=[1])
    return read_plan([PageContent(1, 600, 800, "ruled", [t], lines)], [t]).rows


def test_a_bare_numbered_heading_heads_the_table_only_with_nothing_but_its_lead_below_it():
    body = (row(*HEADER), row("Train staff", "Lead", "May 2017"))
    # heading: "1. – Early Help" over its lead line, just above the table
    headed = page_plan([line("1. – Early Help", 300, bold=True), line("Lead: Caroline Patel; Board officer: K White", 320)],
                       *body)
    assert levels(headed) == [("1", "Early Help", "")]
    # a numbered section of prose ("4. Our vision") above the plan is no priority
    prose = page_plan([line("4. Our vision", 200, bold=True),
                       line("The priorities were agreed at the Board's development day, following", 220),
                       line("an analysis of local performance information.", 232)], *body)
    assert levels(prose) == [("", "", "")]
    # nor is a numbered list item in plain type
    assert levels(page_plan([line("1. Early help", 300)], *body)) == [("", "", "")]


def test_an_objective_banner_with_an_outline_ref_is_an_objective_and_a_parent_even_first():
    # subrow objectives: "Objective 1.1: …" banners, before any priority is open
    t = table(row("Ref", *HEADER), row("Objective 1.1: To improve access to support", None, None, None),
              row("1.1.1", "Train staff", "Lead", "May 2017"))
    result = read_plan([], [t])
    assert levels(result.rows) == [("", "", "To improve access to support")]
    assert result.rows[0].parent_ref == "1.1"
    assert [(p.kind, p.row.ref, p.row.get("objective")) for p in result.parents] == [
        ("objective", "1.1", "To improve access to support")]


def at(page: int, *cells: tuple[float, str | None]) -> Row:
    """A row whose cells start at the given x positions."""
    return Row(tuple(None if t is None else Cell(t, page, BBox(x, 0, x + 40, 10)) for x, t in cells), page)


def test_a_table_continued_on_the_next_page_without_its_merged_column_keeps_the_columns():
    # no lines at all / repeat_header False: the objective's merged cell runs on empty, so the
    # next page's table has one column fewer and no header
    first = Table(rows=[at(1, (30, "Ref"), (80, "Objective"), (200, "Action"), (350, "Lead")),
                        at(1, (30, "D.1"), (80, "To keep children safe online"), (200, "Train staff"), (350, "QA Lead"))],
                  page=1, bbox=BOX, strategy="aligned", pages=[1])
    cont = Table(rows=[at(2, (30, "D.2"), (200, "Audit cases"), (350, "Chair")),
                       at(2, (30, "D.3"), (200, "Publish a guide"), (350, "Comms"))],
                 page=2, bbox=BOX, strategy="aligned", pages=[2])
    glossary = Table(rows=[at(3, (30, "CSE"), (200, "Child sexual exploitation")),
                           at(3, (30, "LADO"), (200, "Local authority designated officer"))],
                     page=3, bbox=BOX, strategy="aligned", pages=[3])
    rows = read_plan([], [first, cont, glossary]).rows
    assert [(r.ref, r.get("action"), r.get("lead"), r.get("objective")) for r in rows] == [
        ("D.1", "Train staff", "QA Lead", "To keep children safe online"),
        ("D.2", "Audit cases", "Chair", "To keep children safe online"),
        ("D.3", "Publish a guide", "Comms", "To keep children safe online")]


def test_a_table_continued_on_the_next_page_without_a_column_left_empty_throughout_keeps_the_columns():
    # no lines at all: a Commentary column no row fills is invisible to an unruled reader,
    # so the next page's part has one column fewer; it was taken for another table
    first = Table(rows=[at(1, (30, "Action"), (200, "Lead"), (350, "Timescale"), (450, "Commentary")),
                        at(1, (30, "Train staff"), (200, "QA Lead"), (350, "May 2019"), (450, ""))],
                  page=1, bbox=BOX, strategy="aligned", pages=[1])
    cont = Table(rows=[at(2, (30, "Audit cases"), (200, "Chair"), (350, "June 2019"))],
                 page=2, bbox=BOX, strategy="aligned", pages=[2])
    rows = read_plan([], [first, cont]).rows
    assert [(r.get("action"), r.get("lead"), r.get("timescale")) for r in rows] == [
        ("Train staff", "QA Lead", "May 2019"), ("Audit cases", "Chair", "June 2019")]
