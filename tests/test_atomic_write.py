"""kill -9 a run at any moment, and the output directory still holds a whole dataset: the old
one or the complete new one, never a mix; and the next run into it succeeds."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing, suppress
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow.parquet as pq
import pytest

from boardplans.pipeline.dataset import TABLES

from conftest import PLAN_PDF, ROOT, SAMPLES

NEW_INPUTS = sorted(p for p in SAMPLES.glob("*.pdf") if "scanned" not in p.name)


def dataset_counts(directory: Path) -> dict[str, int]:
    """Rows per table, after checking that the CSV, Parquet and SQLite copies all open and agree."""
    csv = {t: len(pd.read_csv(directory / f"{t}.csv", dtype=str, keep_default_na=False)) for t in TABLES}
    parquet = {t: pq.read_metadata(directory / f"{t}.parquet").num_rows for t in TABLES}
    with closing(sqlite3.connect(f"file:{directory / 'boardplans.sqlite'}?mode=ro", uri=True)) as db:
        sql = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    package = json.loads((directory / "datapackage.json").read_text())
    run = json.loads((directory / "run.json").read_text())
    assert (csv, parquet, [r["name"] for r in package["resources"]], run["documents"]) == (
        sql, sql, list(TABLES), sql["documents"])
    return csv


def extract_cmd(inputs: list[Path], out: Path) -> list[str]:
    return [sys.executable, "-m", "boardplans.pipeline.cli", "extract", *map(str, inputs), "-o", str(out), "-q",
            "--jobs", "2", "--no-ocr"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, tuple[Path, dict[str, int]]]:
    """The old dataset (one plan) and a complete new run's counts (every text-layer sample)."""
    base = tmp_path_factory.mktemp("reference")
    out = {}
    for name, inputs in (("old", [PLAN_PDF]), ("new", NEW_INPUTS)):
        subprocess.run(extract_cmd(inputs, base / name), cwd=ROOT, check=True)
        out[name] = (base / name, dataset_counts(base / name))
    assert out["old"][1] != out["new"][1]
    return out


def staging(out: Path, inside: str = "") -> Callable[[], bool]:
    """True once a staging directory of `out` exists (holding `inside`, when given)."""
    def seen() -> bool:
        return any(p.name.startswith(f".{out.name}.staging-") and (not inside or (p / inside).exists())
                   for p in out.parent.iterdir())
    return seen


def after(seconds: float) -> Callable[[Path], Callable[[], bool]]:
    def moment(out: Path) -> Callable[[], bool]:
        start = time.monotonic()
        return lambda: time.monotonic() - start >= seconds
    return moment


MOMENTS = {
    "starting up": after(0.3),
    "reading PDFs": after(2.5),
    "staging created": staging,
    "staging has csv": lambda out: staging(out, "documents.csv"),
    "staging has sqlite": lambda out: staging(out, "boardplans.sqlite"),
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_leaves_the_old_or_the_new_dataset_whole(moment: str, reference, tmp_path: Path) -> None:
    (old_dir, old), (_, new) = reference["old"], reference["new"]
    out = tmp_path / "out"
    subprocess.run(["cp", "-a", str(old_dir), str(out)], check=True)
    run = subprocess.Popen(extract_cmd(NEW_INPUTS, out), cwd=ROOT, start_new_session=True)
    reached = MOMENTS[moment](out)
    try:
        while not reached() and run.poll() is None:
            time.sleep(0.001)
        alive = run.poll() is None
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.wait()
        with suppress(ProcessLookupError):  # its orphaned workers, which never touch the output
            os.killpg(run.pid, signal.SIGKILL)
    assert alive, f"the run ended before '{moment}'"
    assert dataset_counts(out) in (old, new)
    later = subprocess.run(extract_cmd([PLAN_PDF], out), cwd=ROOT)
    assert (later.returncode, dataset_counts(out)) == (0, old)
    assert not staging(out)(), "the killed run's staging directory was left behind"
