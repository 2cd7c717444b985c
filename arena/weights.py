"""Weights kept outside a submission: downloaded once, before any match, into a cache, checked by sha256.

A submission may name its weights by link instead of carrying them (in `arena.toml`):

    weights = "model.zip"                                         # the file the agent loads
    weights_url = "https://drive.google.com/file/d/<id>/view"     # a public link (Drive or plain URL)
    weights_sha256 = "9f86d08..."                                 # sha256sum model.zip

A file of that name inside the submission always wins. Otherwise `cached_weights` returns
`<cache>/<sha256>/<name>`, downloading it with gdown first when it is not there. The cache is
`$ARENA_CACHE_DIR/weights`, else `$XDG_CACHE_HOME/arena/weights` or `~/.cache/arena/weights`. A
download is checked against the sha256 before it enters the cache, so a changed or truncated file
never reaches an agent.

`arena.submission.load` calls it, before any agent starts (validation, registration, the start of
`arena match`): sandboxed agents have no network, and no match clock runs during a download.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from arena.errors import SubmissionError

_CHUNK = 1 << 20


class WeightsError(SubmissionError):
    """Weights that cannot be downloaded, or whose checksum is not the manifest's."""


def cache_dir() -> Path:
    """The folder downloaded weights are kept in, one sub-folder per sha256."""
    root = os.environ.get("ARENA_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "arena"
    return Path(root) / "weights"


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, as `sha256sum` prints it."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def cached_weights(url: str, sha256: str, name: str, where: str) -> Path:
    """`<cache>/<sha256>/<name>`, downloaded from `url` first if it is missing.

    A cached file whose checksum is wrong is deleted and downloaded again. Raises WeightsError
    naming `where` when the download fails or does not match `sha256`.
    """
    target = cache_dir() / sha256 / name
    if target.is_file():
        if sha256_of(target) == sha256:
            return target
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial_dir = Path(tempfile.mkdtemp(dir=target.parent, prefix=".download-"))
    partial = partial_dir / name
    try:
        _download(url, partial, name, target, where)
        actual = sha256_of(partial)
        if actual != sha256:
            raise WeightsError(f"{where}: {url} gave a file with sha256 {actual}, not the weights_sha256 {sha256} "
                               f"of the manifest; fix the link or the checksum (sha256sum {name})")
        os.replace(partial, target)
    finally:
        shutil.rmtree(partial_dir, ignore_errors=True)
    return target


def _download(url: str, output: Path, name: str, target: Path, where: str) -> None:
    try:
        import gdown
    except ImportError:
        raise WeightsError(f"{where}: downloading {name} needs gdown (pip install 'gdown<6')") from None
    offline = (f"check that the link is public and this machine is online, or download {name} yourself "
               f"and put it at {target} (or into the submission, where a file wins over the link)")
    try:
        result = gdown.download(url, output=str(output), quiet=True, fuzzy=True)
    except Exception as exc:  # noqa: BLE001  (gdown and requests raise many kinds; all mean "no file")
        raise WeightsError(f"{where}: could not download {name} from {url} ({type(exc).__name__}: "
                           f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}); {offline}") from None
    if result is None or not output.is_file() or output.stat().st_size == 0:
        raise WeightsError(f"{where}: could not download {name} from {url} (nothing came back); {offline}")
