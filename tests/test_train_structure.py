"""`arena.train` reads top to bottom: its modules import one way (the layers in its docstring), with no cycle,
and none reaches into stable-baselines3's private attributes.

Read from the source with ast, like tests/test_layers.py: an import inside a function (or under
`TYPE_CHECKING`) counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRAIN = Path(__file__).resolve().parents[1] / "arena" / "train"
# Top to bottom, as arena/train/__init__.py draws them: a module imports only from the layers below its own.
LAYERS = (
    ("cli",),
    ("fighting", "snake", "relay", "selfplay", "export"),
    ("imitation", "evaluation", "logs"),
    ("batched",),
    ("vector_agents",),
    ("league",),
    ("policy",),
    ("controls", "vec", "config"),
    ("algorithms", "checkpoints"),
)


def train_modules() -> dict[str, Path]:
    return {path.stem: path for path in sorted(TRAIN.glob("*.py")) if path.stem != "__init__"}


def imports(path: Path) -> set[str]:
    """The arena.train modules `path` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            names = [f"arena.train.{node.module}" if node.module else f"arena.train.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "arena.train":
            names = [f"arena.train.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        found.update(name.split(".")[2] for name in names if name.startswith("arena.train."))
    return found & set(train_modules())


def graph() -> dict[str, set[str]]:
    return {name: imports(path) for name, path in train_modules().items()}


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, ..., a], or [] if there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(edges):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_the_cycle_finder_finds_cycles():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_training_module_imports_one_that_imports_it_back():
    assert cycle(graph()) == []


def test_every_training_module_has_a_layer_and_imports_only_from_below_it():
    layer = {module: depth for depth, modules in enumerate(LAYERS) for module in modules}
    assert sorted(train_modules()) == sorted(layer)
    wrong = [f"{module} imports {target}" for module, targets in graph().items() if module in layer
             for target in sorted(targets) if layer[target] <= layer[module]]
    assert wrong == []


def private_uses(path: Path) -> list[str]:
    """`obj._name` where obj is not `self` or `super()` (another object's private attribute), and `self._name`
    where the module never defines `_name` (a private attribute inherited from a library's class)."""
    tree = ast.parse(path.read_text(), str(path))
    defined = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    defined |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id == "self" and node.attr in defined:
            continue
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
            continue  # the hook this method overrides
        found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_training_uses_only_the_public_api_of_other_objects():
    assert [use for path in train_modules().values() for use in private_uses(path)] == []
