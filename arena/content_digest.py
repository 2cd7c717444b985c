"""A submission's content hash: what names one version of it in tournaments and on a server.

It covers every file in the submission's folder, by its path and its bytes, but what machines
leave beside the code (`IGNORED_NAMES`: caches, version control). Each file is hashed on its own,
and the folder's hash is taken over the list of its files, each as its path's length, its path and
its hash: two different sets of files never make the same list, whatever bytes they hold.

Stores written by earlier versions hold digests of a first scheme, which ran every path and every
file's bytes together between NULs. There one file holding NULs and names could pass for several
files, so a submission made to match another's would take its place: registered first, it had the
other's files skipped as already registered. `upgrade_stored_digests` gives each stored digest
this scheme's value once, re-hashing the copy a store keeps of the submission, and only where that
copy still hashes to the stored first-scheme digest.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

# Never part of a submission's identity: caches and version control.
IGNORED_NAMES = frozenset({"__pycache__", ".git", ".ipynb_checkpoints", "__MACOSX", ".DS_Store"})
_CHUNK = 1 << 20


def content_digest(root: Path) -> str:
    """The sha256 over the list of the files under `root`: for each, in a fixed order, its path's
    length (8 bytes), its path relative to `root` and the sha256 of its bytes."""
    listed = []
    for path in _counted_files(root):
        file_hash = hashlib.sha256()
        _read_into(path, (file_hash,))
        listed.append((_name(path, root), file_hash.digest()))
    return _framed(listed)


def upgraded_digest(folder: Path, stored: str) -> str | None:
    """`content_digest` of the submission kept in `folder`, whose first-scheme digest was `stored`;
    None where the folder no longer holds the files that digest was taken over (gone, changed).

    The kept copy may hold the weights its manifest downloads (`weights_url`), which the digest was
    taken before: without them is tried too."""
    if not folder.is_dir():
        return None
    weights = _downloaded_weights(folder)
    whole, without_weights = hashlib.sha256(), hashlib.sha256()  # the first scheme's, with and without them
    listed = []
    for path in _counted_files(folder):
        name = _name(path, folder)
        first_scheme = (whole,) if path == weights else (whole, without_weights)
        for stream in first_scheme:
            stream.update(name + b"\0")
        file_hash = hashlib.sha256()
        _read_into(path, (file_hash, *first_scheme))
        for stream in first_scheme:
            stream.update(b"\0")
        listed.append((name, file_hash.digest(), path == weights))
    if whole.hexdigest() == stored:
        return _framed([(name, digest) for name, digest, _ in listed])
    if weights is not None and without_weights.hexdigest() == stored:
        return _framed([(name, digest) for name, digest, is_weights in listed if not is_weights])
    return None


def upgrade_stored_digests(db: Any, table: str, folder_column: str) -> None:
    """Give every row of `table` (an `arena.db` database's, with columns id and digest) whose
    submission is still kept where `folder_column` says its `content_digest`; once for each table:
    a store created with this scheme is only marked. Where the files are not kept as they were
    hashed, the first-scheme digest stays: that version registered again is a new one."""
    # Imported here: the stores' module, which a sandbox (it hashes nothing) need not load.
    from arena.db import read_only

    try:
        db.script("CREATE TABLE IF NOT EXISTS upgrades (name TEXT PRIMARY KEY, done_at REAL NOT NULL)")
    except db.DatabaseError as exc:
        if read_only(exc):  # a store this process may only read: it registers nothing, and leaves it as it is
            return
        raise
    mark = f"{table}: framed digests"
    if _done(db, mark):
        return
    rows = db.execute(f"SELECT id, digest, {folder_column} FROM {table}").fetchall()
    new = {}
    for row_id, stored, folder in rows:  # hashed outside the transaction: other writers wait for none of it
        try:
            digest = upgraded_digest(Path(folder), stored) if folder else None
        except OSError:
            digest = None
        if digest is not None:
            new[row_id] = (stored, digest)
    with db.transaction():
        if _done(db, mark):  # another process upgraded it meanwhile
            return
        taken = {row[0] for row in db.execute(f"SELECT digest FROM {table}")}
        for row_id, (stored, digest) in new.items():
            if digest not in taken:  # digests are unique: a row whose files another row holds keeps its own
                db.execute(f"UPDATE {table} SET digest = ? WHERE id = ? AND digest = ?", (digest, row_id, stored))
                taken.add(digest)
        db.execute("INSERT INTO upgrades (name, done_at) VALUES (?, ?)", (mark, time.time()))


def _done(db: Any, mark: str) -> bool:
    return db.execute("SELECT 1 FROM upgrades WHERE name = ?", (mark,)).fetchone() is not None


def _counted_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not any(part in IGNORED_NAMES for part in p.relative_to(root).parts))


def _name(path: Path, root: Path) -> bytes:
    return path.relative_to(root).as_posix().encode()


def _read_into(path: Path, hashes: tuple[Any, ...]) -> None:
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            for h in hashes:
                h.update(chunk)


def _framed(listed: Iterable[tuple[bytes, bytes]]) -> str:
    h = hashlib.sha256()
    for name, file_digest in listed:
        h.update(len(name).to_bytes(8, "big") + name + file_digest)
    return h.hexdigest()


def _downloaded_weights(folder: Path) -> Path | None:
    """The weights file the manifest in `folder` downloads (`weights_url`), if any."""
    # Imported here: that module hashes with this one.
    from arena.manifest import MANIFEST_FILE, Manifest

    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        return None
    try:
        manifest = Manifest.read(manifest_path, str(manifest_path))
    except ArenaError:
        return None
    return folder / manifest.weights if manifest.weights is not None and manifest.weights_url is not None else None
