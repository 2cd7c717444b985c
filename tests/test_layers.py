"""The package's layers point one way: the games import nothing above them.

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


def allowed_for_games(module: str) -> bool:
    return any(module == allowed or module.startswith(allowed + ".") for allowed in GAME_MAY_IMPORT)


def violations() -> list[str]:
    wrong = []
    for name, path in sorted(modules("arena.envs").items()):
        for target in sorted(imported(name, path)):
            if target == "arena" or allowed_for_games(target):
                continue
            if any(name == source and (target == above or target.startswith(above + "."))
                   for source, above in EXCEPTIONS):
                continue
            wrong.append(f"{name} imports {target}")
    return wrong


def test_games_import_nothing_above_them():
    assert violations() == []


def test_the_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    folder = tmp_path / "envs"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "game.py").write_text("def play():\n    from arena.match import play_match\n")
    monkeypatch.setitem(FOLDERS, "arena.envs", folder)
    assert violations() == ["arena.envs.game imports arena.match", "arena.envs.game imports arena.match.play_match"]


@pytest.mark.parametrize("game", ["fighting", "othello", "gomoku", "snake", "cartpole_relay"])
def test_importing_a_game_loads_no_harness(game):
    import subprocess
    import sys

    code = (f"import sys, arena.envs.{game}; "
            "print(sorted(m for m in sys.modules if m.startswith('arena.') and not m.startswith('arena.envs')"
            " and m not in ('arena._native', 'arena.errors', 'arena.seeding')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
