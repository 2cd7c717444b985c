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

`load(path)` unpacks and checks all of that without running the submission's code;
`instantiate(spec)` imports `agent.py` in isolation and builds the agent. Weights named by
`weights_url` and missing from the submission are downloaded by `load` (gdown, into a cache that
later loads read offline; see `arena.weights`): `arena validate`, a tournament's registration and
`arena match` all load before any agent starts, so no download ever runs in a match's time budget
or inside the sandbox, which has no network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import os
import shutil
import stat
import sys
import tempfile
import weakref
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from arena.errors import ManifestError, SubmissionError
from arena.faults import describe_exception
from arena.weights import cached_weights

MANIFEST_FILE = "arena.toml"
DEFAULT_ENTRY = "agent.py:SubmittedAgent"

# A submission is code plus weights; anything larger is refused before it is written to disk.
MAX_FILES = 10_000
MAX_TOTAL_BYTES = 2 << 30
MAX_FILE_BYTES = 1 << 30
# A member that inflates more than this many times (and past 1 MiB) is treated as a zip bomb.
MAX_COMPRESSION_RATIO = 200
_COPY_CHUNK = 1 << 20
# Never part of a submission's identity: caches and version control.
_IGNORED_NAMES = {"__pycache__", ".git", ".ipynb_checkpoints", "__MACOSX", ".DS_Store"}


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

    @classmethod
    def read(cls, path: Path, where: str | None = None) -> Manifest:
        """Parse and check a manifest file; ManifestError naming the file (as `where`), field and fix."""
        where = where or str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{where}: not valid TOML ({exc})") from None
        return cls.from_dict(data, where=where)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = MANIFEST_FILE) -> Manifest:
        known = {"name", "env", "entry", "weights", "time_per_move", "memory_mb", "weights_url", "weights_sha256",
                 "options"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ManifestError(f"{where}: unknown field {unknown[0]!r}; the fields are {', '.join(sorted(known))}")

        def field_of(key: str, types: type | tuple[type, ...], hint: str) -> Any:
            value = data.get(key)
            if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
                raise ManifestError(f"{where}: field {key!r} must be {hint}, got {value!r}")
            return value

        name = field_of("name", str, 'a string, e.g. name = "my_agent"')
        env = field_of("env", (str, list), 'an env name or a list of them, e.g. env = "othello"')
        envs = (env,) if isinstance(env, str) else tuple(env or ())
        if not all(isinstance(e, str) for e in envs):
            raise ManifestError(f"{where}: field 'env' must list env names as strings, got {env!r}")
        entry = field_of("entry", str, 'a "file.py:ClassName" string') or DEFAULT_ENTRY
        file_part, colon, class_part = entry.partition(":")
        if not colon or not file_part.endswith(".py") or not class_part.isidentifier():
            raise ManifestError(f'{where}: field \'entry\' must look like "agent.py:SubmittedAgent", got {entry!r}')
        weights = field_of("weights", str, 'a path inside the submission, e.g. weights = "model.zip"')
        time_per_move = field_of("time_per_move", (int, float), "a number of seconds, e.g. time_per_move = 0.5")
        if time_per_move is not None and time_per_move <= 0:
            raise ManifestError(f"{where}: field 'time_per_move' must be positive, got {time_per_move!r}")
        memory_mb = field_of("memory_mb", int, "a whole number of MiB, e.g. memory_mb = 8192")
        if memory_mb is not None and memory_mb < 64:
            raise ManifestError(f"{where}: field 'memory_mb' must be at least 64, got {memory_mb!r}")
        for key, value in (("entry", file_part), ("weights", weights)):
            if value is not None and not _is_inside(value):
                raise ManifestError(f"{where}: field {key!r} must be a relative path inside the submission, got {value!r}")
        weights_url = field_of("weights_url", str, 'a download link, e.g. weights_url = "https://..."')
        weights_sha256 = field_of("weights_sha256", str, "the file's sha256 as sha256sum prints it")
        _check_download(where, weights, weights_url, weights_sha256)
        options = field_of("options", dict, "a table of env options, e.g. [options] then size = 9") or {}
        for key, value in options.items():
            if not isinstance(value, (str, int, float, bool)):
                raise ManifestError(f"{where}: option {key!r} must be a string, number or true/false, got {value!r}")
        time_per_move = None if time_per_move is None else float(time_per_move)
        return cls(name, envs, entry, weights, time_per_move, memory_mb, weights_url,
                   weights_sha256 and weights_sha256.lower(), options)


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


def load(path: str | os.PathLike, workdir: str | os.PathLike | None = None) -> AgentSpec:
    """Unpack the submission at `path` (folder or zip) into a private copy and check it.

    The copy lives in `workdir`, or in a temporary folder removed when the spec is dropped. Weights
    the manifest links to (`weights_url`) are copied in from the cache, downloaded first if missing.
    Raises SubmissionError (ManifestError, WeightsError) with one line saying what is wrong and how to fix it.
    """
    source = Path(path)
    if not source.exists():
        raise SubmissionError(f"{source}: no such file or folder")
    owned = workdir is None
    target = Path(tempfile.mkdtemp(prefix="arena-submission-") if owned else tempfile.mkdtemp(dir=workdir))
    try:
        if source.is_dir():
            _copy_folder(source, target)
        elif zipfile.is_zipfile(source):
            _extract_zip(source, target)
        else:
            raise SubmissionError(f"{source}: not a folder or a zip file; give the agent's folder or a zip of it")
        root = _find_root(target, source)
        manifest_path = root / MANIFEST_FILE
        shown = source / MANIFEST_FILE if source.is_dir() else f"{source}: {MANIFEST_FILE}"
        manifest = Manifest.read(manifest_path, str(shown)) if manifest_path.exists() else Manifest()
        _check_files(root, manifest, source)
        digest = _digest(root)  # before the weights are placed: downloading them never makes a new entrant
        _place_weights(root, manifest, str(source))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    name = manifest.name or (source.stem if source.is_file() else source.resolve().name)
    return AgentSpec(name, source, root, manifest, digest, target if owned else None)


def manifest_weights(folder: Path) -> str | None:
    """The weights the `arena.toml` in `folder` names: the file there, else its cached download.

    Downloads into the cache when missing (see `arena.weights`); None when there is no manifest or
    it names no weights. This is what `Agent._gdown` returns by default.
    """
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        return None
    manifest = Manifest.read(manifest_path)
    if manifest.weights is None:
        return None
    local = folder / manifest.weights
    if local.is_file() or manifest.weights_url is None:
        return str(local)
    return str(_linked_weights(manifest, str(manifest_path)))


def _place_weights(root: Path, manifest: Manifest, where: str) -> None:
    """Copy the linked weights a submission lacks (from the cache, downloading first) into its folder at `root`."""
    if manifest.weights is None or manifest.weights_url is None or (root / manifest.weights).is_file():
        return
    path = root / manifest.weights
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_linked_weights(manifest, where), path)


def _linked_weights(manifest: Manifest, where: str) -> Path:
    """The cached copy of the weights at the manifest's `weights_url`, downloaded first if missing."""
    return cached_weights(manifest.weights_url, manifest.weights_sha256, PurePosixPath(manifest.weights).name, where)


def instantiate(spec: AgentSpec):
    """Import the spec's entry class in isolation and build the agent with its weights path.

    Exceptions from the submission's own code propagate unchanged; a missing or wrong
    class raises SubmissionError.
    """
    cls = import_entry_class(spec)
    weights = spec.weights_path
    return cls(str(weights)) if weights is not None else cls()


_module_counter = itertools.count()


def import_entry_class(spec: AgentSpec) -> type:
    """The agent class of `spec`, imported so its modules never clash with another submission's."""
    from arena.agents import Agent

    module = _import_isolated(spec.entry_path, spec.root, f"arena_submission_{next(_module_counter)}_{spec.digest[:8]}")
    cls = getattr(module, spec.manifest.entry_class, None)
    where = spec.manifest.entry_file
    if cls is None:
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type) and v.__module__ == module.__name__)
        hint = f" (classes defined there: {', '.join(found)})" if found else ""
        raise SubmissionError(
            f"{spec.source}: {where} defines no class {spec.manifest.entry_class}{hint}; name your agent class "
            f'{spec.manifest.entry_class} or set entry = "{where}:YourClass" in {MANIFEST_FILE}'
        )
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise SubmissionError(
            f"{spec.source}: {where}: {spec.manifest.entry_class} must be a class deriving from arena.agents.Agent "
            f"(from arena.agents import Agent)"
        )
    return cls


def _import_isolated(file: Path, root: Path, module_name: str):
    """Run `file` as module `module_name`, with `root` importable while it loads.

    Modules the submission imports from its own folder are re-filed under `module_name.` so two
    submissions with a `utils.py` each do not share one.
    """
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    finally:
        sys.path.remove(str(root))
        root_text = str(root.resolve())
        for name in set(sys.modules) - before - {module_name}:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin and str(Path(origin).resolve()).startswith(root_text):
                sys.modules[f"{module_name}.{name}"] = sys.modules.pop(name)
    return module


def describe_load_error(exc: BaseException, spec: AgentSpec) -> str:
    """One line for an exception raised while importing or building the agent of `spec`."""
    if isinstance(exc, SubmissionError):
        return str(exc)
    return f"{spec.source}: {describe_exception(exc, spec.root)}"


def _check_download(where: str, weights: str | None, url: str | None, sha256: str | None) -> None:
    if url is None:
        if sha256 is not None:
            raise ManifestError(f"{where}: field 'weights_sha256' checks a download; add weights_url or drop it")
        return
    if not url.startswith(("https://", "http://")):
        raise ManifestError(f"{where}: field 'weights_url' must be an http(s) link, got {url!r}")
    if weights is None:
        raise ManifestError(f'{where}: weights_url needs weights, the file name the agent loads, e.g. weights = "model.zip"')
    if sha256 is None or len(sha256) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha256):
        raise ManifestError(f"{where}: weights_url needs weights_sha256, the 64 hex digits sha256sum prints for the "
                            f"file, got {sha256!r}")


def _is_inside(relative: str) -> bool:
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    return bool(parts) and not PurePosixPath(relative).is_absolute() and ".." not in parts and ":" not in parts[0]


def _copy_folder(source: Path, target: Path) -> None:
    total = files = 0
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_NAMES)
        here = Path(dirpath)
        for name in dirnames + sorted(f for f in filenames if f not in _IGNORED_NAMES):
            item = here / name
            relative = item.relative_to(source)
            if item.is_symlink():
                raise SubmissionError(
                    f"{source}: {relative} is a symbolic link; links are not allowed, copy the file itself in"
                )
            if item.is_dir():
                (target / relative).mkdir(parents=True, exist_ok=True)
                continue
            files += 1
            total += item.stat().st_size
            _check_size(source, relative, item.stat().st_size, files, total)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(item, target / relative)


def _extract_zip(source: Path, target: Path) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{source}: not a valid zip file ({exc}); zip the agent's folder again") from None
    with archive:
        members = archive.infolist()
        total = files = 0
        for info in members:
            name = info.filename
            if not _is_inside(name.rstrip("/")):
                raise SubmissionError(f"{source}: member {name!r} points outside the submission; zip relative paths only")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionError(f"{source}: member {name!r} is a symbolic link; links are not allowed")
            if info.is_dir():
                continue
            files += 1
            total += info.file_size
            _check_size(source, name, info.file_size, files, total)
            if info.file_size > (1 << 20) and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise SubmissionError(
                    f"{source}: member {name!r} inflates {info.file_size // max(info.compress_size, 1)} times; "
                    f"refusing a likely zip bomb"
                )
        for info in members:
            if PurePosixPath(info.filename).parts[0] in _IGNORED_NAMES:
                continue
            destination = target.joinpath(*PurePosixPath(info.filename).parts)
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            _extract_member(archive, info, destination, source)


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path, source: Path) -> None:
    """Copy one member, trusting the bytes actually inflated rather than the size the header claims."""
    written = 0
    try:
        with archive.open(info) as data, open(destination, "wb") as out:
            while chunk := data.read(_COPY_CHUNK):
                written += len(chunk)
                if written > info.file_size or written > MAX_FILE_BYTES:
                    raise SubmissionError(f"{source}: member {info.filename!r} inflates past its declared size")
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise SubmissionError(f"{source}: member {info.filename!r} is damaged ({exc}); zip the folder again") from None


def _check_size(source: Path, name: Any, size: int, files: int, total: int) -> None:
    if size > MAX_FILE_BYTES:
        raise SubmissionError(f"{source}: {name} is {size >> 20} MiB; files may be at most {MAX_FILE_BYTES >> 20} MiB")
    if files > MAX_FILES:
        raise SubmissionError(f"{source}: more than {MAX_FILES} files; submit the agent's code and weights only")
    if total > MAX_TOTAL_BYTES:
        raise SubmissionError(f"{source}: more than {MAX_TOTAL_BYTES >> 20} MiB in all; submit code and weights only")


def _find_root(unpacked: Path, source: Path) -> Path:
    """The folder holding agent.py (or the manifest): the top, or a single folder at the top."""

    def is_root(folder: Path) -> bool:
        return (folder / MANIFEST_FILE).is_file() or (folder / "agent.py").is_file()

    if is_root(unpacked):
        return unpacked
    entries = [p for p in unpacked.iterdir() if p.name not in _IGNORED_NAMES]
    if len(entries) == 1 and entries[0].is_dir() and is_root(entries[0]):
        return entries[0]
    found = ", ".join(sorted(p.name for p in entries)[:8]) or "nothing"
    raise SubmissionError(f"{source}: no agent.py at its top level (found: {found}); put agent.py at the top of the folder")


def _check_files(root: Path, manifest: Manifest, source: Path) -> None:
    if not (root / manifest.entry_file).is_file():
        raise SubmissionError(
            f"{source}: {manifest.entry_file} is missing; it must define class {manifest.entry_class}"
        )
    if manifest.weights is not None and not (root / manifest.weights).is_file() and manifest.weights_url is None:
        raise SubmissionError(
            f"{source}: weights file {manifest.weights!r} named in {MANIFEST_FILE} is missing; add it or drop the field"
        )


def _digest(root: Path) -> str:
    """sha256 over every file's relative path and bytes, in a fixed order."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not _ignored(p, root)):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        with open(path, "rb") as f:
            while chunk := f.read(_COPY_CHUNK):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def _ignored(path: Path, root: Path) -> bool:
    return any(part in _IGNORED_NAMES for part in path.relative_to(root).parts)
