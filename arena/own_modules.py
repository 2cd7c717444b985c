"""A submission's own modules (those of its folder) under their own names while its code runs in a
process it shares with another's (`--no-sandbox`), as they are in a sandbox of its own.

Two submissions of the AI² competition each have a `user` package, and a model one of them pickled
names `user.train_agent.MyExtractor`: unpickled as the agent loads or plays, it must find that one's
`user`. While a submission's code runs (`with OwnModules(...)`), its folder is first on the import path
(with whatever folders its code added to the path) and its modules are filed under their own names;
between its calls they are set aside, its import path too, so that the other's code finds its own. Modules of the same names this process imported from elsewhere than the
Python installation (a training script's own `user`) are set aside meanwhile too; the installation's
packages stay, as a sandbox has them loaded before its agent.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

MODULE_SUFFIXES = {*importlib.machinery.SOURCE_SUFFIXES, *importlib.machinery.BYTECODE_SUFFIXES,
                   *importlib.machinery.EXTENSION_SUFFIXES}
# The Python installation's folders, and arena's own package (installed in place, perhaps)
INSTALLATION = tuple({os.path.join(folder, "") for folder in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                              os.path.dirname(__file__))})


def files_in(root: Path) -> tuple[str, ...]:
    """What the paths of the files in the folder `root` begin with, as given and as resolved."""
    return tuple({os.path.join(str(root), ""), os.path.join(str(root.resolve()), "")})


def loaded_from(folder: tuple[str, ...], names: Iterable[str]) -> list[str]:
    """Those of the modules named `names` whose file is in `folder` (`files_in`)."""
    return [name for name in names if (getattr(sys.modules.get(name), "__file__", None) or "").startswith(folder)]


class OwnModules:
    """The modules of the submission in the folder `root`, filed under their own names while it runs."""

    def __init__(self, root: Path):
        self.root = str(root)
        self.folder = files_in(root)
        self.names = _importable_names(root)
        self.kept: dict[str, ModuleType] = {}  # set aside between its calls
        self._shadowed: dict[str, ModuleType] = {}  # others' modules of its names, set aside during its calls
        self._loaded = 0  # how many modules were loaded as its call began
        self.path: list[str] | None = None  # its import path, set aside between its calls
        self._their_path: list[str] = []  # the process's, set aside during its calls

    def __enter__(self) -> None:
        """Its modules filed under their own names and its import path (its folder first) in use, until the
        block ends; then set aside again, with the modules it imported and the folders it added meanwhile."""
        self._shadowed = self._set_aside_others()
        sys.modules.update(self.kept)
        self._their_path = sys.path[:]
        sys.path[:] = self.path if self.path is not None else [self.root, *self._their_path]
        self._loaded = len(sys.modules)

    def __exit__(self, *exc_info: object) -> None:
        self.path = sys.path[:]
        sys.path[:] = self._their_path
        if not self.kept or len(sys.modules) != self._loaded or any(sys.modules.get(name) is not module
                                                                    for name, module in self.kept.items()):
            # Built, or it imported modules, perhaps its own (anew, for a new game's agent): look again.
            self.kept = {name: sys.modules[name] for name in loaded_from(self.folder, list(sys.modules))}
        for name in self.kept:
            sys.modules.pop(name, None)
        sys.modules.update(self._shadowed)

    def _set_aside_others(self) -> dict[str, ModuleType]:
        """Take out the modules this process imported from elsewhere under names its folder offers (and
        those under them): what its code imports by those names is its own."""
        clashing = [name for name in self.names if name in sys.modules and not _installed(sys.modules[name])]
        if not clashing:
            return {}
        under = tuple(f"{name}." for name in clashing)
        return {name: sys.modules.pop(name) for name in list(sys.modules) if name in clashing or name.startswith(under)}


def _importable_names(root: Path) -> list[str]:
    """The top-level modules and packages the folder `root` offers to import."""
    names = set()
    for entry in os.scandir(root):
        name, dot, suffix = entry.name.partition(".")
        if name.isidentifier() and ((entry.is_dir() and not dot) or (entry.is_file() and f"{dot}{suffix}" in MODULE_SUFFIXES)):
            names.add(name)
    return sorted(names)


def _installed(module: ModuleType | None) -> bool:
    """Whether `module` is part of the Python installation (the standard library, its packages) or of
    arena, or built in."""
    file = getattr(module, "__file__", None)
    if file is None:
        return getattr(module, "__path__", None) is None  # built in; a package with no file is a folder's
    return file.startswith(INSTALLATION)

