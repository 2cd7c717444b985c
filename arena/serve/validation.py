"""Validating submissions off the web process: each runs `arena validate` in a process of its own.

A validator thread takes the next waiting submission from the store (participants take turns, each's
oldest first: `CompetitionStore.claim_for_validation`), runs exactly what
`arena validate FOLDER --env ENV` runs (the agent sandboxed, one game in each seat against
RandomAgent) as a child process with a time limit, and writes the outcome back: active (it
becomes an entrant of the results store and starts playing) or refused with the one-line reason
the command printed; either way with the tail of what the command and the agent printed. A
submission a killed server was validating is validated again when it starts.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import arena
from arena.consoles import tell
from arena.db import as_target
from arena.errors import HarnessError
from arena.tournament.blocks import one_line
from arena.serve.store import ACTIVE, PLAY_CHANGES, REFUSED, RETIRED, CompetitionStore, Submission
from arena.tournament.players import PR_SET_PDEATHSIG
from arena.tournament.store import ResultsStore

TAIL_LINES = 40
LINE_CHARS = 300
REASON_CHARS = 600
# A validation the machine failed (`HarnessError`: a full disk, say) is tried again after this long,
# doubling with each failure of the same submission up to MACHINE_RETRY_MAX_SECONDS; the submissions
# waiting behind it are validated meanwhile.
MACHINE_RETRY_SECONDS = 30.0
MACHINE_RETRY_MAX_SECONDS = 1800.0
SOURCE_PREFIX = "arena-serve:submission:"  # + the submission id: the source of the entrant it registered


class Validator:
    """Validates waiting submissions on `threads` threads until stopped."""

    def __init__(self, store: CompetitionStore, results_db: str | Path, env: str, options: dict[str, Any],
                 max_active: int, *, threads: int = 1, timeout: float = 600.0, sandbox: bool = True,
                 memory_mb: int | None = None, on_active: Callable[[], None] = lambda: None,
                 on_news: Callable[[str], None] = lambda text: None, accelerators: bool = False,
                 on_withdraw: Callable[[int], None] = lambda entrant_id: None):
        self.store = store
        self.memory_mb = memory_mb  # each validated agent's cap: the games' own, within the machine's budget
        self.accelerators = accelerators  # validated agents may open the machine's GPUs, as the games' may
        self.results_db = as_target(results_db)  # an SQLite file's path or a postgresql:// URL
        self.env = env
        self.options = options
        self.max_active = max_active
        self.threads = threads
        self.timeout = timeout
        self.sandbox = sandbox
        self.on_active = on_active
        self.on_news = on_news  # a line for the organiser's console on each submission validated
        self.on_withdraw = on_withdraw  # called with each entrant a newer submission retires, once out of play
        self.machine_retry_seconds = MACHINE_RETRY_SECONDS
        self._retry_lock = threading.Lock()  # for _retries and _unfinished, shared by the validator threads
        self._retries: dict[int, tuple[int, float]] = {}  # submission id -> (machine failures, when to try again)
        self._unfinished: set[int] = set()  # submissions claimed whose validation stopped mid-way, held claimed
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        self.store.release_claims()
        for number in range(self.threads):
            worker = threading.Thread(target=self._run, name=f"arena-validator-{number}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def wake(self) -> None:
        """Look for waiting submissions now (one was just uploaded)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                validated = self.validate_next()
            except Exception as exc:  # its database's server restarting, say: note it and try again
                tell(f"arena serve: a validation stopped: {one_line(exc)}; trying again")
                validated = False
            if not validated:
                self._wake.wait(2.0)
                self._wake.clear()

    def validate_next(self) -> bool:
        """Validate the next waiting submission (but those the machine failed lately); False if none
        was waiting."""
        self._release_unfinished()
        submission = self.store.claim_for_validation(skip=self._waiting_to_retry())
        if submission is None:
            return False
        try:
            self._validate(submission)
        except BaseException:
            # Its database's server went away mid-way, say: it waits to be validated again, not shown as
            # being validated until the server is started again.
            with self._retry_lock:
                self._unfinished.add(submission.id)
            raise
        return True

    def _release_unfinished(self) -> None:
        """Make the submissions whose validation stopped mid-way wait for validation again."""
        with self._retry_lock:
            unfinished = list(self._unfinished)
        for submission_id in unfinished:
            self.store.release_claim(submission_id)
            with self._retry_lock:
                self._unfinished.discard(submission_id)

    def _validate(self, submission: Submission) -> None:
        outcome = self.check(submission)
        if outcome is None:  # the machine failed the validation, not the submission: it waits for another
            self._retry_later(submission.id)
            self.store.release_claim(submission.id)
            return
        with self._retry_lock:
            self._retries.pop(submission.id, None)
        passed, reason, tail = outcome
        if not passed:
            self._refuse(submission, reason, tail)
            return
        with PLAY_CHANGES:  # no disqualification between the checks below and the activation
            results = ResultsStore(self.results_db)
            try:
                entrant, added = results.register(submission.name, submission.digest,
                                                  f"{SOURCE_PREFIX}{submission.id}", submission.folder)
                taken = None if added else self._taken_over(entrant.source, submission)
                if taken is not None:  # uploaded meanwhile by another, or disqualified: never played again
                    self._refuse(submission, taken, tail)
                    return
                results.set_active(entrant.id, True, archive=submission.folder)  # a retired one's files are gone
                if self.store.finish_validation(submission.id, ACTIVE, "", tail, entrant.id):
                    self.on_news(f"{self._described(submission)} passed its validation: it plays from now on")
                    self._retire_oldest(submission.participant_id, results)
                else:  # disqualified while it was being validated
                    results.set_active(entrant.id, False)
            finally:
                results.close()
        self.on_active()

    def _waiting_to_retry(self) -> list[int]:
        """The submissions whose validation the machine failed lately: not yet to be tried again."""
        now = time.monotonic()
        with self._retry_lock:
            return [submission_id for submission_id, (_, due) in self._retries.items() if due > now]

    def _retry_later(self, submission_id: int) -> None:
        with self._retry_lock:
            failures = self._retries.get(submission_id, (0, 0.0))[0] + 1
            wait = min(self.machine_retry_seconds * 2 ** (failures - 1), MACHINE_RETRY_MAX_SECONDS)
            self._retries[submission_id] = (failures, time.monotonic() + wait)

    def _refuse(self, submission: Submission, reason: str, tail: str) -> None:
        if not self.store.finish_validation(submission.id, REFUSED, reason, tail):
            return  # disqualified meanwhile: its files are kept for the organiser
        self.on_news(f"{self._described(submission)} refused: {reason}")
        remove_files(Path(submission.folder))  # never to play: its reason and log tail are kept
        self.store.forget_folder(submission.id)

    def _taken_over(self, source: str, submission: Submission) -> str | None:
        """Why `submission` may not play as the entrant registered from `source` (the same content,
        registered before), or None when that entrant is its participant's own and not disqualified."""
        first = self.store.submission(int(source.rsplit(":", 1)[1])) if source.startswith(SOURCE_PREFIX) else None
        if first is None or first.participant_id != submission.participant_id:
            return "this submission is identical to another participant's; change something before uploading it"
        disqualified = self.store.disqualified_with(submission.digest)  # that one, or a copy of it since
        if disqualified is not None:
            return f"this submission is identical to submission {disqualified.id}, which was disqualified"
        return None

    def check(self, submission: Submission) -> tuple[bool, str, str] | None:
        """(passed, one-line reason if not, tail of what was printed), from `arena validate`; None
        when the machine failed it (a full disk, say: `HarnessError`), which says nothing of the
        submission."""
        folder = Path(submission.folder)
        log_dir = validation_logs(folder)
        command = [sys.executable, "-c", VALIDATE_FOR_SERVER, str(os.getpid()), "validate", str(folder),
                   "--env", self.env, "--log-dir", str(log_dir)]
        command += [f"--option={key}={_option_text(value)}" for key, value in self.options.items()]
        if self.memory_mb is not None:
            command.append(f"--memory-mb={self.memory_mb}")
        if self.accelerators:
            command.append("--accelerators")
        if not self.sandbox:
            command.append("--no-sandbox")
        environment = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
        try:
            done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=self.timeout,
                                  env=environment, stdin=subprocess.DEVNULL)
            printed, code = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired as exc:
            printed = _text(exc.stdout) + _text(exc.stderr)
            code = None
        printed += "".join(_text_of(path) for path in sorted(log_dir.glob("*")) if path.is_file())
        tail = _scrubbed(printed, folder, log_dir, submission.name)
        tail = "\n".join(line[:LINE_CHARS] for line in tail.splitlines()[-TAIL_LINES:])
        if code == 0:
            return True, "", tail
        if code == HarnessError.EXIT_STATUS:
            return None
        if code is None:
            return False, f"validation took longer than {self.timeout:g} s", tail
        return False, _reason(_scrubbed(done.stderr, folder, log_dir, submission.name), code), tail

    def _described(self, submission: Submission) -> str:
        participant = self.store.participant(submission.participant_id)
        return f"submission {submission.id} ({submission.name}, by {participant.name if participant else '?'})"

    def _retire_oldest(self, participant_id: int, results: ResultsStore) -> None:
        active = [s for s in self.store.submissions(participant_id) if s.status == ACTIVE]
        for old in active[:max(0, len(active) - self.max_active)]:
            if old.entrant_id is not None:  # out of play first: a server killed before the next write leaves it out
                results.set_active(old.entrant_id, False)
                self.on_withdraw(old.entrant_id)
            reason = f"retired: a newer submission took its place (at most {self.max_active} play at once)"
            if self.store.retire(old.id, reason):  # not if disqualified meanwhile: that status stays
                self.on_news(f"{self._described(old)} {reason}")


def remove_retired_files(store: CompetitionStore, results: ResultsStore) -> None:
    """Delete the files of retired submissions, which play no more (an upload of the same files again
    plays from its own). To be called while no game is in play and none of an inactive entrant waits;
    a folder an active entrant plays from is kept all the same."""
    playing = {entrant.archive for entrant in results.entrants(active_only=True)}
    for submission in store.submissions(status=RETIRED):
        if submission.folder and submission.folder not in playing:
            remove_files(Path(submission.folder))
            store.forget_folder(submission.id)


def remove_files(folder: Path) -> None:
    """Delete a submission's unpacked files and the logs of its validation."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(validation_logs(folder), ignore_errors=True)


def validation_logs(folder: Path) -> Path:
    """Where the validation of the submission unpacked in `folder` writes its agents' output."""
    return folder.with_name(folder.name + "-logs")


# What the validating child runs: `arena validate` with the server's pid first (`validate_for_server`).
VALIDATE_FOR_SERVER = "from arena.serve.validation import validate_for_server; validate_for_server()"


def validate_for_server() -> None:
    """The validating child (argv: the server's pid, then `arena validate`'s arguments): be killed when the
    server's validator thread ends (the server stopped, even by SIGKILL; the next start validates the
    submission again), then validate. Asked for here, after exec: the server has dozens of threads, and
    Python run between fork and exec (a preexec_fn), or the fork handlers a plain fork runs (OpenBLAS's waits
    for a matrix product another thread computes, the GIL held), can hang the server for good."""
    from arena.cli import main

    server = int(sys.argv[1])
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != server:  # the server was gone before the request took effect
        os._exit(1)
    sys.argv = [sys.argv[0], *sys.argv[2:]]
    sys.exit(main())


def _reason(stderr: str, code: int) -> str:
    for line in stderr.splitlines():
        if line.startswith("error:"):
            line = re.sub(r"\s*\(its output and traceback: [^()]*\)$", "", line[len("error:"):].strip())
            return _shortened(line.removeprefix("submission: "))
    lines = [line for line in stderr.splitlines() if line.strip()]
    return _shortened(lines[-1] if lines else f"arena validate failed (exit status {code})")


def _shortened(reason: str) -> str:
    """`reason` in at most REASON_CHARS characters: its start, what failed, and its end, which says what
    to do (a long error message, a URL say, is cut in the middle)."""
    if len(reason) <= REASON_CHARS:
        return reason
    start = REASON_CHARS // 3
    return f"{reason[:start]} … {reason[-(REASON_CHARS - start - 3):]}"


# Where the server's software lives: tracebacks name its files, which participants need not see.
_INSTALL_ROOTS = sorted({str(Path(arena.__file__).resolve().parent.parent), sys.prefix, sys.base_prefix}, key=len,
                        reverse=True)


def _scrubbed(text: str, folder: Path, log_dir: Path, name: str) -> str:
    """`text` without the server's own paths: its folders, its software's, and its log files' names. The
    folder's own name, which `arena validate` takes for the agent's where its manifest names none, is the
    submission's `name` (its zip's)."""
    text = re.sub(r" \(its output and traceback: [^)]*\)", "", text)
    text = text.replace(str(log_dir), "logs").replace(str(folder), "submission").replace(folder.name, name)
    for root in _INSTALL_ROOTS:
        text = text.replace(root + "/", "")
    return text


def _option_text(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


def _text(data: Any) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _text_of(path: Path) -> str:
    try:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - 16384))
            return f"--- {path.name}\n" + file.read().decode("utf-8", "replace")
    except OSError:
        return ""
