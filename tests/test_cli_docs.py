"""Every command and option of the CLI has help text and is documented in README.md."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from boardplans.pipeline.cli import _parser, main

README = Path(__file__).resolve().parent.parent / "README.md"


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


def _name(action: argparse.Action) -> str:
    """How a reader meets the argument: its long option, else its metavar."""
    return max(action.option_strings, key=len) if action.option_strings else action.metavar or action.dest


def test_there_are_commands() -> None:
    assert set(_commands()) >= {"extract", "debug"}


@pytest.mark.parametrize("command", sorted(_commands()))
def test_command_has_help(command: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert f"usage: boardplans {command}" in capsys.readouterr().out
    parser = _commands()[command]
    assert parser.description, f"`boardplans {command}` has no description"
    bare = [_name(a) for a in _options(parser) if not (a.help or "").strip()]
    assert not bare, f"`boardplans {command}` arguments without help text: {bare}"


def test_readme_documents_every_command_and_option() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [f"boardplans {c}" for c in _commands() if f"boardplans {c}" not in readme]
    for command, parser in _commands().items():
        for action in _options(parser):
            if action.option_strings:
                missing += [f"{command} {o}" for o in action.option_strings
                            if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", readme)]
    assert not missing, f"README.md does not mention: {', '.join(missing)}"
