"""`boardplans refresh`: fetch what the boards publish, extract only what changed, and keep one
consolidated dataset current, unattended.

    sources file → pages fetched → their PDF links → PDFs fetched (conditionally) → store
    → batch (record cache: unchanged bytes are never read again) → dataset, swapped in whole
    → change report (against the previous dataset) → state recorded

One failed address never stops the run: a failed PDF keeps the records of its last good
copy; a failed listing page keeps the links it had. The dataset holds every document still
published plus those that disappeared (source_status = removed), never silently dropped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

from .api import to_frames
from .batch import BatchOptions, Progress, UsageError, run_batch
from .cache import RecordCache, renamed
from .changes import ChangeReport, Snapshot
from .dataset import check_output_dir, write_dataset
from .extract import DocumentResult, failed
from .fetch import Expect, Fetched, Hosts, Outcome, Validators, clean_tmp, fetch_all
from .sources import Source, SourceKind, SourcesError, Target, anchor_count, load_sources, pdf_links, targets
from .state import Locked, State, UrlOutcome


class SourceStatus:
    CURRENT = "current"   # found at its source by this run (fetched, or unchanged)
    FAILED = "failed"     # this run could not fetch it: the records are those of its last good copy, if any
    REMOVED = "removed"   # no longer at its source: kept, marked


@dataclass(frozen=True)
class RefreshOptions:
    batch: BatchOptions = field(default_factory=BatchOptions)
    today: date | None = None  # the run's date (first_seen, last_seen); default: today, UTC


@dataclass
class Failure:
    url: str
    reason: str


@dataclass
class RefreshResult:
    report: ChangeReport
    failures: list[Failure]
    summary: dict
    out_dir: Path


@dataclass
class _Doc:
    """One address this run knows of: where it stands and which bytes stand for it."""
    url: str
    board: str
    source: str
    status: str
    sha256: str = ""
    reason: str = ""
    fetched: Fetched | None = None


def _listing_failure(fetched: Fetched, html: str, source: Source) -> str:
    pattern = f" matching {source.match.pattern!r}" if source.match else ""
    return (f"the page links to no PDF{pattern} ({anchor_count(html)} link(s) in all): the page may have "
            "changed; check it and the match pattern (the links it had before are kept)")


def _validators(url: str, known, store) -> Validators:
    """Send validators only for bytes the store still holds: a 304 must leave something to read."""
    state = known.get(url)
    return state.validators if state and store.has(state.sha256) else Validators()


def refresh(sources_file: Path, out_dir: Path, options: RefreshOptions | None = None,
            progress: Callable[[Progress], None] | None = None) -> RefreshResult:
    options = options or RefreshOptions()
    try:
        sources = load_sources(sources_file)
        out_dir = Path(out_dir).resolve()
        check_output_dir(out_dir)
    except (SourcesError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if options.batch.scheduler:
        from .cluster import check_scheduler

        check_scheduler(options.batch.scheduler)
    today = (options.today or datetime.now(timezone.utc).date()).isoformat()
    try:
        state = State(out_dir).__enter__()
    except Locked as exc:
        raise UsageError(str(exc)) from exc
    try:
        return _run(sources, out_dir, options, state, today, progress)
    finally:
        state.__exit__(None, None, None)


def _run(sources, out_dir: Path, options: RefreshOptions, state: State, today: str,
         progress: Callable[[Progress], None] | None) -> RefreshResult:
    clean_tmp(state.tmp)
    run_id = state.start_run(sources.path)
    known = state.urls()
    before = Snapshot.read(out_dir)
    failures: list[Failure] = []

    # 1. every source at once: PDFs, pages, and those that only the bytes will tell
    requests = []
    for s in sources.sources:
        if s.kind is SourceKind.PAGE or (s.kind is SourceKind.AUTO and s.url not in known):
            validators = state.listing(s.url)[0] if state.listing(s.url)[1] is not None else Validators()
        else:
            validators = _validators(s.url, known, state.store)
        expect = {SourceKind.PDF: Expect.PDF, SourceKind.PAGE: Expect.PAGE}.get(s.kind, Expect.ANY)
        requests.append((s.url, validators, expect))
    hosts = Hosts()
    first = fetch_all(requests, sources.fetch, state.tmp, hosts)
    found: list[tuple[Source, list[str]]] = []
    direct: dict[str, Fetched] = {}
    listings = []
    for s, fetched in zip(sources.sources, first):
        stored_validators, stored_links = state.listing(s.url)
        is_page = fetched.kind == "page" or (fetched.outcome is not Outcome.FETCHED and (
            s.kind is SourceKind.PAGE or (s.kind is SourceKind.AUTO and stored_links is not None)))
        if not is_page:
            direct[s.url] = fetched
            found.append((s, [s.url]))
            continue
        links = stored_links
        if fetched.outcome is Outcome.FETCHED:
            html = fetched.text()
            fetched.discard()
            fresh = [(link.url, link.text) for link in pdf_links(html, fetched.final_url or s.url, s.match)]
            if fresh:
                links = fresh
                listings.append((s.url, fetched.validators, links, "fetched", ""))
            else:
                reason = _listing_failure(fetched, html, s)
                failures.append(Failure(s.url, reason))
                listings.append((s.url, stored_validators, None, "failed", reason))
        elif fetched.outcome is Outcome.UNCHANGED and links is not None:
            listings.append((s.url, fetched.validators, links, "unchanged", ""))
        else:
            reason = fetched.reason or "HTTP 304 Not Modified, and no links were kept from before"
            failures.append(Failure(s.url, reason + ("; the PDFs it linked to before are kept" if links else "")))
            listings.append((s.url, stored_validators, None, "failed", reason))
        found.append((s, [url for url, _ in links or []]))

    # 2. the PDFs the pages link to, each once
    wanted = targets(found)
    linked = [t for t in wanted if t.url not in direct]
    second = fetch_all([(t.url, _validators(t.url, known, state.store), Expect.PDF) for t in linked],
                       sources.fetch, state.tmp, hosts)
    fetched_by_url = {**direct, **{t.url: f for t, f in zip(linked, second)}}

    docs = [_document(t, fetched_by_url[t.url], known, before, state) for t in wanted]
    listed = {d.url for d in docs}
    gone = [url for url in [*before.by_url, *known] if url not in listed]
    for url in dict.fromkeys(gone):
        old = before.by_url.get(url)
        sha = old["sha256"] if old else known[url].sha256
        board = known[url].board if url in known else (old or {}).get("board", "")
        docs.append(_Doc(url, board, "", SourceStatus.REMOVED, sha if state.store.has(sha) else "",
                         "no longer linked from its source, or no longer in the sources file"))
    failures += [Failure(d.url, d.reason) for d in docs if d.status == SourceStatus.FAILED]

    # 3. records: from the cache for bytes read before, else extracted
    shas = list(dict.fromkeys(d.sha256 for d in docs if d.sha256))
    cache = RecordCache.beside(out_dir, options.batch.settings)
    try:
        results = run_batch([state.store.path(s) for s in shas], options.batch, progress, cache,
                            sha256s=shas)  # the store names each file by its hash
        extracted = len(shas) - cache.hits
        version = cache.version
    finally:
        cache.close()
    by_sha = {r.document["sha256"] or Path(r.document["file"]).stem: r for r in results}

    frames, report = _assemble(docs, by_sha, before, known, today)
    report.documents["failed"] += [{"url": f.url, "reason": f.reason, "page": True}
                                   for f in failures if f.url not in listed]  # listing pages
    failures += [Failure(d["file"], d["reason"]) for d in frames["documents"].to_dict("records")
                 if d["status"] == "failed" and d["source_status"] == SourceStatus.CURRENT]
    summary = _summary(sources, docs, frames, report, failures, extracted, len(shas) - extracted,
                       first + second)
    summary["pipeline_version"] = version
    title = f"boardplans refresh, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    extra = {"run.json": json.dumps(summary, indent=2) + "\n", "changes.json": report.to_json(),
             "changes.md": report.to_markdown(title, _summary_lines(summary, failures))}

    # 4. the dataset, swapped in whole; then the state, so a kill in between costs a download
    state.close()
    write_dataset(frames, out_dir, extra)
    state.open()
    state.finish_run(run_id, _url_outcomes(docs, known, today), listings, summary)
    return RefreshResult(report, failures, summary, out_dir)


def _document(target: Target, fetched: Fetched, known, before: Snapshot, state: State) -> _Doc:
    doc = _Doc(target.url, target.board, target.source, SourceStatus.CURRENT, fetched=fetched)
    if fetched.outcome is Outcome.FETCHED:
        state.store.put(fetched.body, fetched.sha256)
        fetched.body = None
        doc.sha256 = fetched.sha256
    elif fetched.outcome is Outcome.UNCHANGED and target.url in known and state.store.has(known[target.url].sha256):
        doc.sha256 = known[target.url].sha256
    else:
        if fetched.outcome is Outcome.UNCHANGED:  # validators are sent only for stored bytes
            fetched.outcome, fetched.reason = Outcome.FAILED, (
                "HTTP 304 Not Modified to a request that named no earlier copy: the server is misbehaving")
        old = before.by_url.get(target.url)
        sha = old["sha256"] if old else (known[target.url].sha256 if target.url in known else "")
        doc.status, doc.reason = SourceStatus.FAILED, fetched.reason
        doc.sha256 = sha if state.store.has(sha) else ""
    return doc


RANK = {SourceStatus.CURRENT: 0, SourceStatus.FAILED: 1, SourceStatus.REMOVED: 2}


def _assemble(docs: list[_Doc], by_sha: dict[str, DocumentResult], before: Snapshot, known,
              today: str) -> tuple[dict[str, pd.DataFrame], ChangeReport]:
    """The dataset's rows: one document per distinct content (its other addresses in
    other_names), each address's standing, first_seen and last_seen; and what changed."""
    primary: dict[str, _Doc] = {}
    others: dict[str, list[str]] = {}
    for d in sorted(docs, key=lambda d: RANK[d.status]):
        if d.status == SourceStatus.REMOVED and not d.sha256:
            continue  # nothing was ever fetched from it: nothing to keep
        key = d.sha256 or d.url
        if key in primary:
            others[key].append(d.url)
        else:
            primary[key], others[key] = d, []
    results = []
    seen_on: dict[str, tuple[str, str]] = {}  # document_id → (first_seen, last_seen)
    for key, d in primary.items():
        if d.sha256 and d.sha256 in by_sha:
            result = renamed(by_sha[d.sha256], d.url)
        else:  # never fetched whole: a failed row of its own, named by its address
            result = failed(d.url, d.reason or "the stored copy is missing: the next run fetches it again")
        doc = result.document
        doc["other_names"] = " | ".join(others[key])
        if d.board:
            doc["board"] = d.board
            for a in result.records.actions:
                a["board"] = d.board
        old = before.by_url.get(d.url, {})
        first = ((known[d.url].first_seen if d.url in known else "") or old.get("first_seen")
                 or (today if d.status == SourceStatus.CURRENT else None))
        last = today if d.status == SourceStatus.CURRENT else (
            (known[d.url].last_seen if d.url in known else "") or old.get("last_seen") or None)
        doc.update(source_status=d.status, source_reason=d.reason, first_seen=first, last_seen=last)
        seen_on[doc["document_id"]] = (first, last)
        results.append(result)
    frames = to_frames(results)
    after = cache(lambda: Snapshot.of(frames))  # needed only where a document was added, changed or removed
    report = ChangeReport()
    for key, d in primary.items():
        for url in [d.url, *others[key]]:
            _classify(report, url, d, before, after, by_sha)
    actions = frames["actions"]
    if len(actions):
        previous = {a: r.get("first_seen", "") for a, r in before.by_action.items()}
        firsts, lasts = [], []
        for action_id, document_id in zip(actions["action_id"], actions["document_id"]):
            doc_first, doc_last = seen_on[document_id]
            firsts.append(previous.get(action_id) or report.first_seen.get(action_id) or today)
            old_last = before.by_action.get(action_id, {}).get("last_seen") or None
            lasts.append(today if doc_last == today else old_last)
        frames["actions"] = actions.assign(first_seen=pd.array(firsts, dtype="string"),
                                           last_seen=pd.array(lasts, dtype="string"))
    return frames, report


def _classify(report: ChangeReport, url: str, d: _Doc, before: Snapshot, after: Callable[[], Snapshot],
              by_sha: dict[str, DocumentResult]) -> None:
    old = before.by_url.get(url)
    new_id = by_sha[d.sha256].document["document_id"] if d.sha256 in by_sha else None
    if d.status == SourceStatus.FAILED:
        report.documents["failed"].append({"url": url, "reason": d.reason})
    elif d.status == SourceStatus.REMOVED:
        if old and old.get("source_status") != SourceStatus.REMOVED:
            report.documents["removed"].append(url)
            report.compare(url, "removed", old, None, before, after())
    elif old is None or old.get("source_status") == SourceStatus.REMOVED:
        report.documents["added"].append(url)
        report.compare(url, "added", None, new_id, before, after())
    elif old["sha256"] != d.sha256:
        report.documents["changed"].append(url)
        report.compare(url, "changed", old, new_id, before, after())
    else:
        report.documents["unchanged"].append(url)


def _url_outcomes(docs: list[_Doc], known, today: str) -> list[UrlOutcome]:
    out = []
    for d in docs:
        f, k = d.fetched, known.get(d.url)
        if d.status == SourceStatus.CURRENT and f is not None:
            validators = f.validators
            outcome, first, last = str(f.outcome), today, today
        else:
            validators = k.validators if k else Validators()
            outcome, first, last = d.status, None, None
        out.append(UrlOutcome(d.url, d.board, d.source, outcome, validators, d.sha256 or (k.sha256 if k else ""),
                              f.status if f else None, d.reason, first, last))
    return out


def _summary(sources, docs: list[_Doc], frames, report: ChangeReport, failures: list[Failure], extracted: int,
             cached: int, fetches: list[Fetched]) -> dict:
    statuses = list(frames["documents"]["status"])
    counts = {s: statuses.count(s) for s in ("ok", "partial", "skipped", "failed")}
    return {
        "sources": len(sources.sources),
        "documents": len(frames["documents"]), **counts,
        "actions": len(frames["actions"]),
        "changes": {"documents": {k: len(v) for k, v in report.documents.items()},
                    "actions": {k: len(v) for k, v in report.actions.items()}},
        "requests": {"fetched": sum(f.outcome is Outcome.FETCHED for f in fetches),
                     "not_modified": sum(f.outcome is Outcome.UNCHANGED for f in fetches),
                     "failed": sum(f.outcome is Outcome.FAILED for f in fetches),
                     "bytes": sum(f.size for f in fetches)},
        "extracted": extracted, "from_cache": cached,
        "failures": len(failures),
    }


def _summary_lines(summary: dict, failures: list[Failure]) -> list[str]:
    d, a = summary["changes"]["documents"], summary["changes"]["actions"]
    req = summary["requests"]
    return [f"{summary['sources']} sources; {summary['documents']} documents in the dataset, "
            f"{summary['actions']} actions.",
            f"Documents: {d['added']} added, {d['changed']} changed, {d['removed']} removed, "
            f"{d['unchanged']} unchanged, {d['failed']} failed.",
            f"Actions: {a['added']} added, {a['changed']} changed, {a['removed']} removed.",
            f"Requests: {req['fetched']} downloaded, {req['not_modified']} not modified (304), {req['failed']} "
            f"failed; {summary['extracted']} PDF(s) extracted, {summary['from_cache']} from the record cache.",
            *([f"{len(failures)} source(s) failed: see below."] if failures else [])]


def summary_text(result: RefreshResult) -> str:
    """What the CLI prints: the summary, then one line per failure."""
    lines = _summary_lines(result.summary, result.failures)
    lines[0] += f" Written to {result.out_dir}/"
    lines += [f"  failed: {f.url}: {f.reason}" for f in result.failures]
    return "\n".join(lines)
