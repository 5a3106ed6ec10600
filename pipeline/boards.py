"""A board as the document names it → a canonical key and the local authority areas it
covers, from data/boards.toml. Two documents of one partnership ("Leicestershire and Rutland
Local Safeguarding Children Board", "Leicestershire & Rutland LSCB and Safeguarding Adults
Board") get one board_id."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# where the place ends in a board's name: the words that say what kind of body it is
_BOARD_WORDS = re.compile(r"\b(?:local\s+)?safeguarding\b|\b(?:LSCB|LSCP|SCB|SCP|LSCBs)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Board:
    board_id: str
    areas: tuple[str, ...]  # empty for a place the data file does not list


def slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ")))


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ")))


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(resources.files("boardplans.pipeline.data").joinpath("boards.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def _index() -> dict[str, Board]:
    """Every place a board's name may open with, normalized → its board."""
    data = _data()
    index = {_norm(area): Board(slug(area), (area,)) for area in data["areas"]}
    index |= {_norm(alias): index[_norm(area)] for alias, area in data["aliases"].items()}
    for joint in data["joint"]:
        board = Board(joint["id"], tuple(joint["areas"]))
        index |= {_norm(name): board for name in joint["names"]}
    return index


def place_of(board_name: str) -> str:
    """The place a board's name opens with, the words naming the body dropped."""
    found = _BOARD_WORDS.search(board_name)
    return (board_name[:found.start()] if found else board_name).strip(" ,–-")


def _trimmed(place: str) -> str:
    data = _data()
    text = _norm(place)
    prefixes = sorted(map(_norm, data["prefixes"]), key=len, reverse=True)
    while cut := next((p for p in prefixes if text.startswith(p + " ") and text[len(p) + 1:] != "london"), None):
        text = text[len(cut) + 1:]  # "The Royal Borough of …": one prefix after another
    for suffix in sorted(map(_norm, data["suffixes"]), key=len, reverse=True):
        if text.endswith(" " + suffix):
            text = text[: -len(suffix) - 1]
    return "" if text in prefixes else text


def canonical_board(board_name: str) -> Board | None:
    """The board a name names: a listed area or joint board, else a key made from its place
    with no areas; None when the document names no board."""
    place = place_of(board_name)
    if not _trimmed(place):
        return None
    index = _index()
    for text in (_norm(place), _trimmed(place)):
        if text in index:
            return index[text]
    return Board(slug(_trimmed(place) or place), ())
