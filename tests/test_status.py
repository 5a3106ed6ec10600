"""RAG / progress cells → status, and a document's RAG key table."""

from __future__ import annotations

import pytest

from boardplans.normalizers.status import STATUSES, Status, parse_status, read_status_key, vocabulary

# The key table that ends seed 001 (Redbridge), as (label, definition) rows.
REDBRIDGE_KEY = [
    ("Status", "Definition"),
    ("Red", "Very little or no progress has been made on the action and resulting positive impact, if any, has been minimal. The timeframe for the action has been exceeded or there is little likelihood that it will be met unless urgent remedial action is taken."),
    ("Amber", "Work has begun and some progress has been made. However, unless progress is accelerated, there is a risk that the action will not be completed by the due date and/or the required outcome/impact will not be achieved."),
    ("Green", "The action is making good progress and on target to being completed within the timeframe and achieve the anticipated positive impact or the action has been completed and has resulted in the required outcome/impact."),
    ("Purple", "Action no longer appropriate/achievable due to external changes e.g. budgets, legislation, statutory guidance amendment, or feedback from Government reviews."),
    ("White", "Action not started as scheduled for a later date."),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Grade: White", Status("Grade: White", "white", True)),
        ("RAG: Green", Status("RAG: Green", "green", True)),
        ("G", Status("G", "green", True)),
        ("Complete", Status("Complete", "complete", True)),
        ("Completed", Status("Completed", "complete", True)),
        ("On track", Status("On track", "green", True)),
        ("AMBER", Status("AMBER", "amber", True)),
        ("Red.", Status("Red.", "red", True)),
        ("Complete – report presented to the Board in May 2017", Status("Complete – report presented to the Board in May 2017", "complete", True)),
        ("Rating - Purple", Status("Rating - Purple", "purple", True)),
        ("<p>Blue</p>", Status("<p>Blue</p>", "blue", True)),
        ("", Status("", "none", True)),
        (
            "Audit completed by D Pearson – presented to Quality & Performance Group 19/11/2014",
            Status("Audit completed by D Pearson – presented to Quality & Performance Group 19/11/2014", "none", False),
        ),
        (
            "MAPPA cases to be anonymised to avoid issues around confidentiality",
            Status("MAPPA cases to be anonymised to avoid issues around confidentiality", "none", False),
        ),
        ("To tie in with item 5.1", Status("To tie in with item 5.1", "none", False)),
        ("A review is under way", Status("A review is under way", "none", False)),
    ],
)
def test_parse_status(text: str, expected: Status) -> None:
    assert parse_status(text) == expected


def test_redbridge_key_table() -> None:
    assert read_status_key(REDBRIDGE_KEY) == {
        "red": "red",
        "amber": "amber",
        "green": "green",
        "purple": "purple",
        "white": "white",
    }


def test_key_with_labels_of_its_own() -> None:
    key = read_status_key(
        [
            ("Rating", "Meaning"),
            ("1", "Not started"),
            ("2", "Some progress, but the deadline is at risk"),
            ("3", "Good progress, on track"),
            ("4", "Completed and signed off by the Board"),
            ("On hold", "No longer required after the restructure"),
        ]
    )
    assert key == {"1": "white", "2": "amber", "3": "green", "4": "complete", "on hold": "purple"}
    assert parse_status("3", key) == Status("3", "green", True)
    assert parse_status("Status: On hold", key) == Status("Status: On hold", "purple", True)
    assert parse_status("5", key) == Status("5", "none", False)


def test_vocabulary_names_only_known_statuses() -> None:
    vocab = vocabulary()
    assert set(vocab.words.values()) | {status for status, _ in vocab.definitions} <= set(STATUSES)
