"""Progress: the API's callback hears of each document started and done; the CLI's bar names
the document in hand and its clock moves while one long document is read."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import sys
import time
from pathlib import Path

from boardplans.pipeline.batch import BatchOptions, Progress, run_batch
from conftest import PLAN_PDF, ROOT, SAMPLES

SCRIPT = Path(sys.executable).with_name("boardplans")
REDBRIDGE = SAMPLES / "001_redbridge_2017_18.pdf"


def test_the_callback_hears_each_document_start_then_finish() -> None:
    events: list[Progress] = []
    run_batch([PLAN_PDF, REDBRIDGE], BatchOptions(jobs=1, timeout=120), events.append)
    assert [(e.path, e.result is None) for e in events] == [
        (PLAN_PDF, True), (PLAN_PDF, False), (REDBRIDGE, True), (REDBRIDGE, False)]
    assert [e.result.document["status"] for e in events if e.result] == ["ok", "ok"]


def _read_terminal(fd: int, seconds: float) -> str:
    """What the command wrote to the terminal in `seconds`."""
    text, deadline = b"", time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if select.select([fd], [], [], left)[0]:
            try:
                text += os.read(fd, 65536)
            except OSError:  # the command ended
                break
    return text.decode("utf-8", "replace")


def test_the_bar_names_the_document_in_hand_and_its_clock_ticks(tmp_path: Path, long_pdf: Path) -> None:
    terminal, stderr = pty.openpty()
    fcntl.ioctl(stderr, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new pty is 0 columns wide
    run = subprocess.Popen([str(SCRIPT), "extract", str(long_pdf), "-o", str(tmp_path / "out"), "-j", "1"],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL)
    os.close(stderr)
    try:
        shown = _read_terminal(terminal, 12)
    finally:
        run.kill()
        run.wait()
        os.close(terminal)
    # tqdm redraws the line with \r: "  0%|          | 0/1 [00:03<?, ?doc/s, reading long_plan.pdf]"
    frames = [f for f in shown.split("\r") if "0/1 [" in f]
    clocks = {re.search(r"\[(\d\d:\d\d)", f)[1] for f in frames}
    assert len(clocks) >= 3, shown  # it moved, second by second, with nothing finished
    assert "reading long_plan.pdf" in frames[-1], frames[-1]
