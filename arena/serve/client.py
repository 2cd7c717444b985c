"""`arena submit`: zip a submission folder and upload it to a competition's server."""

from __future__ import annotations

import http.client
import io
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from arena.errors import ArenaError, missing_path_hint

SKIPPED = {"__pycache__", ".git", ".hg", ".svn", ".ipynb_checkpoints"}
BUSY_RETRIES = 5  # a server busy just now (503) is asked again after 1, 2, 4, 8 and 16 seconds
_pause = time.sleep


def zip_folder(folder: Path) -> bytes:
    """The folder's regular files as a zip (links, version-control folders and `arenas_outputs` left out)."""
    if not folder.exists():
        raise ArenaError(f"{folder}: no such file or folder{missing_path_hint(folder)}")
    if not folder.is_dir():
        raise ArenaError(f"{folder}: not a folder; arena submit takes your agent's folder (agent.py at its top)")
    outputs = arenas_outputs(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if (any(part in SKIPPED for part in relative.parts) or relative.parts[0] in outputs or path.is_symlink()
                    or not path.is_file()):
                continue
            archive.write(path, relative.as_posix())
    return buffer.getvalue()


def arenas_outputs(folder: Path) -> list[str]:
    """The folders at the top of `folder` that hold only what `arena match` or `arena validate` run inside it wrote
    (its `replays/` and `logs/`): not the agent's, and different after every run."""
    return [name for name, written in _OUTPUTS.items()
            if (folder / name).is_dir() and all(written(path) for path in (folder / name).iterdir())]


def _a_replay(path: Path) -> bool:
    if path.suffix != ".json" or not path.is_file():
        return False
    with path.open("rb") as opened:
        return b'"format": "arena-replay/' in opened.read(64)


_OUTPUTS = {"replays": _a_replay,
            "logs": lambda path: path.is_file() and re.fullmatch(r".+-[0-9]+-[0-9]+\.log", path.name) is not None}


def submit(path: str | Path, server: str, token: str, timeout: float = 300.0) -> dict[str, Any]:
    """Upload the folder (zipped here) or zip at `path`; the server's answer (the new submission)."""
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):  # its agent.py, say: only the server would refuse it
        raise ArenaError(f"{path}: not a zip; arena submit takes your agent's folder (agent.py at its top) or a zip "
                         f"of it: arena submit {path.parent}")
    data = path.read_bytes() if path.is_file() else zip_folder(path)
    name = path.name if path.suffix == ".zip" else f"{path.resolve().name}.zip"
    url = f"{server.rstrip('/')}/api/submissions?{urllib.parse.urlencode({'filename': name})}"
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/zip"})
    try:
        return _answer(request, server, timeout, "it may have taken the upload: send it again in a moment (a copy "
                                                 "it took is answered as identical to it)")
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error") or exc.reason
        except (ValueError, AttributeError):
            message = exc.reason
        raise ArenaError(f"{server} refused the upload ({exc.code}): {message}") from None


def status(server: str, token: str, submission_id: int, timeout: float = 30.0) -> dict[str, Any]:
    """The server's record of one of your submissions."""
    request = urllib.request.Request(f"{server.rstrip('/')}/api/submissions/{submission_id}",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        return _answer(request, server, timeout, f"ask again in a moment (arena serve's page /me shows submission "
                                                 f"{submission_id} too)")
    except urllib.error.HTTPError as exc:
        raise ArenaError(f"{server}: submission {submission_id}: {exc.code} {exc.reason}") from None


def _answer(request: urllib.request.Request, server: str, timeout: float, then: str) -> dict[str, Any]:
    """The server's JSON answer to `request`, asked again while it is busy (503, BUSY_RETRIES times); ArenaError
    saying so, and `then` (what to do), where it hung up or went silent before answering (restarted, say).
    HTTPError is the caller's to explain."""
    for attempt in itertools.count():
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or attempt == BUSY_RETRIES:
                raise
            exc.close()
            _pause(2 ** attempt)  # busy (every participant arriving at once after a start): it says so, not no
        except urllib.error.URLError as exc:
            raise ArenaError(f"cannot reach {server}: {exc.reason}; check --server") from None
        except (OSError, http.client.HTTPException) as exc:  # after the request went: no URLError wraps these
            what = "did not answer in time" if isinstance(exc, TimeoutError) else "closed the connection before answering"
            raise ArenaError(f"{server} {what} (restarting, say): {then}") from None
