"""The command line as a new user meets it: usage errors found before any work, each naming
the one argument that is wrong, with no traceback; the version; `python -m boardplans`."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PLAN_PDF, ROOT, SAMPLES

SCRIPT = Path(sys.executable).with_name("boardplans")  # the console script pip installed
SCANNED = SAMPLES / "003_llr_annual_report_2015_16_scanned.pdf"


def _error_line(stderr: str) -> str:
    """argparse's last line: `boardplans CMD: error: argument X: ...` (above it, the usage)."""
    return stderr.strip().splitlines()[-1]


def _cases(file: Path) -> list[tuple[list[str], str, str]]:
    """(arguments, the argument named, what the message says): `file` is a plain file."""
    batch = [str(SCANNED), str(PLAN_PDF)]  # a scan: work that would take long, were it started
    return [
        (["extract", *batch, "-o", str(file / "out")], "-o/--output", f"{file} is a file, not a directory"),
        (["extract", *batch, "-o", "/proc/boardplans"], "-o/--output", "cannot be created"),
        (["extract", *batch, "--jobs", "0"], "-j/--jobs", "must be at least 1, not 0"),
        (["extract", *batch, "--timeout", "-1"], "--timeout", "must be at least 1, not -1"),
        (["extract", *batch, "--memory-mb", "10"], "--memory-mb", "must be at least 64, not 10"),
        (["extract", *batch, "--format", "csv,docx"], "--format", "unknown format 'docx'"),
        (["extract", *batch, "--pages", "0-2"], "--pages", "give pages from 1"),
        (["refresh", str(SAMPLES / "sources.toml"), "-o", str(file / "out")], "-o/--output", "is a file"),
        (["refresh", str(SAMPLES / "sources.toml"), "--jobs", "0"], "-j/--jobs", "must be at least 1"),
        (["debug", str(PLAN_PDF), "--page", "1", "--resolution", "-5"], "--resolution", "from 20 to 600, not -5"),
        (["debug", str(PLAN_PDF), "--page", "1", "--resolution", "0"], "--resolution", "from 20 to 600, not 0"),
        (["debug", str(PLAN_PDF), "--page", "1", "-o", "page.gif"], "-o/--output", "must end in .png, .jpg"),
    ]


CASE_IDS = ["-o under a file", "-o in /proc", "jobs 0", "timeout -1", "memory 10 MB", "unknown format",
            "page 0", "refresh -o under a file", "refresh jobs 0", "resolution -5", "resolution 0", "gif"]
OPTIONS = ("-o/--output", "-j/--jobs", "--timeout", "--memory-mb", "--format", "--pages", "--resolution")


@pytest.mark.parametrize("case", range(len(CASE_IDS)), ids=CASE_IDS)
def test_a_usage_error_names_its_one_argument_before_any_work(case: int, tmp_path: Path) -> None:
    file = tmp_path / "a-file"
    file.write_text("not a folder")
    args, argument, message = _cases(file)[case]
    run = subprocess.run([str(SCRIPT), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    line = _error_line(run.stderr)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert line.startswith(f"boardplans {args[0]}: error: argument {argument}: ") and message in line, line
    assert [o for o in OPTIONS if o in line and o != argument] == [], line  # that argument alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing written, nothing staged


def test_version_prints_the_package_version() -> None:
    import boardplans

    run = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout.strip()) == (0, f"boardplans {boardplans.__version__}")
    assert re.fullmatch(r"\d+\.\d+\.\d+", boardplans.__version__)


def test_python_m_boardplans_shows_the_commands() -> None:
    run = subprocess.run([sys.executable, "-m", "boardplans", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("usage: boardplans ")
    assert "{extract,refresh,report,debug}" in run.stdout


def test_import_boardplans_exposes_the_api() -> None:
    code = ("import boardplans; from boardplans.pipeline.api import Dataset, extract; "
            "assert boardplans.extract is extract and boardplans.Dataset is Dataset; "
            "print(sorted(boardplans.__all__))")
    run = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert {"extract", "Dataset", "BatchOptions", "Progress", "__version__"} <= set(eval(run.stdout))
