"""normalizers/tokenizer.py splits text as spaCy's English tokenizer does: its rules file is
spaCy's, and the tokens are spaCy's on every case text of the owner and timescale tables."""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from boardplans.normalizers.tokenizer import RULES_FILE, spacy_rules, spans

DATA = Path(__file__).parent / "data"
TRICKY = ["Dr. Smith", "J. Bloggs (Chair)", "Mrs.Jones", "don't", "e.g. CSE", "(SEG)/MASH", "Sub-Group", "EI&FSS",
          "0-25", "www.lscb.org.uk", "Children’s Services", "(age 13-14): 2,626", " lead", "a  b", "a \n b", "\n"]


def test_rules_file_is_spacys_english_tokenizer():
    pytest.importorskip("spacy", reason="spaCy (a dev dependency) is not installed")
    stored = tomllib.loads(resources.files("boardplans.normalizers").joinpath(RULES_FILE).read_text("utf-8"))
    assert stored == spacy_rules(), f"{RULES_FILE} is stale: run python -m boardplans.normalizers.tokenizer"


def test_tokens_are_spacys_on_every_case_text():
    spacy = pytest.importorskip("spacy", reason="spaCy (a dev dependency) is not installed")
    nlp = spacy.blank("en")
    texts = [case["text"] for name in ("owner_cases.toml", "timescale_cases.toml")
             for case in tomllib.loads((DATA / name).read_text("utf-8"))["case"]] + TRICKY
    differ = [text for text in texts
              if spans(text) != [(token.idx, token.idx + len(token)) for token in nlp.make_doc(text)]]
    assert differ == []


@pytest.mark.parametrize("text, tokens", [
    ("Dr. J. Smith (LSCB)", ["Dr.", "J.", "Smith", "(", "LSCB", ")"]),
    ("CSE/Missing Sub-Group", ["CSE", "/", "Missing", "Sub", "-", "Group"]),
    ("Head of Service\nChair", ["Head", "of", "Service", "\n", "Chair"]),
])
def test_tokens(text, tokens):
    assert [text[a:b] for a, b in spans(text)] == tokens
