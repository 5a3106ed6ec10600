"""The samples' dataset as a researcher joins it: keys that resolve, one board key per
partnership, themes with evidence, NULL for empty, SQLite with foreign keys and full-text
search, Datasette's metadata, and `boardplans report` rendered in headless Chromium.

The samples are extracted once, by the CLI as a user runs it."""
from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from boardplans.pipeline.dataset import TABLES, columns, frame, read_csv_table, schema, views, write_tables

from headless import chromium, render

ROOT = Path(__file__).resolve().parent.parent


def _boardplans(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "boardplans.pipeline.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("joins") / "out"
    done = _boardplans("extract", ROOT / "samples", "-o", out, "-q", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def tables(dataset) -> dict[str, pd.DataFrame]:
    return {t: read_csv_table(dataset, t) for t in TABLES}


@pytest.fixture(scope="module")
def db(dataset):
    with sqlite3.connect(dataset / "boardplans.sqlite") as connection:
        yield connection


def test_every_parent_ref_and_priority_ref_resolves(tables):
    actions, parents = tables["actions"], tables["parents"]
    with_parent = actions[actions.parent_ref.notna()]
    assert len(with_parent) >= 50 and with_parent.parent_id.notna().all()
    joined = with_parent.merge(parents, on="parent_id", suffixes=("", "_parent"))
    assert (joined.ref_parent == joined.parent_ref).all() and (joined.document_id_parent == joined.document_id).all()
    with_priority = actions[actions.priority_ref.notna() | actions.priority_title.notna()]
    assert with_priority.priority_id.notna().all()
    assert with_priority.priority_id.isin(tables["priorities"].priority_id).all()


def test_leeds_parent_rows_are_kept(tables):
    parents = tables["parents"]
    texts = parents.text.tolist()
    assert any(t.startswith("To contribute to ongoing work on thresholds") for t in texts)  # a task over bullets
    assert any(t.startswith("Focus clearly on our core business") for t in texts)          # an objective banner
    assert set(parents.kind) == {"task", "objective"}


def test_one_board_key_per_partnership_and_its_areas(tables):
    docs = tables["documents"]
    llr = docs[docs.file.str.contains("/00[03]_l")]
    assert len(llr) == 2 and llr.board.nunique() == 2  # named two ways ...
    assert set(llr.board_id) == {"leicestershire-and-rutland"}  # ... one key
    assert set(llr.area) == {"Leicestershire; Rutland"}
    assert set(docs.board_id) == {"leicestershire-and-rutland", "redbridge", "west-berkshire", "leeds"}


def test_a_skipped_documents_priorities_are_flagged_and_get_no_themes(tables):
    docs, priorities, themes = tables["documents"], tables["priorities"], tables["themes"]
    skipped = docs[docs.status == "skipped"].document_id
    report = priorities[priorities.document_id.isin(skipped)]
    assert len(report) > 10 and not report.in_plan.any()
    assert not themes.priority_id.isin(report.priority_id).any()
    assert priorities[~priorities.document_id.isin(skipped)].in_plan.all()


def test_a_prioritys_own_lead_is_kept_and_read_into_owners(tables):
    priorities, owners = tables["priorities"], tables["owners"]
    neglect = priorities[priorities.title.str.contains("Neglect strategy", na=False) & priorities.in_plan]
    assert neglect.lead.tolist() == ["Lead: Julie Quincey; Board Officer: Gary Watts"]
    led = owners[owners.priority_id.isin(neglect.priority_id)]
    assert led[["name", "role"]].values.tolist() == [["Julie Quincey", "Lead"], ["Gary Watts", "Board Officer"]]
    assert led.action_id.isna().all()


def test_understood_flags_are_false_where_a_part_was_not_read_and_the_part_is_kept(tables):
    actions, milestones = tables["actions"], tables["milestones"]
    toolkit = actions[actions.timescale.str.startswith("Toolkit launch", na=False)].iloc[0]
    assert not toolkit.timescale_understood
    assert toolkit.timescale_unparsed.startswith("The Board / Executive need to provide a steer")
    kinds = milestones[milestones.action_id == toolkit.action_id].kind.tolist()
    assert kinds == ["deadline", "unparsed"]
    understood = actions[actions.timescale_understood]
    assert understood.timescale_unparsed.isna().all()


def test_milestones_keep_their_labels(tables):
    milestones = tables["milestones"]
    starts = milestones[milestones.label == "Programme starts"]
    assert starts.text.tolist() == ["September 2016"] and starts.end.tolist() == ["2016-09-30"]


def test_owner_keys_join_spellings_of_one_owner(tables):
    owners = tables["owners"]
    assert set(owners[owners.key == "person:i mundy"].name) == {"I Mundy", "l Mundy"}
    assert {"CSE Sub-Group", "CSE Sub-group"} <= set(owners[owners.key == "group:cse subgroup"].name)


def test_most_actions_have_a_theme_and_the_evidence_is_the_text_at_its_span(tables):
    actions, themes = tables["actions"].set_index("action_id"), tables["themes"]
    of_actions = themes[themes.action_id.notna()]
    assert of_actions.action_id.nunique() >= 0.8 * len(actions)
    for t in of_actions.itertuples():
        assert actions.at[t.action_id, t.field][t.start:t.end] == t.evidence
    priorities = tables["priorities"].set_index("priority_id")
    for t in themes[themes.priority_id.notna()].itertuples():
        assert priorities.at[t.priority_id, t.field][t.start:t.end] == t.evidence


def test_empty_is_null_everywhere_and_csv_reads_back_as_parquet(dataset, tables, db):
    for table in TABLES:
        text_columns = [c.name for c in columns(table) if c.type == "string"]
        for name in text_columns:
            assert db.execute(f'SELECT count(*) FROM "{table}" WHERE "{name}" = \'\'').fetchone()[0] == 0, (table, name)
        parquet = pd.read_parquet(dataset / f"{table}.parquet")
        csv = tables[table]
        assert list(csv.columns) == list(parquet.columns)
        for name in text_columns:  # refs such as "1" stay text, and NULL stays NULL
            assert csv[name].isna().tolist() == parquet[name].isna().tolist(), (table, name)
            assert csv[name].dropna().tolist() == parquet[name].dropna().tolist(), (table, name)
    assert db.execute("SELECT count(*) FROM actions WHERE measure IS NULL").fetchone()[0] > 0


@pytest.mark.parametrize("bom", [False, True])
def test_the_csv_is_byte_for_byte_what_pandas_writes(tmp_path, bom):
    """The CSV writer (the csv module, from each column's plain values) against DataFrame.to_csv:
    quotes, commas, line breaks, floats however Python spells them, NULL of every type."""
    rows = [{"action_id": "a1", "action": 'Audit, "then" report\nby March', "lead": "Chair\r", "page_start": 3,
             "x0": 0.1, "top": 1e16, "x1": 1e-05, "bottom": -0.0, "timescale_understood": True, "first_seen": "2026-03-04"},
            {"action_id": "a2", "action": "", "ref": " 1.2", "page_start": None, "x0": 123456789.125,
             "timescale_understood": False, "lead_understood": None, "status": "é"},
            {"action_id": "a3"}]
    df = frame("actions", rows)
    write_tables({"actions": df}, tmp_path, ("csv",), csv_bom=bom)
    df.to_csv(tmp_path / "pandas.csv", index=False, lineterminator="\n", encoding="utf-8-sig" if bom else "utf-8")
    assert (tmp_path / "actions.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_sqlite_has_foreign_keys_that_hold_indexes_on_them_and_full_text_search(db):
    assert {(r[2], r[3]) for r in db.execute("PRAGMA foreign_key_list(actions)")} == {
        ("documents", "document_id"), ("priorities", "priority_id"), ("parents", "parent_id")}
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    indexed = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for table in TABLES:
        for key in schema()[table].get("foreign_keys", []):
            assert f"{table}_{key['field']}" in indexed
    found = db.execute("SELECT a.action, a.objective, a.priority_title FROM actions_fts "
                       "JOIN actions a ON a.rowid = actions_fts.rowid WHERE actions_fts MATCH 'neglect'").fetchall()
    assert found and all("neglect" in " ".join(filter(None, row)).lower() for row in found)
    assert db.execute("SELECT count(*) FROM priorities_fts WHERE priorities_fts MATCH 'fostering'").fetchone()[0] >= 1


def test_datapackage_declares_foreign_keys_and_the_csv_dialect(dataset):
    package = json.loads((dataset / "datapackage.json").read_text("utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(TABLES)
    keys = resources["actions"]["schema"]["foreignKeys"]
    assert {"fields": "priority_id", "reference": {"resource": "priorities", "fields": "priority_id"}} in keys
    for r in resources.values():
        assert r["dialect"]["delimiter"] == "," and r["schema"]["missingValues"] == [""]
        for key in r["schema"]["foreignKeys"]:
            target = resources[key["reference"]["resource"]]["schema"]
            assert key["reference"]["fields"] == target["primaryKey"]


def test_datasette_metadata_describes_every_column_and_its_queries_run(dataset, db):
    metadata = json.loads((dataset / "metadata.json").read_text("utf-8"))
    tables = metadata["databases"]["boardplans"]["tables"]
    for table in TABLES:
        assert tables[table]["columns"] == {c.name: c.description for c in columns(table)}
    assert set(views()) <= set(tables)
    params = {"theme": "neglect", "board_id": "leicestershire-and-rutland", "q": "neglect"}
    for name, query in metadata["databases"]["boardplans"]["queries"].items():
        wanted = set(re.findall(r":(\w+)", query["sql"]))
        rows = db.execute(query["sql"], {k: params[k] for k in wanted}).fetchall()
        assert rows, name
    about = db.execute(metadata["databases"]["boardplans"]["queries"]["priorities_about_theme"]["sql"],
                       {"theme": "neglect"}).fetchall()
    boards = {row[0] for row in about}
    assert any("Leicestershire" in b for b in boards) and any("Redbridge" in b for b in boards)
    assert all(row[6] for row in about)  # a lead for every one: the priority's own, else its actions'


@pytest.fixture(scope="module")
def report(dataset) -> Path:
    done = _boardplans("report", dataset)
    assert done.returncode == 0, done.stderr
    return dataset / "report.html"


def test_report_is_self_contained_and_every_link_lands(report):
    page = report.read_text("utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", page)  # no file, script or style loaded
    assert "<script" not in page and "@import" not in page and not re.search(r"url\((?!#)", page)
    ids = set(re.findall(r'id="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert len(links) > 150 and links <= ids, sorted(links - ids)[:5]
    for heading in ("Board × theme", "Deadlines over time", "Who leads", "Priorities side by side"):
        assert f">{heading}</h2>" in page
    assert 'id="a-' in page and "samples/004_leeds_2010_11.pdf, p. 4" in page


def test_report_renders_in_headless_chromium_without_errors_or_network(report):
    if chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    page = render(report.resolve().as_uri(), height=1400)
    assert page.errors == [] and page.console == []
    assert page.requests == [report.resolve().as_uri()]
    image = Image.open(io.BytesIO(page.screenshot)).convert("RGB")
    assert image.size == (1280, 1400)
    colours = image.getcolors(maxcolors=1 << 20)
    heat = sum(n for n, (r, g, b) in colours if b > 120 and b - r > 60)  # the matrix's blue cells
    assert heat > 2000 and len(colours) > 50


def test_the_render_harness_sees_console_errors_and_requests():
    if chromium() is None:
        pytest.skip("chromium is not installed")
    page = render("data:text/html,<script>console.error('boom')</script><img src='http://127.0.0.1:9/x.png'>",
                  height=200)
    assert "boom" in page.errors and "http://127.0.0.1:9/x.png" in page.requests  # port 9: refused unsent
