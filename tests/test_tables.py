"""The table layer's structural rules, each on a small page view built as a PDF places its
words (10 pt lines, 5 pt per character), named after the layout family it serves. The
real-PDF side is covered by test_eval.py, test_fixtures.py and test_devset.py."""
from __future__ import annotations

from boardplans.extractors.model import BBox, Cell, PageContent, Row, Table, TextLine
from boardplans.extractors.page import find_tables
from boardplans.extractors.pageview import PageView, Rule, rules_and_fills
from boardplans.extractors.ruled import find_ruled_tables
from boardplans.extractors.settings import ExtractSettings
from boardplans.extractors.furniture import drop_furniture
from boardplans.extractors.words import Word

SETTINGS = ExtractSettings()
LINE = 12.0  # pitch inside a cell


def row_words(top: float, *cells: tuple[float, str], bold: bool = False) -> list[Word]:
    """Words of one text line: each (x, text) is a cell's text starting at x."""
    words = []
    for x, text in cells:
        for token in text.split():
            words.append(Word(token, x, top, x + 5 * len(token), top + 10, bold=bold))
            x += 5 * len(token) + 3
    return words


def view(words, rules=(), fills=(), height: float = 800.0) -> PageView:
    return PageView(1, 600.0, height, tuple(words), tuple(rules), tuple(fills), 0, False)


COLS = (50.0, 250.0, 400.0)  # action | lead | timescale


def plan_rows(start: float, gap: float) -> tuple[list[Word], list[float]]:
    """A header and three two-line rows; returns the words and each row's top."""
    words = row_words(start, (COLS[0], "Action"), (COLS[1], "Lead"), (COLS[2], "Timescale"), bold=True)
    tops, y = [], start + LINE + gap
    for n in range(3):
        tops.append(y)
        words += row_words(y, (COLS[0], f"Deliver training number {n} to"), (COLS[1], "Board"), (COLS[2], "March"))
        words += row_words(y + LINE, (COLS[0], "all partner agencies"), (COLS[1], "Manager"), (COLS[2], "2020"))
        y += 2 * LINE + gap
    return words, tops


def texts(table) -> list[list[str | None]]:
    return [[c.text if c else None for c in r.cells] for r in table.rows]


def test_no_lines_at_all_rows_start_where_whitespace_runs_across_every_column():
    words, _ = plan_rows(100.0, gap=6.0)
    [table] = find_tables(view(words), SETTINGS)
    assert table.strategy == "aligned"
    assert texts(table)[1] == ["Deliver training number 0 to all partner agencies", "Board Manager", "March 2020"]
    assert len(table.rows) == 4


def test_shaded_header_over_an_unruled_body_is_one_table_not_a_one_row_grid():
    words, _ = plan_rows(100.0, gap=6.0)
    header_fill = [BBox(45, 98, 550, 112)]
    [table] = find_tables(view(words, fills=header_fill), SETTINGS)
    assert len(table.rows) == 4 and texts(table)[0] == ["Action", "Lead", "Timescale"]


def test_horizontal_rules_only_separate_rows_without_verticals():
    words, tops = plan_rows(100.0, gap=2.0)  # rows no further apart than lines: only rules tell
    rules = [Rule(45, t - 1.0, 550, t - 1.0) for t in tops]
    [table] = find_tables(view(words, rules=rules), SETTINGS)
    assert [r[0] for r in texts(table)[1:]] == [f"Deliver training number {n} to all partner agencies" for n in range(3)]


def test_zebra_fills_separate_rows_and_a_column_no_fill_edge_crosses_is_a_merged_cell():
    words, tops = plan_rows(100.0, gap=2.0)  # rows no further apart than lines: only fills tell
    words = [w for w in words if not (tops[1] - 1 <= w.top < tops[2] - 1 and COLS[1] <= w.x0 < COLS[2])]
    bottom = tops[2] + 2 * LINE
    fills = [BBox(45, 98, 550, 112),  # the header
             # the second row is shaded but for the lead column: the white cell above runs on
             BBox(45, tops[1] - 1, COLS[1] - 5, tops[2] - 1), BBox(COLS[2] - 5, tops[1] - 1, 550, tops[2] - 1),
             BBox(45, tops[2] - 1, 550, bottom)]
    [table] = find_tables(view(words, fills=fills), SETTINGS)
    assert len(table.rows) == 4
    assert texts(table)[2][1] is None             # covered by the lead cell above
    assert texts(table)[3][1] == "Board Manager"  # a fill edge crosses it: a cell of its own


def test_a_banner_across_the_columns_is_a_row_of_its_own():
    words, tops = plan_rows(100.0, gap=6.0)
    # the rows from the second on move down to make room for the banner
    words = [Word(w.text, w.x0, w.top + 20, w.x1, w.bottom + 20, w.bold) if w.top >= tops[1] - 1 else w for w in words]
    words += row_words(tops[1] + 4, (COLS[0], "Objective 2: To make sure that every agency knows the threshold"))
    [table] = find_tables(view(words), SETTINGS)
    banner = next(r for r in table.rows if r.cells[0] and r.cells[0].text.startswith("Objective 2"))
    assert all(c is None for c in banner.cells[1:])


def test_a_banner_of_three_lines_under_a_priority_banner_is_one_row_and_the_table_runs_on():
    # banner_single + objective subrow: "Key Priority 4" over a wrapped "Objective 4.1" banner
    words, tops = plan_rows(100.0, gap=6.0)
    shift = 4 * LINE + 8
    words = [Word(w.text, w.x0, w.top + shift, w.x1, w.bottom + shift, w.bold) if w.top >= tops[1] - 1 else w for w in words]
    y = tops[1] + 2
    # stacked at the same pitch: the short priority line did not wrap into the objective
    words += row_words(y, (COLS[0], "Key Priority 4: The right help at the right time"))
    # the banner wraps: each of its lines but the last reaches the table's right edge
    for n, text in enumerate(["Objective 4.1: To evaluate the effectiveness of the hub and the front door for all",
                              "services, with all partner agencies asked to confirm the arrangements they have made",
                              "in their own organisations"]):
        words += row_words(y + LINE + n * LINE, (COLS[0], text))
    [table] = find_tables(view(words), SETTINGS)
    banners = [r.cells[0].text for r in table.rows if all(c is None for c in r.cells[1:])]
    assert banners == ["Key Priority 4: The right help at the right time",
                       "Objective 4.1: To evaluate the effectiveness of the hub and the front door for all services, "
                       "with all partner agencies asked to confirm the arrangements they have made in their own organisations"]
    assert len(table.rows) == 6


def test_an_ocr_banner_line_overlapping_the_row_above_keeps_its_words_and_the_row_its_cells():
    # scans: a tall OCR box in a row's last line reaches down past the top of the banner below
    words, tops = plan_rows(100.0, gap=6.0)
    words = [Word(w.text, w.x0, w.top + 16, w.x1, w.bottom + 16, w.bold) if w.top >= tops[1] - 1 else w for w in words]
    last = tops[0] + LINE
    words = [Word(w.text, w.x0, w.top, w.x1, w.bottom + 6) if (w.text, w.top) == ("2020", last) else w for w in words]
    words.append(Word("Aim", COLS[0], last + 11, COLS[0] + 15, last + 15))  # a short box at the line's top
    words += row_words(last + 12, (COLS[0] + 20, "2: To make sure that every agency knows the threshold"))
    [table] = find_tables(view(words), SETTINGS)
    assert texts(table)[1] == ["Deliver training number 0 to all partner agencies", "Board Manager", "March 2020"]
    assert texts(table)[2][0].startswith("Aim 2: To make sure") and texts(table)[2][1:] == [None, None]


def test_a_key_table_just_above_a_wider_plan_table_is_a_table_of_its_own():
    # zebra/header_shade with a RAG key: the plan's header fits the key's gutters, but none
    # of its cells starts where a key column does
    words = row_words(100, (200, "Status"), (280, "Meaning"), bold=True)
    for n, (status, meaning) in enumerate([("Red", "Not started"), ("Amber", "At risk"), ("Green", "On track")]):
        words += row_words(100 + (n + 1) * 14, (200, status), (280, meaning))
    plan, _ = plan_rows(100 + 4 * 14 + 16, gap=6.0)
    [key, table] = find_tables(view(words + plan), SETTINGS)
    assert texts(key)[0] == ["Status", "Meaning"] and key.bbox.bottom < table.bbox.top
    assert texts(table)[0] == ["Action", "Lead", "Timescale"] and len(table.rows) == 4


def test_rows_padded_two_lines_apart_stay_one_table_but_prose_below_ends_it():
    # no lines at all, a web page printed: cell padding sets rows further apart than a
    # paragraph break, and only the columns tell the next row from the next paragraph
    words, _ = plan_rows(100.0, gap=22.0)
    last = 100.0 + LINE + 3 * (2 * LINE + 22.0)
    words += row_words(last + 22.0, (COLS[0], "This plan is reviewed by the Board every quarter and"))
    words += row_words(last + 22.0 + LINE, (COLS[0], "published on its website."))
    [table] = find_tables(view(words), SETTINGS)
    assert len(table.rows) == 4 and texts(table)[3][0] == "Deliver training number 2 to all partner agencies"


def test_a_contents_list_above_the_plan_is_no_part_of_its_table():
    # contents with no leader dots: a title, a wide space and a page number, on lines that
    # line up like a two-column table just above the plan's header
    words = []
    for n, title in enumerate(["The business plan", "Appendix 1: RAG key", "Glossary"]):
        words += row_words(58 + n * 14, (COLS[0], title), (540, str(n + 2)))
    plan, _ = plan_rows(100.0, gap=6.0)
    [table] = find_tables(view(words + plan), SETTINGS)
    assert texts(table)[0] == ["Action", "Lead", "Timescale"] and len(table.rows) == 4


def test_prose_bullets_make_no_columns():
    words = []
    for n in range(4):
        words += row_words(100 + n * LINE, (50, "•"), (62, f"Priority item number {n} for the year"))
    assert find_tables(view(words), SETTINGS) == []


def test_a_ref_standing_far_from_its_text_is_a_column_of_its_own():
    words = row_words(100, (110, "What"), (300, "Who"), bold=True)
    for n, ref in enumerate(["(i)", "(ii)", "(iii)"]):
        words += row_words(100 + (n + 1) * 18, (40, ref), (110, f"Review pathway number {n}"), (300, "Board Manager"))
    [table] = find_tables(view(words), SETTINGS)
    assert [r[0] for r in texts(table)[1:]] == ["(i)", "(ii)", "(iii)"]


def test_a_first_column_of_wrapped_words_is_one_cell_per_row_not_a_column_of_refs():
    # header_shade, priority_mode column: "Priority / Area 1: / Online / safety" wraps in a
    # narrow first column; its short lines are one cell, the row ends at the whitespace
    words = row_words(100, (40, "Priority"), (110, "Action"), (300, "Who"), bold=True)
    y = 100 + LINE + 6
    for n in range(2):
        words += row_words(y, (40, "Priority"), (110, f"Review pathway number {n} and"), (300, "Board"))
        words += row_words(y + LINE, (40, "Online"), (110, "report on it"), (300, "Manager"))
        words += row_words(y + 2 * LINE, (40, "safety"))
        y += 3 * LINE + 6
    [table] = find_tables(view(words), SETTINGS)
    assert [r[0] for r in texts(table)[1:]] == ["Priority Online safety"] * 2


def test_refs_on_consecutive_lines_each_open_a_row():
    # horizontal/none borders with one-line rows: refs follow each other at the leading,
    # yet each one is an entry of its own
    words = row_words(100, (40, "Ref"), (110, "Action"), (300, "Who"), bold=True)
    y = 100 + LINE
    for ref in ["2.1", "2.2", "2.3"]:
        words += row_words(y, (40, ref), (110, f"Review pathway {ref}"), (300, "Board Manager"))
        y += LINE
    [table] = find_tables(view(words), SETTINGS)
    assert [r[0] for r in texts(table)[1:]] == ["2.1", "2.2", "2.3"]


def test_a_merged_cells_last_line_beside_the_next_entry_runs_on_in_its_cell():
    # no lines, merged objective (docx): the merged cell's last line shares the line of the
    # next ref, so only its case and closeness tell it from the next row's text
    words = row_words(100, (40, "#"), (80, "Outcome"), (250, "Task"), (400, "Lead"), bold=True)
    words += row_words(118, (40, "a)"), (80, "To reduce admissions for"), (250, "Hold an event"), (400, "QA Lead"))
    words += row_words(130, (80, "self-"))
    words += row_words(140, (40, "b)"), (250, "Review the pathway"), (400, "Named GP"))
    words += [Word("harm", 80, 141.5, 100, 151.5)]
    words += row_words(160, (40, "c)"), (250, "Audit cases"), (400, "Head of Service"))
    [table] = find_tables(view(words), SETTINGS)
    assert [r[:2] for r in texts(table)[1:]] == [["a)", "To reduce admissions for self-harm"], ["b)", None], ["c)", ""]]


def test_fills_are_not_rules_and_thin_rectangles_are():
    rects = [{"x0": 10, "x1": 200, "top": 50, "bottom": 70, "fill": True, "stroke": False, "non_stroking_color": (0.8,)},
             {"x0": 10, "x1": 200, "top": 70, "bottom": 70.7, "fill": True, "stroke": False, "non_stroking_color": (0,)},
             {"x0": 0, "x1": 600, "top": 0, "bottom": 800, "fill": True, "stroke": False, "non_stroking_color": (1,)}]
    rules, fills = rules_and_fills([], rects, SETTINGS.rule_thickness, 600 * 800)
    assert fills == [BBox(10, 50, 200, 70)]
    assert [(r.horizontal, r.top) for r in rules] == [(True, 70.35)]


def test_too_few_rules_for_a_grid_is_no_grid_and_no_error():
    # pdfplumber's explicit strategy raised on fewer than two lines; a scan with one rule
    assert find_ruled_tables(view(row_words(100, (50, "Text")), rules=[Rule(40, 90, 500, 90)]), SETTINGS) == []


def test_a_header_row_whose_borders_were_not_found_is_split_at_the_columns():
    # a scanned grid whose shaded header lost its inner borders
    words = row_words(102, (55, "Ref"), (105, "Action"), (305, "Lead"), bold=True)
    words += row_words(122, (55, "1.1"), (105, "Agree a protocol"), (305, "Board Manager"))
    rules = [Rule(50, y, 500, y) for y in (100, 118, 136)]
    rules += [Rule(x, 100, x, 136) for x in (50, 500)] + [Rule(x, 118, x, 136) for x in (100, 300)]
    [table] = find_ruled_tables(view(words, rules=rules), SETTINGS)
    assert texts(table)[0] == ["Ref", "Action", "Lead"]


def test_a_running_head_is_dropped_before_tables_are_found_but_a_top_table_header_stays():
    pages = []
    for n in range(3):
        words = row_words(10, (50, "07/03/2021, 14:30"), (300, "Annual Business Plan"))
        words += row_words(40, (50, "Action"), (300, "Lead"), bold=True)  # set close to its rows
        words += row_words(52, (50, "Deliver training"), (300, "Board Manager"))
        pages.append(view(words, height=400.0))
    kept = drop_furniture(pages, SETTINGS)
    texts_left = {w.text for w in kept[0].words}
    assert "Annual" not in texts_left and {"Action", "Lead"} <= texts_left


def test_a_page_break_under_a_merged_first_column_splits_no_row_unless_the_text_goes_on():
    # merge_same over a page break: the objective's merged cell runs on empty at the top
    # of the next page, so an empty first cell there no longer means a row cut in two
    from boardplans.extractors.stitch import is_split_row

    def cell(text: str, top: float) -> Cell:
        return Cell(text, 1, BBox(0, top, 100, top + 10))

    last = Row((None, cell("Introduce a risk register", 770), cell("A Fletcher", 770)), 1)
    new_entry = Row((cell("", 40), cell("- Test the impact of action plans", 40), cell("Ongoing", 40)), 2)
    goes_on = Row((cell("", 40), cell("for the Board and its partners", 40), cell("", 40)), 2)
    assert not is_split_row(last, 790.0, new_entry, 792.0)
    assert is_split_row(last, 790.0, goes_on, 792.0)
    # an own first cell left empty by the break: the row goes on, as before
    own_key = Row((cell("To monitor", 770), cell("Introduce a risk register", 770), cell("A Fletcher", 770)), 1)
    assert is_split_row(own_key, 790.0, new_entry, 792.0)


def test_a_merged_cell_the_page_break_clipped_keeps_its_text():
    # grid, Chromium with separate borders: the first column's merged cell runs on to the
    # next page, so it has its sides but no bottom rule on this one
    xs = (30.0, 200.0, 400.0, 550.0)

    def box(x0, top, x1, bottom):
        return [Rule(x0, top, x1, top), Rule(x0, bottom, x1, bottom), Rule(x0, top, x0, bottom), Rule(x1, top, x1, bottom)]

    rules = [r for a, b in zip(xs, xs[1:]) for r in box(a, 100, b, 120)]  # the header
    rules += [Rule(xs[0], 122, xs[1], 122), Rule(xs[0], 122, xs[0], 200), Rule(xs[1], 122, xs[1], 200)]  # open
    for top, bottom in ((122, 150), (152, 180)):
        rules += [r for a, b in zip(xs[1:], xs[2:]) for r in box(a, top, b, bottom)]
    words = row_words(104, (35, "Objective"), (205, "Action"), (405, "Lead"), bold=True)
    words += row_words(126, (35, "To keep children safe"), (205, "Train staff"), (405, "QA Lead"))
    words += row_words(156, (205, "Audit cases"), (405, "Chair"))
    [table] = find_ruled_tables(view(words, rules=rules), SETTINGS)
    assert texts(table)[1:] == [["To keep children safe", "Train staff", "QA Lead"], [None, "Audit cases", "Chair"]]


def test_a_priority_column_centred_on_its_rows_heads_them_and_refs_in_the_second_column_open_rows():
    # no lines, Chromium: a rowspan cell is set in the middle of the rows it spans, and the
    # refs that open each row stand in the second column
    words = row_words(100, (40, "Priority"), (150, "Ref"), (200, "Action"), (400, "Lead"), bold=True)
    words += row_words(120, (150, "(i)"), (200, "Train call handlers to"), (400, "F Hussain"))
    words += row_words(132, (200, "recognise absence"))
    words += row_words(137, (40, "Key Priority 1"))
    words += row_words(150, (40, "Missing children"), (150, "(ii)"), (200, "Hold a strategy discussion"), (400, "H Barker"))
    words += row_words(162, (200, "after three episodes"))
    words += row_words(176, (150, "(iii)"), (200, "Audit return interviews"), (400, "C Wright"))
    [table] = find_tables(view(words), SETTINGS)
    assert [r[:3] for r in texts(table)[1:]] == [
        ["Key Priority 1 Missing children", "(i)", "Train call handlers to recognise absence"],
        [None, "(ii)", "Hold a strategy discussion after three episodes"],
        ["", "(iii)", "Audit return interviews"]]


def test_no_lines_at_all_a_year_wrapped_onto_a_line_of_its_own_stays_in_its_cell():
    # a borderless table whose narrow timescale column wraps "End February 2025": the
    # year alone on its line read as a page number and was dropped; a page number set
    # apart under the table still is
    words, tops = plan_rows(100.0, gap=6.0)
    y = tops[-1] + 2 * LINE + 6.0
    words += row_words(y, (COLS[0], "Review the pathway"), (COLS[1], "Ruth"), (COLS[2], "End February"))
    words += row_words(y + LINE, (COLS[2], "2025"))
    words += row_words(y + 4 * LINE, (COLS[1], "7"))
    [table] = find_tables(view(words), SETTINGS)
    assert texts(table)[-1] == ["Review the pathway", "Ruth", "End February 2025"]
    assert all("7" not in (t or "").split() for row in texts(table) for t in row)


def _part(page: int, height: float, rows: list[tuple[str, ...]], top: float, pitch: float = 30.0) -> PageContent:
    """A page of `height` holding one table of `rows` (three columns) from `top` down."""
    cells = [Row(tuple(Cell(t, page, BBox(50 + 150 * k, top + pitch * i, 190 + 150 * k, top + pitch * i + 10))
                       for k, t in enumerate(r)), page) for i, r in enumerate(rows)]
    box = BBox(50, top, 490, top + pitch * len(rows) - 20)
    table = Table(rows=cells, page=page, bbox=box, strategy="aligned", column_edges=(50.0, 200.0, 350.0), pages=[page])
    return PageContent(page, 600.0, height, "aligned", [table], [])


HEAD = ("Action", "Lead", "Timescale")


def test_mixed_orientation_a_row_cut_by_a_landscape_page_break_is_joined():
    # portrait and landscape pages in one plan: the text area of a landscape page ends
    # higher up, so measured against the portrait pages' a cut row was never joined
    from boardplans.extractors.stitch import stitch

    portrait = _part(1, 842.0, [HEAD, ("Deliver training", "Board", "May")], 60.0)
    portrait.tables[0].bbox = BBox(50, 60, 490, 800)  # a portrait page filled to its foot
    landscape = _part(2, 595.0, [HEAD, ("Ensure perinatal mental health", "Voice Group", "2016")], 500.0)
    landscape.lines.append(TextLine("Priority 2", 2, BBox(50, 480, 120, 490), 10.0, True))  # a table of its own
    rest = _part(3, 595.0, [HEAD, ("services link to health visiting", "", ""), ("Map services", "L Smith", "TBC")], 40.0)
    tables = stitch([portrait, landscape, rest])
    assert [texts(t) for t in tables][1] == [list(HEAD), ["Ensure perinatal mental health services link to health visiting",
                                                          "Voice Group", "2016"], ["Map services", "L Smith", "TBC"]]


def test_a_table_split_under_a_heading_mid_page_drops_the_header_the_next_page_repeats():
    # a plan's table split under a priority heading mid-page goes on headerless, and the
    # next page repeats the header of the table before: that header is no row of its own
    from boardplans.extractors.stitch import stitch

    first = _part(1, 842.0, [HEAD, ("Deliver training", "Board", "May")], 60.0)
    split = _part(1, 842.0, [("Hold challenge sessions", "L Kowalski", "2014")], 400.0)
    first.tables.append(split.tables[0])
    split.tables[0].bbox = BBox(50, 400, 490, 790)
    nxt = _part(2, 842.0, [HEAD, ("Complete the audit", "M Johnson", "17/06/15")], 40.0)
    tables = stitch([first, nxt])
    assert texts(tables[1]) == [["Hold challenge sessions", "L Kowalski", "2014"], ["Complete the audit", "M Johnson", "17/06/15"]]


def test_no_lines_at_all_a_centred_header_of_three_lines_heads_a_body_that_starts_elsewhere():
    # Word, unruled, header cells centred over their columns: none of the header's lines
    # starts where a body column does, and the body opens with the end of a row cut by
    # the page break; only the header's first line lines up with it, and that still counts
    words = row_words(60, (70, "What Will"), (270, "Who Will"), (420, "Target"), bold=True)
    words += row_words(72, (90, "We Do?"), (290, "Lead?"), (440, "Completion"), bold=True)
    words += row_words(84, (110, "Now"), (310, "Here"), bold=True)
    words += row_words(106, (250, "reviews"), (415, "expected at"))
    words += row_words(118, (415, "the next Board"))
    for k, y in enumerate((140, 170, 200)):
        words += row_words(y, (COLS[0], f"Deliver training number {k}"), (COLS[1], "Board"), (COLS[2], "March"))
    [table] = find_tables(view(words), SETTINGS)
    assert [" ".join(t.split()) for t in texts(table)[0]] == ["What Will We Do? Now", "Who Will Lead? Here",
                                                              "Target Completion"]
    assert [" ".join(t.split()) for t in texts(table)[1]] == ["", "reviews", "expected at the next Board"]


def test_no_lines_at_all_a_lone_row_the_page_break_carried_over_is_a_table():
    # an unruled table's last row alone at the top of the next page (no header repeated):
    # a lone row was no table, so the row was read as prose and lost
    words = []
    for k, (action, lead, when) in enumerate([("Develop an online safety", "Designated", "March"),
                                              ("module for foster carers", "Doctor", "2019")]):
        words += row_words(40 + LINE * k, (COLS[0], action), (COLS[1], lead), (COLS[2], when))
    [table] = find_tables(view(words), SETTINGS)
    assert texts(table) == [["Develop an online safety module for foster carers", "Designated Doctor", "March 2019"]]
    # the same row under a line of prose opens nothing: a lone row anywhere else is no table
    prose = row_words(20, (COLS[0], "The plan will be reviewed every quarter"))
    assert find_tables(view(prose + [Word(w.text, w.x0, w.top + 10, w.x1, w.bottom + 10) for w in words]), SETTINGS) == []
