"""Submissions: a folder (or a zip of one) unpacked safely into a private copy (`arena.unpack`), its
manifest read (`arena.manifest`), its agent imported.

A submission holds `agent.py`, which defines `SubmittedAgent`, a subclass of
`arena.agents.Agent`, and optionally a manifest `arena.toml` (fields in `arena.manifest`).

`load(path)` unpacks and checks all of that without running the submission's code;
`instantiate(spec)` imports `agent.py` in isolation and builds the agent. Weights named by
`weights_url` and missing from the submission are downloaded by `load` (gdown, into a cache that
later loads read offline; see `arena.weights`): `arena validate`, a tournament's registration and
`arena match` all load before any agent starts, so no download ever runs in a match's time budget
or inside the sandbox, which has no network.
"""

from __future__ import annotations

import errno
import importlib.util
import itertools
import os
import re
import shutil
import socket
import sys
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from arena import tempdirs
from arena.content_digest import IGNORED_NAMES, content_digest
from arena.errors import MACHINE_ERRNOS, HarnessError, ManifestError, SubmissionError, closest, missing_extra
from arena.faults import describe_exception
from arena.manifest import (DEFAULT_ENTRY, DEFAULT_ENTRY_CLASS, MANIFEST_FILE, Manifest, linked_weights, manifest_shown,
                            name_problem)
from arena.own_modules import files_in, loaded_from
from arena.submitted import shown_value
from arena.unpack import MAX_TOTAL_BYTES, source_is_folder, unpack
from arena.weights import MAX_DOWNLOAD_BYTES, bytes_in, download_weights


SUBMISSION_PREFIX = "arena-submission-"  # the private copies `load` makes in the temporary folder


@dataclass
class AgentSpec:
    """A submission unpacked into a private folder and checked, ready to be imported."""

    name: str
    source: Path  # the folder or zip the user gave
    root: Path  # the private copy holding agent.py
    manifest: Manifest
    digest: str  # sha256 of the contents: a changed submission is a new entrant
    _owned_dir: Path | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._owned_dir is not None:
            weakref.finalize(self, shutil.rmtree, self._owned_dir, True)

    @property
    def weights_path(self) -> Path | None:
        return None if self.manifest.weights is None else self.root / self.manifest.weights

    @property
    def entry_path(self) -> Path:
        return self.root / self.manifest.entry_file

    @property
    def manifest_shown(self) -> str:
        """Its manifest, as errors name it."""
        return manifest_shown(self.source)


def load(path: str | os.PathLike, workdir: str | os.PathLike | None = None,
         max_bytes: int = MAX_TOTAL_BYTES, cache_weights: bool = True) -> AgentSpec:
    """Unpack the submission at `path` (folder or zip) into a private copy and check it, refusing it
    past `max_bytes` in all before that much is written.

    The copy lives in `workdir`, or in a temporary folder removed when the spec is dropped. Weights
    the manifest links to (`weights_url`) are copied in from the cache, downloaded first if missing;
    without `cache_weights` they are downloaded into the copy alone (a server keeps the copy, and
    nothing it would have to prune).
    Raises SubmissionError (ManifestError, WeightsError) with one line saying what is wrong and how to fix it.
    """
    source = Path(path)
    is_folder = source_is_folder(source)
    owned = workdir is None
    try:
        target = tempdirs.make(SUBMISSION_PREFIX) if owned else Path(tempfile.mkdtemp(dir=workdir))
    except OSError as exc:
        raise HarnessError.short_of(f"make a private copy of {source}", exc) from exc
    try:
        unpack(source, is_folder, target, max_bytes)
        root = _find_root(target, source)
        manifest_path = root / MANIFEST_FILE
        shown = manifest_shown(source)
        manifest = Manifest.read(manifest_path, shown) if manifest_path.exists() else Manifest()
        manifest.check_options(shown)
        name = manifest.name or _default_name(source, is_folder)
        _check_files(root, manifest, source)
        digest = content_digest(root)  # before the weights are placed: downloading them never makes a new entrant
        _place_weights(root, manifest, str(source), max_bytes, cache_weights)
    except BaseException as exc:
        shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno in MACHINE_ERRNOS:
            raise HarnessError.short_of(f"copy {source}", exc) from exc
        raise
    return AgentSpec(name, source, root, manifest, digest, target if owned else None)


def load_registered(folder: str | os.PathLike, digest: str) -> AgentSpec:
    """The submission `load` unpacked, checked and kept in `folder` (a tournament's registered copy, a
    server's upload), read where it lies: a sandbox copies what it plays into its own space, so the
    processes playing an entrant need no copy each (an entrant may hold gigabytes). `digest` is the
    one it was registered with."""
    root = Path(folder)
    manifest_path = root / MANIFEST_FILE
    shown = manifest_shown(root)
    manifest = Manifest.read(manifest_path, shown) if manifest_path.exists() else Manifest()
    _check_files(root, manifest, root)
    return AgentSpec(manifest.name or root.name, root, root, manifest, digest)


def _default_name(source: Path, is_folder: bool) -> str:
    name = source.resolve().name if is_folder else source.stem
    if problem := name_problem(name):
        raise SubmissionError(f"{source}: its name {shown_value(name)} {problem}; rename it or set name in {MANIFEST_FILE}")
    return name


def _place_weights(root: Path, manifest: Manifest, where: str, max_bytes: int, cache: bool) -> None:
    """Put the linked weights a submission lacks into its folder at `root` (copied from the cache,
    downloaded there first, or downloaded straight in without `cache`), unless the folder would then
    hold more than `max_bytes`."""
    if manifest.weights is None or manifest.weights_url is None or (root / manifest.weights).is_file():
        return
    path = root / manifest.weights
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
        raise ManifestError(f"{where}: field 'weights' names {manifest.weights!r}, where no file can be put "
                            f"({exc.strerror}); name a path that no file or folder of the submission takes") from None
    if cache:
        cached = linked_weights(manifest, where)
        size = cached.stat().st_size
        if size + bytes_in(root) <= max_bytes:
            shutil.copyfile(cached, path)
            return
    else:  # stopped once it would not fit, not after
        room = min(max_bytes - bytes_in(root), MAX_DOWNLOAD_BYTES)
        download_weights(manifest.weights_url, manifest.weights_sha256, path, where,
                         room=(max(room, 0), f"all the room left in its submission, which may hold "
                                            f"{max_bytes >> 20} MiB in all; submit code and weights only"))
        size = path.stat().st_size
        if bytes_in(root) <= max_bytes:
            return
    raise SubmissionError(f"{where}: with its weights from weights_url ({size >> 20} MiB) it would hold more "
                          f"than {max_bytes >> 20} MiB in all; submit code and weights only")


def instantiate(spec: AgentSpec, alone: bool = False):
    """Import the spec's entry class in isolation and build the agent with its weights path.

    `alone`: the only submission in this process (a sandbox's), or one whose code runs within its
    `OwnModules`: its modules keep their own names and its folder stays importable, as when its
    author ran it, so that what pickles name them (objects saved with torch.save, functions sent to
    spawned processes) is found again.
    Exceptions from the submission's own code propagate unchanged; a missing or wrong
    class raises SubmissionError.
    """
    return agent_factory(spec, alone)()


def agent_factory(spec: AgentSpec, alone: bool = False,
                  set_aside: Callable[[], None] = lambda: None) -> Callable[[], Any]:
    """A function building a new agent of `spec` (as `instantiate` does) at each call, for a game
    each, its code run anew each time (its own modules, not the packages they import): what they
    set up as they load (a count, a cache) starts afresh too, so a game plays the same whatever games
    the process played before it, as in a process of its own. `set_aside()` is called once the last
    build's modules are out of the way, before they run anew."""
    folder = files_in(spec.root)
    loaded_before: set[str] | None = None  # the modules loaded as the last build began

    def build() -> Any:
        nonlocal loaded_before
        if loaded_before is not None:  # its own modules loaded since, as it was built or as it played
            for name in loaded_from(folder, set(sys.modules) - loaded_before):
                del sys.modules[name]
            set_aside()
        loaded_before = set(sys.modules)
        entry_class = import_entry_class(spec, alone)
        weights = spec.weights_path
        agent = entry_class(str(weights)) if weights is not None else entry_class()
        _keep_while(agent, spec)
        return agent

    return build


def _keep_while(agent: Any, spec: AgentSpec) -> None:
    """Keep `spec`, whose private copy goes with it, as long as `agent` lives: an agent loads its weights
    from there later (in `_initialize`), and its caller may hold the agent alone (`instantiate(load(path))`)."""
    try:
        weakref.finalize(agent, _let_go, spec)
    except TypeError:  # a class whose objects take no weak reference (__slots__ without __weakref__)
        pass


def _let_go(spec: AgentSpec) -> None:
    """The agent is gone: `spec` may go too."""


_module_counter = itertools.count()


def import_entry_class(spec: AgentSpec, alone: bool = False) -> type:
    """The agent class of `spec`, imported so its modules never clash with another submission's
    (or, `alone`, under their own names: see `instantiate`)."""
    from arena.agents import Agent

    packaged = _packaged_name(spec)
    own_name = packaged or spec.entry_path.stem
    if alone and (packaged or (own_name not in sys.modules and own_name not in sys.stdlib_module_names)):
        module = _import_alone(spec.entry_path, spec.root, own_name, packaged is not None)
    else:
        module = _import_isolated(spec.entry_path, spec.root,
                                  f"arena_submission_{next(_module_counter)}_{spec.digest[:8]}", packaged)
    cls = getattr(module, spec.manifest.entry_class, None)
    where = spec.manifest.entry_file
    if cls is None:
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__)
        hint = f" (classes defined there: {', '.join(found)})" if found else ""
        agents = [name for name in found if issubclass(getattr(module, name), Agent)]
        meant = agents[0] if len(agents) == 1 else "YourClass"  # the agent it defines, if that is plain
        raise SubmissionError(
            f"{spec.source}: {where} defines no class {spec.manifest.entry_class}{hint}; name your agent class "
            f'{spec.manifest.entry_class} or set entry = "{where}:{meant}" in {MANIFEST_FILE}'
        )
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise SubmissionError(
            f"{spec.source}: {where}: {spec.manifest.entry_class} must be a class deriving from arena.agents.Agent "
            f"(from arena.agents import Agent)"
        )
    if "predict" in getattr(cls, "__abstractmethods__", ()):
        raise SubmissionError(f"{spec.source}: {where}: {spec.manifest.entry_class} does not define predict(self, obs), "
                              f"which arena calls for every move: {_predict_fix(cls, Agent)}")
    return cls


def _predict_fix(cls: type, base: type) -> str:
    """How to give `cls` the `predict` it lacks: rename the method meant as it (a misspelling, or its one
    method of its own), or add one."""
    own = sorted({name for klass in cls.__mro__[:cls.__mro__.index(base)] for name, value in vars(klass).items()
                  if callable(value) and not name.startswith("_") and not hasattr(base, name)})
    meant = closest("predict", own) or (own[0] if len(own) == 1 else None)
    if meant:
        return f"rename {meant} to predict"
    return "add def predict(self, obs) returning the action" + (f" (it defines {', '.join(own)})" if own else "")


def _packaged_name(spec: AgentSpec) -> str | None:
    """The entry file's dotted name where it sits in packages of the submission (`brain/player.py` beside
    `brain/__init__.py`: `brain.player`; `brain/__init__.py`: `brain`, run once), under which its relative
    imports work; None elsewhere, and where a module of its top package's name is loaded already (that one
    would be imported instead), and where a folder's or the file's name holds a dot (`brain.v2/player.py`,
    `player.v2.py`: no dotted name reaches it)."""
    parts = Path(spec.manifest.entry_file).with_suffix("").parts
    if (len(parts) < 2 or parts[0] in sys.modules or parts[0] in sys.stdlib_module_names
            or any("." in part for part in parts)
            or not all((spec.root.joinpath(*parts[:depth]) / "__init__.py").is_file() for depth in range(1, len(parts)))):
        return None
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_isolated(file: Path, root: Path, module_name: str, packaged: str | None = None):
    """Run `file` as module `module_name` (or import it as `packaged`, its name in the submission's
    packages), with `root` importable while it loads.

    Modules the submission imports from its own folder are re-filed under `module_name.` so two
    submissions with a `utils.py` each do not share one.
    """
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(packaged) if packaged else _run_as_module(file, module_name)
    finally:
        sys.path.remove(str(root))
        for name in loaded_from(files_in(root), set(sys.modules) - before - {module_name}):
            sys.modules[f"{module_name}.{name}"] = sys.modules.pop(name)
    return module


def _import_alone(file: Path, root: Path, module_name: str, packaged: bool = False):
    """Run `file` as module `module_name` (import it by that name, `packaged`: its name in the submission's
    packages), with `root` first on the import path from now on, as when its author ran it from its folder."""
    if not sys.path or sys.path[0] != str(root):
        sys.path.insert(0, str(root))
    return importlib.import_module(module_name) if packaged else _run_as_module(file, module_name)


def _run_as_module(file: Path, module_name: str):
    """Execute `file` as the module `module_name`, registered while it runs (and after, if it succeeds)."""
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


# What Python says of `from .helper import ...` in a module of no package, such as a submission's agent.py.
NO_PARENT_PACKAGE = "attempted relative import with no known parent package"


def describe_load_error(exc: BaseException, spec: AgentSpec, sandboxed: bool = False) -> str:
    """One line for an exception raised while importing or building the agent of `spec` (in a sandbox,
    which has no network, if `sandboxed`)."""
    if isinstance(exc, SubmissionError):
        return str(exc)
    hint = missing_extra(exc) if isinstance(exc, ModuleNotFoundError) else None
    if hint:
        return f"{spec.source}: {describe_exception(exc, spec.root)} ({hint}, where arena runs)"
    if sandboxed and _network_failure(exc):
        return f"{spec.source}: {describe_exception(exc, spec.root)} ({NO_NETWORK})"
    top = (getattr(exc, "name", None) or "").partition(".")[0]
    moved = MOVED_PACKAGES.get(top)
    if moved:
        return f"{spec.source}: {describe_exception(exc, spec.root)} ({moved})"
    if type(exc) is ImportError and str(exc) == NO_PARENT_PACKAGE:
        return (f"{spec.source}: {describe_exception(exc, spec.root)} (a file at the submission's top is in no "
                "package: import the files beside it without the dot, from helper import ... for from .helper import ...)")
    if isinstance(exc, ModuleNotFoundError) and top and _found_nowhere(top, spec.root):
        return (f"{spec.source}: {describe_exception(exc, spec.root)} ({top} is neither in the submission nor installed "
                f"where arena runs: add it to the submission, or install it there)")
    return f"{spec.source}: {describe_exception(exc, spec.root)}"


def _found_nowhere(module: str, root: Path) -> bool:
    """Whether the top-level module `module` is neither a file or folder of the submission at `root` nor installed."""
    if (root / f"{module}.py").exists() or (root / module).is_dir():
        return False
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a module whose loading is under way or broken: it is somewhere
        return False


NO_NETWORK = (f"a sandboxed agent has no network: put the file it downloads in the submission, or name it in "
              f"{MANIFEST_FILE} with weights, weights_url and weights_sha256, and arena downloads it before the match")
_UNREACHABLE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def _network_failure(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from or while handling, is a name lookup or a connection
    that failed (what downloading libraries wrap: requests' ConnectionError holds urllib3's, holding socket's)."""
    for _ in range(16):  # a chain that long is no download's
        if exc is None:
            return False
        if isinstance(exc, (socket.gaierror, ConnectionError)) or getattr(exc, "errno", None) in _UNREACHABLE_ERRNOS:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# Packages of other projects that arena carries under another name: what to import instead.
MOVED_PACKAGES = {
    "environment": "the AI² competition's package 'environment' is 'arena.compat.ai2.environment' in arena: rename "
                   "it in the imports, e.g. from arena.compat.ai2.environment.agent import *",
    "marlenv": "marlenv is arena.compat.marlenv in arena: change 'import marlenv' to "
               "'import arena.compat.marlenv as marlenv'",
}


def is_submission_root(folder: Path) -> bool:
    """Whether `folder` is a submission's top: it holds the manifest or agent.py."""
    return (folder / MANIFEST_FILE).is_file() or (folder / "agent.py").is_file()


def _find_root(unpacked: Path, source: Path) -> Path:
    """The folder holding agent.py (or the manifest): the top, or a single folder at the top."""
    if is_submission_root(unpacked):
        return unpacked
    entries = [p for p in unpacked.iterdir() if p.name not in IGNORED_NAMES]
    if len(entries) == 1 and entries[0].is_dir() and is_submission_root(entries[0]):
        return entries[0]
    found = ", ".join(sorted(p.name for p in entries)[:8]) or "nothing"
    deeper = sorted(str(path.relative_to(unpacked)) for path in itertools.islice(unpacked.glob("*/**/agent.py"), 8))
    if len(deeper) == 1:
        fix = f"there is one at {deeper[0]}: zip that folder instead"
    elif deeper:
        fix = f"there are several ({', '.join(deeper)}): zip the folder of one of them on its own"
    elif (other := _other_agent_file(unpacked, entries)) is not None:  # the AI² template's user/my_agent.py
        fix = f'rename {other} to agent.py, or name it in {MANIFEST_FILE}: entry = "{other}:{DEFAULT_ENTRY_CLASS}"'
    else:
        fix = "put agent.py at the top of the folder"
    raise SubmissionError(f"{source}: no agent.py at its top level (found: {found}); {fix}")


def _other_agent_file(folder: Path, entries: list[Path]) -> str | None:
    """The one Python file at the top of `folder` that defines the agent class (or the only Python file there),
    else the one in a folder at its top that defines it (the AI² template's user/my_agent.py)."""
    top = _python_files(folder, entries)
    if top:
        return _only(_defining_the_agent(folder, top) or top)
    below = _python_files(folder, [path for sub in entries if sub.is_dir() and not sub.is_symlink()
                                   for path in sub.iterdir()])
    return _only(_defining_the_agent(folder, below))


def _python_files(folder: Path, paths: list[Path]) -> list[str]:
    """The plain Python files among `paths`, as paths from `folder`."""
    return sorted(str(p.relative_to(folder)) for p in paths if p.suffix == ".py" and p.is_file() and not p.is_symlink())


def _defining_the_agent(folder: Path, names: list[str]) -> list[str]:
    """Those of the Python files `names` (paths from `folder`) that define the agent class."""
    if len(names) > 16:  # a pile of scripts, not a project's few: reading each would cost more than it tells
        return []
    defining = []
    for name in names:
        with open(folder / name, "rb") as file:
            head = file.read(1 << 20)
        if re.search(rb"^class +" + DEFAULT_ENTRY_CLASS.encode() + rb"\b", head, re.MULTILINE):
            defining.append(name)
    return defining


def _only(names: list[str]) -> str | None:
    return names[0] if len(names) == 1 else None


def _check_files(root: Path, manifest: Manifest, source: Path) -> None:
    if not (root / manifest.entry_file).is_file():
        named = f", named by entry in {MANIFEST_FILE}," if manifest.entry != DEFAULT_ENTRY else ""
        raise SubmissionError(
            f"{source}: {manifest.entry_file}{named} is missing; it must define class {manifest.entry_class}"
        )
    if manifest.weights is not None and not (root / manifest.weights).is_file() and manifest.weights_url is None:
        raise SubmissionError(
            f"{source}: weights file {manifest.weights!r} named in {MANIFEST_FILE} is missing; add it or drop the field"
        )
