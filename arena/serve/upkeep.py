"""Keeping a competition's state and files in order: at start, after a server stopped at any moment
(even by SIGKILL), and between batches of games.

A change that takes two writes (a submission's status in the competition store, its entrant's
`active` in the results store) takes the entrant out of play first, so a server killed between them
leaves it out; `recover` then takes out every entrant no active submission plays as. Folders an
upload was being unpacked into (with any weights it was downloading), or was moved into before its
submission was written, are removed.

Between batches, when no game is in play, the files of retired submissions are deleted, and the
agents' logs (a file each time an agent's sandbox is opened) are kept to a total size, the newest.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from arena.consoles import counted
from arena.serve.store import ACTIVE, VALIDATING, CompetitionStore
from arena.serve.uploads import UPLOAD_FOLDER, WORK_PREFIX
from arena.serve.validation import remove_retired_files
from arena.tournament.store import ResultsStore


def recover(store: CompetitionStore, results: ResultsStore, uploads_dir: Path) -> str | None:
    """Finish what a server stopped at any moment left half done; before validation and play start. What
    the last run left, in a line for the organiser, or None where it left nothing."""
    deactivate_unplayable(store, results)
    removed = remove_unfinished_uploads(store, uploads_dir)
    results.cancel_unplayed_with_retired()  # not to be played, nor counted as left to play
    unplayed = results.pending_count() + len(results.failures())
    waiting = len(store.submissions(status=VALIDATING))
    left = []
    if unplayed:
        left.append(f"{counted(unplayed, 'game')} unplayed, played first now")
    if waiting:
        left.append(f"{counted(waiting, 'submission')} waiting for {'its' if waiting == 1 else 'their'} validation")
    if removed:
        senders = "its sender is to send it" if removed == 1 else "their senders are to send them"
        left.append(f"{counted(removed, 'upload')} half stored, removed ({senders} again)")
    return f"the last run left {'; '.join(left)}" if left else None


def deactivate_unplayable(store: CompetitionStore, results: ResultsStore) -> None:
    """Take out of play every entrant that no active submission plays as (its submission was disqualified,
    retired or is validated again). Never the other way: an entrant out of play stays out."""
    playing = {submission.entrant_id for submission in store.submissions(status=ACTIVE)}
    for entrant in results.entrants(active_only=True):
        if entrant.id not in playing:
            results.set_active(entrant.id, False)


def remove_unfinished_uploads(store: CompetitionStore, uploads_dir: Path) -> int:
    """Delete what uploads under way when the server stopped left: the folders they were checked in,
    and a checked one's folder moved into place before its submission was written. None was stored:
    the participant sends it again. How many were removed."""
    stored = {Path(submission.folder).name for submission in store.submissions()}
    removed = 0
    for folder in uploads_dir.glob("*"):
        if folder.name.startswith(WORK_PREFIX) or (UPLOAD_FOLDER.fullmatch(folder.name) and folder.name not in stored):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def tidy(store: CompetitionStore, results: ResultsStore, log_dir: Path, max_log_bytes: int) -> None:
    """Delete what play no longer needs; between batches, while no game is in play."""
    remove_retired_files(store, results)
    trim_logs(log_dir, max_log_bytes)


def trim_logs(log_dir: Path, max_bytes: int) -> None:
    """Delete agents' logs, the oldest first, until those left hold at most `max_bytes` (the newest tell
    the organiser most: a log still written is among them)."""
    kept = 0
    for path, status in sorted(_logs(log_dir), key=lambda log: log[1].st_mtime, reverse=True):
        kept += status.st_size
        if kept > max_bytes:
            path.unlink(missing_ok=True)


def _logs(log_dir: Path) -> list[tuple[Path, os.stat_result]]:
    """The agents' logs in `log_dir`, each with its size and time."""
    found = []
    for path in log_dir.glob("*.log"):
        try:
            found.append((path, path.stat()))
        except FileNotFoundError:  # gone meanwhile
            pass
    return found
