"""A submission's manifest, `arena.toml` (every field optional):

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

A manifest is written by someone else, so every value is checked before it is used, and a refusal is
one ManifestError line naming the file, field and fix: fields are typed, bounded scalars (names
printable and short, `time_per_move` at most 60 s, options short strings or bounded numbers), and
the file is small and shallow enough to parse quickly.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from arena.content_digest import IGNORED_NAMES
from arena.errors import ManifestError, closest
from arena.submitted import MAX_PATH_BYTES, has_control, path_parts, path_problem, shown_value, text_problem
from arena.weights import MAX_URL_CHARS, cached_weights, url_problem


MANIFEST_FILE = "arena.toml"
DEFAULT_ENTRY = "agent.py:SubmittedAgent"
DEFAULT_ENTRY_CLASS = DEFAULT_ENTRY.partition(":")[2]

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
            raise ManifestError(f"{where}: unknown field {shown_value(unknown[0])}{hint}; "
                                f"the fields are {', '.join(sorted(_FIELDS))}")
        fields = _Fields(data, where)
        name = fields.typed("name", str, 'a string, e.g. name = "my_agent"')
        if name is not None and (problem := name_problem(name)):
            raise ManifestError(f"{where}: field 'name' {problem}")
        entry = fields.text("entry", MAX_TEXT_CHARS, 'a "file.py:ClassName" string') or DEFAULT_ENTRY
        file_part, colon, class_part = entry.partition(":")
        if not colon or not file_part.endswith(".py") or not class_part.isidentifier():
            raise ManifestError(f'{where}: field \'entry\' must look like "agent.py:SubmittedAgent", '
                                f"got {shown_value(entry)}")
        weights = fields.text("weights", MAX_PATH_BYTES, 'a path inside the submission, e.g. weights = "model.zip"')
        for key, value in (("entry", file_part), ("weights", weights)):
            if value is not None and (problem := path_problem(value)):
                raise ManifestError(f"{where}: field {key!r} must be a relative path inside the submission: "
                                    f"{shown_value(value)} {problem}")
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
            raise ManifestError(f"{self.where}: field {key!r} must be {hint}, got {shown_value(value)}")
        return value

    def text(self, key: str, max_chars: int, hint: str) -> str | None:
        value = self.typed(key, str, hint)
        if value is not None and (problem := text_problem(value, max_chars)):
            raise ManifestError(f"{self.where}: field {key!r} {problem}")
        return value

    def number(self, key: str, types: type | tuple[type, ...], hint: str, accept: Callable[[Any], bool],
               rule: str) -> Any:
        """The number at `key` if `accept` takes it (nan takes no comparison, so it never passes), else a refusal."""
        value = self.typed(key, types, hint)
        if value is not None and not accept(value):
            raise ManifestError(f"{self.where}: field {key!r} must be {rule}, got {shown_value(value)}")
        return value

    def envs(self) -> tuple[str, ...]:
        env = self.typed("env", (str, list), 'an env name or a list of them, e.g. env = "othello"')
        envs = (env,) if isinstance(env, str) else tuple(env or ())
        if len(envs) > MAX_ENVS or not all(isinstance(e, str) and not text_problem(e, MAX_NAME_CHARS) for e in envs):
            raise ManifestError(f"{self.where}: field 'env' must list at most {MAX_ENVS} env names, each a short "
                                f'string such as "othello", got {shown_value(env)}')
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
                raise ManifestError(f"{self.where}: [options]: {shown_value(key)} is a field of the manifest, not an option "
                                    f"of the game (in TOML every key after [options] is one of its options): move "
                                    f"{key} = ... above [options]")
            if problem := _option_problem(key, value):
                raise ManifestError(f"{self.where}: option {shown_value(key)} {problem}")
        return options


def manifest_shown(source: Path) -> str:
    """The manifest of the submission at `source`: the folder's file, or the zip and the file's name."""
    return str(source / MANIFEST_FILE) if source.is_dir() else f"{source}: {MANIFEST_FILE}"


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
    return str(linked_weights(manifest, str(manifest_path)))


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


def linked_weights(manifest: Manifest, where: str) -> Path:
    """The cached copy of the weights at the manifest's `weights_url`, downloaded first if missing."""
    return cached_weights(manifest.weights_url, manifest.weights_sha256, path_parts(manifest.weights)[-1], where)


def _check_download(where: str, weights: str | None, url: str | None, sha256: str | None) -> None:
    if url is None:
        if sha256 is not None:
            raise ManifestError(f"{where}: field 'weights_sha256' checks a download; add weights_url or drop it")
        return
    if weights is None:
        raise ManifestError(f'{where}: weights_url needs weights, the file name the agent loads, e.g. weights = "model.zip"')
    if sha256 is None or len(sha256) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha256):
        given = "it is missing" if sha256 is None else f"got {shown_value(sha256)}"
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
    if len(straight) > 60 or has_control(straight):  # shown only where it is short and printable
        return fix
    return f"{fix}, e.g. {straight}"


def name_problem(name: str) -> str | None:
    """Why `name` cannot name an entrant (in results, files and terminals), or None."""
    if problem := text_problem(name, MAX_NAME_CHARS):
        return problem
    if not name.strip():
        return "is empty; give a name such as my_agent"
    if "/" in name or "\\" in name:
        return f"contains a path separator ({shown_value(name)}); use letters, digits, '-' or '_'"
    if name.startswith("."):
        return f"starts with '.' ({shown_value(name)}); start it with a letter or digit"
    return None


def _option_problem(key: str, value: Any) -> str | None:
    """Why [options] may not hold `key = value`: options are short scalars the env takes as arguments."""
    if not key.isidentifier() or len(key) > MAX_NAME_CHARS:
        return "is not an option name; options are env arguments such as size"
    if key == "render_mode":
        return "is for whoever watches the game to choose; drop it"
    if isinstance(value, (int, float)) and not abs(value) <= MAX_OPTION_NUMBER:  # nan fails the comparison too
        return f"must be a number between -{MAX_OPTION_NUMBER:g} and {MAX_OPTION_NUMBER:g}, got {shown_value(value)}"
    if isinstance(value, str):
        return text_problem(value, MAX_NAME_CHARS)
    if not isinstance(value, (int, float)):
        return f"must be a string, number or true/false, got {shown_value(value)}"
    return None


def _weights_path_problem(weights: str) -> str | None:
    """Why the weights cannot be where `weights` says (a linked download would not travel with the
    submission's copies there), or None."""
    if "\\" in weights:
        return f"separates folders with '/', not '\\': got {shown_value(weights)}"
    if any(part in IGNORED_NAMES for part in path_parts(weights)):
        return (f"names a place submissions leave out ({', '.join(sorted(IGNORED_NAMES))}): got {shown_value(weights)}; "
                f"put the file elsewhere")
    return None


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
