"""A board as documents name it → one key and the areas it covers (pipeline/data/boards.toml)."""
from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from boardplans.pipeline.boards import canonical_board, place_of


@pytest.mark.parametrize("name, board_id, areas", [
    ("Leicestershire and Rutland Local Safeguarding Children Board", "leicestershire-and-rutland", ("Leicestershire", "Rutland")),
    ("Leicestershire & Rutland Local Safeguarding Children Board and Safeguarding Adults Board",
     "leicestershire-and-rutland", ("Leicestershire", "Rutland")),
    ("LLR LSCB", "leicestershire-and-rutland", ("Leicestershire", "Rutland")),
    ("Leeds Safeguarding Children Board", "leeds", ("Leeds",)),
    ("The Royal Borough of Windsor and Maidenhead Safeguarding Children Partnership", "windsor-and-maidenhead",
     ("Windsor and Maidenhead",)),
    ("Bristol City LSCB", "bristol", ("Bristol",)),
    ("City of York Safeguarding Children Board", "york", ("York",)),
    ("City of London Safeguarding Children Board", "city-of-london", ("City of London",)),
    ("City and Hackney Safeguarding Children Board", "city-and-hackney", ("City of London", "Hackney")),
    ("Hull Safeguarding Children Partnership", "kingston-upon-hull", ("Kingston upon Hull",)),
    ("Ravensmoor Safeguarding Children Partnership", "ravensmoor", ()),  # not an English area: a key, no area
])
def test_names_of_a_board_give_its_key_and_areas(name, board_id, areas):
    board = canonical_board(name)
    assert board is not None and (board.board_id, board.areas) == (board_id, areas)


@pytest.mark.parametrize("name", ["", "The LSCB", "Local Safeguarding Children Board"])
def test_a_name_without_a_place_gives_no_board(name):
    assert canonical_board(name) is None


def test_place_is_the_text_before_the_words_naming_the_body():
    assert place_of("West Berkshire LSCB Business Plan") == "West Berkshire"


def test_the_data_file_lists_each_area_once_and_joint_boards_over_listed_areas():
    data = tomllib.loads(resources.files("boardplans.pipeline.data").joinpath("boards.toml").read_text("utf-8"))
    areas = data["areas"]
    assert len(areas) == len(set(areas)) >= 152
    assert set(data["aliases"].values()) <= set(areas)
    for joint in data["joint"]:
        assert set(joint["areas"]) <= set(areas), joint["id"]
