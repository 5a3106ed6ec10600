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
import gc
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .batch import BatchOptions

# Each command imports what it uses when it runs (pandas, pdfplumber, httpx and matplotlib
# cost seconds together): `--help` and `--version` import none of them.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
PAGE_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")


# Argument types: argparse reports what they reject as a usage error naming the argument,
# before any work starts.

def _number(kind: type[int] | type[float], minimum: float, maximum: float | None = None) -> Callable[[str], float]:
    """A number of `kind` from `minimum` to `maximum` (inclusive)."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            span = f"from {minimum:g} to {maximum:g}" if maximum is not None else f"at least {minimum:g}"
            raise argparse.ArgumentTypeError(f"must be {span}, not {text}")
        return value
    return parse


def _output_dir(text: str) -> Path:
    """A directory a dataset can be written to, or replaced in."""
    from .dataset import check_output_dir

    try:
        check_output_dir(Path(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return Path(text)


def _formats(text: str) -> tuple[str, ...]:
    """'csv,xlsx' → the formats, each known."""
    from .dataset import check_formats

    try:
        return check_formats([f.strip() for f in text.split(",")])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _pages(text: str) -> tuple[int, ...]:
    """'1-3,7' → (1, 2, 3, 7)."""
    pages: set[int] = set()
    for part in text.split(","):
        match = PAGE_RANGE.fullmatch(part)
        first, last = (int(match[1]), int(match[2] or match[1])) if match else (0, 0)
        if not 1 <= first <= last:
            raise argparse.ArgumentTypeError(f"{part.strip()!r}: give pages from 1, as N or N-M, joined by "
                                             "commas (1-3,7)")
        pages.update(range(first, last + 1))
    return tuple(sorted(pages))


def _picture(text: str) -> Path:
    """A picture file whose suffix names a format debug writes."""
    from .debug import PICTURE_FORMATS

    if Path(text).suffix.lower() not in PICTURE_FORMATS:
        raise argparse.ArgumentTypeError(f"{text}: the name must end in {', '.join(PICTURE_FORMATS)} "
                                         "(the picture's format)")
    return Path(text)


def _parser() -> argparse.ArgumentParser:
    from boardplans import __version__

    parser = argparse.ArgumentParser(prog="boardplans", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract plans from PDFs into a dataset",
                        description="Extract every PDF among PATH (files and folders) into one dataset in DIR: "
                                    "CSV, Parquet, SQLite and datapackage.json by default (see --format).")
    ex.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="PDF files or folders of them")
    ex.add_argument("-o", "--output", type=_output_dir, default="output", metavar="DIR",
                    help="output directory, replaced atomically (default: output/)")
    ex.add_argument("--format", type=_formats, default=None, metavar="FORMATS",
                    help="what to write, comma-separated, of csv, parquet, sqlite, xlsx (one workbook, a sheet "
                         "per table) and json (a file per table) (default: csv,parquet,sqlite)")
    ex.add_argument("--csv-bom", action="store_true",
                    help="write the CSVs as UTF-8 with a byte-order mark, so that Excel reads their dashes "
                         "and quotes right")
    ex.add_argument("--pages", type=_pages, default=(), metavar="PAGES",
                    help="read only these pages of each PDF, e.g. 1-3,7 (default: every page)")
    _batch_arguments(ex)
    rf = sub.add_parser("refresh", help="fetch the boards' plans and keep a dataset current",
                        description="Fetch every PDF that SOURCES lists or links to (conditionally: unchanged "
                                    "files are not downloaded), extract only what changed, and write the dataset, "
                                    "changes.json and changes.md into DIR. Meant for cron.")
    rf.add_argument("sources", type=Path, metavar="SOURCES", help="the sources file (TOML: [[source]] url = ...)")
    rf.add_argument("-o", "--output", type=_output_dir, default="output", metavar="DIR",
                    help="dataset directory, replaced atomically; its state is kept in DIR/.boardplans "
                         "(default: output/)")
    _batch_arguments(rf)
    rp = sub.add_parser("report", help="write DIR/report.html comparing the boards of a dataset",
                        description="Write DIR/report.html from the dataset in DIR: a board × theme matrix, "
                                    "deadlines over time, who leads and the priorities side by side, each linked to "
                                    "the actions behind it. The page is self-contained: it loads nothing.")
    rp.add_argument("directory", type=Path, metavar="DIR", help="a dataset written by `boardplans extract`")
    dbg = sub.add_parser("debug", help="draw what was read on one page, as a PNG or JPEG",
                         description="Write a picture of one page with the rulings, cells, header mapping, "
                                     "priority context, milestones and owners drawn on it.")
    dbg.add_argument("file", type=Path, metavar="FILE", help="the PDF to look at")
    dbg.add_argument("--page", type=int, required=True, metavar="N", help="page number, from 1")
    dbg.add_argument("-o", "--output", type=_picture, default=None, metavar="PICTURE",
                     help="where to write the picture, .png or .jpg (default: debug-<file>-p<N>.png beside FILE)")
    dbg.add_argument("--resolution", type=_number(int, 20, 600), default=110, metavar="DPI",
                     help="pixels per inch, 20 to 600 (default: 110)")
    return parser


def _batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-j", "--jobs", type=_number(int, 1), default=None, metavar="N",
                        help="documents processed in parallel (default: all cores)")
    parser.add_argument("--timeout", type=_number(float, 1), default=600.0, metavar="S",
                        help="seconds allowed per document (default: 600)")
    parser.add_argument("--memory-mb", type=_number(int, 64), default=4096, metavar="MB",
                        help="memory allowed per document, MB, at least 64 (default: 4096)")
    parser.add_argument("--no-ocr", action="store_true", help="do not OCR pages without a text layer")
    from boardplans.extractors.ocr_engines import NAMES as OCR_ENGINES  # stdlib only: cheap at start-up

    parser.add_argument("--ocr-engine", choices=OCR_ENGINES, default="auto", metavar="NAME",
                        help=f"the OCR engine for scanned pages: {', '.join(OCR_ENGINES)} (default: auto, "
                             "the best one installed)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run the documents on a Dask distributed cluster (tcp://host:8786) instead of here")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")


def _batch_options(args: argparse.Namespace) -> BatchOptions:
    from boardplans.extractors.ocr_engines import EngineUnavailable, check_engine
    from boardplans.extractors.settings import ExtractSettings

    from .batch import BatchOptions, UsageError

    options = BatchOptions(jobs=(os.cpu_count() or 1) if args.jobs is None else args.jobs, timeout=args.timeout,
                           memory_mb=args.memory_mb, settings=ExtractSettings(ocr=not args.no_ocr, ocr_engine=args.ocr_engine),
                           scheduler=args.scheduler)
    try:
        check_engine(args.ocr_engine)
    except EngineUnavailable as exc:
        raise UsageError(f"--ocr-engine: {exc}") from exc
    return options


def _progress(args: argparse.Namespace, total: int | None):
    """The progress bar, on a terminal unless --quiet."""
    from .progress import progress_bar

    return progress_bar(not args.quiet and sys.stderr.isatty(), total)


def run_extract(args: argparse.Namespace) -> int:
    from .api import extract
    from .batch import UsageError, collect_paths
    from .cache import RecordCache
    from .dataset import DEFAULT_FORMATS

    _freeze_imported()
    options = _batch_options(args)
    options = replace(options, settings=replace(options.settings, pages=args.pages))
    paths = collect_paths(args.paths)
    if options.scheduler:
        from .cluster import check_scheduler

        check_scheduler(options.scheduler)
    cache = RecordCache.beside(args.output, options.settings)
    try:
        with _progress(args, len(paths)) as progress:
            data = extract(paths, options, progress, cache)
    finally:
        cache.close()
    try:
        data.write(args.output, args.format or DEFAULT_FORMATS, args.csv_bom)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    summary = data.summary()
    if not args.quiet:
        print(f"documents: {summary['documents']} (ok {summary['ok']}, partial {summary['partial']}, "
              f"skipped {summary['skipped']}, failed {summary['failed']}); actions: {summary['actions']}; "
              f"written to {args.output}/")
        for r in data.results:
            if r.document["status"] != "ok":
                print(f"  {r.document['status']}: {r.document['file']}: {r.document['reason']}")
    return EXIT_FAILED if summary["failed"] else EXIT_OK


def _freeze_imported() -> None:
    """Called once a command has imported what it runs: those modules live as long as the
    process, so the collector need not go through them again, in each full collection and
    at exit (a quarter of a second for pandas and httpx)."""
    gc.freeze()


def run_refresh(args: argparse.Namespace) -> int:
    from .refresh import RefreshOptions, refresh, summary_text

    _freeze_imported()
    with _progress(args, None) as progress:
        result = refresh(args.sources, args.output, RefreshOptions(batch=_batch_options(args)), progress)
    if not args.quiet:
        print(summary_text(result))
    return EXIT_FAILED if result.failures else EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    from .batch import UsageError
    from .report import write_report

    try:
        print(write_report(args.directory))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    return EXIT_OK


def run_debug(args: argparse.Namespace) -> int:
    from .batch import UsageError
    from .dataset import check_creatable
    from .debug import draw_page

    # beside the PDF by default: where its reader looks, whatever the current directory
    out = args.output or args.file.with_name(f"debug-{args.file.stem}-p{args.page}.png")
    try:
        check_creatable(out)
    except ValueError as exc:
        raise UsageError(f"-o/--output: {exc}") from exc
    draw_page(args.file, args.page, out, resolution=args.resolution)
    print(out)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    from .batch import UsageError  # after parsing: --help imports none of the pipeline

    try:
        return {"extract": run_extract, "refresh": run_refresh, "report": run_report,
                "debug": run_debug}[args.command](args)
    except UsageError as exc:
        print(f"boardplans: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # the workers are stopped; a dataset is swapped in whole or not at all
        kept = f"; {args.output}/ left as it was" if args.command in ("extract", "refresh") else ""
        print(f"boardplans: interrupted{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
