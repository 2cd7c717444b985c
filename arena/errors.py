"""The one exception family of arena: every message says what was wrong, where, and how to fix it."""

from __future__ import annotations

import difflib
import errno
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from importlib.metadata import Distribution


class ArenaError(Exception):
    """Base of every error arena raises on purpose."""


class HarnessError(ArenaError):
    """The machine running the harness failed it (a full disk, no processes or files left): no agent
    is to blame, and a match it stopped is to be played again. The `arena` command exits with
    EXIT_STATUS then (sysexits' EX_TEMPFAIL: try again later)."""

    EXIT_STATUS = 75

    @classmethod
    def short_of(cls, what: str, exc: OSError) -> HarnessError:
        import tempfile

        return cls(f"could not {what} ({exc.strerror or exc}); this machine's doing, not the agent's: check the "
                   f"free space in {tempfile.gettempdir()} and the limits on processes and open files")


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one of `choices` a mistyped `word` was likely meant as (for a message's "did you mean"), or None."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return close[0] if close else None


def missing_path_hint(path) -> str:
    """What to add to "PATH: no such file or folder": the path with a mistyped part corrected, where one
    close name is there (`submisions/random` -> `submissions/random`), or, for a relative path that names
    one of arena's own files from another folder (`submissions/random`), where that is; else ""."""
    from pathlib import Path

    path = Path(path)
    found = Path(path.anchor) if path.is_absolute() else Path()
    parts = path.parts[1:] if path.is_absolute() else path.parts
    for index, part in enumerate(parts):
        if part in ("", ".", ".."):
            found /= part
            continue
        if (found / part).exists():
            found /= part
            continue
        try:
            names = [entry.name for entry in found.iterdir()] if found.is_dir() else []
        except OSError:
            names = []
        meant = closest(part, names)
        if meant is not None and found.joinpath(meant, *parts[index + 1:]).exists():
            return f"; did you mean {str(found.joinpath(meant, *parts[index + 1:]))!r}?"
        break
    if not path.is_absolute():
        own = Path(__file__).resolve().parent.parent / path
        if own.exists():
            return f"; relative paths start from the current folder ({Path.cwd()}): arena's own is {own}"
    return ""


CHECKOUT_HINT = "pip install -e '.[{extra}]' in arena's folder"


def install_hint(extra: str, installed: Distribution | None = None) -> str:
    """How to install one of arena's optional extras (setup.cfg) where arena came from, as pip recorded it
    in `installed` (this arena's own record by default): a checkout, a wheel or folder, a repository or
    an index."""
    from pathlib import Path
    from urllib.parse import unquote, urlparse

    if installed is None and (Path(__file__).resolve().parent.parent / "setup.cfg").is_file():
        return CHECKOUT_HINT.format(extra=extra)  # run from its source folder (its build metadata may sit there too)
    origin = _origin(installed)
    if origin is None or origin.get("dir_info", {}).get("editable"):
        return CHECKOUT_HINT.format(extra=extra)
    if "url" not in origin:  # from an index
        return f"pip install 'arena[{extra}]'"
    url, vcs = origin["url"], origin.get("vcs_info")
    if url.startswith("file://") and vcs is None:  # a wheel or a folder: pip takes extras after its path
        return f"pip install '{unquote(urlparse(url).path)}[{extra}]'"
    if vcs is not None:
        url = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    return f"pip install 'arena[{extra}] @ {url}'"


def _origin(installed: Distribution | None) -> dict | None:
    """pip's record of where `installed` came from (PEP 610's direct_url.json; {} for an index), or None
    where arena is not installed (run from its folder)."""
    import json
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        recorded = (installed or distribution("arena")).read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    return json.loads(recorded) if recorded else {}


# The extra that installs each optional library (its import name).
EXTRA_OF_MODULE = {
    "torch": "train", "stable_baselines3": "train", "sb3_contrib": "train", "yaml": "train", "tensorboard": "train",
    "matplotlib": "train", "jax": "jax", "pgx": "jax", "mctx": "jax", "cairosvg": "jax", "ray": "ray",
    "starlette": "serve", "uvicorn": "serve", "jinja2": "serve", "multipart": "serve", "psycopg": "serve",
    "ttnn": "tt",
}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """What to install for a missing optional library, or None if `exc` is not about one or already says it."""
    extra = EXTRA_OF_MODULE.get((exc.name or "").partition(".")[0])
    if extra is None or install_hint(extra) in str(exc):
        return None
    return f"{exc.name} is not installed: {install_hint(extra)}{_cpu_torch_note(extra)}"


def _cpu_torch_note(extra: str) -> str:
    """For the extra that brings torch, on a Linux machine that shows no NVIDIA GPU: where torch's CPU build is,
    since pip's default index gives Linux the CUDA build (several GB)."""
    import shutil
    import sys

    if extra != "train" or not sys.platform.startswith("linux") or shutil.which("nvidia-smi") is not None:
        return ""
    return " (this machine shows no GPU: add --extra-index-url https://download.pytorch.org/whl/cpu for torch's CPU build)"


# What an OSError of the machine running short says, whoever's files were being written.
MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EMFILE, errno.ENFILE, errno.ENOMEM,
                            errno.EROFS})


class SubmissionError(ArenaError):
    """A submission folder or zip that cannot be unpacked, read or imported."""


class ManifestError(SubmissionError):
    """An `arena.toml` with a missing, unknown or malformed field."""


class UnknownEnvError(ArenaError):
    """An environment name that is not registered, or options it does not take."""


class SettingsError(ArenaError, ValueError):
    """A settings file or KEY=VALUE override that cannot be read: an unknown key, or a value of the wrong type."""


class ReplayError(ArenaError):
    """A replay file that cannot be read, or that does not re-simulate to its recorded result."""
