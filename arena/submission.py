"""Submissions: a folder (or a zip of one) unpacked safely into a private copy and read.

A submission holds `agent.py`, which defines `SubmittedAgent`, a subclass of
`arena.agents.Agent`, and optionally a manifest `arena.toml`:

    name = "greedy"                   # shown in results (default: the folder or zip name)
    env = "othello"                   # or a list of the envs it plays (default: any env)
    entry = "agent.py:SubmittedAgent" # file and class of the agent
    weights = "model.zip"             # passed to the agent as file_path (default: none)
    weights_url = "https://..."       # where to download `weights` from if the submission lacks it
    weights_sha256 = "9f86d08..."     # the downloaded file's sha256 (required with weights_url)
    time_per_move = 0.5               # seconds per move the agent asks for (default: the env's)
    memory_mb = 8192                  # memory it asks for, up to the organiser's ceiling (default 4096)

    [options]                         # the env options it is built for (default: the env's own)
    size = 9

The options are the game the policy needs, seats included: the number of players is an option
(snake's `num_snakes`, the relay's `num_players`), so `arena validate` and `arena match` build the
game from them and seat the submission in it (see `arena.entrants`); `arena export` writes every
option a run trained with.

Everything in a submission is written by someone else, so every value is checked before it is used,
and a refusal is one SubmissionError line naming the file, field or member and the fix: manifest
fields are typed, bounded scalars (names printable and short, `time_per_move` at most 60 s, options
short strings or bounded numbers), and the manifest is small and shallow enough to parse quickly.
A folder or zip may hold only regular files and folders (no links, FIFOs, sockets or devices),
at most 10,000 entries and 2 GiB, paths that stay inside, are short and appear once; all of this is
checked before the first byte is written, and folder entries are typed without opening them.

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
import stat
import sys
import tempfile
import unicodedata
import weakref
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Iterable, Iterator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from arena import tempdirs
from arena.content_digest import IGNORED_NAMES, content_digest
from arena.errors import (MACHINE_ERRNOS, HarnessError, ManifestError, SubmissionError, closest, missing_extra,
                          missing_path_hint)
from arena.faults import describe_exception
from arena.own_modules import files_in, loaded_from
from arena.weights import MAX_DOWNLOAD_BYTES, MAX_URL_CHARS, bytes_in, cached_weights, download_weights, url_problem

MANIFEST_FILE = "arena.toml"
DEFAULT_ENTRY = "agent.py:SubmittedAgent"
DEFAULT_ENTRY_CLASS = DEFAULT_ENTRY.partition(":")[2]
SUBMISSION_PREFIX = "arena-submission-"  # the private copies `load` makes in the temporary folder

# A submission is code plus weights; anything larger is refused before it is written to disk.
MAX_FILES = 10_000  # files and folders together
MAX_TOTAL_BYTES = 2 << 30
MAX_FILE_BYTES = 1 << 30
# A member that inflates more than this many times (and past 1 MiB) is treated as a zip bomb.
MAX_COMPRESSION_RATIO = 200
# zipfile reads a zip's whole index into memory before anything else can be checked.
MAX_ZIP_INDEX_BYTES = 8 << 20
# Linux's limit on a name; paths stay far below its 4096 bytes so they fit under any working folder, and
# the depth keeps folder creation and walks shallow.
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024
MAX_DEPTH = 64
_COPY_CHUNK = 1 << 20

# Manifest limits: a manifest is a few lines, so anything far beyond is hostile.
MAX_MANIFEST_BYTES = 64 << 10
# tomllib's work grows with the square of a dotted key's depth, one "." per level.
MAX_MANIFEST_DOTS = 512
MAX_NAME_CHARS = 64
MAX_TEXT_CHARS = 256
MAX_ENVS = 16
MAX_OPTIONS = 32
MAX_OPTION_NUMBER = 10**9
MAX_TIME_PER_MOVE = 60.0
MIN_MEMORY_MB, MAX_MEMORY_MB = 64, 1 << 20


@dataclass(frozen=True)
class Manifest:
    """The parsed `arena.toml` of a submission (all fields optional)."""

    name: str | None = None
    env: tuple[str, ...] = ()  # empty: plays any env
    entry: str = DEFAULT_ENTRY
    weights: str | None = None
    time_per_move: float | None = None
    memory_mb: int | None = None
    weights_url: str | None = None
    weights_sha256: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # env options, e.g. {"size": 9}

    @property
    def entry_file(self) -> str:
        return self.entry.partition(":")[0]

    @property
    def entry_class(self) -> str:
        return self.entry.partition(":")[2]

    def plays(self, env_name: str) -> bool:
        return not self.env or env_name in self.env

    def check_options(self, where: str) -> None:
        """ManifestError naming `where` (the manifest) unless every game it declares takes its [options]
        (names and bounds). Not part of `read`: an agent reading its own manifest need not load the games."""
        from arena.envs import UnknownEnvError, check_options

        for name in self.env if self.options else ():  # without options no game need be loaded
            try:
                check_options(name, self.options)
            except UnknownEnvError as exc:
                raise ManifestError(f"{where}: [options]: {exc}") from None

    @classmethod
    def read(cls, path: Path, where: str | None = None) -> Manifest:
        """Parse and check a manifest file; ManifestError naming the file (as `where`), field and fix."""
        where = where or str(path)
        return cls.from_dict(_parse_toml(path, where), where=where)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = MANIFEST_FILE) -> Manifest:
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            # a field's name spelt out at length (environment, weights_file) is that field
            meant = closest(unknown[0], _FIELDS) or next((f for f in sorted(_FIELDS, key=len, reverse=True)
                                                          if str(unknown[0]).startswith(f)), None)
            hint = f" (did you mean {meant!r}?)" if meant else ""
            raise ManifestError(f"{where}: unknown field {_shown(unknown[0])}{hint}; "
                                f"the fields are {', '.join(sorted(_FIELDS))}")
        fields = _Fields(data, where)
        name = fields.typed("name", str, 'a string, e.g. name = "my_agent"')
        if name is not None and (problem := _name_problem(name)):
            raise ManifestError(f"{where}: field 'name' {problem}")
        entry = fields.text("entry", MAX_TEXT_CHARS, 'a "file.py:ClassName" string') or DEFAULT_ENTRY
        file_part, colon, class_part = entry.partition(":")
        if not colon or not file_part.endswith(".py") or not class_part.isidentifier():
            raise ManifestError(f'{where}: field \'entry\' must look like "agent.py:SubmittedAgent", '
                                f"got {_shown(entry)}")
        weights = fields.text("weights", MAX_PATH_BYTES, 'a path inside the submission, e.g. weights = "model.zip"')
        for key, value in (("entry", file_part), ("weights", weights)):
            if value is not None and (problem := _path_problem(value)):
                raise ManifestError(f"{where}: field {key!r} must be a relative path inside the submission: "
                                    f"{_shown(value)} {problem}")
        if weights is not None and (problem := _weights_path_problem(weights)):
            raise ManifestError(f"{where}: field 'weights' {problem}")
        weights_url = fields.text("weights_url", MAX_URL_CHARS, 'a download link, e.g. weights_url = "https://..."')
        weights_sha256 = fields.text("weights_sha256", 64, "the file's sha256 as sha256sum prints it")
        _check_download(where, weights, weights_url, weights_sha256)
        time_per_move = fields.number("time_per_move", (int, float), "a number of seconds, e.g. time_per_move = 0.5",
                                      lambda v: 0 < v <= MAX_TIME_PER_MOVE,
                                      f"positive and at most {MAX_TIME_PER_MOVE:g} seconds")
        memory_mb = fields.number("memory_mb", int, "a whole number of MiB, e.g. memory_mb = 8192",
                                  lambda v: MIN_MEMORY_MB <= v <= MAX_MEMORY_MB,
                                  f"at least {MIN_MEMORY_MB} and at most {MAX_MEMORY_MB} MiB")
        return cls(name, fields.envs(), entry, weights, None if time_per_move is None else float(time_per_move),
                   memory_mb, weights_url, weights_sha256 and weights_sha256.lower(), fields.options())


_FIELDS = {"name", "env", "entry", "weights", "time_per_move", "memory_mb", "weights_url", "weights_sha256", "options"}


class _Fields:
    """Typed access to the fields of a parsed manifest; every refusal is a ManifestError naming the field and fix."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data, self.where = data, where

    def typed(self, key: str, types: type | tuple[type, ...], hint: str) -> Any:
        value = self.data.get(key)
        if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
            raise ManifestError(f"{self.where}: field {key!r} must be {hint}, got {_shown(value)}")
        return value

    def text(self, key: str, max_chars: int, hint: str) -> str | None:
        value = self.typed(key, str, hint)
        if value is not None and (problem := _text_problem(value, max_chars)):
            raise ManifestError(f"{self.where}: field {key!r} {problem}")
        return value

    def number(self, key: str, types: type | tuple[type, ...], hint: str, accept: Callable[[Any], bool],
               rule: str) -> Any:
        """The number at `key` if `accept` takes it (nan takes no comparison, so it never passes), else a refusal."""
        value = self.typed(key, types, hint)
        if value is not None and not accept(value):
            raise ManifestError(f"{self.where}: field {key!r} must be {rule}, got {_shown(value)}")
        return value

    def envs(self) -> tuple[str, ...]:
        env = self.typed("env", (str, list), 'an env name or a list of them, e.g. env = "othello"')
        envs = (env,) if isinstance(env, str) else tuple(env or ())
        if len(envs) > MAX_ENVS or not all(isinstance(e, str) and not _text_problem(e, MAX_NAME_CHARS) for e in envs):
            raise ManifestError(f"{self.where}: field 'env' must list at most {MAX_ENVS} env names, each a short "
                                f'string such as "othello", got {_shown(env)}')
        from arena.envs import UnknownEnvError, entry

        for name in envs:
            try:
                entry(name)
            except UnknownEnvError as exc:
                raise ManifestError(f"{self.where}: field 'env': {exc}") from None
        return envs

    def options(self) -> dict[str, Any]:
        options = self.typed("options", dict, "a table of env options, e.g. [options] then size = 9") or {}
        if len(options) > MAX_OPTIONS:
            raise ManifestError(f"{self.where}: [options] has {len(options)} entries; "
                                f"an env takes at most {MAX_OPTIONS}")
        for key, value in options.items():
            if key in _FIELDS:  # written below the [options] line, as TOML tables go on to the next one
                raise ManifestError(f"{self.where}: [options]: {_shown(key)} is a field of the manifest, not an option "
                                    f"of the game (in TOML every key after [options] is one of its options): move "
                                    f"{key} = ... above [options]")
            if problem := _option_problem(key, value):
                raise ManifestError(f"{self.where}: option {_shown(key)} {problem}")
        return options


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
        return _manifest_shown(self.source)


def _manifest_shown(source: Path) -> str:
    """The manifest of the submission at `source`: the folder's file, or the zip and the file's name."""
    return str(source / MANIFEST_FILE) if source.is_dir() else f"{source}: {MANIFEST_FILE}"


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
    is_folder = _source_is_folder(source)
    owned = workdir is None
    try:
        target = tempdirs.make(SUBMISSION_PREFIX) if owned else Path(tempfile.mkdtemp(dir=workdir))
    except OSError as exc:
        raise HarnessError.short_of(f"make a private copy of {source}", exc) from exc
    try:
        if is_folder:
            _write(_folder_members(source), source, target, max_bytes)
        else:
            with _open_zip(source) as archive:
                _write(_zip_members(archive, source), source, target, max_bytes)
        root = _find_root(target, source)
        manifest_path = root / MANIFEST_FILE
        shown = _manifest_shown(source)
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
    shown = _manifest_shown(root)
    manifest = Manifest.read(manifest_path, shown) if manifest_path.exists() else Manifest()
    _check_files(root, manifest, root)
    return AgentSpec(manifest.name or root.name, root, root, manifest, digest)


def _source_is_folder(source: Path) -> bool:
    """Whether `source` is a folder (else a zip file); anything else, such as a FIFO, is refused unopened."""
    try:
        mode = source.stat().st_mode
    except (OSError, ValueError):
        raise SubmissionError(f"{source}: no such file or folder{missing_path_hint(source)}") from None
    if stat.S_ISREG(mode) and zipfile.is_zipfile(source):
        return False
    if stat.S_ISREG(mode) and (source.suffix == ".py" or source.name == MANIFEST_FILE):
        raise SubmissionError(f"{source}: a file of the submission, not the submission: give its folder, {source.parent}")
    if not stat.S_ISDIR(mode):
        raise SubmissionError(f"{source}: not a folder or a zip file; give the agent's folder or a zip of it")
    return True


def _default_name(source: Path, is_folder: bool) -> str:
    name = source.resolve().name if is_folder else source.stem
    if problem := _name_problem(name):
        raise SubmissionError(f"{source}: its name {_shown(name)} {problem}; rename it or set name in {MANIFEST_FILE}")
    return name


def manifest_weights(folder: Path) -> str | None:
    """The weights the `arena.toml` in `folder` names: the file there, else its cached download.

    Downloads into the cache when missing (see `arena.weights`); None when there is no manifest or
    it names no weights. This is what `Agent._gdown` returns by default.
    """
    manifest_path = folder / MANIFEST_FILE
    manifest = _manifest_kept(manifest_path)
    if manifest is None or manifest.weights is None:
        return None
    local = folder / manifest.weights
    if local.is_file() or manifest.weights_url is None:
        return str(local)
    return str(_linked_weights(manifest, str(manifest_path)))


def _manifest_kept(path: Path) -> Manifest | None:
    """The manifest file at `path` (None if there is none), read again only once the file changed:
    an agent is built, and asks for its weights, every game."""
    try:
        status = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    key = (status.st_ino, status.st_mtime_ns, status.st_size)
    kept = _manifests_read.get(path)
    if kept is None or kept[0] != key:
        kept = _manifests_read[path] = (key, Manifest.read(path))
    return kept[1]


_manifests_read: dict[Path, tuple[tuple[int, int, int], Manifest]] = {}


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
        cached = _linked_weights(manifest, where)
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


def _linked_weights(manifest: Manifest, where: str) -> Path:
    """The cached copy of the weights at the manifest's `weights_url`, downloaded first if missing."""
    return cached_weights(manifest.weights_url, manifest.weights_sha256, _parts(manifest.weights)[-1], where)


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


def _check_download(where: str, weights: str | None, url: str | None, sha256: str | None) -> None:
    if url is None:
        if sha256 is not None:
            raise ManifestError(f"{where}: field 'weights_sha256' checks a download; add weights_url or drop it")
        return
    if weights is None:
        raise ManifestError(f'{where}: weights_url needs weights, the file name the agent loads, e.g. weights = "model.zip"')
    if sha256 is None or len(sha256) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha256):
        given = "it is missing" if sha256 is None else f"got {_shown(sha256)}"
        raise ManifestError(f"{where}: weights_url needs weights_sha256, the 64 hex digits sha256sum prints for the "
                            f"file; {given}")
    if problem := url_problem(url):
        raise ManifestError(f"{where}: field 'weights_url' {problem}")


def _parse_toml(path: Path, where: str) -> dict[str, Any]:
    """The TOML at `path`, read only if it is a small regular UTF-8 file that tomllib can parse quickly."""
    fd = _open_regular(path)
    if fd is None:
        raise ManifestError(f"{where}: not a regular file; {MANIFEST_FILE} must be a text file")
    with os.fdopen(fd, "rb") as file:
        raw = file.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"{where}: larger than {MAX_MANIFEST_BYTES >> 10} KiB; a manifest holds a few fields only")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{where}: not UTF-8 text (at byte {exc.start}); save it as UTF-8") from None
    if text.count(".") > MAX_MANIFEST_DOTS:
        raise ManifestError(f"{where}: more than {MAX_MANIFEST_DOTS} '.' characters; a manifest needs only a few")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if curly := _curly_quotes(text, str(exc)):
            raise ManifestError(f"{where}: {curly}") from None
        # The usual slip, a name or game written bare (env = othello), is an "Invalid value" to tomllib.
        hint = '; text goes in quotes, e.g. env = "othello"' if str(exc).startswith("Invalid value") else ""
        raise ManifestError(f"{where}: not valid TOML ({exc}){hint}") from None
    except RecursionError:
        raise ManifestError(f"{where}: values nested too deeply; a manifest needs lists of names at most") from None
    except ValueError:  # an integer with more digits than Python converts
        raise ManifestError(f"{where}: not valid TOML (a number too long to read)") from None


CURLY_QUOTES = "\u201c\u201d\u201e\u2018\u2019\u201a"


def _curly_quotes(text: str, error: str) -> str | None:
    """Where tomllib stopped on a line quoted with curly quotes (an editor or phone's), what to type instead."""
    at = re.search(r"\(at line (\d+), column \d+\)", error)
    lines = text.split("\n")  # numbered as tomllib numbers them
    if not at or not 0 < int(at.group(1)) <= len(lines):
        return None
    number = int(at.group(1))
    line = lines[number - 1]
    found = [c for c in CURLY_QUOTES if c in line]
    if not found:
        return None
    fix = f"line {number} has curly quotes ({' '.join(found)}), which TOML does not read as quotes: type straight ones"
    straight = line.strip().translate({ord(c): '"' for c in CURLY_QUOTES})
    if len(straight) > 60 or _has_control(straight):  # shown only where it is short and printable
        return fix
    return f"{fix}, e.g. {straight}"


def _shown(value: Any) -> str:
    """A submitted value for a one-line message: escaped, short, never a whole nested structure."""
    if isinstance(value, (dict, list)):
        return f"a {'table' if isinstance(value, dict) else 'list'} of {len(value)}"
    if isinstance(value, int) and value.bit_length() > 64:
        return "a number of more than 64 bits"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _has_control(text: str) -> bool:
    """Control, format (such as bidirectional overrides), undecodable and line-breaking characters."""
    return any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") for c in text)


def _text_problem(text: str, max_chars: int) -> str | None:
    if len(text) > max_chars:
        return f"is {len(text)} characters long; use at most {max_chars}"
    if any("\udc80" <= c <= "\udcff" for c in text):  # a file name's bytes that are not UTF-8, as Python reads them
        return "is not UTF-8 text"
    if _has_control(text):
        return f"contains a control character ({_shown(text)}); use printable characters only"
    return None


def _name_problem(name: str) -> str | None:
    """Why `name` cannot name an entrant (in results, files and terminals), or None."""
    if problem := _text_problem(name, MAX_NAME_CHARS):
        return problem
    if not name.strip():
        return "is empty; give a name such as my_agent"
    if "/" in name or "\\" in name:
        return f"contains a path separator ({_shown(name)}); use letters, digits, '-' or '_'"
    if name.startswith("."):
        return f"starts with '.' ({_shown(name)}); start it with a letter or digit"
    return None


def _option_problem(key: str, value: Any) -> str | None:
    """Why [options] may not hold `key = value`: options are short scalars the env takes as arguments."""
    if not key.isidentifier() or len(key) > MAX_NAME_CHARS:
        return "is not an option name; options are env arguments such as size"
    if key == "render_mode":
        return "is for whoever watches the game to choose; drop it"
    if isinstance(value, (int, float)) and not abs(value) <= MAX_OPTION_NUMBER:  # nan fails the comparison too
        return f"must be a number between -{MAX_OPTION_NUMBER:g} and {MAX_OPTION_NUMBER:g}, got {_shown(value)}"
    if isinstance(value, str):
        return _text_problem(value, MAX_NAME_CHARS)
    if not isinstance(value, (int, float)):
        return f"must be a string, number or true/false, got {_shown(value)}"
    return None


def _parts(relative: str) -> tuple[str, ...]:
    """The components of a relative path written with either separator, without empty and '.' components."""
    return tuple(part for part in relative.replace("\\", "/").split("/") if part not in ("", "."))


def _weights_path_problem(weights: str) -> str | None:
    """Why the weights cannot be where `weights` says (a linked download would not travel with the
    submission's copies there), or None."""
    if "\\" in weights:
        return f"separates folders with '/', not '\\': got {_shown(weights)}"
    if any(part in IGNORED_NAMES for part in _parts(weights)):
        return (f"names a place submissions leave out ({', '.join(sorted(IGNORED_NAMES))}): got {_shown(weights)}; "
                f"put the file elsewhere")
    return None


def _path_problem(relative: str) -> str | None:
    """Why `relative` cannot name a file or folder inside a submission, or None."""
    parts = _parts(relative)
    if not parts or relative.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return "points outside the submission; use relative paths only"
    if _has_control(relative):
        return "has a control or undecodable character in its name; rename it"
    if len(os.fsencode(relative)) > MAX_PATH_BYTES or len(parts) > MAX_DEPTH:
        return f"is a path longer than {MAX_PATH_BYTES} bytes or {MAX_DEPTH} folders deep; shorten it"
    if any(len(os.fsencode(part)) > MAX_NAME_BYTES for part in parts):
        return f"has a name longer than {MAX_NAME_BYTES} bytes; shorten it"
    return None


@dataclass(frozen=True)
class _Member:
    """One entry of a folder or zip, described alike so one set of checks covers both."""

    name: str  # as the submission spells it
    mode: int  # file type bits as stat reports them
    size: int
    open: Callable[[], BinaryIO]  # its bytes

    @property
    def parts(self) -> tuple[str, ...]:
        return _parts(self.name)

    @property
    def is_folder(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def shown(self) -> str:
        """The name for a message: as written when printable and short, else escaped and cut."""
        return self.name if 0 < len(self.name) <= 60 and not _has_control(self.name) else _shown(self.name)


def _kind_problem(mode: int) -> str | None:
    if stat.S_ISLNK(mode):
        return "is a symbolic link; links are not allowed, copy the file itself in"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device or special file"
        return f"is a {kind}; a submission holds regular files and folders only"
    return None


def _checked(members: Iterable[_Member], source: Path, max_bytes: int) -> Iterator[_Member]:
    """`members` minus ignored names, each checked as it comes so a hostile submission stops the scan early."""
    files: set[tuple[str, ...]] = set()
    folders: set[tuple[str, ...]] = set()
    count = total = 0
    for member in members:
        if problem := _path_problem(member.name) or _kind_problem(member.mode):
            raise SubmissionError(f"{source}: {member.shown} {problem}")
        parts = member.parts
        if any(part in IGNORED_NAMES for part in parts):
            continue
        count += 1
        if count > MAX_FILES:
            raise SubmissionError(f"{source}: more than {MAX_FILES} files and folders; submit the agent's code and "
                                  f"weights only")
        above = {parts[:i] for i in range(1, len(parts))}
        if parts in files or above & files or (not member.is_folder and parts in folders):
            raise SubmissionError(f"{source}: {member.shown} collides with another entry at {'/'.join(parts)}; "
                                  f"each path may appear once, as a file or as a folder")
        (folders if member.is_folder else files).add(parts)
        folders |= above
        if not member.is_folder:
            total += member.size
            _check_size(source, member.shown, member.size, total, max_bytes)
        yield member


def _write(members: Iterable[_Member], source: Path, target: Path, max_bytes: int) -> None:
    """Check every member first, then write them under `target`, trusting the bytes read, not the sizes claimed."""
    for member in list(_checked(members, source, max_bytes)):
        try:
            complete = _write_member(member, target.joinpath(*member.parts))
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, UnicodeDecodeError) as exc:
            raise SubmissionError(f"{source}: {member.shown} is damaged or uses an unsupported zip feature ({exc}); "
                                  f"zip the folder again") from None
        except OSError as exc:
            if exc.errno in MACHINE_ERRNOS:
                raise HarnessError.short_of(f"unpack {member.shown} of {source}", exc) from exc
            raise SubmissionError(f"{source}: cannot unpack {member.shown} ({exc.strerror}); check it") from None
        if not complete:
            raise SubmissionError(f"{source}: {member.shown} holds more than the {member.size} bytes it declared; "
                                  f"make the zip or copy again")


def _write_member(member: _Member, destination: Path) -> bool:
    """Write one checked member; False if it held more bytes than it declared."""
    if member.is_folder:
        destination.mkdir(parents=True, exist_ok=True)
        return True
    destination.parent.mkdir(parents=True, exist_ok=True)
    with member.open() as data:
        return _copy_at_most(data, destination, member.size)


def _folder_members(source: Path) -> Iterator[_Member]:
    """Every entry under `source`, ignored folders pruned, typed by lstat: nothing is opened or followed,
    and every folder and file is reached from `source` through folders opened without following a
    link, so that one swapped for a link while it is read (by whoever else may write there) leads
    nowhere."""
    pending = [PurePosixPath()]
    while pending:
        relative = pending.pop()
        try:
            fd = _open_beneath(source, relative, directory=True)
            try:
                with os.scandir(fd) as entries:
                    for entry in entries:
                        if entry.name in IGNORED_NAMES:
                            continue
                        info = entry.stat(follow_symlinks=False)
                        name = relative / entry.name
                        opener = partial(_open_file, source, name, _shown(str(name)))
                        yield _Member(str(name), info.st_mode, info.st_size, opener)
                        if stat.S_ISDIR(info.st_mode):
                            pending.append(name)
            finally:
                os.close(fd)
        except OSError as exc:
            raise SubmissionError(f"{source}: cannot read {_shown(str(relative))} ({exc.strerror}); make it "
                                  f"readable, and leave it unchanged while it is read") from None


def _open_beneath(source: Path, relative: PurePosixPath, directory: bool) -> int:
    """A descriptor of `source/relative`, each part opened in the folder before it, never through a link."""
    fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, part in enumerate(relative.parts):
            last = index == len(relative.parts) - 1
            kind = os.O_DIRECTORY if directory or not last else os.O_NONBLOCK  # a FIFO must not block its open
            inner = os.open(part, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | kind, dir_fd=fd)
            os.close(fd)
            fd = inner
        return fd
    except BaseException:
        os.close(fd)
        raise


def _open_file(source: Path, relative: PurePosixPath, shown: str) -> BinaryIO:
    try:
        fd = _open_beneath(source, relative, directory=False)
    except OSError:
        fd = None
    if fd is not None and not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        fd = None
    if fd is None:
        raise SubmissionError(f"{source}: {shown} changed while it was copied; submit it again")
    return os.fdopen(fd, "rb")


def _open_regular(path: Path) -> int | None:
    """A read-only descriptor of `path` if it is a regular file, else None; a FIFO or link is never opened."""
    try:
        before = os.lstat(path)
        if not stat.S_ISREG(before.st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):  # swapped for something else meanwhile
        os.close(fd)
        return None
    return fd


def _copy_at_most(data: BinaryIO, destination: Path, limit: int) -> bool:
    """Copy `data` into a new file; False, once past `limit` bytes, if it holds more."""
    written = 0
    with open(destination, "xb") as out:
        while chunk := data.read(min(_COPY_CHUNK, limit + 1 - written)):
            written += len(chunk)
            if written > limit:
                return False
            out.write(chunk)
    return True


def _open_zip(source: Path) -> zipfile.ZipFile:
    try:
        with open(source, "rb") as file:
            end = zipfile._EndRecData(file)  # the index's size, read before zipfile loads the whole index
        if end and end[zipfile._ECD_SIZE] > MAX_ZIP_INDEX_BYTES:
            raise SubmissionError(f"{source}: its index is over {MAX_ZIP_INDEX_BYTES >> 20} MiB; zip the agent's "
                                  f"code and weights only")
        return zipfile.ZipFile(source)
    # A name that is not UTF-8 is a ValueError; a format version zipfile does not know, NotImplementedError.
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise SubmissionError(f"{source}: not a valid zip file ({exc}); zip the agent's folder again") from None


def _zip_members(archive: zipfile.ZipFile, source: Path) -> Iterator[_Member]:
    """The members of `archive`, each refused if encrypted, oddly compressed or a likely bomb."""
    claimed = sum(info.compress_size for info in archive.infolist())
    if claimed > _archive_bytes(archive):  # members sharing their data, or an index overstating it
        raise SubmissionError(f"{source}: its members claim more compressed bytes than the archive holds; refusing "
                              f"a likely zip bomb")
    for info in archive.infolist():
        member = _Member(info.filename, _zip_mode(info), info.file_size, partial(archive.open, info))
        if info.flag_bits & 0x1:
            raise SubmissionError(f"{source}: {member.shown} is encrypted; zip the folder without a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SubmissionError(f"{source}: {member.shown} uses compression method {info.compress_type}; "
                                  f"zip the folder with the standard deflate method")
        if info.file_size > (1 << 20) and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise SubmissionError(f"{source}: {member.shown} inflates {info.file_size // max(info.compress_size, 1)} "
                                  f"times; refusing a likely zip bomb")
        yield member


def _archive_bytes(archive: zipfile.ZipFile) -> int:
    position = archive.fp.tell()
    try:
        return archive.fp.seek(0, os.SEEK_END)
    finally:
        archive.fp.seek(position)


def _zip_mode(info: zipfile.ZipInfo) -> int:
    """The stat file type of a member: its Unix mode if recorded, else folder or file by its name."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind in (0, stat.S_IFREG, stat.S_IFDIR):
        return stat.S_IFDIR if info.filename.endswith("/") or kind == stat.S_IFDIR else stat.S_IFREG
    return kind


def _check_size(source: Path, name: str, size: int, total: int, max_bytes: int) -> None:
    if size > MAX_FILE_BYTES:
        raise SubmissionError(f"{source}: {name} is {size >> 20} MiB; files may be at most {MAX_FILE_BYTES >> 20} MiB")
    if total > max_bytes:
        raise SubmissionError(f"{source}: more than {max_bytes >> 20} MiB in all; submit code and weights only")


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
