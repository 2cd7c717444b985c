"""Unpacking a submission, a folder or a zip of one, into a private folder, safely.

A folder or zip may hold only regular files and folders (no links, FIFOs, sockets or devices), at
most 10,000 entries and 2 GiB, paths that stay inside, are short and appear once; all of this is
checked before the first byte is written, and folder entries are typed without opening them. A
refusal is one SubmissionError line naming the member and the fix.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable, Iterator

from arena.content_digest import IGNORED_NAMES
from arena.errors import MACHINE_ERRNOS, HarnessError, SubmissionError, missing_path_hint
from arena.manifest import MANIFEST_FILE
from arena.submitted import has_control, path_parts, path_problem, shown_value


# A submission is code plus weights; anything larger is refused before it is written to disk.
MAX_FILES = 10_000  # files and folders together
MAX_TOTAL_BYTES = 2 << 30
MAX_FILE_BYTES = 1 << 30
# A member that inflates more than this many times (and past 1 MiB) is treated as a zip bomb.
MAX_COMPRESSION_RATIO = 200
# zipfile reads a zip's whole index into memory before anything else can be checked.
MAX_ZIP_INDEX_BYTES = 8 << 20
_COPY_CHUNK = 1 << 20


def source_is_folder(source: Path) -> bool:
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


def unpack(source: Path, is_folder: bool, target: Path, max_bytes: int) -> None:
    """Write the submission at `source` (a folder if `is_folder`, else a zip) under `target`, refusing it
    past `max_bytes` in all, or for any member the checks refuse, before anything is written."""
    if is_folder:
        _write(_folder_members(source), source, target, max_bytes)
    else:
        with _open_zip(source) as archive:
            _write(_zip_members(archive, source), source, target, max_bytes)


@dataclass(frozen=True)
class _Member:
    """One entry of a folder or zip, described alike so one set of checks covers both."""

    name: str  # as the submission spells it
    mode: int  # file type bits as stat reports them
    size: int
    open: Callable[[], BinaryIO]  # its bytes

    @property
    def parts(self) -> tuple[str, ...]:
        return path_parts(self.name)

    @property
    def is_folder(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def shown(self) -> str:
        """The name for a message: as written when printable and short, else escaped and cut."""
        return self.name if 0 < len(self.name) <= 60 and not has_control(self.name) else shown_value(self.name)


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
        if problem := path_problem(member.name) or _kind_problem(member.mode):
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
                        opener = partial(_open_file, source, name, shown_value(str(name)))
                        yield _Member(str(name), info.st_mode, info.st_size, opener)
                        if stat.S_ISDIR(info.st_mode):
                            pending.append(name)
            finally:
                os.close(fd)
        except OSError as exc:
            raise SubmissionError(f"{source}: cannot read {shown_value(str(relative))} ({exc.strerror}); make it "
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
