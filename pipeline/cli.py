"""`boardplans`: a thin command line over the Python API.

Exit codes of `boardplans extract`:
  0  every document ended ok, partial or skipped (see documents.status)
  1  at least one document failed; the dataset is still written for the others
  2  usage error: bad arguments, a missing input, an output that cannot be replaced
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from extractors.settings import ExtractSettings

from .api import extract
from .batch import BatchOptions, UsageError, collect_paths
from .dataset import write_dataset

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
    ex.add_argument("-j", "--jobs", type=int, default=None, help="documents processed in parallel (default: all cores)")
    ex.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per document (default: 600)")
    ex.add_argument("--memory-mb", type=int, default=4096, help="memory allowed per document, MB (default: 4096)")
    ex.add_argument("--no-ocr", action="store_true", help="do not OCR pages without a text layer")
    ex.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    dbg = sub.add_parser("debug", help="draw what was read on one page, as a PNG",
                         description="Write a PNG of one page with the rulings, cells, header mapping and "
                                     "priority context drawn on it.")
    dbg.add_argument("file", type=Path, metavar="FILE", help="the PDF to look at")
    dbg.add_argument("--page", type=int, required=True, metavar="N", help="page number, from 1")
    dbg.add_argument("-o", "--output", type=Path, default=None, metavar="PNG",
                     help="where to write the picture (default: output/debug-<file>-p<N>.png)")
    dbg.add_argument("--resolution", type=int, default=110, help="pixels per inch (default: 110)")
    return parser


def _progress_bar(quiet: bool, total_hint: int):
    if quiet or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total_hint, unit="doc", file=sys.stderr)

    def tick(result) -> None:
        bar.update(1)
        bar.set_postfix_str(f"{result.document['status']}: {Path(result.document['file']).name[:30]}")
    return bar, tick


def run_extract(args: argparse.Namespace) -> int:
    settings = ExtractSettings(ocr=not args.no_ocr)
    options = BatchOptions(jobs=(os.cpu_count() or 1) if args.jobs is None else args.jobs, timeout=args.timeout,
                           memory_mb=args.memory_mb, settings=settings)
    if options.jobs < 1 or options.timeout <= 0 or options.memory_mb < 64:
        raise UsageError("--jobs must be ≥ 1, --timeout > 0 and --memory-mb ≥ 64")
    paths = collect_paths(args.paths)
    bar, tick = _progress_bar(args.quiet, len(paths))
    try:
        data = extract(paths, options, tick)
        if bar is not None:
            bar.update(bar.total - bar.n)  # byte-identical copies are done without a tick of their own
    finally:
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
        return run_extract(args) if args.command == "extract" else run_debug(args)
    except UsageError as exc:
        print(f"boardplans: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
