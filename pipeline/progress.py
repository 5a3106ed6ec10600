"""The command line's progress bar: documents done of all, the documents in hand, and a clock
that keeps moving while one document takes long (a scan read by OCR).

tqdm redraws only when told something, so a thread redraws it every second meanwhile.
"""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from tqdm import tqdm

from .batch import Progress

REDRAW_SECONDS = 1.0
NAME_WIDTH = 30  # characters of a file name shown


class ProgressBar:
    """A `progress` callback for run_batch that draws a bar on stderr."""

    def __init__(self, total: int | None) -> None:
        self._bar = tqdm(total=total, unit="doc", file=sys.stderr)
        self._reading: dict[Path, None] = {}  # the documents in hand, in the order started
        self._closed = threading.Event()
        self._clock = threading.Thread(target=self._redraw, name="progress-clock", daemon=True)
        self._clock.start()

    def __call__(self, event: Progress) -> None:
        if event.result is None:
            self._reading[event.path] = None
        else:
            self._reading.pop(event.path, None)
            self._bar.update(1)
        self._bar.set_postfix_str(self.label())

    def label(self) -> str:
        """The document in hand, and how many others are read alongside it."""
        if not self._reading:
            return ""
        first, *others = self._reading
        name = first.name if len(first.name) <= NAME_WIDTH else first.name[:NAME_WIDTH - 1] + "…"
        return f"reading {name}" + (f" (+{len(others)} more)" if others else "")

    def _redraw(self) -> None:
        while not self._closed.wait(REDRAW_SECONDS):
            self._bar.refresh()

    def complete(self) -> None:
        """Fill the bar: byte-identical copies are done without an event of their own."""
        if self._bar.total is not None:
            self._bar.update(self._bar.total - self._bar.n)

    def close(self, keep: bool = True) -> None:
        """Stop the clock; `keep` the bar on screen, else wipe it."""
        self._closed.set()
        self._clock.join()
        self._bar.leave = keep
        self._bar.close()


@contextmanager
def progress_bar(shown: bool, total: int | None) -> Iterator[Callable[[Progress], None] | None]:
    """A bar while the block runs, when `shown`; else no callback at all."""
    if not shown:
        yield None
        return
    bar = ProgressBar(total)
    finished = False
    try:
        yield bar
        bar.complete()
        finished = True
    finally:  # a bar the run broke off (Ctrl-C, an error) is wiped: the message after it says why
        bar.close(keep=finished)
