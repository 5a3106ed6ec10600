"""The Python API and the files a run writes, as a user meets them: `boardplans.extract` on a
str, a Path or a list; `Dataset.write` writing what the CLI writes; the formats, --pages and
--csv-bom; coordinates as written; the reasons a file is not read."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import boardplans
from boardplans.pipeline.dataset import TABLES, read_csv_table
from conftest import ROOT, SAMPLES, pdf_bytes, text_page

SCRIPT = Path(sys.executable).with_name("boardplans")
NORTHMOOR = ROOT / "tests" / "fixtures" / "three_col_northmoor_2019_20.pdf"
LEEDS = SAMPLES / "004_leeds_2010_11.pdf"  # a hierarchical plan: it has parents
REDBRIDGE = SAMPLES / "001_redbridge_2017_18.pdf"
COORDINATES = {"actions": ["x0", "top", "x1", "bottom"], "cells": ["x0", "top", "x1", "bottom"],
               "parents": ["x0", "top", "x1", "bottom"]}


def _cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _files(directory: Path) -> dict[str, bytes]:
    """The dataset's files (not the record cache in .boardplans/)."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.mark.parametrize("inputs", [str(NORTHMOOR), NORTHMOOR, [str(NORTHMOOR)], [NORTHMOOR.parent / NORTHMOOR.name]],
                         ids=["str", "Path", "list of str", "list of Path"])
def test_extract_takes_a_str_a_path_or_a_list(inputs) -> None:
    data = boardplans.extract(inputs)
    assert data.summary()["documents"] == 1 and len(data["actions"]) == 8


def test_a_table_by_key_or_attribute(tmp_path: Path) -> None:
    data = boardplans.extract(NORTHMOOR)
    assert data["actions"] is data.actions and data["cells"] is data.cells
    with pytest.raises(KeyError, match="no table 'action'; the tables are documents, priorities"):
        data["action"]


def test_write_writes_what_the_cli_writes(tmp_path: Path) -> None:
    assert _cli("extract", NORTHMOOR, "-o", tmp_path / "cli", "-q").returncode == 0
    written = boardplans.extract(NORTHMOOR).write(tmp_path / "api")
    assert written == tmp_path / "api"
    cli, api = _files(tmp_path / "cli"), _files(tmp_path / "api")
    assert sorted(api) == sorted(cli)
    assert {n for n in api if n.endswith(".csv")} == {f"{t}.csv" for t in TABLES}
    assert {n: api[n] for n in api if n.endswith((".csv", ".json"))} == {
        n: cli[n] for n in cli if n.endswith((".csv", ".json"))}


def test_xlsx_and_json_formats(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _cli("extract", NORTHMOOR, "-o", out, "--format", "xlsx,json", "-q").returncode == 0
    assert sorted(_files(out)) == sorted(["boardplans.xlsx", "run.json", *(f"{t}.json" for t in TABLES)])
    workbook = openpyxl.load_workbook(out / "boardplans.xlsx", read_only=True)
    assert workbook.sheetnames == list(TABLES)
    actions = json.loads((out / "actions.json").read_text("utf-8"))
    sheet = pd.read_excel(out / "boardplans.xlsx", sheet_name="actions")
    assert len(actions) == len(sheet) == 8
    assert list(sheet.columns) == list(actions[0]) and actions[0]["board_id"] == "northmoor"


def test_pages_limits_what_is_read_and_is_part_of_the_cache_key(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _cli("extract", REDBRIDGE, "-o", out, "-q").returncode == 0
    every = read_csv_table(out, "actions")
    assert _cli("extract", REDBRIDGE, "-o", out, "-q", "--pages", "1-2,4").returncode == 0
    some = read_csv_table(out, "actions")
    assert 0 < len(some) < len(every)  # the run with --pages did not take the cached full read
    assert set(read_csv_table(out, "cells")["page"]) <= {1, 2, 4}


def test_csv_bom_for_excel(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _cli("extract", NORTHMOOR, "-o", out, "--csv-bom", "-q").returncode == 0
    assert (out / "actions.csv").read_bytes().startswith(b"\xef\xbb\xbfaction_id,")
    package = json.loads((out / "datapackage.json").read_text("utf-8"))
    assert {r["encoding"] for r in package["resources"]} == {"utf-8-sig"}
    assert len(read_csv_table(out, "actions")) == 8


def test_coordinates_are_written_to_two_decimals(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _cli("extract", LEEDS, "-o", out, "-q").returncode == 0
    for table, names in COORDINATES.items():
        df = pd.read_csv(out / f"{table}.csv", dtype=str)
        assert len(df), table
        long = [v for c in names for v in df[c].dropna() if not re.fullmatch(r"-?\d+(\.\d{1,2})?", v)]
        assert not long, f"{table}: {long[:3]}"


def test_a_missing_file_is_said_not_to_exist(tmp_path: Path) -> None:
    result = boardplans.process_document(tmp_path / "gone.pdf")
    assert result.document["status"] == "failed"
    assert "does not exist" in result.document["reason"] and "permission" not in result.document["reason"]


def test_a_document_of_no_known_kind_is_skipped_in_english(tmp_path: Path) -> None:
    minutes = tmp_path / "minutes.pdf"
    minutes.write_bytes(pdf_bytes([text_page("Minutes of the Board meeting, 4 May 2016",
                                             ["Present: the Chair and members.", "The minutes were agreed."])]))
    result = boardplans.process_document(minutes)
    assert (result.document["status"], result.document["reason"]) == (
        "skipped", "not a business plan: the document reads as neither a plan nor an annual report "
                   "('Minutes of the Board meeting, 4 May 2016'); no actions to extract")
