"""The heading grammar of data/patterns.toml [headings]: which lines, banners and cells open a
priority or an objective, and which only start a sentence with one of the label words. Each
case names the layout family it stands for: the label scheme and separator a plan numbers its
priorities with (as the devset's style.json records them), or the seed document it comes from."""
from __future__ import annotations

import pytest

from boardplans.pipeline.patterns import (PriorityHeading, grammar, patterns, read_numbered_heading,
                               read_priority_cell, read_priority_heading)

# (family, text, ref, title, kind, label)
HEADINGS = [
    # seeds: the published plans the pipeline was written on
    ("seed LSCB Priority {n} – Lead:", "LSCB Priority 1 – Lead: Victor Cook; Board Officer: Andy Sharp",
     "1", "", "priority", "Priority"),
    ("seed PRIORITY {n}: statement", "PRIORITY 2: To strengthen the protection of children",
     "2", "To strengthen the protection of children", "priority", "PRIORITY"),
    ("seed Strategic Priority ({n})", "Strategic Priority (4) Championing good practice",
     "4", "Championing good practice", "priority", "Strategic Priority"),
    ("seed Theme {n} -", "Theme 3 - Child Sexual Exploitation (CSE)", "3", "Child Sexual Exploitation (CSE)",
     "priority", "Theme"),
    ("seed Theme {n} no separator", "Theme 1 Early Help", "1", "Early Help", "priority", "Theme"),
    ("seed Priority {n}. alone", "Priority 1.", "1", "", "priority", "Priority"),
    # label vocabulary: compounds, qualifiers, board acronyms
    ("Priority Work Stream {n} –", "Priority Work Stream 1 – Neglect", "1", "Neglect", "priority",
     "Priority Work Stream"),
    ("Priority Theme {w}", "Priority Theme One", "1", "", "priority", "Priority Theme"),
    ("Strategic Priority {n} -", "Strategic Priority 2 - Safer organisations", "2", "Safer organisations",
     "priority", "Strategic Priority"),
    ("STRATEGIC PRIORITY {n}. upper", "STRATEGIC PRIORITY 1. SAFEGUARDING CHILDREN IN THE DIGITAL WORLD",
     "1", "SAFEGUARDING CHILDREN IN THE DIGITAL WORLD", "priority", "STRATEGIC PRIORITY"),
    ("KEY PRIORITY {n} upper, bare", "KEY PRIORITY 1", "1", "", "priority", "KEY PRIORITY"),
    ("Key Priority {n}:", "Key Priority 3: Children living with neglect", "3", "Children living with neglect",
     "priority", "Key Priority"),
    ("Board Priority {n} bare", "Board Priority 1", "1", "", "priority", "Board Priority"),
    ("Priority Area {n}.", "Priority Area 1. Children in private fostering arrangements", "1",
     "Children in private fostering arrangements", "priority", "Priority Area"),
    ("Priority Area {n}:", "Priority Area 1: Getting help early", "1", "Getting help early", "priority",
     "Priority Area"),
    ("Workstream {w}", "Workstream Two", "2", "", "priority", "Workstream"),
    ("work-stream hyphenated", "Work-stream 4: Early help", "4", "Early help", "priority", "Work-stream"),
    ("Area of focus {n}", "Area of Focus 2 – Neglect", "2", "Neglect", "priority", "Area of Focus"),
    ("Strategic Aim {n}", "Strategic Aim 2: Learning", "2", "Learning", "priority", "Strategic Aim"),
    ("Strategic Objective {n}: (a priority column)", "Strategic Objective 2: Allegations against people who work with children",
     "2", "Allegations against people who work with children", "priority", "Strategic Objective"),
    ("acronym + qualifier", "LSCB Key Priority 2 – Neglect", "2", "Neglect", "priority", "Key Priority"),
    ("Priority No. {n}", "Priority No. 3 Governance", "3", "Governance", "priority", "Priority"),
    # refs: letters, number + letter, roman numerals, number words, brackets
    ("Theme {A}:", "Theme A: Safeguarding babies", "A", "Safeguarding babies", "priority", "Theme"),
    ("Theme {A} -", "Theme B - Listening to children and young people", "B",
     "Listening to children and young people", "priority", "Theme"),
    ("Priority {A}: bare", "Priority B:", "B", "", "priority", "Priority"),
    ("Priority (b) lower letter in brackets", "Priority (b) Neglect", "B", "Neglect", "priority", "Priority"),
    ("PRIORITY {n}{a}", "PRIORITY 1a", "1a", "", "priority", "PRIORITY"),
    ("Priority {n}{A}", "Priority 2B: Online safety", "2B", "Online safety", "priority", "Priority"),
    ("Priority ({roman})", "Priority (iii)", "3", "", "priority", "Priority"),
    ("Priority {ROMAN}:", "Priority IV: Early help", "4", "Early help", "priority", "Priority"),
    ("Priority {w}:", "Priority One: Protecting children and young people from sexual exploitation", "1",
     "Protecting children and young people from sexual exploitation", "priority", "Priority"),
    ("Priority {w}.", "Priority Two. Extremism and Prevent", "2", "Extremism and Prevent", "priority", "Priority"),
    ("ordinal word ref", "Theme First – Voice of the child", "1", "Voice of the child", "priority", "Theme"),
    # separators: none, ":", ".", "–", "-", "—", ")"
    ("Priority {n} no separator, upper title", "PRIORITY 1 AN EFFECTIVE BOARD", "1", "AN EFFECTIVE BOARD",
     "priority", "PRIORITY"),
    ("Priority {n} —", "Priority 5 — Domestic abuse", "5", "Domestic abuse", "priority", "Priority"),
    ("Priority {n})", "Priority 3) Neglect", "3", "Neglect", "priority", "Priority"),
    ("Priority {n} – enumerated title", "Key Priority 7 a) To hold agencies to account", "7",
     "a) To hold agencies to account", "priority", "Key Priority"),
    # objective labels
    ("Objective {n}: bare", "Objective 1:", "1", "", "objective", "Objective"),
    ("OBJECTIVE {n} – upper (a banner table)", "OBJECTIVE 1 – CHILDREN LIVING WITH NEGLECT", "1",
     "CHILDREN LIVING WITH NEGLECT", "objective", "OBJECTIVE"),
    ("Objective {n} bare banner", "Objective 2", "2", "", "objective", "Objective"),
    ("Outcome {n}:", "Outcome 1: Improving mental health support for young people", "1",
     "Improving mental health support for young people", "objective", "Outcome"),
    ("Outcome {n} – subrow", "Outcome 2 – To engage young people in the work of the Board", "2",
     "To engage young people in the work of the Board", "objective", "Outcome"),
    ("Aim {n} bare", "Aim 3", "3", "", "objective", "Aim"),
    ("AIM {A}: upper", "AIM A: EXTREMISM AND PREVENT", "A", "EXTREMISM AND PREVENT", "objective", "AIM"),
    ("Goal {n}", "Goal 2: Safer workforce", "2", "Safer workforce", "objective", "Goal"),
    ("Sub-priority {n}{a}", "Sub-priority 2b: Neglect", "2b", "Neglect", "objective", "Sub-priority"),
    # an outline ref after a label (subrow objectives): its level is the objective's
    ("Objective {n.n}: subrow", "Objective 1.1: To improve access to mental health support", "1.1",
     "To improve access to mental health support", "objective", "Objective"),
    ("Objective {A.n}: subrow", "Objective A.1: To protect children vulnerable to radicalisation", "A.1",
     "To protect children vulnerable to radicalisation", "objective", "Objective"),
    ("Key Objective keeps its kind", "Key Objective 2: Early help", "2", "Early help", "objective", "Key Objective"),
    ("Board Objective is a priority", "Board Objective 2: Early help", "2", "Early help", "priority",
     "Board Objective"),
    # a label, a colon and a short title: no ref
    ("THEME: TITLE", "THEME: TRAINING", "", "TRAINING", "priority", "THEME"),
    ("Priority: title", "Priority: Neglect and emotional abuse", "", "Neglect and emotional abuse", "priority",
     "Priority"),
    ("Outcome: title", "Outcome: Children are safe online", "", "Children are safe online", "objective", "Outcome"),
    # a heading's remainder that is metadata gives no title
    ("Priority {n}: Lead", "Priority 3: Lead officer: Head of Service", "3", "", "priority", "Priority"),
    ("Theme {A} – Owner", "Theme C – Owner: QA Subgroup", "C", "", "priority", "Theme"),
]


@pytest.mark.parametrize("family, text, ref, title, kind, label", HEADINGS, ids=[c[0] for c in HEADINGS])
def test_headings(family, text, ref, title, kind, label):
    got = read_priority_heading(text)
    assert got is not None, family
    assert (got.ref, got.title, got.kind, got.label) == (ref, title, kind, label)


def test_a_board_acronym_is_read_apart_from_the_label():
    got = read_priority_heading("WBSCP Strategic Priority 2: Early help")
    assert (got.board, got.label, got.ref) == ("WBSCP", "Strategic Priority", "2")
    # a qualifier in capitals is part of the label, not an acronym
    assert read_priority_heading("BOARD PRIORITY 4").board == ""


# (family, text): prose and other lines that open with a label word, and are no heading
NOT_HEADINGS = [
    ("prose: label + verb", "Priority will be given to children at risk"),
    ("prose: label + of", "Theme of the year is neglect"),
    ("prose: label + to", "Aim to improve the timeliness of assessments"),
    ("prose: plural label", "Outcomes for children improved"),
    ("prose: label + of (objective)", "Objective of this plan"),
    ("prose: plural compound", "Priority areas are reviewed yearly"),
    ("prose: plural, no ref", "Our priorities"),
    ("prose: verb", "Prioritise the work"),
    ("prose: number then lower-case sentence", "Priority 1 and 2 were achieved in full"),
    ("prose: number then verb", "Priority 2 is to reduce the number of children missing"),
    ("prose: word ref then sentence", "Priority one of the Board is neglect"),
    ("prose: lower-case letter, no separator", "Aim a better service at families"),
    ("prose: colon then lower-case", "Objective: to improve access"),
    ("range of refs", "Priorities 1-3"),
    ("range after one label", "Priority 1-3 carried over"),
    ("no space after a stop", "Priority 1.Neglect"),
    ("a year is no ref", "Work stream 2019 review"),
    ("a four-digit number", "Priority 2019"),
    ("label alone", "Priority"),
    ("label and colon alone", "Objective:"),
    ("column header", "Strategic Aim"),
    ("colon-title that is a rating", "Priority: High"),
    ("colon-title that is a rating (RAG)", "Outcome: Green"),
    ("colon-title that is metadata", "Theme: Lead: QA Subgroup"),
    ("colon-title that is a sentence", "Objective: To improve access to mental health support for children and young people"),
    ("label word inside a word", "Themed learning events"),
    ("other heading", "Work Programme 2016 – 2019"),
]


@pytest.mark.parametrize("family, text", NOT_HEADINGS, ids=[c[0] for c in NOT_HEADINGS])
def test_not_headings(family, text):
    assert read_priority_heading(text) is None


# (family, text, ref, title): a bare ref opening a line the caller knows is a heading
NUMBERED = [
    ("{n}. heading", "1. Identification of children at risk", "1", "Identification of children at risk"),
    ("{n}) banner", "2) Neglect", "2", "Neglect"),
    ("{n}. - banner, upper", "1. - MANAGING ALLEGATIONS AND SAFER WORKFORCE", "1", "MANAGING ALLEGATIONS AND SAFER WORKFORCE"),
    ("{n}.: banner table", "1.: Reducing the impact of domestic abuse on children", "1",
     "Reducing the impact of domestic abuse on children"),
    ("{n}. – heading", "3. – Transition to new safeguarding arrangements", "3", "Transition to new safeguarding arrangements"),
    ("({n}) heading", "(4) Governance", "4", "Governance"),
    ("{n} heading, no separator", "5 Domestic Abuse", "5", "Domestic Abuse"),
    ("{A}. heading", "B. Safeguarding adolescents", "B", "Safeguarding adolescents"),
    ("({roman}) heading", "(iii) Early help", "3", "Early help"),
    ("{n}{a}) heading", "2a) Online safety", "2a", "Online safety"),
]


@pytest.mark.parametrize("family, text, ref, title", NUMBERED, ids=[c[0] for c in NUMBERED])
def test_numbered_headings(family, text, ref, title):
    got = read_numbered_heading(text)
    assert got is not None, family
    assert (got.ref, got.title, got.kind, got.label) == (ref, title, "priority", "")


NOT_NUMBERED = [
    ("a letter needs its stop", "A confident partnership"),
    ("a sentence with a count", "3 development sessions were held"),
    ("an outline ref is an objective or action", "1.1 Review the subgroup structure"),
    ("a date", "2019 Review"),
    ("a ref with no title", "1."),
    ("a number word is a ref only after a label", "One of our priorities"),
    ("a range", "1-3 Neglect"),
]


@pytest.mark.parametrize("family, text", NOT_NUMBERED, ids=[c[0] for c in NOT_NUMBERED])
def test_not_numbered_headings(family, text):
    assert read_numbered_heading(text) is None


def test_a_numbered_line_is_no_labelled_heading():
    # in prose a numbered line is a list item: only read_numbered_heading takes it
    assert read_priority_heading("1. Identification of children at risk") is None


# (family, text, ref, title): a priority column's cell
CELLS = [
    ("column: {n} title", "1 Neglect", "1", "Neglect"),
    ("column: {n}. title", "2. Exploitation", "2", "Exploitation"),
    ("column: {A}) title", "B) Neglect", "B", "Neglect"),
    ("column: statement without a number", "A confident partnership", "", "A confident partnership"),
    ("column: label and ref", "Priority 2: Exploitation", "2", "Exploitation"),
    ("column: label, ref, wrapped title", "Key Priority 1\nMaximising learning from\nserious case reviews", "1",
     "Maximising learning from serious case reviews"),
    ("column: Objective {n} –", "Objective 1 – The right help at the right time", "1", "The right help at the right time"),
    ("column: label alone", "Priority 1", "1", ""),
    ("column: lower-case title", "Priority 1 reduce the risk of exploitation", "1", "reduce the risk of exploitation"),
    ("column: roman in brackets", "Priority (ii)", "2", ""),
]


@pytest.mark.parametrize("family, text, ref, title", CELLS, ids=[c[0] for c in CELLS])
def test_priority_cells(family, text, ref, title):
    got = read_priority_cell(text)
    assert (got.ref, got.title) == (ref, title)


def test_a_heading_built_by_old_callers_keeps_its_defaults():
    assert PriorityHeading("1", "Neglect") == PriorityHeading("1", "Neglect", "priority", "", "")


def test_the_label_vocabulary_is_consistent():
    spec = patterns()["headings"]
    priority = {w.lower() for w in spec["priority_labels"]}
    objective = {w.lower() for w in spec["objective_labels"]}
    assert not priority & objective, "a label names one level only"
    assert set(spec["qualifiers"].values()) <= {"priority", "objective", "same"}
    assert not set(spec["qualifiers"]) & (priority | objective)
    assert sorted(set(spec["number_words"].values())) == list(range(1, 21))
    assert grammar().heading.pattern  # the vocabulary compiles


@pytest.mark.parametrize("label", [*patterns()["headings"]["priority_labels"],
                                   *patterns()["headings"]["objective_labels"]])
def test_every_label_reads_with_a_ref(label):
    got = read_priority_heading(f"{label.title()} 2: Neglect")
    assert (got.ref, got.title, got.label.lower()) == ("2", "Neglect", label.lower())
