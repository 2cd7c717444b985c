"""Taking an upload in: the checks that answer at once, before any of the submission's code runs.

The bytes must be a zip of a submission folder; `arena.submission.load` unpacks it with its
checks (no links, nothing outside the folder, no bomb, agent.py present, a readable manifest)
into a private copy, which the server keeps. Whatever is wrong comes back as `UploadRefused`
with one line for the participant, and leaves nothing behind. What needs the code to run
(importing it, playing) is the validator's job, off the web process.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import secrets
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from arena.entrants import options_conflict
from arena.errors import ArenaError, HarnessError
from arena.names import lookalikes
from arena.serve.store import CompetitionStore, Participant, Submission
from arena.unpack import MAX_TOTAL_BYTES
from arena.weights import DownloadPostponed

DAY = 24 * 3600.0
HOUR = 3600.0
WORK_PREFIX = "upload-"  # the folder an upload is unpacked into while it is checked, then moved out of
UPLOAD_FOLDER = re.compile(r"[0-9a-f]{16}-[0-9a-f]{8}")  # where a checked upload is kept: its digest's start, a nonce


class UploadRefused(ArenaError):
    """An upload that is not taken in; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 20 << 20  # the zip as uploaded
    per_day: int = 5  # uploads a participant may make in 24 hours
    max_active: int = 2  # submissions of a participant that play at once (the oldest retire)
    # The submission unpacked: refused past this before it is written. Its files count toward the
    # memory its agent may hold (its sandbox keeps them in memory), so no more than that can start.
    max_unpacked_bytes: int = MAX_TOTAL_BYTES


class UploadGate:
    """What one server takes from a participant at a time: one upload being checked, and no more
    after `refused_an_hour` refusals in an hour. Refused uploads are not stored, so the daily limit
    does not count them, and one that is refused only once unpacked (a zip inflating to gigabytes)
    costs the server as much as a stored one."""

    def __init__(self, refused_an_hour: int = 20):
        self.refused_an_hour = refused_an_hour
        self._lock = threading.Lock()
        self._checking: set[int] = set()
        self._refused: dict[int, list[float]] = {}

    @contextlib.contextmanager
    def entered(self, participant_id: int) -> Iterator[None]:
        """Let an upload of `participant_id` in, or UploadRefused (429); its refusal is counted."""
        with self._lock:
            recent = [t for t in self._refused.get(participant_id, []) if t > time.time() - HOUR]
            self._refused[participant_id] = recent
            if participant_id in self._checking:
                raise UploadRefused("your previous upload is still being checked; wait for its answer", 429)
            if len(recent) >= self.refused_an_hour:
                raise UploadRefused(f"{len(recent)} of your uploads were refused in the last hour; fix what they "
                                    f"were refused for, and try again {_in(recent[0] + HOUR)}", 429)
            self._checking.add(participant_id)
        try:
            yield
        except UploadRefused as refused:
            if refused.status not in (429, 503):  # the upload's doing, not the server's
                with self._lock:
                    self._refused[participant_id].append(time.time())
            raise
        finally:
            with self._lock:
                self._checking.discard(participant_id)


def _in(when: float) -> str:
    """When `when` (a time.time()) comes, in words: "in 5 minutes"."""
    minutes = max(1, math.ceil((when - time.time()) / 60))
    return f"in {minutes} minute{'s' if minutes > 1 else ''}" if minutes < 120 else f"in {math.ceil(minutes / 60)} hours"


def take_upload(store: CompetitionStore, participant: Participant, data: bytes, env: str,
                uploads_dir: Path, limits: UploadLimits, filename: str = "",
                options: dict[str, Any] | None = None) -> Submission:
    """Check and unpack an uploaded zip for the competition of `env` with `options`; the new
    submission, waiting for validation. Its name is the manifest's, else the uploaded file's
    (`filename`) without .zip."""
    from arena.submission import load

    if len(data) > limits.max_bytes:
        raise UploadRefused(too_large(len(data), limits.max_bytes), 413)
    uploads = store.uploads_since(participant.id, time.time() - DAY)
    if len(uploads) >= limits.per_day:
        raise UploadRefused(f"you have made {limits.per_day} uploads in the last 24 hours, the most allowed; "
                            f"try again {_in(uploads[-limits.per_day] + DAY)}", 429)
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRefused("the upload is not a zip file; upload a zip of your agent's folder "
                            "(arena submit FOLDER makes one for you)")
    try:
        uploads_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=uploads_dir))
    except OSError as exc:
        raise _server_short(exc) from exc
    try:
        shown = work / f"{_stem(filename)}.zip"
        shown.write_bytes(data)
        try:
            spec = load(shown, workdir=work, max_bytes=limits.max_unpacked_bytes, cache_weights=False)
        except HarnessError as exc:
            raise _server_short(exc.__cause__ or exc) from exc
        except ArenaError as exc:  # the upload's fault, unless its weights could not be downloaded just now
            raise UploadRefused(str(exc).replace(str(shown), shown.name).replace(str(work), "upload"),
                                503 if isinstance(exc, DownloadPostponed) else 400) from None
        if not spec.manifest.plays(env):
            raise UploadRefused(f"the submission plays {', '.join(spec.manifest.env)}, not {env}; "
                                f"set env = \"{env}\" in its arena.toml")
        _check_options(spec.manifest.options, env, options or {})
        _check_name(spec.name, [p.name for p in store.participants() if p.id != participant.id])
        same = store.same_content(spec.digest, participant.id)
        if same is not None:
            whose = "yours" if same.participant_id == participant.id else "another participant's"
            raise UploadRefused(f"this submission is identical to submission {same.id} ({whose}), which is "
                                f"{same.status}; change something before uploading it again", 409)
        folder = uploads_dir / f"{spec.digest[:16]}-{secrets.token_hex(4)}"
        shutil.move(str(spec.root), folder)
    except OSError as exc:  # the server's disk, not the upload: nothing of it is kept
        raise _server_short(exc) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    try:
        return store.add_submission(participant.id, spec.name, spec.digest, str(folder))
    except BaseException:  # no submission names the folder: nothing else would delete it
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _server_short(exc: BaseException) -> UploadRefused:
    """The server could not store an upload (its disk full, say): the participant is told to try
    later, and nothing of the server's paths."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a failure of the server"
    return UploadRefused(f"the server could not store the upload now ({reason}); try again later, and tell "
                         "the organiser if it goes on", 503)


def too_large(size: int, limit: int) -> str:
    return f"the upload is larger than {limit / (1 << 20):g} MiB, the most allowed; submit code and weights only"



def _stem(filename: str) -> str:
    """A file name's stem reduced to letters, digits, '-', '_' and '.', for the default name."""
    stem = Path(filename.replace("\\", "/")).name.removesuffix(".zip")
    stem = re.sub(r"[^\w.-]", "_", stem).lstrip(".")[:40]
    return stem or "submission"


def _check_name(name: str, others: list[str]) -> None:
    """Refuse a submission `name` that passes for another participant (`others`: their names) where
    games list submissions by name alone, or that mixes the letters of several scripts."""
    twins = lookalikes([*others, name]).get(name)
    if name in others or twins:
        raise UploadRefused(f"the submission's name {name!r} passes for participant {(twins or [name])[0]!r}; "
                            f"give it another with name = \"...\" in its arena.toml")
    if twins == []:
        raise UploadRefused(f"the submission's name {name!r} mixes the letters of several scripts; write it in "
                            f"one (name = \"...\" in its arena.toml)")


def _check_options(asked: dict[str, Any], env: str, options: dict[str, Any]) -> None:
    """UploadRefused if the manifest's [options] ask for a game other than the competition's."""
    conflict = options_conflict(asked, env, options, "this competition")
    if conflict is not None:
        raise UploadRefused(conflict)
