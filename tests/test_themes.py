"""Safeguarding themes: the taxonomy as data, the matcher's evidence, and its precision and
recall on the hand-labelled actions and priorities of the seed plans (tests/data/theme_labels.toml)."""
from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from boardplans.normalizers.themes import english_lookup, field_matches, lemma_table, taxonomy, theme_lemmas, themes_of

ROOT = Path(__file__).parent.parent
LABELS = tomllib.loads((Path(__file__).parent / "data" / "theme_labels.toml").read_text("utf-8"))
# measured: precision 0.96, recall 0.97 (README "Themes": a development set); floors a little below
PRECISION_FLOOR, RECALL_FLOOR = 0.93, 0.94


def _truths() -> dict[str, dict]:
    return {p.name[:3]: json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "samples" / "truth").glob("*.json"))
            if "borderless" not in p.name}


def labelled_items() -> list[tuple[str, list[tuple[str, str]], set[str]]]:
    """(name, fields in the matcher's order, themes by hand) of every labelled item, the
    texts read from the samples' answer keys."""
    truths = _truths()
    items = []
    for label in LABELS["action"]:
        action = truths[label["doc"]]["actions"][label["index"]]
        assert (action["action"] or action["objective"] or "").replace("\n", " ").startswith(label["opens"])
        fields = [(f, action.get(f) or "") for f in ("action", "method", "objective", "priority_title")]
        items.append((f"{label['doc']} action {label['index']}", fields, set(label["themes"])))
    for label in LABELS["priority"]:
        priority = next(p for p in truths[label["doc"]]["truth"]["priorities"] if p["ref"] == label["ref"])
        assert priority["title"].startswith(label["opens"])
        items.append((f"{label['doc']} priority {label['ref']}", [("title", priority["title"])], set(label["themes"])))
    return items


def scores() -> tuple[float, float, Counter, Counter, list[str]]:
    right, wrong, missed = Counter(), Counter(), Counter()
    notes = []
    for name, fields, want in labelled_items():
        got = set(themes_of(fields))
        right.update(got & want)
        wrong.update(got - want)
        missed.update(want - got)
        if got != want:
            notes.append(f"{name}: extra {sorted(got - want)} missed {sorted(want - got)}")
    tp, fp, fn = sum(right.values()), sum(wrong.values()), sum(missed.values())
    return tp / (tp + fp), tp / (tp + fn), wrong, missed, notes


def test_precision_and_recall_on_the_hand_labelled_seed_texts():
    precision, recall, wrong, missed, notes = scores()
    print(f"\nthemes: precision {precision:.2f}, recall {recall:.2f} over {len(labelled_items())} labelled items")
    print("false positives by theme:", dict(wrong.most_common()))
    print("misses by theme:", dict(missed.most_common()))
    print("\n".join(notes))
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, "\n".join(notes)


def test_labels_cover_enough_items_and_use_only_taxonomy_themes():
    ids = {t.id for t in taxonomy()}
    used = {theme for group in ("action", "priority") for item in LABELS[group] for theme in item["themes"]}
    assert used <= ids, used - ids
    assert len(LABELS["action"]) >= 140 and 20 <= len(ids) <= 32


def test_taxonomy_phrases_are_distinct_and_each_finds_itself():
    for theme in taxonomy():
        assert len(set(theme.phrases)) == len(theme.phrases), theme.id
        for phrase in theme.phrases + theme.exact:
            # a phrase of one theme may sit inside another theme's longer phrase, never be lost
            assert theme.id in {m.theme for m in field_matches("action", phrase)}, (theme.id, phrase)


def test_evidence_is_the_text_as_written_with_its_field_and_span():
    text = "Audit of CP Plans where children were Neglected"
    found = themes_of([("action", text), ("priority_title", "Neglect")])
    assert [(m.text, m.field) for m in found["neglect"]] == [("Neglected", "action"), ("Neglect", "priority_title")]
    cp = found["child_protection"][0]
    assert (cp.phrase, text[cp.start:cp.end]) == ("cp plan", "CP Plans")


@pytest.mark.parametrize("text, theme", [
    ("Prevent training for schools", "radicalisation"),       # the programme, capitalised
    ("missing data in the returns", None),                     # a `not` phrase of missing
    ("to prevent harm to children", None),                     # the verb is no programme
    ("CSEs", None),                                            # acronyms on token boundaries
])
def test_case_and_exclusions(text, theme):
    got = {m.theme for m in field_matches("action", text)} & {"radicalisation", "missing", "exploitation"}
    assert got == ({theme} if theme else set())


def test_lemma_table_is_spacys_english_lookup_cut_to_the_taxonomy():
    pytest.importorskip("spacy_lookups_data", reason="spacy-lookups-data (a dev dependency) is not installed")
    assert lemma_table() == theme_lemmas(english_lookup()), \
        "normalizers/data/theme_lemmas.toml is stale: run python -m boardplans.normalizers.themes"


def test_inflections_match_through_the_lemma_table():
    assert [m.text for m in field_matches("action", "Staff trained; children were neglected")] == \
        ["trained", "neglected"]
