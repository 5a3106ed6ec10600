"""The Python API: the same records the CLI writes, as pandas DataFrames.

    >>> import boardplans
    >>> data = boardplans.extract("samples/")
    >>> data["actions"][["board", "priority_ref", "action", "lead", "timescale"]]
    >>> data.write("output/", formats=("csv", "xlsx"))
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from .batch import BatchOptions, Progress, collect_paths, run_batch
from .cache import RecordCache
from .dataset import DEFAULT_FORMATS, TABLES, frame, write_dataset
from .extract import DocumentResult


@dataclass
class Dataset:
    """The tables of a batch (`data.actions` or `data["actions"]`, one of TABLES) and each
    document's result, in the order the files were given."""
    frames: dict[str, pd.DataFrame]
    results: list[DocumentResult]

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES and "frames" in self.__dict__:  # not while a copy or unpickling builds us
            return self.frames[name]
        raise AttributeError(name)

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in TABLES:
            raise KeyError(f"no table {table!r}; the tables are {', '.join(TABLES)}")
        return self.frames[table]

    def summary(self) -> dict[str, int]:
        statuses = [r.document["status"] for r in self.results]
        counts = {s: statuses.count(s) for s in ("ok", "partial", "skipped", "failed")}
        return {"documents": len(statuses), **counts, "actions": len(self.frames["actions"])}

    def write(self, directory: str | Path, formats: Sequence[str] = DEFAULT_FORMATS, csv_bom: bool = False) -> Path:
        """Write the dataset into `directory` as `boardplans extract -o` does: the tables in
        `formats` (of FORMATS), run.json with the summary, swapped in atomically. Returns the
        directory, absolute. A directory that cannot hold a dataset is a ValueError."""
        extra = {"run.json": json.dumps(self.summary(), indent=2) + "\n"}
        return write_dataset(self.frames, Path(directory), extra, formats, csv_bom)


def to_frames(results: Iterable[DocumentResult]) -> dict[str, pd.DataFrame]:
    results = list(results)
    rows = {
        "documents": [r.document for r in results],
        **{t: [rec for r in results for rec in getattr(r.records, t)] for t in TABLES if t != "documents"},
    }
    return {t: frame(t, rows[t]) for t in TABLES}


def extract(inputs: str | Path | Iterable[str | Path], options: BatchOptions | None = None,
            progress: Callable[[Progress], None] | None = None, cache: RecordCache | None = None) -> Dataset:
    """Extract every PDF among `inputs`: one file or folder, or a list of them (folders are
    searched recursively for *.pdf). Each document is read in a worker process of its own
    (see BatchOptions); with a `cache`, files read before are not read again.

    `progress(event)` is called in this process, from the thread that called extract, twice
    for each document read: `Progress(path, None)` when a worker starts on it, and
    `Progress(path, result)` when it is done (`result.document["status"]`: ok, partial,
    skipped or failed). A file found in the cache or that cannot be opened is only done.
    Raises UsageError for an input that does not exist."""
    results = run_batch(collect_paths(inputs), options, progress, cache)
    return Dataset(to_frames(results), results)
