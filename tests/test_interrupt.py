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


def _forked_workers(pid: int) -> list[int]:
    """The runner's forked workers (its command line), from any of its threads, not a helper
    program it runs (tesseract --version)."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            status = (proc / "status").read_text()
            if f"\nPPid:\t{pid}\n" in status and (proc / "cmdline").read_bytes() == cmdline:
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return found


def _ignores_sigint(pid: int) -> bool:
    status = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return bool(int(status["SigIgn"], 16) & 1 << (signal.SIGINT - 1))


def _wait_for_workers(run: subprocess.Popen, timeout: float = 120) -> list[int]:
    """The worker processes, once the batch has forked them."""
    deadline = time.monotonic() + timeout
    while not (workers := _forked_workers(run.pid)):
        assert time.monotonic() < deadline and run.poll() is None, "the batch never started a worker"
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
    workers = _wait_for_workers(run)
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


def test_a_batch_runner_killed_outright_takes_its_workers_with_it(long_pdf: Path, tmp_path: Path) -> None:
    # SIGKILL (the OOM killer, a cron time limit) leaves the runner no clean-up: the kernel
    # ends its workers, or they would read on with nothing holding them to their limits
    run = subprocess.Popen([str(SCRIPT), "extract", str(long_pdf), "-o", str(tmp_path / "out"), "-j", "1", "-q"],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    workers = _wait_for_workers(run)
    run.kill()
    run.wait()
    deadline = time.monotonic() + 10
    while (alive := [w for w in workers if Path(f"/proc/{w}").exists()
                     and "zombie" not in Path(f"/proc/{w}/status").read_text()]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive
