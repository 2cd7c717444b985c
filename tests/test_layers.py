"""The package's layers point one way: the games import nothing above them, and the agents and the
search (`arena.agents`, `arena.search`) nothing from the harness.

Read from the source (every `import` and `from ... import`, at any depth in a module), so an import
inside a function counts too. `arena` gathers three folders (setup.py's PACKAGE_DIRS), which is why
this reads files rather than asking import-linter, whose graph sees only the `arena/` folder.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"arena": ROOT / "arena", "arena.envs": ROOT / "envs", "arena.agents": ROOT / "agents"}
# What a game may use besides numpy & co.: its own package, the native engines and two leaf helpers.
GAME_MAY_IMPORT = ("arena.envs", "arena._native", "arena.errors", "arena.seeding")
# The harness and what sits above it: neither agents nor the search may import these.
HARNESS = ("arena.cli", "arena.match", "arena.match_command", "arena.tournament", "arena.leaderboard", "arena.serve",
           "arena.train", "arena.alphazero", "arena.compat")
# Sanctioned exceptions, each with its reason.
EXCEPTIONS = {
    # The Gymnasium view's default opponent is the RandomAgent baseline, built only when none is given.
    ("arena.envs.single_agent", "arena.agents"),
}


def modules(package: str) -> dict[str, Path]:
    """Module name -> file for every module of `package` (one of FOLDERS' keys)."""
    folder = FOLDERS[package]
    found = {}
    for path in folder.rglob("*.py"):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((package, *parts))] = path
    return found


def imported(name: str, path: Path) -> set[str]:
    """The arena modules `path` (module `name`) imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module == "arena" or module.startswith("arena.")}


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def agent_layer() -> dict[str, Path]:
    """Module name -> file for the agents and the search."""
    search = {name: path for name, path in modules("arena").items() if within(name, ("arena.search",))}
    return {**modules("arena.agents"), **search}


def violations() -> list[str]:
    wrong = []
    for name, path in sorted(modules("arena.envs").items()):
        for target in sorted(imported(name, path)):
            if target == "arena" or within(target, GAME_MAY_IMPORT):
                continue
            if any(name == source and within(target, (above,)) for source, above in EXCEPTIONS):
                continue
            wrong.append(f"{name} imports {target}")
    return wrong


def harness_imports() -> list[str]:
    """Imports of harness modules by the agents or the search."""
    return [f"{name} imports {target}" for name, path in sorted(agent_layer().items())
            for target in sorted(imported(name, path)) if within(target, HARNESS)]


def test_games_import_nothing_above_them():
    assert violations() == []


def test_agents_and_search_import_nothing_from_the_harness():
    assert harness_imports() == []


def test_the_search_and_the_network_agents_load_are_at_the_agents_layer():
    assert "arena.search" in agent_layer() and "arena.search.network" in agent_layer()
    assert not any(within(target, ("arena.alphazero",)) for target in imported(
        "arena.agents.alphazero", FOLDERS["arena.agents"] / "alphazero.py"))


def test_the_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    folder = tmp_path / "envs"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "game.py").write_text("def play():\n    from arena.match import play_match\n")
    monkeypatch.setitem(FOLDERS, "arena.envs", folder)
    assert violations() == ["arena.envs.game imports arena.match", "arena.envs.game imports arena.match.play_match"]
    monkeypatch.setitem(FOLDERS, "arena.agents", folder)
    assert harness_imports() == ["arena.agents.game imports arena.match",
                                 "arena.agents.game imports arena.match.play_match"]


@pytest.mark.parametrize("game", ["fighting", "othello", "gomoku", "snake", "cartpole_relay"])
def test_importing_a_game_loads_no_harness(game):
    import subprocess
    import sys

    code = (f"import sys, arena.envs.{game}; "
            "print(sorted(m for m in sys.modules if m.startswith('arena.') and not m.startswith('arena.envs')"
            " and m not in ('arena._native', 'arena.errors', 'arena.seeding')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["arena.search", "arena.agents", "arena.agents.mcts", "arena.agents.alphazero"])
def test_importing_the_agents_or_the_search_loads_no_harness(module):
    import subprocess
    import sys

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
