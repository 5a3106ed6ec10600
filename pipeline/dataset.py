"""Dataset stage: the records of many documents → typed tables in CSV, Parquet and one SQLite
database (and, when asked, one Excel workbook and JSON), with a Frictionless datapackage.json,
swapped into place only when complete.

A run writes everything into a fresh sibling directory and then exchanges it with the
output directory in two renames, so a run killed at any moment leaves the previous dataset
whole and readable.
"""
from __future__ import annotations

import csv
import ctypes
import json
import os
import shutil
import sqlite3
import tempfile
import tomllib
from contextlib import closing
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

TABLES = ("documents", "priorities", "parents", "actions", "milestones", "owners", "cells", "themes")
# how the CSV files are written (Frictionless CSV dialect): an empty field is NULL
CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "lineTerminator": "\n", "header": True}
FORMATS = ("csv", "parquet", "sqlite", "xlsx", "json")
DEFAULT_FORMATS = ("csv", "parquet", "sqlite")

# Frictionless types → pandas dtypes; dates stay ISO strings in CSV and become date32 in Parquet
_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean", "date": "string"}
_SQL = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class ForeignKey:
    field: str
    table: str  # whose primary key the field names


@lru_cache(maxsize=1)
def schema() -> dict[str, dict]:
    return tomllib.loads(resources.files("boardplans.pipeline.data").joinpath("schema.toml").read_text("utf-8"))


def columns(table: str) -> list[Column]:
    return [Column(f["name"], f["type"], f["description"]) for f in schema()[table]["fields"]]


def foreign_keys(table: str) -> list[ForeignKey]:
    return [ForeignKey(k["field"], k["table"]) for k in schema()[table].get("foreign_keys", [])]


def frame(table: str, rows: Iterable[Mapping]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly the schema's columns, in order, typed; an empty
    string is NULL, as in every file written from it."""
    cols = columns(table)
    df = pd.DataFrame(list(rows), columns=[c.name for c in cols])
    df = df.astype({c.name: _DTYPES[c.type] for c in cols})
    for c in cols:
        if _DTYPES[c.type] == "string":
            df[c.name] = df[c.name].mask(df[c.name] == "")
    return df


def read_csv_table(directory: Path, table: str) -> pd.DataFrame:
    """A table read back from its CSV with the schema's types (a plain pd.read_csv would
    take refs such as '1' for numbers)."""
    cols = columns(table)
    df = pd.read_csv(Path(directory) / f"{table}.csv", dtype={c.name: _DTYPES[c.type] for c in cols},
                     keep_default_na=False, na_values=[""])
    return df[[c.name for c in cols]]


def datapackage(name: str = "boardplans", encoding: str = "utf-8") -> dict:
    resources_ = []
    for table in TABLES:
        spec = schema()[table]
        table_schema: dict = {"fields": [{"name": c.name, "type": c.type, "description": c.description}
                                         for c in columns(table)]}
        if spec.get("primary_key"):
            table_schema["primaryKey"] = spec["primary_key"]
        table_schema["foreignKeys"] = [
            {"fields": k.field, "reference": {"resource": k.table, "fields": schema()[k.table]["primary_key"]}}
            for k in foreign_keys(table)]
        table_schema["missingValues"] = [""]
        for f in table_schema["fields"]:
            if f["type"] == "boolean":
                f |= {"trueValues": ["True"], "falseValues": ["False"]}
        resources_.append({"name": table, "path": f"{table}.csv", "profile": "tabular-data-resource",
                           "format": "csv", "encoding": encoding, "dialect": CSV_DIALECT,
                           "description": spec["description"], "schema": table_schema})
    return {"name": name, "profile": "tabular-data-package",
            "description": "Priorities, actions, milestones and owners from safeguarding boards' published plans.",
            "resources": resources_}


def _parquet(df: pd.DataFrame, table: str, path: Path) -> None:
    out = df.copy()
    for c in columns(table):
        if c.type == "date":
            out[c.name] = pd.to_datetime(out[c.name], format="%Y-%m-%d").dt.date
    out.to_parquet(path, index=False)


def create_table_sql(table: str) -> list[str]:
    """The table with its primary and foreign keys, an index on every foreign key and on
    the schema's other join columns, and its full-text index (FTS5, content from the table)."""
    spec, keys = schema()[table], foreign_keys(table)
    parts = [f'"{c.name}" {_SQL[c.type]}' for c in columns(table)]
    if spec.get("primary_key"):
        parts.append(f'PRIMARY KEY ("{spec["primary_key"]}")')
    parts += [f'FOREIGN KEY ("{k.field}") REFERENCES "{k.table}" ("{schema()[k.table]["primary_key"]}")' for k in keys]
    sql = [f'CREATE TABLE "{table}" ({", ".join(parts)})']
    for name in [k.field for k in keys] + spec.get("indexes", []):
        sql.append(f'CREATE INDEX "{table}_{name}" ON "{table}" ("{name}")')
    if spec.get("search"):
        cols = ", ".join(f'"{c}"' for c in spec["search"])
        sql.append(f'CREATE VIRTUAL TABLE "{table}_fts" USING fts5({cols}, content="{table}")')
    return sql


def _plain(df: pd.DataFrame) -> list[list]:
    """Each column's values as plain Python values, NULL as None; a column at a time, as a
    row at a time boxes every pyarrow-backed string on its own (twice as slow)."""
    return [df[c].astype(object).where(df[c].notna(), None).tolist() for c in df.columns]


Plain = Callable[[str], list[list]]  # a table's name → its columns as _plain gives them


def _sqlite(frames: Mapping[str, pd.DataFrame], plain: Plain, path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        # a staged file, fsynced before the swap and dropped whole if the run dies: a rollback
        # journal and a sync at each commit would guard nothing
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        with db:
            for table, df in frames.items():
                for statement in create_table_sql(table):
                    db.execute(statement)
                db.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(df.columns))})',
                               zip(*plain(table)))
                if schema()[table].get("search"):
                    db.execute(f'INSERT INTO "{table}_fts" ("{table}_fts") VALUES (\'rebuild\')')
            for name, view in views().items():
                db.execute(f'CREATE VIEW "{name}" AS {view["sql"]}')
    # `db` as a context commits; closing() then closes it, flushing the file before the swap


@lru_cache(maxsize=1)
def _queries() -> dict:
    return tomllib.loads(resources.files("boardplans.pipeline.data").joinpath("queries.toml").read_text("utf-8"))


def views() -> dict[str, dict]:
    return _queries()["views"]


def datasette_metadata(title: str = "boardplans") -> dict:
    """Datasette's metadata.json: every table's and column's description from the schema,
    each full-text index, the views, and the canned queries of data/queries.toml."""
    tables: dict[str, dict] = {}
    for table in TABLES:
        spec = schema()[table]
        entry = {"description": spec["description"], "columns": {c.name: c.description for c in columns(table)}}
        if spec.get("search"):
            entry |= {"fts_table": f"{table}_fts", "searchmode": "raw"}
        tables[table] = entry
    tables |= {name: {"description": view["description"]} for name, view in views().items()}
    queries = {name: {"title": q["title"], "description": q["description"], "sql": q["sql"].strip()}
               for name, q in _queries()["queries"].items()}
    return {"title": title,
            "description": "Priorities, actions, milestones, owners and themes from safeguarding boards' published plans.",
            "databases": {"boardplans": {"tables": tables, "queries": queries}}}


def _write_csv(plain: Plain, frames: Mapping[str, pd.DataFrame], directory: Path, encoding: str) -> None:
    """A CSV per table, and datapackage.json describing them. Written by the csv module from
    the plain values, byte for byte what DataFrame.to_csv writes (the same writer, floats as
    repr, NULL empty), without its conversion of every number to a pyarrow string first."""
    for table, df in frames.items():
        with open(directory / f"{table}.csv", "w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh, lineterminator=CSV_DIALECT["lineTerminator"])
            writer.writerow(df.columns)
            writer.writerows(zip(*plain(table)))
    (directory / "datapackage.json").write_text(json.dumps(datapackage(encoding=encoding), indent=2) + "\n", "utf-8")


def _write_parquet(frames: Mapping[str, pd.DataFrame], directory: Path) -> None:
    for table, df in frames.items():
        _parquet(df, table, directory / f"{table}.parquet")


def _write_sqlite(plain: Plain, frames: Mapping[str, pd.DataFrame], directory: Path) -> None:
    """One database, and Datasette's metadata.json for it."""
    _sqlite(frames, plain, directory / "boardplans.sqlite")
    (directory / "metadata.json").write_text(json.dumps(datasette_metadata(), indent=2) + "\n", "utf-8")


def _write_json(plain: Plain, frames: Mapping[str, pd.DataFrame], directory: Path) -> None:
    """A JSON array of row objects per table, named as its CSV is."""
    for table, df in frames.items():
        names = list(df.columns)
        text = json.dumps([dict(zip(names, row)) for row in zip(*plain(table))], ensure_ascii=False, indent=1)
        (directory / f"{table}.json").write_text(text + "\n", "utf-8")


def _write_xlsx(frames: Mapping[str, pd.DataFrame], directory: Path) -> None:
    """One workbook, a sheet per table; characters a worksheet cannot hold (control
    characters from a PDF's text) are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # only an Excel run pays for openpyxl

    with pd.ExcelWriter(directory / "boardplans.xlsx", engine="openpyxl") as workbook:
        for table, df in frames.items():
            text = df.select_dtypes("string").columns
            clean = df.assign(**{c: df[c].str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True) for c in text})
            clean.to_excel(workbook, sheet_name=table, index=False)


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """`formats`, each once, in FORMATS' order; an unknown one is a ValueError naming it."""
    if unknown := [f for f in formats if f not in FORMATS]:
        raise ValueError(f"unknown format {', '.join(map(repr, unknown))}: choose among {', '.join(FORMATS)}")
    if not formats:
        raise ValueError(f"no format given: choose among {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in formats)


def write_tables(frames: Mapping[str, pd.DataFrame], directory: Path, formats: Sequence[str] = DEFAULT_FORMATS,
                 csv_bom: bool = False) -> None:
    """The tables in each of `formats`; `csv_bom` writes the CSVs as UTF-8 with a byte-order
    mark, which Excel needs to read them as UTF-8."""
    plain: Plain = cache(lambda table: _plain(frames[table]))  # made once for every format that takes it
    writers: dict[str, Callable[[Mapping[str, pd.DataFrame], Path], None]] = {
        "csv": partial(_write_csv, plain, encoding="utf-8-sig" if csv_bom else "utf-8"), "parquet": _write_parquet,
        "sqlite": partial(_write_sqlite, plain), "xlsx": _write_xlsx, "json": partial(_write_json, plain)}
    for name in check_formats(formats):
        writers[name](frames, directory)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_into_place(staged: Path, target: Path) -> None:
    """Make `staged` the dataset at `target` in one step, so that a reader, or a run killed at
    any moment, always finds either the old dataset or the new one there, whole."""
    if not target.exists():
        os.replace(staged, target)
    elif _exchange(staged, target):
        shutil.rmtree(staged, ignore_errors=True)  # now holds the old dataset
    else:  # no atomic exchange: the old dataset waits beside the target for an instant
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staged, target)
        shutil.rmtree(old, ignore_errors=True)


# what a run writes, in any format: the files of an older run that it does not carry over
DATASET_FILES = {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet", "json")} | {
    "boardplans.sqlite", "boardplans.xlsx", "datapackage.json", "metadata.json", "run.json"}


def check_output_dir(out_dir: Path) -> None:
    """Refuse, before any work, an output that cannot be created, or a directory that holds
    anything but a dataset and its reports."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} exists and is not a directory")
    if out_dir.exists() and any(p.is_dir() and not p.name.startswith(".") for p in out_dir.iterdir()):
        raise ValueError(f"{out_dir} holds sub-directories: it does not look like a boardplans output "
                         "directory; choose a new or empty directory")
    check_creatable(out_dir)


def check_creatable(path: Path) -> None:
    """Fail unless `path` can be written: a dataset is staged beside it, a picture written
    there. Trying to make a directory in the nearest folder that exists is the one test a
    read-only or virtual file system (/proc) cannot fool."""
    parent = Path(path).absolute().parent
    existing = next(p for p in (parent, *parent.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"{path} cannot be created: {existing} is a file, not a directory")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".boardplans-probe-", dir=existing))
    except OSError as exc:
        raise ValueError(f"{path} cannot be created: making a directory in {existing} fails "
                         f"({exc.strerror or exc})") from None


def write_dataset(frames: Mapping[str, pd.DataFrame], out_dir: Path, extra: Mapping[str, str] = {},
                  formats: Sequence[str] = DEFAULT_FORMATS, csv_bom: bool = False) -> Path:
    """Write the tables in `formats` (see write_tables), and `extra` files (name → text), into
    `out_dir`, atomically. Other files of the previous output (reports such as eval.json) are
    carried over."""
    out_dir = Path(out_dir).resolve()
    check_output_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir)
    staged = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-{os.getpid()}-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staged, 0o777 & ~umask)  # mkdtemp's 0700 would outlive the swap
    try:
        write_tables(frames, staged, formats, csv_bom)
        for name, text in extra.items():
            (staged / name).write_text(text, "utf-8")
        if out_dir.exists():
            for path in out_dir.iterdir():
                if path.is_file() and path.name not in DATASET_FILES and not (staged / path.name).exists():
                    shutil.copy2(path, staged / path.name)
        _fsync_dir(staged)
        if out_dir.exists():
            _link_hidden_dirs(out_dir, staged)
        swap_into_place(staged, out_dir)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return out_dir


def _link_hidden_dirs(out_dir: Path, staged: Path) -> None:
    """Carry hidden directories (the record cache and refresh's state, .boardplans/) into the
    new dataset as hard links: nothing is copied, and as both trees name the same files until
    the swap, a kill at any moment leaves them whole in the directory that survives."""
    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # a file system without hard links
            shutil.copy2(src, dst)
    for path in out_dir.iterdir():
        if path.is_dir() and not path.is_symlink() and path.name.startswith("."):
            shutil.copytree(path, staged / path.name, symlinks=True, copy_function=link)


def remove_stale_staging(out_dir: Path) -> None:
    """Remove what runs that were killed mid-write left beside the output: staging
    directories whose process is gone."""
    for path in out_dir.parent.glob(f".{out_dir.name}.staging-*-*"):
        pid = path.name.rsplit(".staging-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
