"""The libraries the competition's modules import, under the names they use there.

`from environment.agent import *` hands a participant these names too (`np`, `torch`, `PPO`,
`partial`, `Optional`, ...), and participants' files rely on it. The compatibility modules offer
them lazily: a name is imported when it is first used or when a star import asks for them all,
so `from arena.compat.ai2 import WarehouseBrawl` stays light. Packages arena does not need
(torch, stable-baselines3, sb3-contrib, OpenCV, scikit-image, scikit-video, pymunk, IPython, ...)
are offered only when installed; a star import simply leaves out the names of missing ones.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> (module, attribute or None for the module itself), in the competition's import order.
ENVIRONMENT_IMPORTS: dict[str, tuple[str, str | None]] = {
    "warnings": ("warnings", None),
    **{name: ("typing", name) for name in ("TYPE_CHECKING", "Any", "Generic", "SupportsFloat", "TypeVar", "Type",
                                             "Optional", "List", "Dict", "Callable", "Tuple")},
    "Enum": ("enum", "Enum"), "auto": ("enum", "auto"),
    "ABC": ("abc", "ABC"), "abstractmethod": ("abc", "abstractmethod"),
    "dataclass": ("dataclasses", "dataclass"), "field": ("dataclasses", "field"), "MISSING": ("dataclasses", "MISSING"),
    "defaultdict": ("collections", "defaultdict"),
    "partial": ("functools", "partial"),
    "tqdm": ("tqdm", "tqdm"),
    "Image": ("PIL.Image", None), "ImageSequence": ("PIL.ImageSequence", None),
    "plt": ("matplotlib.pyplot", None),
    **{name: (name, None) for name in ("gdown", "os", "math", "random", "shutil", "json")},
    "np": ("numpy", None),
    "torch": ("torch", None), "nn": ("torch.nn", None),
    "gymnasium": ("gymnasium", None), "spaces": ("gymnasium.spaces", None),
    "pygame": ("pygame", None),
    "pymunk": ("pymunk", None),
    "SpaceDebugColor": ("pymunk.space_debug_draw_options", "SpaceDebugColor"),
    # The class of the game's positions and velocities, as pymunk's is there: `isinstance(position, Vec2d)` holds.
    "Vec2d": ("arena.envs.fighting.vec2d", "Vec2d"),
    "DrawOptions": ("pymunk.pygame_util", "DrawOptions"),
    "cv2": ("cv2", None),
    "st": ("skimage.transform", None),
    "skvideo": ("skvideo", None),
    "Video": ("IPython.display", "Video"),
}
AGENT_IMPORTS: dict[str, tuple[str, str | None]] = {
    "uuid": ("uuid", None),
    "Monitor": ("stable_baselines3.common.monitor", "Monitor"),
    "DummyVecEnv": ("stable_baselines3.common.vec_env", "DummyVecEnv"),
    "A2C": ("stable_baselines3", "A2C"), "PPO": ("stable_baselines3", "PPO"),
    "BaseAlgorithm": ("stable_baselines3.common.base_class", "BaseAlgorithm"),
    "RecurrentPPO": ("sb3_contrib", "RecurrentPPO"),
    "load_results": ("stable_baselines3.common.results_plotter", "load_results"),
    "ts2xy": ("stable_baselines3.common.results_plotter", "ts2xy"),
    "QUIT": ("pygame.locals", "QUIT"),
}
# Submodules the competition imports alongside a package (`import skvideo.io`), so that
# `skvideo.io.FFmpegWriter` works once `skvideo` is in hand.
SUBMODULES = {"pygame": ("pygame.gfxdraw",), "pymunk": ("pymunk.pygame_util",), "skvideo": ("skvideo.io",)}

_MISSING = object()
_loaded: dict[str, Any] = {}


def load(name: str, imports: dict[str, tuple[str, str | None]]) -> Any:
    """The library value the competition binds to `name`; AttributeError if its package is not installed."""
    value = _loaded.get(name, _MISSING)
    if value is _MISSING:
        module, attribute = imports[name]
        try:
            value = importlib.import_module(module)
            for submodule in SUBMODULES.get(name, ()):
                importlib.import_module(submodule)
            if attribute is not None:
                value = getattr(value, attribute)
        except (ImportError, AttributeError) as exc:
            raise AttributeError(f"{name!r} needs {module!r}, which is not installed here: {exc}") from exc
        _loaded[name] = value
    return value


def installed(imports: dict[str, tuple[str, str | None]]) -> list[str]:
    """The names of `imports` whose packages import here (importing them)."""
    found = []
    for name in imports:
        try:
            load(name, imports)
        except AttributeError:
            continue
        found.append(name)
    return found


def lazy_module(module_globals: dict[str, Any], imports: dict[str, tuple[str, str | None]],
                own_names: list[str]):
    """A module `__getattr__` offering `imports` lazily, with `__all__` = `own_names` + the installed ones."""

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            module_globals["__all__"] = [*own_names, *(n for n in installed(imports) if n not in own_names)]
            return module_globals["__all__"]
        if name in imports:
            module_globals[name] = load(name, imports)
            return module_globals[name]
        raise AttributeError(f"module {module_globals['__name__']!r} has no attribute {name!r}")

    return __getattr__
