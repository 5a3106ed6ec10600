"""One file → its document record and normalized records, or a failure a person can act on.

source → document → tables → plan rows → normalized records; the dataset stage gathers
the results of many files.
"""
from __future__ import annotations

import hashlib
import os
import traceback
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boardplans.extractors.settings import ExtractSettings


if TYPE_CHECKING:
    from boardplans.extractors.model import PageContent

# The PDF parser, the extractors (pdfplumber, pdfminer, the OCR engines' imaging) and the
# stages that make records of what they read (plan, records, the normalizers) are imported by
# the functions that read a PDF: a run whose files are all in the record cache (a no-change
# refresh) never loads them. warm_up() loads them before workers are forked.
READER_MODULES = ("pdfplumber", "pdfminer.pdfdocument", "pdfminer.pdfparser", "boardplans.extractors.furniture",
                  "boardplans.extractors.ocr", "boardplans.extractors.page", "boardplans.extractors.pageview",
                  "boardplans.extractors.stitch", "boardplans.extractors.words", "boardplans.normalizers.acronyms",
                  "boardplans.pipeline.boards", "boardplans.pipeline.document", "boardplans.pipeline.plan",
                  "boardplans.pipeline.priorities", "boardplans.pipeline.records")

Record = dict[str, Any]


@dataclass
class Records:
    priorities: list[Record] = field(default_factory=list)
    actions: list[Record] = field(default_factory=list)
    milestones: list[Record] = field(default_factory=list)
    owners: list[Record] = field(default_factory=list)
    cells: list[Record] = field(default_factory=list)
    parents: list[Record] = field(default_factory=list)
    themes: list[Record] = field(default_factory=list)


class DocumentError(Exception):
    """A file that cannot be read as a PDF, with the reason a person can act on."""


@dataclass
class DocumentResult:
    document: Record
    records: Records
    seconds: float = 0.0  # wall time in its worker, set by the batch runner
    # the outcome is the file's own (not a limit, crash or bug met in this run): the batch
    # runner sets it, and only such results are cached
    cacheable: bool = False


def failed(path: Path | str, reason: str, sha256: str = "") -> DocumentResult:
    """A file's result before, or instead of, reading it: failed, for `reason`."""
    # a file that cannot be read has no content hash: its path's hash keeps document_id unique
    document_id = (sha256 or hashlib.sha256(os.fsencode(path)).hexdigest())[:16]
    doc = {"document_id": document_id, "file": str(path), "other_names": "", "sha256": sha256,
           "status": "failed", "reason": reason, "document_type": "", "board": "", "title": "",
           "period": "", "period_start": None, "period_end": None, "pages": 0, "text_layer": "",
           "tables": 0, "plan_tables": 0, "actions": 0}
    return DocumentResult(doc, Records())


def sniff(path: Path) -> None:
    """Reject what is plainly not a PDF before a parser sees it."""
    if not path.exists():
        raise DocumentError("no such file: it does not exist (moved, deleted, or a broken link); check the path")
    if not os.access(path, os.R_OK):
        raise DocumentError("cannot read the file: permission denied; check its owner and mode")
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("the file is empty (0 bytes): the download failed; fetch it again")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" in head:
        return
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")) or b"<html" in text:
        raise DocumentError("not a PDF: the file is an HTML page saved with a .pdf name "
                            "(an error or login page?); fetch the real PDF")
    raise DocumentError(f"not a PDF: the file does not start with %PDF- (first bytes {head[:8]!r}); "
                        "check what was downloaded")


def _wrapped(exc: BaseException) -> list[BaseException]:
    """The exception and every one it wraps: pdfplumber puts pdfminer's error in its args."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or any(e is f for f in found):
            continue
        found.append(e)
        todo += [e.__cause__, e.__context__, *(a for a in e.args if isinstance(a, BaseException))]
    return found


# whose error an exception is: the innermost frame of its traceback in one of these
OUR_PACKAGES = ("boardplans",)
PARSERS = ("pdfminer", "pdfplumber", "pypdfium2")


@dataclass(frozen=True)
class RaisedIn:
    owner: str  # ours, parser
    module: str
    line: int
    function: str


def raised_in(exc: BaseException) -> RaisedIn | None:
    """The innermost frame of the traceback in our code or a parser's (frames of the
    standard library or other packages are passed over for the caller that called them)."""
    for frame, lineno in reversed(list(traceback.walk_tb(exc.__traceback__))):
        module = str(frame.f_globals.get("__name__", ""))
        top = module.split(".")[0]
        if top in OUR_PACKAGES or top in PARSERS:
            return RaisedIn("ours" if top in OUR_PACKAGES else "parser", module, lineno, frame.f_code.co_name)
    return None


def _failure(exc: BaseException) -> str:
    """A parser's exception as a reason a person can act on."""
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    if "password" in str(exc).lower() or any(isinstance(e, PDFPasswordIncorrect) for e in _wrapped(exc)):
        return "password-protected PDF: it cannot be opened without its password; ask the board for an open copy"
    if any(isinstance(e, (PDFSyntaxError, PSException)) for e in _wrapped(exc)):
        return f"damaged PDF ({exc}): the file is probably truncated or corrupt; fetch it again"
    return f"damaged PDF ({type(exc).__name__}: {exc}): the parser could not read it; fetch it again or report it"


def _no_text_hint(settings: ExtractSettings) -> str:
    """What to do about a scan that gave no text."""
    from boardplans.extractors.ocr import ocr_available
    from boardplans.extractors.ocr_engines import install_hint

    if not settings.ocr:
        return "OCR was turned off (--no-ocr): run without it to read scans"
    if not ocr_available(settings.ocr_engine, settings.ocr_language):
        return f"No OCR engine to read it: {install_hint(settings.ocr_engine)}"
    return "OCR found no text either; check the scan's quality"


def _no_text_reason(path: Path, settings: ExtractSettings) -> str:
    """Why a document gave no text. A scan is told by its page images (a stamped page
    number is text, yet the page is a scan); a file with neither text nor images has
    nothing to read."""
    import pdfplumber

    from boardplans.extractors.pageview import is_scan
    from boardplans.extractors.words import words_from_pdfplumber

    with pdfplumber.open(path, password="") as pdf:
        scan = any(is_scan(page, words_from_pdfplumber(page.extract_words()), settings) for page in pdf.pages)
    if scan:
        return "no text layer: the pages are images (a scan). " + _no_text_hint(settings)
    return ("no text to read: the pages have no page images and no text beyond page furniture (page numbers, "
            "headers); their text may be drawn as outlines")


def read_pages(path: Path, settings: ExtractSettings) -> list[PageContent]:
    import pdfplumber

    from boardplans.extractors.furniture import drop_furniture
    from boardplans.extractors.page import read_view
    from boardplans.extractors.pageview import view_of

    views = []
    with pdfplumber.open(path, password="") as pdf:
        chosen = [p for p in pdf.pages if not settings.pages or p.page_number in settings.pages]
        if not chosen:
            raise DocumentError(f"none of the pages asked for (--pages) is in the document: it has "
                                f"{len(pdf.pages)} page(s)")
        for page in chosen:
            views.append(view_of(page, settings))
            page.close()
    return [read_view(v, settings) for v in drop_furniture(views, settings)]


def text_layer(pages: list[PageContent]) -> str:
    if any(p.strategy.startswith("ocr") for p in pages):
        return "ocr"
    return "text" if any(p.lines or p.tables for p in pages) else "none"


def process_document(path: Path, settings: ExtractSettings | None = None, sha256: str | None = None) -> DocumentResult:
    from boardplans.extractors.stitch import stitch
    from boardplans.normalizers.acronyms import find_acronyms, glossary

    from .boards import canonical_board
    from .document import BUSINESS_PLAN, identify, sha256_of
    from .plan import read_plan
    from .priorities import prose_lists
    from .records import action_records, parent_records, priority_records, status_key, theme_records, two_column_rows

    settings = ExtractSettings.resolve(settings)
    path = Path(path)
    sha256 = sha256 or ""
    try:
        sniff(path)
        sha256 = sha256 or sha256_of(path)
        pages = read_pages(path, settings)
    except DocumentError as exc:
        return failed(path, str(exc), sha256)
    except Exception as exc:  # a parser's own error: the file is damaged, the batch goes on
        if any(isinstance(e, MemoryError) for e in _wrapped(exc)):
            raise MemoryError from exc  # the worker reports it against the memory limit
        where = raised_in(exc)
        if where is not None and where.owner == "ours":
            raise  # our bug, never the file's fault: the worker reports an internal error
        return failed(path, _failure(exc), sha256)

    result = failed(path, "", sha256)  # failed until the outcome below says otherwise
    doc, records = result.document, result.records
    doc["pages"] = len(pages)
    doc["text_layer"] = text_layer(pages)
    if doc["text_layer"] == "none":
        doc["status"], doc["reason"] = "skipped", _no_text_reason(path, settings)  # nothing read is no failure
        return result

    tables = stitch(pages)
    plan = read_plan(pages, tables)
    prose_text = "\n".join(ln.text for p in pages for ln in p.lines)
    cell_text = "\n".join(c.text for t in tables for r in t.rows for c in r.cells if c)
    all_text = prose_text + "\n" + cell_text
    ident = identify(pages, all_text)
    doc.update(board=ident.board, title=ident.title, document_type=ident.document_type,
               period=ident.period.text if ident.period else "",
               period_start=ident.period.start.isoformat() if ident.period else None,
               period_end=ident.period.end.isoformat() if ident.period else None,
               tables=len(tables), plan_tables=sum(t.header_source != "none" for t in plan.tables))
    board = canonical_board(ident.board)
    doc.update(board_id=board.board_id if board else None, area="; ".join(board.areas) if board else None)
    acronyms = {**glossary(two_column_rows(tables)), **find_acronyms(all_text)}
    prose = prose_lists(pages)
    action_records(doc, plan.rows, ident.period, acronyms, status_key(plan), prose, records)
    priority_records(doc, plan, prose, records.actions, acronyms, records)
    parent_records(doc, plan, records)
    doc["actions"] = len(records.actions)
    if records.actions and doc["document_type"] == "other":
        doc["document_type"] = BUSINESS_PLAN
    doc["status"], doc["reason"] = outcome(doc)
    for priority in records.priorities:  # an annual report's priorities are no plan's
        priority["in_plan"] = doc["status"] in ("ok", "partial")
    records.themes = theme_records(records.actions, records.priorities)
    return result


def warm_up() -> None:
    """Load the PDF readers, word lists, patterns and tokenizer rules once, so that worker
    processes forked afterwards share them instead of each loading its own."""
    from boardplans.normalizers.owners import parse_owners
    from boardplans.normalizers.themes import themes_of
    from boardplans.normalizers.timescales import parse_timescale

    from .document import identify
    from .headers import match_header

    for name in READER_MODULES:
        import_module(name)
    themes_of([("action", "Neglect audit")])
    parse_owners("Jane Held LSCB Chair / SCR Subgroup")
    parse_timescale("April / May 2016 and ongoing")
    match_header("Who is responsible?")
    identify([], "LSCB")


# a document type (other than a plan) as the reason for skipping names it
DOCUMENT_KINDS = {"annual_report": "an annual report", "other": "neither a plan nor an annual report"}


def outcome(doc: dict[str, Any]) -> tuple[str, str]:
    from .document import BUSINESS_PLAN

    if doc["actions"]:
        return "ok", ""
    if doc["document_type"] != BUSINESS_PLAN:
        what = DOCUMENT_KINDS[doc["document_type"]]
        return "skipped", (f"not a business plan: the document reads as {what} "
                           f"({doc['title'] or 'untitled'!r}); no actions to extract")
    if not doc["tables"]:
        return "partial", ("no tables found in a business plan: the plan may be written as prose or "
                           "its tables may be images; see `boardplans debug FILE --page N`")
    return "partial", (f"no plan table found: {doc['tables']} table(s), none with a header naming plan "
                       "columns (action, lead, timescale); see `boardplans debug FILE --page N`")
