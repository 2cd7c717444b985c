"""The package's layers point one way: the games import nothing above them, and the agents and the
search (`arena.agents`, `arena.search`) nothing from the harness.

import-linter checks them (every import, inside functions too). `arena` gathers three folders
(setup.py's PACKAGE_DIRS) that its graph would not see together in this checkout, so it reads a
folder of links laid out as an installed copy is: `arena/` with `envs/` and `agents/` inside.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"arena": ROOT / "arena", "arena.envs": ROOT / "envs", "arena.agents": ROOT / "agents"}
# What a game may use besides numpy & co.: its own package, the native engines and two leaf helpers.
GAME_MAY_IMPORT = ("arena.envs", "arena._native", "arena.errors", "arena.seeding")
# The harness and what sits above it: neither agents nor the search may import these.
HARNESS = ("arena.cli", "arena.match", "arena.match_command", "arena.tournament", "arena.tournament_command",
           "arena.leaderboard", "arena.serve", "arena.train", "arena.alphazero", "arena.compat")
# Sanctioned exceptions, each with its reason.
EXCEPTIONS = {
    # The Gymnasium view's default opponent is the RandomAgent baseline, built only when none is given.
    ("arena.envs.single_agent", "arena.agents"),
}


# ... and for the agents and the search: `arena tt check` plays a checkpoint of `arena train` as its export
# would, through the PolicyAgent the policy.json beside it names (a checker of trained models, never run in a match).
AGENT_EXCEPTIONS = {
    ("arena.agents.tt.check", "arena.train.policy"),
}
# The root package's lazy attributes (`arena.run_match`, `arena.play_match`) import only when read.
LAZY = ("arena -> arena.play", "arena -> arena.match")


def top_level() -> list[str]:
    """arena's own modules and packages, and the two that live in folders of their own."""
    names = {path.stem for path in FOLDERS["arena"].iterdir()
             if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()}
    return sorted({f"arena.{name}" for name in names} | {"arena.envs", "arena.agents"})


def contracts() -> str:
    """import-linter's contracts for the rules above."""
    def lines(items) -> str:
        return "".join(f"\n    {item}" for item in items)

    games_may_not = [m for m in top_level() if not within(m, GAME_MAY_IMPORT)]
    exceptions = [f"{source} -> {target}" for source, target in sorted(EXCEPTIONS)]
    agent_exceptions = [f"{source} -> {target}" for source, target in sorted(AGENT_EXCEPTIONS)]
    return (f"[importlinter]\nroot_package = arena\n\n"
            f"[importlinter:contract:games]\nname = the games import nothing above them\ntype = forbidden\n"
            f"source_modules = arena.envs\nforbidden_modules ={lines(games_may_not)}\n"
            f"ignore_imports ={lines([*exceptions, *LAZY])}\n\n"
            f"[importlinter:contract:agents]\nname = the agents and the search import nothing from the harness\n"
            f"type = forbidden\nsource_modules ={lines(['arena.agents', 'arena.search'])}\n"
            f"forbidden_modules ={lines(HARNESS)}\nignore_imports ={lines([*agent_exceptions, *LAZY])}\n")


def lint(root: Path, envs: Path | None = None, agents: Path | None = None):
    """import-linter run on `arena` as an installed copy holds it (one folder, `envs` and `agents`
    inside), built from links under `root`; the completed process."""
    import subprocess

    package = root / "arena"
    package.mkdir()
    for entry in FOLDERS["arena"].iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "envs").symlink_to(envs or FOLDERS["arena.envs"])
    (package / "agents").symlink_to(agents or FOLDERS["arena.agents"])
    (root / ".importlinter").write_text(contracts())
    command = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", command, "--no-cache"], cwd=root,  # this Python's import-linter
                          env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True)


needs_import_linter = pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                                         reason='the layers are checked by import-linter: pip install -e ".[test]"')


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


@needs_import_linter
def test_import_linter_finds_the_layers_kept(tmp_path):
    done = lint(tmp_path)
    assert done.returncode == 0 and "2 kept, 0 broken" in done.stdout, done.stdout + done.stderr


@needs_import_linter
def test_import_linter_sees_imports_inside_functions(tmp_path):
    envs = tmp_path / "envs"
    shutil.copytree(FOLDERS["arena.envs"], envs, ignore=shutil.ignore_patterns("__pycache__"))
    (envs / "game.py").write_text("def play():\n    from arena.match import play_match\n")
    agents = tmp_path / "agents"
    shutil.copytree(FOLDERS["arena.agents"], agents, ignore=shutil.ignore_patterns("__pycache__"))
    (agents / "peek.py").write_text("def peek():\n    import arena.tournament\n")
    view = tmp_path / "view"
    view.mkdir()
    done = lint(view, envs, agents)
    assert done.returncode != 0 and "0 kept, 2 broken" in done.stdout, done.stdout + done.stderr
    assert "arena.envs.game -> arena.match" in done.stdout and "arena.agents.peek -> arena.tournament" in done.stdout


def test_the_network_agents_load_is_at_the_agents_layer():
    source = (FOLDERS["arena.agents"] / "alphazero.py").read_text()
    assert "arena.alphazero" not in source and (FOLDERS["arena"] / "search" / "network.py").is_file()


@pytest.mark.parametrize("game", ["fighting", "othello", "gomoku", "snake", "cartpole_relay"])
def test_importing_a_game_loads_no_harness(game):
    import subprocess

    code = (f"import sys, arena.envs.{game}; "
            "print(sorted(m for m in sys.modules if m.startswith('arena.') and not m.startswith('arena.envs')"
            " and m not in ('arena._native', 'arena.errors', 'arena.seeding')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["arena.search", "arena.agents", "arena.agents.mcts", "arena.agents.alphazero"])
def test_importing_the_agents_or_the_search_loads_no_harness(module):
    import subprocess

    code = (f"import sys, {module}; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] == 'arena' and m.startswith({HARNESS!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_names_that_moved_to_the_search_still_import_from_their_old_homes():
    import arena.agents.mcts
    import arena.search

    for name in arena.search.__all__:
        if name != "Evaluate":
            assert getattr(arena.agents.mcts, name) is getattr(arena.search, name)
