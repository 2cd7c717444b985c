"""The global random generators a submission may draw from without a generator of its own (Python's
`random`, numpy's legacy one and torch's), seeded for every game so that its games replay from their
seeds, in a sandbox or in the harness's process alike.

torch seeds itself from the operating system as it is imported, so an agent that imports it after a
game's seeding (in `_initialize`, or in its first `predict`) would draw differently every run: it is
seeded with the game's seed as its import ends.

    seed_for_building()          # before a game's agent is built: its __init__ draws alike every game
    seed_for_game(seat.seed)     # once it is built, before it is seated and plays

A submission played in the harness's process (`--no-sandbox`) draws from generators of its own
(`OwnGenerators`), as in a sandbox: neither its opponent nor the code around the match draws from them.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

BUILD_SEED = 0  # the global generators' seed while an agent is built
# Packages that draw from `random` as they are imported: rich.style (24 bits), which the AI² competition's
# environment.agent and stable-baselines3 import. Imported by a process's first build alone, they would have
# it draw other numbers than every later build in the process.
DRAW_AS_IMPORTED = ("rich.style",)


def seed_for_building() -> None:
    """Seed the global generators for building a game's agent: alike in every game and process (the packages
    that draw from them as they are imported loaded first)."""
    import_packages_that_draw()
    seed_global_generators(BUILD_SEED)


def import_packages_that_draw() -> None:
    """Import those of DRAW_AS_IMPORTED that are installed and not imported yet: their draws from `random`
    are made now."""
    for name in DRAW_AS_IMPORTED:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def seed_for_game(seat_seed: int) -> None:
    """Seed the global generators for the game of the seat whose seed is `seat_seed`."""
    from arena.seeding import derive_seed

    seed_global_generators(derive_seed(seat_seed, 2))


def seed_global_generators(seed: int) -> None:
    """Seed `random`, numpy's global generator and torch's: now if torch is loaded, else as it is."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        return
    _seed_torch_when_imported(seed)


@dataclass(frozen=True)
class GeneratorStates:
    """Where the global generators stand: `torch` None while torch is not loaded, which is then seeded
    with `torch_seed` as its import ends (None: not seeded)."""

    python: Any
    numpy: Any
    torch: Any
    torch_seed: int | None


def generator_states() -> GeneratorStates:
    import numpy as np

    torch = sys.modules.get("torch")
    pending = _TORCH_WHEN_IMPORTED.seed if _TORCH_WHEN_IMPORTED in sys.meta_path else None
    return GeneratorStates(random.getstate(), np.random.get_state(),
                           torch.get_rng_state() if torch is not None else None, pending)


def restore_generators(states: GeneratorStates) -> None:
    """Put the global generators back where `states` saw them. torch, if imported since, is seeded as
    its import would have seeded it then."""
    import numpy as np

    random.setstate(states.python)
    np.random.set_state(states.numpy)
    torch = sys.modules.get("torch")
    if torch is None:
        if states.torch_seed is None:
            if _TORCH_WHEN_IMPORTED in sys.meta_path:
                sys.meta_path.remove(_TORCH_WHEN_IMPORTED)
        else:
            _seed_torch_when_imported(states.torch_seed)
    elif states.torch is not None:
        torch.set_rng_state(states.torch)
    elif states.torch_seed is not None:
        torch.manual_seed(states.torch_seed)


class OwnGenerators:
    """One submission's global generators, kept apart from those of the code it shares a process with:
    in use while its calls run (`with own_generators:`), set aside between them."""

    def __init__(self) -> None:
        self._own: GeneratorStates | None = None  # none until its first call has run
        self._others: GeneratorStates | None = None

    def __enter__(self) -> None:
        self._others = generator_states()
        if self._own is not None:
            restore_generators(self._own)

    def __exit__(self, *exc_info: object) -> None:
        self._own = generator_states()
        restore_generators(self._others)


def _seed_torch_when_imported(seed: int) -> None:
    _TORCH_WHEN_IMPORTED.seed = seed
    if _TORCH_WHEN_IMPORTED not in sys.meta_path:
        sys.meta_path.insert(0, _TORCH_WHEN_IMPORTED)


class _SeedTorchWhenImported:
    """A finder on the import path until torch is imported: has it seeded with `seed` as its import ends."""

    seed = 0

    def find_spec(self, name: str, path=None, target=None):
        if name != "torch":
            return None
        sys.meta_path.remove(self)  # found by the finders after it; torch is imported once
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _SeededAfterLoading(spec.loader, self.seed)
        return spec


class _SeededAfterLoading:
    """torch's own loader, and a seeding once it has run."""

    def __init__(self, loader, seed: int):
        self.loader = loader
        self.seed = seed

    def create_module(self, spec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__.loader = module.__loader__ = self.loader  # its own, for whatever looks at it
        self.loader.exec_module(module)
        module.manual_seed(self.seed)


_TORCH_WHEN_IMPORTED = _SeedTorchWhenImported()
