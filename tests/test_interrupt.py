"""Ctrl-C in the middle of a batch: one line, exit 130, no worker left and no traceback from
any of them, and the dataset of the run before byte for byte as it was."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import PLAN_PDF, ROOT

SCRIPT = Path(sys.executable).with_name("boardplans")


def _digests(directory: Path) -> dict[str, str]:
    """The dataset's files; not the record cache (.boardplans/), which keeps what the run
    finished before it was stopped."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _ignores_sigint(pid: int) -> bool:
    status = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return bool(int(status["SigIgn"], 16) & 1 << (signal.SIGINT - 1))


def _wait_for_workers(pid: int, timeout: float = 120) -> list[int]:
    """The worker processes, once the batch has forked them."""
    deadline = time.monotonic() + timeout
    while not (workers := _children(pid)):
        assert time.monotonic() < deadline, "the batch never started a worker"
        time.sleep(0.1)
    return workers


def test_ctrl_c_stops_the_batch_in_one_line_and_leaves_the_dataset(tmp_path: Path, long_pdf: Path) -> None:
    out = tmp_path / "out"
    subprocess.run([str(SCRIPT), "extract", str(PLAN_PDF), "-o", str(out), "-q"], check=True, timeout=300)
    before = _digests(out)
    # Ctrl-C at a terminal signals the whole foreground process group: the workers too
    run = subprocess.Popen([str(SCRIPT), "extract", str(long_pdf), str(PLAN_PDF), "-o", str(out), "-j", "2"],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    workers = _wait_for_workers(run.pid)
    time.sleep(1.0)  # the workers are reading
    # a worker that took Ctrl-C itself would print its traceback, if the parent did not stop it first
    assert [_ignores_sigint(w) for w in workers] == [True] * len(workers)
    assert not _ignores_sigint(run.pid)
    os.killpg(run.pid, signal.SIGINT)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 130
    assert (stdout, stderr) == ("", f"boardplans: interrupted; {out}/ left as it was\n")
    assert _digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging directory left
    assert not [w for w in workers if Path(f"/proc/{w}").exists()]
