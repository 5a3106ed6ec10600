"""`boardplans`: a thin command line over the Python API.

Exit codes of `boardplans extract`:
  0  every document ended ok, partial or skipped (see documents.status)
  1  at least one document failed; the dataset is still written for the others
  2  usage error: bad arguments, a missing input, an output that cannot be replaced

Exit codes of `boardplans refresh`:
  0  every source was fetched or unchanged, and no document failed
  1  at least one source failed; the dataset is still written, a failed source keeping its previous records
  2  usage error: bad arguments, a bad sources file, an output in use by another run or that cannot be replaced
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from boardplans.extractors.settings import ExtractSettings

from .api import extract
from .batch import BatchOptions, UsageError, collect_paths
from .cache import RecordCache
from .dataset import check_output_dir, write_dataset

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boardplans", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract plans from PDFs into a dataset",
                        description="Extract every PDF among PATH (files and folders) into one dataset in DIR: "
                                    "CSV, Parquet, SQLite and datapackage.json.")
    ex.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="PDF files or folders of them")
    ex.add_argument("-o", "--output", type=Path, default=Path("output"), metavar="DIR",
                    help="output directory, replaced atomically (default: output/)")
    _batch_arguments(ex)
    rf = sub.add_parser("refresh", help="fetch the boards' plans and keep a dataset current",
                        description="Fetch every PDF that SOURCES lists or links to (conditionally: unchanged "
                                    "files are not downloaded), extract only what changed, and write the dataset, "
                                    "changes.json and changes.md into DIR. Meant for cron.")
    rf.add_argument("sources", type=Path, metavar="SOURCES", help="the sources file (TOML: [[source]] url = ...)")
    rf.add_argument("-o", "--output", type=Path, default=Path("output"), metavar="DIR",
                    help="dataset directory, replaced atomically; its state is kept in DIR/.boardplans "
                         "(default: output/)")
    _batch_arguments(rf)
    rp = sub.add_parser("report", help="write DIR/report.html comparing the boards of a dataset",
                        description="Write DIR/report.html from the dataset in DIR: a board × theme matrix, "
                                    "deadlines over time, who leads and the priorities side by side, each linked to "
                                    "the actions behind it. The page is self-contained: it loads nothing.")
    rp.add_argument("directory", type=Path, metavar="DIR", help="a dataset written by `boardplans extract`")
    dbg = sub.add_parser("debug", help="draw what was read on one page, as a PNG",
                         description="Write a PNG of one page with the rulings, cells, header mapping and "
                                     "priority context drawn on it.")
    dbg.add_argument("file", type=Path, metavar="FILE", help="the PDF to look at")
    dbg.add_argument("--page", type=int, required=True, metavar="N", help="page number, from 1")
    dbg.add_argument("-o", "--output", type=Path, default=None, metavar="PNG",
                     help="where to write the picture (default: output/debug-<file>-p<N>.png)")
    dbg.add_argument("--resolution", type=int, default=110, help="pixels per inch (default: 110)")
    return parser


def _batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="documents processed in parallel (default: all cores)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per document (default: 600)")
    parser.add_argument("--memory-mb", type=int, default=4096, help="memory allowed per document, MB (default: 4096)")
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR pages without a text layer")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run the documents on a Dask distributed cluster (tcp://host:8786) instead of here")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")


def _batch_options(args: argparse.Namespace) -> BatchOptions:
    options = BatchOptions(jobs=(os.cpu_count() or 1) if args.jobs is None else args.jobs, timeout=args.timeout,
                           memory_mb=args.memory_mb, settings=ExtractSettings(ocr=not args.no_ocr),
                           scheduler=args.scheduler)
    if options.jobs < 1 or options.timeout <= 0 or options.memory_mb < 64:
        raise UsageError("--jobs must be ≥ 1, --timeout > 0 and --memory-mb ≥ 64")
    return options


def _progress_bar(quiet: bool, total_hint: int | None):
    if quiet or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total_hint, unit="doc", file=sys.stderr)

    def tick(result) -> None:
        bar.update(1)
        bar.set_postfix_str(f"{result.document['status']}: {Path(result.document['file']).name[:30]}")
    return bar, tick


def run_extract(args: argparse.Namespace) -> int:
    options = _batch_options(args)
    paths = collect_paths(args.paths)
    try:
        check_output_dir(args.output)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if options.scheduler:
        from .cluster import check_scheduler

        check_scheduler(options.scheduler)
    bar, tick = _progress_bar(args.quiet, len(paths))
    cache = RecordCache.beside(args.output, options.settings)
    try:
        data = extract(paths, options, tick, cache)
        if bar is not None:
            bar.update(bar.total - bar.n)  # byte-identical copies are done without a tick of their own
    finally:
        cache.close()
        if bar is not None:
            bar.close()
    summary = data.summary()
    try:
        write_dataset(data.frames, args.output, {"run.json": json.dumps(summary, indent=2) + "\n"})
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not args.quiet:
        print(f"documents: {summary['documents']} (ok {summary['ok']}, partial {summary['partial']}, "
              f"skipped {summary['skipped']}, failed {summary['failed']}); actions: {summary['actions']}; "
              f"written to {args.output}/")
        for r in data.results:
            if r.document["status"] != "ok":
                print(f"  {r.document['status']}: {r.document['file']}: {r.document['reason']}")
    return EXIT_FAILED if summary["failed"] else EXIT_OK


def run_refresh(args: argparse.Namespace) -> int:
    from .refresh import RefreshOptions, refresh, summary_text

    bar, tick = _progress_bar(args.quiet, None)
    try:
        result = refresh(args.sources, args.output, RefreshOptions(batch=_batch_options(args)), tick)
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(summary_text(result))
    return EXIT_FAILED if result.failures else EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    from .report import write_report

    try:
        print(write_report(args.directory))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    return EXIT_OK


def run_debug(args: argparse.Namespace) -> int:
    from .debug import draw_page

    out = args.output or Path("output") / f"debug-{args.file.stem}-p{args.page}.png"
    draw_page(args.file, args.page, out, resolution=args.resolution)
    print(out)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return {"extract": run_extract, "refresh": run_refresh, "report": run_report,
                "debug": run_debug}[args.command](args)
    except UsageError as exc:
        print(f"boardplans: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
