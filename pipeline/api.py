"""The Python API: the same records the CLI writes, as pandas DataFrames.

    >>> from pipeline.api import extract
    >>> data = extract(["samples/"])
    >>> data.actions[["board", "priority_ref", "action", "lead", "timescale"]]
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .batch import BatchOptions, collect_paths, run_batch
from .cache import RecordCache
from .dataset import TABLES, frame
from .extract import DocumentResult
from .records import theme_records


@dataclass
class Dataset:
    frames: dict[str, pd.DataFrame]
    results: list[DocumentResult]

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            return self.frames[name]
        raise AttributeError(name)

    def summary(self) -> dict[str, int]:
        statuses = [r.document["status"] for r in self.results]
        counts = {s: statuses.count(s) for s in ("ok", "partial", "skipped", "failed")}
        return {"documents": len(statuses), **counts, "actions": len(self.frames["actions"])}


def to_frames(results: Iterable[DocumentResult]) -> dict[str, pd.DataFrame]:
    results = list(results)
    rows = {
        "documents": [r.document for r in results],
        **{t: [rec for r in results for rec in getattr(r.records, t)] for t in TABLES if t not in ("documents", "themes")},
    }
    rows["themes"] = theme_records(rows["actions"], rows["priorities"])
    return {t: frame(t, rows[t]) for t in TABLES}


def extract(inputs: Iterable[str | Path], options: BatchOptions | None = None,
            progress: Callable[[DocumentResult], None] | None = None, cache: RecordCache | None = None) -> Dataset:
    """Extract every PDF among `inputs` (files and folders); with a `cache`, files read before
    are not read again."""
    results = run_batch(collect_paths(inputs), options, progress, cache)
    return Dataset(to_frames(results), results)
