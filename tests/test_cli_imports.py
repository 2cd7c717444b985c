"""`arena --help` stays light: the commands import what they need when they run."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from arena import __version__, cli

HEAVY = ("rich", "numpy", "gymnasium", "pettingzoo", "sqlite3", "torch", "arena.tournament", "arena.leaderboard",
         "arena.serve", "arena.train", "arena.agents", "arena.envs", "arena.match", "arena.sandbox")

SHOW_MODULES = """
import json, sys
from arena.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_loaded_by(*argv: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", SHOW_MODULES, *argv], capture_output=True, text=True, check=True)
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], [], ["--version"]])
def test_help_imports_no_heavy_module(argv):
    shown, modules = modules_loaded_by(*argv)
    assert "arena" in shown
    loaded = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert loaded == []


def test_help_lists_every_command():
    shown, _ = modules_loaded_by("--help")
    for command in ("match", "validate", "replay", "analyse", "tournament", "envs", *cli.ELSEWHERE):
        assert f"\n    {command}" in shown


def summaries(parser: argparse.ArgumentParser) -> dict[str, str]:
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: action.help for action in commands._choices_actions}


@pytest.mark.parametrize("command", sorted(cli.ELSEWHERE))
def test_listed_help_is_the_commands_own(command):
    """The one-line help `arena --help` shows for a command defined elsewhere is the one it defines."""
    assert summaries(cli._parser())[command] == summaries(cli._parser(command))[command]


@pytest.mark.parametrize("command", sorted(cli.ELSEWHERE))
def test_a_command_defined_elsewhere_parses_its_own_options(command):
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0


def test_python_dash_m_arena_is_the_arena_command():
    # Where the venv's scripts are not on PATH, `python -m arena` is what people try next.
    done = subprocess.run([sys.executable, "-m", "arena", "--version"], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"arena {__version__}\n", "")
