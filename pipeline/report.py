"""`boardplans report DIR`: one self-contained HTML page over a dataset, for comparing boards.

A board × theme matrix, every board's deadlines over time, who leads per board and the
boards' priorities side by side; every cell, point and bar links to the actions behind it,
each with its document and page. Charts are matplotlib SVG written into the page, styles
are inline and there is no script: the file opens offline and loads nothing.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from boardplans.normalizers.themes import taxonomy

from .dataset import TABLES, read_csv_table

REPORT_FILE = "report.html"
KIND_COLOURS = {"person": "#4c72b0", "role": "#55a868", "group": "#dd8452", "organisation": "#8172b3"}
MILESTONE_MARKERS = {"deadline": "o", "interval": "s", "open": ">", "recurring": "D"}


@dataclass(frozen=True)
class ReportData:
    """The tables a report reads, plan documents only."""
    documents: pd.DataFrame
    actions: pd.DataFrame
    priorities: pd.DataFrame
    milestones: pd.DataFrame
    owners: pd.DataFrame
    themes: pd.DataFrame
    boards: dict[str, str]  # board_id → name shown


def load(directory: Path) -> ReportData:
    """The dataset in `directory` (as `boardplans extract` writes it), read from its CSV files."""
    missing = [t for t in TABLES if not (Path(directory) / f"{t}.csv").exists()]
    if missing:
        raise FileNotFoundError(f"{directory} holds no boardplans dataset: {', '.join(f'{t}.csv' for t in missing)} "
                                "not found; run `boardplans extract PATH -o DIR` first")
    t = {name: read_csv_table(directory, name) for name in TABLES}
    docs = t["documents"][t["documents"].status.isin(["ok", "partial"]) & t["documents"].board_id.notna()]
    priorities = t["priorities"][t["priorities"].in_plan.fillna(False) & t["priorities"].document_id.isin(docs.document_id)]
    actions = t["actions"][t["actions"].document_id.isin(docs.document_id)]
    boards = {row.board_id: row.board for row in docs.sort_values("period_start", na_position="first").itertuples()}
    return ReportData(docs, actions, priorities, t["milestones"][t["milestones"].action_id.isin(actions.action_id)],
                      t["owners"], t["themes"], dict(sorted(boards.items(), key=lambda kv: kv[1])))


def _e(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _anchor(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() else "_" for c in str(p)) for p in parts)


def _svg(fig) -> str:
    """The figure as an inline <svg> element: text kept as text, ids and output repeatable."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "boardplans"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96)
    fig.patch.set_alpha(0)
    return fig, fig.add_subplot()


# --- board × theme ---------------------------------------------------------------------

def theme_counts(data: ReportData) -> pd.DataFrame:
    """Actions per (board_id, theme), every theme of the taxonomy a column, in its order."""
    joined = data.themes.dropna(subset=["action_id"]).merge(data.actions[["action_id", "board_id"]], on="action_id")
    counts = joined.groupby(["board_id", "theme"]).action_id.nunique().unstack(fill_value=0)
    themes = [t.id for t in taxonomy()]
    return counts.reindex(index=list(data.boards), columns=themes, fill_value=0)


def matrix_svg(counts: pd.DataFrame, boards: dict[str, str]) -> str:
    from matplotlib.patches import Rectangle

    labels = {t.id: t.label for t in taxonomy()}
    n_rows, n_cols = counts.shape
    fig, ax = _figure(0.42 * n_cols + 3.2, 0.42 * n_rows + 2.6)
    top = max(int(counts.values.max()), 1) if counts.size else 1
    for i, board_id in enumerate(counts.index):
        for j, theme in enumerate(counts.columns):
            n = int(counts.iat[i, j])
            shade = 0.12 + 0.88 * n / top if n else 0
            cell = Rectangle((j, i), 1, 1, facecolor=(0.17, 0.35, 0.62, shade) if n else "#f4f4f4",
                             edgecolor="white", linewidth=1.5)
            if n:
                cell.set_url(f"#{_anchor('bt', board_id, theme)}")
            ax.add_patch(cell)
            if n:
                text = ax.text(j + 0.5, i + 0.5, str(n), ha="center", va="center", fontsize=8,
                               color="white" if shade > 0.5 else "#222")
                text.set_url(f"#{_anchor('bt', board_id, theme)}")
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_xticks([j + 0.5 for j in range(n_cols)], [labels[t] for t in counts.columns], rotation=60,
                  ha="right", fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(n_rows)], [boards[b] for b in counts.index], fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return _svg(fig)


# --- deadlines ---------------------------------------------------------------------------

def deadlines_svg(data: ReportData) -> str:
    """Each dated milestone at its due date on its board's row; an interval as a bar from its
    start. Every mark links to its action."""
    import matplotlib.dates as mdates

    m = data.milestones.dropna(subset=["end"]).merge(data.actions[["action_id", "board_id"]], on="action_id")
    rows = {b: i for i, b in enumerate(data.boards)}
    fig, ax = _figure(11, 0.55 * len(rows) + 1.6)
    for kind, marker in MILESTONE_MARKERS.items():
        part = m[m.kind == kind]
        if part.empty:
            continue
        ends = [date.fromisoformat(d) for d in part["end"]]
        offsets = [rows[b] + ((k % 5) - 2) * 0.07 for k, b in enumerate(part.board_id)]  # spread stacked marks
        points = ax.scatter(ends, offsets, marker=marker, s=26, alpha=0.75, label=kind, zorder=3)
        points.set_urls([f"#{_anchor('a', a)}" for a in part.action_id])
    for row in m[m.start.notna()].itertuples():
        bar = ax.plot([date.fromisoformat(row.start), date.fromisoformat(row.end)], [rows[row.board_id]] * 2,
                      color="#999", linewidth=3, alpha=0.4, solid_capstyle="butt", zorder=2)[0]
        bar.set_url(f"#{_anchor('a', row.action_id)}")
    ax.set_yticks(range(len(rows)), [data.boards[b] for b in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(axis="x", color="#ddd")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig)


# --- who leads -----------------------------------------------------------------------------

def lead_table(data: ReportData) -> pd.DataFrame:
    """One row per (board, owner key): kind, the spellings used, the actions and the
    priorities (by their headings' leads) it leads."""
    owners = data.owners
    by_action = owners.dropna(subset=["action_id"]).merge(data.actions[["action_id", "board_id"]], on="action_id")
    plan_priorities = data.priorities.merge(data.documents[["document_id", "board_id"]], on="document_id")
    by_priority = owners.dropna(subset=["priority_id"]).merge(plan_priorities[["priority_id", "board_id"]],
                                                             on="priority_id")
    both = pd.concat([by_action, by_priority], ignore_index=True)
    shown = both.name.fillna(both.role)
    both = both.assign(shown=shown.where(both.organisation.isna() | both.name.notna(),
                                         shown + " (" + both.organisation.fillna("") + ")"))
    grouped = both.groupby(["board_id", "key", "kind"], sort=False).agg(
        shown=("shown", "first"), spellings=("shown", lambda s: sorted(set(s))),
        actions=("action_id", lambda s: list(dict.fromkeys(s.dropna()))),
        priorities=("priority_id", lambda s: list(dict.fromkeys(s.dropna())))).reset_index()
    grouped["n"] = grouped.actions.map(len)
    return grouped.sort_values(["board_id", "n", "shown"], ascending=[True, False, True])


def leads_svg(leads: pd.DataFrame, boards: dict[str, str]) -> str:
    """Actions per board by the kind of owner that leads them, each bar linked to its board's
    list of leads."""
    fig, ax = _figure(8, 0.45 * len(boards) + 1.4)
    left = [0] * len(boards)
    for kind, colour in KIND_COLOURS.items():
        widths = [int(leads[(leads.board_id == b) & (leads.kind == kind)].n.sum()) for b in boards]
        bars = ax.barh(range(len(boards)), widths, left=left, color=colour, label=kind, height=0.6)
        for bar, board_id in zip(bars, boards):
            bar.set_url(f"#{_anchor('lead', board_id)}")
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(range(len(boards)), list(boards.values()), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("owners named, counted per action", fontsize=8)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig)


# --- HTML ------------------------------------------------------------------------------------

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:1.5em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin:1.2em 0 .3em}
a{color:#1f4e8c}svg{max-width:100%;height:auto}svg a:hover path,svg a:hover use{opacity:.6}
table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid #eee;padding:.25em .6em;vertical-align:top;text-align:left}
.side{display:flex;gap:1em;overflow-x:auto;align-items:flex-start}.side>div{flex:0 0 20em;border:1px solid #ddd;padding:.6em;border-radius:4px}
.tag{display:inline-block;background:#eef2f8;border-radius:3px;padding:0 .35em;margin:0 .2em .2em 0;font-size:.85em}
.muted{color:#666;font-size:.9em}.action{margin:.4em 0 .8em;padding-left:.6em;border-left:3px solid #d0d8e4}
:target{background:#fff6d5}
"""


def _where(action) -> str:
    pages = f"p. {action.page_start}" + (f"–{action.page_end}" if action.page_end != action.page_start else "")
    return f'<span class="muted">{_e(action.document)}, {pages}</span>'


def _action_link(action) -> str:
    ref = f"{_e(action.ref)} " if isinstance(action.ref, str) else ""
    text = _e(action.action if isinstance(action.action, str) else action.objective)
    return f'<a href="#{_anchor("a", action.action_id)}">{ref}{text[:140]}</a> {_where(action)}'


def matrix_lists(data: ReportData, counts: pd.DataFrame) -> str:
    """The actions behind each cell of the matrix, with the words that gave the theme."""
    labels = {t.id: t.label for t in taxonomy()}
    themed = data.themes.dropna(subset=["action_id"]).merge(data.actions, on="action_id")
    out = []
    for board_id in counts.index:
        for theme in counts.columns:
            rows = themed[(themed.board_id == board_id) & (themed.theme == theme)]
            if rows.empty:
                continue
            items = "".join(f"<li>{_action_link(r)} <span class='tag'>{_e(r.field)}: “{_e(r.evidence)}”</span></li>"
                            for r in rows.itertuples())
            out.append(f'<h3 id="{_anchor("bt", board_id, theme)}">{_e(data.boards[board_id])}: '
                       f'{_e(labels[theme])} ({len(rows)})</h3><ul>{items}</ul>')
    return "".join(out)


def _short(action_id: str, ref) -> str:
    """How an action is named in a list of links: its ref, else its number in its document."""
    return _e(ref) if isinstance(ref, str) else "#" + str(int(action_id.rsplit("-a", 1)[1]))


def leads_lists(data: ReportData, leads: pd.DataFrame) -> str:
    refs = data.actions.set_index("action_id").ref
    priority_refs = data.priorities.set_index("priority_id").ref
    out = []
    for board_id, name in data.boards.items():
        rows = leads[leads.board_id == board_id]
        body = "".join(
            f"<tr><td>{_e(r.shown)}</td><td>{_e(r.kind)}</td><td>{r.n}</td>"
            f"<td class='muted'>{_e(', '.join(r.spellings)) if len(r.spellings) > 1 else ''}</td><td>"
            + ", ".join(f'<a href="#{_anchor("pp", p)}">priority {_e(priority_refs.get(p, ""))}</a>' for p in r.priorities)
            + (", " if r.priorities and r.actions else "")
            + ", ".join(f'<a href="#{_anchor("a", a)}">{_short(a, refs.get(a))}</a>' for a in r.actions) + "</td></tr>"
            for r in rows.itertuples())
        out.append(f'<h3 id="{_anchor("lead", board_id)}">{_e(name)}</h3><table><tr><th>lead</th><th>kind</th>'
                   f'<th>actions</th><th>spellings</th><th>what it leads</th></tr>{body}</table>')
    return "".join(out)


def priorities_side_by_side(data: ReportData) -> str:
    labels = {t.id: t.label for t in taxonomy()}
    themes = data.themes.dropna(subset=["priority_id"]).groupby("priority_id").theme.apply(list)
    columns = []
    for board_id, name in data.boards.items():
        docs = data.documents[data.documents.board_id == board_id]
        items = []
        for doc in docs.itertuples():
            for p in data.priorities[data.priorities.document_id == doc.document_id].itertuples():
                tags = "".join(f"<span class='tag'>{_e(labels[t])}</span>" for t in themes.get(p.priority_id, []))
                lead = f"<div class='muted'>{_e(p.lead)}</div>" if isinstance(p.lead, str) else ""
                link = (f'<a href="#{_anchor("p", p.priority_id)}">{p.actions} action(s)</a>' if p.actions
                        else "<span class='muted'>no actions read</span>")
                items.append(f'<li id="{_anchor("pp", p.priority_id)}"><b>{_e(p.ref)}</b> {_e(p.title)} {lead}'
                             f"<div>{tags} {link} <span class='muted'>p. {_e(p.page)}</span></div></li>")
            items.append(f"<li class='muted'>{_e(doc.file)} ({_e(doc.period)})</li>")
        columns.append(f"<div><h3>{_e(name)}</h3><ol>{''.join(items)}</ol></div>")
    return f"<div class='side'>{''.join(columns)}</div>"


def actions_appendix(data: ReportData) -> str:
    labels = {t.id: t.label for t in taxonomy()}
    themes = data.themes.dropna(subset=["action_id"]).groupby("action_id")
    evidence = {a: "".join(f"<span class='tag' title='{_e(r.field)}: {_e(r.phrase)}'>{_e(labels[r.theme])}: "
                           f"“{_e(r.evidence)}”</span>" for r in g.itertuples()) for a, g in themes}
    out = []
    for board_id, name in data.boards.items():
        out.append(f"<h3>{_e(name)}</h3>")
        acts = data.actions[data.actions.board_id == board_id]
        for priority_id, group in acts.groupby("priority_id", sort=False, dropna=False):
            first = group.iloc[0]
            if isinstance(priority_id, str):
                out.append(f'<h4 id="{_anchor("p", priority_id)}">Priority {_e(first.priority_ref)}: '
                           f'{_e(first.priority_title)}</h4>')
            for a in group.itertuples():
                fields = "".join(f"<div><b>{label}:</b> {_e(value)}</div>" for label, value in
                                 (("Objective", a.objective), ("Lead", a.lead), ("Timescale", a.timescale))
                                 if isinstance(value, str))
                out.append(f'<div class="action" id="{_anchor("a", a.action_id)}"><div><b>{_e(a.ref)}</b> '
                           f'{_e(a.action)}</div>{fields}<div>{evidence.get(a.action_id, "")}</div>'
                           f'<div>{_where(a)}</div></div>')
    return "".join(out)


def render(data: ReportData) -> str:
    counts = theme_counts(data)
    leads = lead_table(data)
    themed = data.themes.dropna(subset=["action_id"]).action_id.nunique()
    n = len(data.actions)
    summary = (f"{len(data.boards)} boards, {len(data.documents)} plans, {n} actions, "
               f"{len(data.priorities)} priorities; {themed} of {n} actions ({themed / n:.0%}) have a theme."
               if n else "No actions in this dataset.")
    sections = [
        ("matrix", "Board × theme", "Actions of each board's plans about each theme (an action counts under every "
         "theme its cells or its priority are about). Each cell links to the actions behind it.",
         matrix_svg(counts, data.boards)),
        ("deadlines", "Deadlines over time", "Every dated milestone at its due date; grey bars run from an interval's "
         "start. Each mark links to its action.", deadlines_svg(data)),
        ("leads", "Who leads", "Owners named in lead cells, by kind; each bar links to its board's leads, each lead "
         "to its actions. Spellings of one owner are counted together (owners.key).",
         leads_svg(leads, data.boards) + leads_lists(data, leads)),
        ("priorities", "Priorities side by side", "Each board's plan priorities with their themes and leads.",
         priorities_side_by_side(data)),
        ("behind", "Behind the matrix", "The actions of each board × theme cell, with the words that gave the theme.",
         matrix_lists(data, counts)),
        ("actions", "The actions", "Every action with its themes (and the words that gave them), document and page.",
         actions_appendix(data)),
    ]
    nav = " · ".join(f'<a href="#{key}">{title}</a>' for key, title, _, _ in sections)
    body = "".join(f'<h2 id="{key}">{title}</h2><p class="muted">{note}</p>{content}'
                   for key, title, note, content in sections)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>boardplans report</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
            f'<body><h1>Safeguarding boards\' plans compared</h1><p>{summary}</p><nav>{nav}</nav>{body}</body></html>\n')


def write_report(directory: Path) -> Path:
    """Write DIR/report.html from the dataset in DIR."""
    path = Path(directory) / REPORT_FILE
    text = render(load(Path(directory)))
    tmp = path.with_name(f".{REPORT_FILE}.tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)
    return path
