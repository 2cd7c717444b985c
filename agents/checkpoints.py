"""How the competition's agents find their weights, and how a model trained there meets arena's env.

- `resolve_file_path`: the path an agent asked for, else its `.zip` twin, else the same name under
  `./`, `checkpoints/`, `models/` or `user/models/`, else what `_gdown()` returns, copied to the
  path asked for (as the competition's agents leave it, so the next run finds it there); None (a
  fresh model) when none of them exists or the download fails.
- `adopt_observation_space`: a model saved by the competition's env carries its declared
  observation space (`competition_observation_space`, float32); the values are the same, only the
  declared bounds (and, in matches, the float64 precision) differ, so the model takes the env's
  space and SB3's `set_env` accepts it.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
from gymnasium import spaces

PROBED_FOLDERS = (".", "checkpoints", "models", os.path.join("user", "models"))


def resolve_file_path(file_path: str | None, download: Callable[[], str | None]) -> str | None:
    """An existing file for `file_path` (see the module docstring), or None with a warning."""
    if file_path is None:
        return None
    for candidate in _candidates(str(file_path)):
        if candidate.exists():
            return str(candidate)
    try:
        downloaded = download()
    except Exception as error:  # noqa: BLE001  (a failed download, e.g. offline, is a missing file)
        warnings.warn(f"_gdown() failed: {type(error).__name__}: {error}", stacklevel=3)
        downloaded = None
    if downloaded and Path(downloaded).exists():
        return _placed_where_asked(Path(downloaded).resolve(), str(file_path))
    warnings.warn(f"no model file at {file_path!r} (nor a .zip twin, nor in {', '.join(PROBED_FOLDERS)}): "
                  "starting from a fresh model", stacklevel=3)
    return None


def _is_link(file_path: str) -> bool:
    return file_path.startswith(("http://", "https://")) or "drive.google.com" in file_path


def _placed_where_asked(downloaded: Path, file_path: str) -> str:
    """`downloaded` copied to `file_path` (its folders made), that copy's path; the download's own path where
    `file_path` is a link or the copy fails (with a warning)."""
    if _is_link(file_path):
        return str(downloaded)
    target = Path(file_path).resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(downloaded, target)
    except OSError as error:
        warnings.warn(f"could not copy the downloaded model to {file_path!r}: {error}", stacklevel=4)
        return str(downloaded)
    return str(target)


def _candidates(file_path: str) -> list[Path]:
    if _is_link(file_path):
        return []
    path = Path(file_path).resolve()
    twin = path.with_suffix("") if path.suffix == ".zip" else path.with_name(path.name + ".zip")
    found = [path, twin]
    for folder in PROBED_FOLDERS:
        probe = Path.cwd().joinpath(folder, path.name).resolve()
        found += [probe] if probe.suffix == ".zip" else [probe, probe.with_name(probe.name + ".zip")]
    return found


def adopt_observation_space(model: Any, space: spaces.Space) -> None:
    """Give `model` (an SB3 algorithm) the env's observation `space` if its own differs only in bounds
    or float precision (its policy computes in its own precision either way)."""
    own = getattr(model, "observation_space", None)
    if not (isinstance(own, spaces.Box) and isinstance(space, spaces.Box)):
        return
    both_float = np.issubdtype(own.dtype, np.floating) and np.issubdtype(space.dtype, np.floating)
    if own.shape != space.shape or not (own.dtype == space.dtype or both_float) or own == space:
        return
    model.observation_space = space
    policy = getattr(model, "policy", None)
    if policy is not None:
        policy.observation_space = space
