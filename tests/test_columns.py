"""Fields assigned to a table's columns from headers and cells together. Each case is a
table: per column its header, a few body cells and the field it should get; the case id
names the layout family it stands for."""
from __future__ import annotations

import pytest

from boardplans.pipeline.columns import assign_fields
from boardplans.pipeline.headers import is_header_row, match_header

ACTIONS = ["Develop a neglect toolkit for practitioners", "Review the LADO procedures",
           "Deliver multi-agency training on CSE"]
LEADS = ["Head of Safeguarding", "QA Subgroup", "Designated Nurse, CCG"]
DATES = ["March 2017", "Q2 2017/18", "Ongoing"]
REFS = ["1.1", "1.2", "1.3"]
OBJECTIVES = ["To improve the early recognition of neglect", "", ""]  # a merged cell
MEASURES = ["Increase in referrals from schools", "Practitioners report increased confidence",
            "Audit shows thresholds applied consistently"]
RAG = ["Green", "Amber\nAwaiting data from partners", "Complete"]

CASES = {
    "question-headers": [
        ("What will it do?", ACTIONS, "action"), ("Who will do it?", LEADS, "lead"),
        ("When will it be done?", DATES, "timescale"), ("How will we know?", MEASURES, "measure")],
    "area-for-action": [
        ("Area(s) for action", OBJECTIVES, "objective"), ("What we will do", ACTIONS, "action"),
        ("Lead", LEADS, "lead"), ("By when", DATES, "timescale")],
    # the recommendation is what the work answers to: the action where nothing else is
    "recommendations-tracker": [
        ("Ref", REFS, "ref"),
        ("Recommendation", ["The Board should seek assurance that thresholds are applied consistently",
                            "Agencies should ensure that staff are trained in safer recruitment", ""], "objective"),
        ("Work to be undertaken", ["Audit 20 cases", "Publish revised procedures", "Run two workshops"], "action"),
        ("Named lead", LEADS, "lead"), ("Planned completion", DATES, "timescale"),
        ("Latest update", RAG, "progress")],
    "recommendations-only": [
        ("Recommendation", ACTIONS, "action"), ("Action by", LEADS, "lead"), ("Completion date", DATES, "timescale")],
    "seven-col-questions": [
        ("Objective", OBJECTIVES, "objective"), ("What are we going to do?", ACTIONS, "action"),
        ("How are we going to do it?", ["Through the subgroup work plan", "Dip sample of cases", ""], "method"),
        ("Who is responsible?", LEADS, "lead"), ("When is it going to be done by?", DATES, "timescale"),
        ("Impact / what difference has it made?", MEASURES, "measure"), ("Progress made", RAG, "progress")],
    "outcome-left-of-action": [
        ("No.", REFS, "ref"), ("Outcome", OBJECTIVES, "objective"), ("Action", ACTIONS, "action"),
        ("Accountable lead", LEADS, "lead"), ("Target date", DATES, "timescale")],
    "outcome-right-of-action": [
        ("Action", ACTIONS, "action"), ("Lead", LEADS, "lead"), ("Deadline", DATES, "timescale"),
        ("Outcome", MEASURES, "measure")],
    "eight-col-rag-with-partners": [
        ("No.", REFS, "ref"), ("Outcome we want", OBJECTIVES, "objective"), ("Action", ACTIONS, "action"),
        ("Accountable lead", LEADS, "lead"), ("Partners", ["Police, Health", "Schools", "All partners"], "partners"),
        ("Target date", DATES, "timescale"), ("How will we know", MEASURES, "measure"), ("RAG", RAG, "progress")],
    "spreadsheet-export-progress-in-three-columns": [
        ("ID", REFS, "ref"), ("Priority area", ["Neglect", "Neglect", "Exploitation"], "priority"),
        ("Objective", OBJECTIVES, "objective"), ("Key actions", ACTIONS, "action"),
        ("Lead agency", ["Police", "Council", "CCG"], "lead"),
        ("Start date", ["Apr 2022", "Jun 2022", "Sept 2022"], "timescale"),
        ("End date", ["Mar 2023", "Ongoing", "Dec 2022"], "timescale"),
        ("Status", ["On track", "Delayed", "Complete"], "progress"),
        ("% complete", ["50%", "20%", "100%"], "progress"),
        ("Comments", ["Draft shared", "", "Signed off"], "progress")],
    "timescale-before-lead": [
        ("Activity", ACTIONS, "action"), ("By when", DATES, "timescale"),
        ("Responsible lead/group", LEADS, "lead"), ("Evidence of impact", MEASURES, "measure")],
    "action-owner-is-a-lead": [
        ("Deliverables", ACTIONS, "action"), ("Action owner", ["JB", "KS/MT", "Board Manager"], "lead"),
        ("Milestone", DATES, "timescale"), ("Current position", RAG, "progress")],
    "risks-and-resources-columns": [
        ("Key tasks", ACTIONS, "action"), ("Lead / owner", LEADS, "lead"), ("Completion date", DATES, "timescale"),
        ("Resources needed", ["Within existing resources", "£5,000 training budget", "Officer time"], "resources"),
        ("Barriers / dependencies", ["Capacity within partner agencies", "Delay in national guidance", ""], "risks"),
        ("RAG status", RAG, "progress")],
    "developmental-objective": [
        ("Priority theme", ["Early help", "", ""], "priority"),
        ("Developmental objective", OBJECTIVES, "objective"), ("Actions / activity", ACTIONS, "action"),
        ("Lead responsibility", LEADS, "lead"), ("Timing", DATES, "timescale")],
    "empty-header-over-refs": [
        ("", ["A1", "A2", "B1"], "ref"), ("What needs to happen?", ACTIONS, "action"),
        ("By whom", LEADS, "lead"), ("When?", DATES, "timescale")],
    "header-spanning-ref-column": [
        ("Action", REFS, "ref"), ("", ACTIONS, "action"), ("Lead Officer", LEADS, "lead"),
        ("Timescale", DATES, "timescale")],
    "action-header-over-an-empty-column": [
        ("Theme", ["Neglect", "", ""], "priority"), ("Actions", ["", "", "See below"], None),
        ("", ACTIONS + ["Track the action plans from reviews"], "action"), ("Lead", LEADS, "lead"),
        ("Timescale", DATES, "timescale")],
    "unknown-header-read-from-dates": [
        ("Task", ACTIONS, "action"), ("Officer", LEADS, "lead"),
        ("Key milestones and review points", ["By end of June 2019", "Q3 2019/20", "31/03/2020"], "timescale")],
    "unmapped-notes-column": [
        ("Action", ACTIONS, "action"), ("Lead", LEADS, "lead"), ("Notes to self", ["see email", "", "ask Sam"], None)],
}


@pytest.mark.parametrize("columns", CASES.values(), ids=CASES.keys())
def test_fields_are_assigned_to_the_whole_table(columns):
    headers = [h for h, _, _ in columns]
    bodies = [cells for _, cells, _ in columns]
    assert [a.field for a in assign_fields(headers, bodies)] == [f for _, _, f in columns]


def test_an_assignment_says_how_it_was_reached():
    got = assign_fields(["", "Lead", "Notes"], [REFS, LEADS, ["x", "", ""]])
    assert [(a.field, a.how) for a in got] == [("ref", "content"), ("lead", "both"), (None, "none")]
    assert got[1].header == 1.0 and got[1].content == 1.0 and got[2].score == 0.0


def test_a_table_without_body_rows_is_judged_by_its_headers():
    got = assign_fields(["Outcome", "Action", "Outcome"], [[], [], []])
    assert [(a.field, a.how) for a in got] == [("objective", "header"), ("action", "header"), ("measure", "header")]


@pytest.mark.parametrize("header, field", [
    ("Area(s) for action", "objective"), ("What will it do?", "action"), ("Who will do it?", "lead"),
    ("When will it be done?", "timescale"), ("How will we know?", "measure"),
    ("Recommendation", "action"), ("Planned completion", "timescale"), ("Work to be undertaken", "action"),
    ("Actions to achieve objective", "action"), ("Action owner", "lead"), ("Strategic aim", "priority"),
    ("Issues / risks", "risks"), ("How will success be measured?", "measure"), ("#", "ref"),
])
def test_one_header_on_its_own_names_its_best_field(header, field):
    assert match_header(header).field == field


@pytest.mark.parametrize("texts, expected", [
    (["Ref", "Recommendation", "Named lead", "Planned completion"], True),
    (["What will it do?", "Who will do it?", "When will it be done?"], True),
    (["Review the LADO procedures", "Board Manager", "March 2017"], False),
    (["Notes", "Comments"], False),  # no plan column
    (["Develop a neglect toolkit for the lead agencies", "Named Nurse", "Ongoing"], False),
], ids=["recommendations-tracker", "question-headers", "body-row", "no-plan-column", "body-row-with-keywords"])
def test_a_row_reads_as_a_header(texts, expected):
    assert is_header_row(texts) is expected
