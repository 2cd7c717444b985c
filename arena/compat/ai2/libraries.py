"""The libraries the competition's modules import, bound under the names they use there.

`from environment.agent import *` hands a participant these names too (`np`, `torch`, `PPO`,
`partial`, `Optional`, ...), and participants' files rely on it. Packages arena does not need
(torch, stable-baselines3, sb3-contrib, OpenCV, scikit-image, scikit-video, pymunk, IPython, ...)
are bound only when installed; the names of those that are missing are simply not offered.
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
    "Vec2d": ("pymunk.vec2d", "Vec2d"),
    "DrawOptions": ("pymunk.pygame_util", "DrawOptions"),
    "cv2": ("cv2", None),
    "st": ("skimage.transform", None),
    "skvideo": ("skvideo", None),
    "Video": ("IPython.display", "Video"),
}
AGENT_IMPORTS: dict[str, tuple[str, str | None]] = {
    "uuid": ("uuid", None),
    "subprocess": ("subprocess", None),
    "Monitor": ("stable_baselines3.common.monitor", "Monitor"),
    "DummyVecEnv": ("stable_baselines3.common.vec_env", "DummyVecEnv"),
    "A2C": ("stable_baselines3", "A2C"), "PPO": ("stable_baselines3", "PPO"), "SAC": ("stable_baselines3", "SAC"),
    "BaseAlgorithm": ("stable_baselines3.common.base_class", "BaseAlgorithm"),
    "RecurrentPPO": ("sb3_contrib", "RecurrentPPO"),
    "load_results": ("stable_baselines3.common.results_plotter", "load_results"),
    "ts2xy": ("stable_baselines3.common.results_plotter", "ts2xy"),
    "QUIT": ("pygame.locals", "QUIT"),
}
# Submodules the competition imports for their side effect of loading (`import skvideo.io`).
SUBMODULES = ("pygame.gfxdraw", "pymunk.pygame_util", "skvideo.io")


def _load(module: str, attribute: str | None) -> Any:
    value = importlib.import_module(module)
    return value if attribute is None else getattr(value, attribute)


def _bind(imports: dict[str, tuple[str, str | None]]) -> list[str]:
    """Bind each importable name in this module; the names bound, in order."""
    bound = []
    for name, (module, attribute) in imports.items():
        try:
            globals()[name] = _load(module, attribute)
        except (ImportError, AttributeError):
            continue
        bound.append(name)
    return bound


for _submodule in SUBMODULES:
    try:
        importlib.import_module(_submodule)
    except ImportError:
        pass

ENVIRONMENT_NAMES = _bind(ENVIRONMENT_IMPORTS)
AGENT_NAMES = _bind(AGENT_IMPORTS)
__all__ = [*ENVIRONMENT_NAMES, *AGENT_NAMES]
