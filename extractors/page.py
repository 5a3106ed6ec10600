"""One page → its tables and the lines of text around them.

Strategies share one interface: each proposes tables from the page view and the words
no table has claimed yet, and gives each table a score. They run in order (the ruled
grid first, since rules are the strongest evidence of a cell); a proposal that scores
at least `min_table_score` claims its region, and the next strategy reads what is left.
So the choice is made per region, not per page: a ruled grid and an unruled table on
one page are each read by the strategy that fits it.
"""
from __future__ import annotations

from typing import Protocol, Sequence

from . import aligned, ruled
from .model import PageContent, Table, TextLine
from .pageview import PageView, words_outside
from .settings import ExtractSettings
from .words import Word, group_lines


class TableStrategy(Protocol):
    name: str

    def propose(self, view: PageView, words: Sequence[Word], settings: ExtractSettings) -> list[Table]: ...


def row_score(table: Table, view: PageView) -> float:
    """A table's score: the share of its rows that hold two or more cells of text; a lone
    row is no table (a ruled header over an unruled body) but where the page break carried
    it over."""
    if len(table.rows) < 2:
        return 1.0 if carried_over(table, view) else 0.0
    return sum(len(r.filled) >= 2 for r in table.rows) / len(table.rows)


def carried_over(table: Table, view: PageView) -> bool:
    """A lone row of an unruled table, with three or more cells of text, that opens the
    page (its furniture removed): the last row of a table the page break carried over,
    which stitching joins back. A lone ruled row stays no table: a shaded header is one."""
    return (table.strategy == aligned.NAME and len(table.rows[0].filled) >= 3
            and not any(w.bottom <= table.bbox.top for w in view.words))


class Ruled:
    name = ruled.NAME

    def propose(self, view: PageView, words: Sequence[Word], settings: ExtractSettings) -> list[Table]:
        return ruled.find_ruled_tables(view, settings)


class Aligned:
    name = aligned.NAME

    def propose(self, view: PageView, words: Sequence[Word], settings: ExtractSettings) -> list[Table]:
        return aligned.find_aligned_tables(view, words, settings)


STRATEGIES: tuple[TableStrategy, ...] = (Ruled(), Aligned())


def find_tables(view: PageView, settings: ExtractSettings) -> list[Table]:
    chosen: list[Table] = []
    words: list[Word] = list(view.words)
    for strategy in STRATEGIES:
        if not words:
            break
        for table in strategy.propose(view, words, settings):
            table.score = row_score(table, view)
            if table.score >= settings.min_table_score:
                chosen.append(table)
        words = words_outside(words, [t.bbox for t in chosen])
    return sorted(chosen, key=lambda t: (t.bbox.top, t.bbox.x0))


def lines_outside(words: Sequence[Word], tables: Sequence[Table], page_number: int) -> list[TextLine]:
    free = words_outside(words, [t.bbox for t in tables])
    return [TextLine(ln.text, page_number, ln.bbox, ln.size, ln.bold) for ln in group_lines(free)]


def strategy_of(view: PageView, tables: Sequence[Table]) -> str:
    names = "+".join(sorted({t.strategy for t in tables})) or "none"
    return f"ocr+{names}" if view.ocr else names


def read_view(view: PageView, settings: ExtractSettings) -> PageContent:
    tables = find_tables(view, settings)
    return PageContent(
        number=view.number, width=view.width, height=view.height,
        strategy=strategy_of(view, tables), tables=tables,
        lines=lines_outside(view.words, tables, view.number),
        rulings=[r.bbox for r in view.rules], skew=view.skew,
    )
