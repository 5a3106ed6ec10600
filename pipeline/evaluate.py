"""Accuracy against hand-written answer keys: `python -m boardplans.pipeline.evaluate samples -o output/eval.json`.

Every PDF in a folder that has an answer key (`<folder>/truth/*.json`, format in
samples/SPEC.md) is run through the batch runner; its truth actions are matched one-to-one
to the extracted ones by action text, and each matched pair is compared field by field,
milestone by milestone and owner by owner. Counts are kept as right/total so documents add
up to an overall figure without averaging averages.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from rapidfuzz import fuzz

from .batch import BatchOptions, run_batch
from .document import BUSINESS_PLAN
from .extract import DocumentResult

BULLET_GLYPHS = "•●▪-"
ROW_MATCH = 90        # rapidfuzz ratio for a near-miss action text to still pair two rows
PRIORITY_MATCH = 85   # priorities are matched more loosely: OCR and prose restatements vary
WORST = 5
# report name -> record field (the truth and the extracted records share field names)
FIELDS = {"priority_ref": "priority_ref", "priority": "priority_title", "ref": "ref",
          "objective": "objective", "action": "action", "method": "method", "lead": "lead",
          "timescale": "timescale", "measure": "measure", "progress": "progress"}
DOCUMENT_FIELDS = ("board", "title", "period_start", "period_end", "document_type", "is_plan", "status")

_BULLET_AT_LINE_START = re.compile(rf"^[ \t]*[{re.escape(BULLET_GLYPHS)}]+[ \t]*", re.MULTILINE)

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Score:
    right: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.right / self.total if self.total else None

    def __add__(self, other: Score) -> Score:
        return Score(self.right + other.right, self.total + other.total)


@dataclass(frozen=True)
class Mismatch:
    ref: str
    truth: str
    got: str
    similarity: float


@dataclass(frozen=True)
class DocumentScore:
    name: str
    recall: Score                      # matched rows / truth rows
    precision: Score                   # matched rows / extracted rows
    fields: dict[str, Score]
    milestones: Score                  # truth milestones matched in order / all truth milestones
    extra_milestones: int              # extracted milestones that match no truth milestone
    owners: Score                      # truth owners matched on (name, role, kind) / all truth owners
    organisations: Score               # of those matched owners, the ones whose organisation is right too
    document: dict[str, Score]
    priorities: Score                  # truth priorities found in the extracted priorities table
    mismatches: dict[str, list[Mismatch]] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One PDF and its answer key."""
    pdf: Path
    truth: Path


def clean(text: str | None) -> str:
    """Text as compared: bullet glyphs at line starts dropped, whitespace collapsed."""
    return " ".join(_BULLET_AT_LINE_START.sub("", text or "").split())


def match_rows(truth: Sequence[str], got: Sequence[str], threshold: float = ROW_MATCH) -> list[tuple[int, int]]:
    """Pairs (truth index, extracted index), one-to-one: equal cleaned texts first, then the
    closest near miss at or above `threshold`, each truth row taking the earliest best candidate."""
    truth_c, got_c = [clean(t) for t in truth], [clean(g) for g in got]
    free = list(range(len(got_c)))
    pairs: dict[int, int] = {}
    for i, text in enumerate(truth_c):
        j = next((j for j in free if got_c[j] == text), None)
        if j is not None:
            pairs[i] = j
            free.remove(j)
    for i, text in enumerate(truth_c):
        if i in pairs or not free:
            continue
        best = max(free, key=lambda j: (fuzz.ratio(text, got_c[j]), -j))
        if fuzz.ratio(text, got_c[best]) >= threshold:
            pairs[i] = best
            free.remove(best)
    return sorted(pairs.items())


def in_order_matches(truth: Sequence[Any], got: Sequence[Any]) -> int:
    """How many of `truth` appear in `got` in the same order (longest common subsequence)."""
    prev = [0] * (len(got) + 1)
    for t in truth:
        row = [0]
        for j, g in enumerate(got):
            row.append(prev[j] + 1 if t == g else max(prev[j + 1], row[j]))
        prev = row
    return prev[-1]


def milestone_key(m: Record) -> tuple[str | None, str | None, str]:
    return (m.get("start") or None, m.get("end") or None, m.get("kind") or "")


def owner_key(o: Record) -> tuple[str, str, str]:
    return (clean(o.get("name")), clean(o.get("role")), o.get("kind") or "")


def owner_scores(truth: Sequence[Record], got: Sequence[Record]) -> tuple[Score, Score]:
    """Owners matched as a multiset on (name, role, kind); then, of those, the ones whose
    organisation agrees as well."""
    matched = Counter(map(owner_key, truth)) & Counter(map(owner_key, got))
    with_org = (Counter((*owner_key(o), clean(o.get("organisation"))) for o in truth)
                & Counter((*owner_key(o), clean(o.get("organisation"))) for o in got))
    n = sum(matched.values())
    return Score(n, len(truth)), Score(sum(with_org.values()), n)


def field_mismatches(pairs: Iterable[tuple[Record, Record]], name: str) -> tuple[Score, list[Mismatch]]:
    right, total, wrong = 0, 0, []
    for truth, got in pairs:
        t, g = clean(truth.get(name)), clean(got.get(name))
        total += 1
        if t == g:
            right += 1
        else:
            wrong.append(Mismatch(truth.get("ref") or "", t, g, fuzz.ratio(t, g)))
    return Score(right, total), sorted(wrong, key=lambda m: m.similarity)[:WORST]


def _milestone_text(m: Record) -> str:
    return f"{clean(m.get('text'))} -> {m.get('kind')} {m.get('start') or ''}..{m.get('end') or ''}"


def _owner_text(o: Record) -> str:
    return f"{o.get('kind')}: " + " | ".join(clean(o.get(k)) or "-" for k in ("name", "role", "organisation"))


def _listed(truth_action: Record, truth: Sequence[Record], got: Sequence[Record], show) -> Mismatch:
    """A wrong list of milestones or owners, one item a line, for reading in the report."""
    t, g = "\n".join(map(show, truth)), "\n".join(map(show, got))
    return Mismatch(truth_action.get("ref") or "", t, g, fuzz.ratio(t, g))


def priority_recall(truth: Sequence[Record], got: Sequence[Record]) -> Score:
    pairs = match_rows([p["title"] for p in truth], [p.get("title") or "" for p in got], PRIORITY_MATCH)
    return Score(len(pairs), len(truth))


def document_fields(truth: Record, doc: Record) -> dict[str, Score]:
    period = truth.get("period") or {}
    checks = {
        "board": clean(truth.get("board")) == clean(doc.get("board")),
        "title": clean(truth.get("title")).casefold() == clean(doc.get("title")).casefold(),
        "period_start": period.get("start") == doc.get("period_start"),
        "period_end": period.get("end") == doc.get("period_end"),
        "document_type": truth.get("document_type") == doc.get("document_type"),
        "is_plan": bool(truth.get("is_plan")) == (doc.get("document_type") == BUSINESS_PLAN),
        # a plan should be read through; anything else should be set aside, not half-read
        "status": doc.get("status") == ("ok" if truth.get("is_plan") else "skipped"),
    }
    return {k: Score(int(ok), 1) for k, ok in checks.items()}


def by_action(records: Iterable[Record]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = {}
    for r in records:
        grouped.setdefault(r["action_id"], []).append(r)
    return grouped


def score_document(name: str, truth: Record, result: DocumentResult) -> DocumentScore:
    """Compare one document's extraction with its answer key (a truth file's JSON)."""
    truth_actions: list[Record] = truth["actions"]
    got_actions = result.records.actions
    pairs = [(truth_actions[i], got_actions[j]) for i, j in
             match_rows([a["action"] for a in truth_actions], [a.get("action") or "" for a in got_actions])]
    fields, mismatches = {}, {}
    for report_name, record_name in FIELDS.items():
        fields[report_name], mismatches[report_name] = field_mismatches(pairs, record_name)

    got_milestones, got_owners = by_action(result.records.milestones), by_action(result.records.owners)
    milestones_right = owners_right = 0
    organisations = Score()
    wrong_milestones, wrong_owners = [], []
    for t, g in pairs:
        extracted = got_milestones.get(g["action_id"], [])
        n = in_order_matches(list(map(milestone_key, t["milestones"])), list(map(milestone_key, extracted)))
        milestones_right += n
        if n < max(len(t["milestones"]), len(extracted)):
            wrong_milestones.append(_listed(t, t["milestones"], extracted, _milestone_text))
        owned = got_owners.get(g["action_id"], [])
        owners, org = owner_scores(t["owners"], owned)
        owners_right, organisations = owners_right + owners.right, organisations + org
        if owners.right < max(len(t["owners"]), len(owned)) or org.right < org.total:
            wrong_owners.append(_listed(t, t["owners"], owned, _owner_text))
    mismatches["milestones"] = sorted(wrong_milestones, key=lambda m: m.similarity)[:WORST]
    mismatches["owners"] = sorted(wrong_owners, key=lambda m: m.similarity)[:WORST]
    truth_milestones = sum(len(a["milestones"]) for a in truth_actions)
    truth_owners = sum(len(a["owners"]) for a in truth_actions)
    return DocumentScore(
        name=name,
        recall=Score(len(pairs), len(truth_actions)),
        precision=Score(len(pairs), len(got_actions)),
        fields=fields,
        milestones=Score(milestones_right, truth_milestones),
        extra_milestones=len(result.records.milestones) - milestones_right,
        owners=Score(owners_right, truth_owners),
        organisations=organisations,
        document=document_fields(truth["truth"], result.document),
        priorities=priority_recall(truth["truth"].get("priorities", []), result.records.priorities),
        mismatches={k: v for k, v in mismatches.items() if v},
    )


def overall(scores: Sequence[DocumentScore]) -> DocumentScore:
    def total(get) -> Score:
        return sum((get(s) for s in scores), Score())
    return DocumentScore(
        name="overall",
        recall=total(lambda s: s.recall), precision=total(lambda s: s.precision),
        fields={k: total(lambda s: s.fields[k]) for k in FIELDS},
        milestones=total(lambda s: s.milestones),
        extra_milestones=sum(s.extra_milestones for s in scores),
        owners=total(lambda s: s.owners), organisations=total(lambda s: s.organisations),
        document={k: total(lambda s: s.document[k]) for k in DOCUMENT_FIELDS},
        priorities=total(lambda s: s.priorities),
    )


def find_cases(folder: Path, truth_dir: Path | None = None) -> list[Case]:
    """Every PDF in `folder` named by an answer key in `truth_dir` (default `folder/truth`)."""
    truth_dir = truth_dir or folder / "truth"
    cases = []
    for path in sorted(truth_dir.glob("*.json")):
        pdf = folder / json.loads(path.read_text(encoding="utf-8"))["pdf"]
        if pdf.exists():
            cases.append(Case(pdf, path))
    return cases


def evaluate(cases: Sequence[Case], options: BatchOptions | None = None) -> list[DocumentScore]:
    # a byte-identical copy is processed once: its result answers for every name it came under
    results = {name: r for r in run_batch([c.pdf for c in cases], options)
               for name in [r.document["file"], *filter(None, r.document["other_names"].split(" | "))]}
    return [score_document(c.pdf.stem, json.loads(c.truth.read_text(encoding="utf-8")), results[str(c.pdf)])
            for c in cases]


def rates(score: DocumentScore) -> dict[str, float | None]:
    """Every figure of a score as one flat mapping, for floors and dashboards."""
    return {k: s.rate for k, s in {
        "row_recall": score.recall, "row_precision": score.precision, **score.fields,
        "milestones": score.milestones, "owners": score.owners, "organisations": score.organisations,
        "document": sum(score.document.values(), Score()), "priorities": score.priorities,
    }.items()}


def below(score: DocumentScore, floors: Mapping[str, float], default: float = 1.0) -> dict[str, tuple[float, float]]:
    """The figures under their floor, as (rate, floor); a figure without its own floor must
    reach `default`, and one with nothing to compare is left out."""
    return {k: (rate, floors.get(k, default)) for k, rate in rates(score).items()
            if rate is not None and rate < floors.get(k, default)}


def _score_json(s: Score) -> dict[str, Any]:
    return {"right": s.right, "total": s.total, "rate": None if s.rate is None else round(s.rate, 4)}


def to_json(score: DocumentScore) -> dict[str, Any]:
    return {
        "name": score.name,
        "row_recall": _score_json(score.recall), "row_precision": _score_json(score.precision),
        "fields": {k: _score_json(v) for k, v in score.fields.items()},
        "milestones": _score_json(score.milestones), "extra_milestones": score.extra_milestones,
        "owners": _score_json(score.owners), "organisations": _score_json(score.organisations),
        "document": {k: _score_json(v) for k, v in score.document.items()},
        "priorities": _score_json(score.priorities),
        "mismatches": {k: [{"ref": m.ref, "truth": m.truth, "got": m.got} for m in v]
                       for k, v in score.mismatches.items()},
    }


def _pct(s: Score) -> str:
    return "   -" if s.rate is None else f"{s.rate * 100:4.0f}"


def table(scores: Sequence[DocumentScore]) -> str:
    """One line per document and one overall: rows, then field, milestone, owner and
    document-field accuracy, in percent ('-' where there was nothing to compare)."""
    short = {"priority_ref": "pref", "priority": "prio", "objective": "obj", "action": "act",
             "method": "meth", "timescale": "time", "measure": "meas", "progress": "prog"}
    heads = (["rows", "recall", "prec"] + [short.get(k, k) for k in FIELDS]
             + ["miles", "+ext", "owner", "org", "doc", "prios"])
    width = max(len(s.name) for s in scores)
    lines = [f"{'document':<{width}} " + " ".join(f"{h:>7}" for h in heads)]
    for s in scores:
        doc = sum(s.document.values(), Score())
        cells = ([f"{s.recall.right}/{s.recall.total}", _pct(s.recall), _pct(s.precision)]
                 + [_pct(s.fields[k]) for k in FIELDS]
                 + [_pct(s.milestones), str(s.extra_milestones), _pct(s.owners), _pct(s.organisations),
                    f"{doc.right}/{doc.total}", _pct(s.priorities)])
        lines.append(f"{s.name:<{width}} " + " ".join(f"{c:>7}" for c in cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m boardplans.pipeline.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders of PDFs, each with a truth/ folder of answer keys")
    parser.add_argument("--truth-dir", type=Path, help="answer keys for every folder given (default: FOLDER/truth)")
    parser.add_argument("-o", "--output", type=Path, help="write the full report (with mismatches) as JSON here")
    parser.add_argument("--jobs", type=int, help="documents processed at once (default: one per CPU)")
    args = parser.parse_args(argv)

    cases = [c for folder in args.folders for c in find_cases(folder, args.truth_dir)]
    if not cases:
        parser.error("no PDF with an answer key found in " + ", ".join(map(str, args.folders)))
    options = BatchOptions(jobs=args.jobs) if args.jobs else None
    scores = evaluate(cases, options)
    everything = [*scores, overall(scores)]
    print(table(everything))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        report = {"documents": [to_json(s) for s in scores], "overall": to_json(everything[-1])}
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
