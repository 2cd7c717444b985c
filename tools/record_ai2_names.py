"""Record the names the AI² competition's star imports give, for arena's compatibility tests.

Run it where the competition's repository is importable (its root on the path, with its
requirements installed), e.g.:

    cd UTMIST-AI2 && SDL_VIDEODRIVER=dummy python /path/to/arena/tools/record_ai2_names.py \
        --out /path/to/arena/tests/fixtures/ai2/star_names.json

For `from environment.environment import *` and `from environment.agent import *` it writes the
sorted public names, and for each name its kind (class, function, module or other) and where it
comes from: "game" for what the competition's own modules define, else the top-level package
(numpy, torch, typing, ...) that provides it. `tests/test_ai2_compat.py` checks that arena's
`arena.compat.ai2.environment.*` give every one of them (a library's names only where it is
installed).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import os
import sys
import types
from pathlib import Path

MODULES = ("environment.environment", "environment.agent")


def kind_of(value: object) -> str:
    if isinstance(value, types.ModuleType):
        return "module"
    if inspect.isclass(value):
        return "class"
    if inspect.isroutine(value):
        return "function"
    return "other"


def imported_names(path: Path) -> dict[str, str]:
    """Name -> the module it is imported from, for every import statement in the file at `path`."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                found[alias.asname or alias.name] = node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                # `import a.b` binds `a`; `import a.b as c` binds `c`: either comes from package `a`.
                found[alias.asname or alias.name.partition(".")[0]] = alias.name
    return found


def origin_of(name: str, imports: dict[str, str]) -> str:
    """"game" if the competition defines `name`, else the top-level package it is imported from."""
    package = imports.get(name, "environment").partition(".")[0]
    return "game" if package == "environment" else package


def star_names(module_name: str) -> dict[str, dict[str, str]]:
    imports = imported_names(Path(inspect.getfile(importlib.import_module(module_name))))
    namespace: dict[str, object] = {}
    exec(f"from {module_name} import *", namespace)
    namespace.pop("__builtins__", None)
    return {name: {"kind": kind_of(value), "origin": origin_of(name, imports)}
            for name, value in sorted(namespace.items())}


def to_json(record: dict[str, dict[str, dict[str, str]]]) -> str:
    """The record as JSON, one name a line."""
    modules = []
    for module_name, names in record.items():
        lines = ",\n".join(f"  {json.dumps(name)}: {json.dumps(info, sort_keys=True)}" for name, info in names.items())
        modules.append(f" {json.dumps(module_name)}: {{\n{lines}\n }}")
    return "{\n" + ",\n".join(modules) + "\n}\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("star_names.json"), help="the JSON file to write")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the competition repository's root")
    args = parser.parse_args(argv)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.chdir(args.root)  # the competition loads its assets by relative path
    sys.path.insert(0, str(args.root.resolve()))
    record = {}
    for module_name in MODULES:
        importlib.import_module(module_name)
        record[module_name] = star_names(module_name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_json(record))
    print(f"{args.out}: " + ", ".join(f"{m} {len(names)} names" for m, names in record.items()))


if __name__ == "__main__":
    main()
