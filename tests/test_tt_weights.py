"""Weights named by link: manifest fields, download into the cache before a match, checksum, offline errors.

No network: `gdown.download` is replaced by a fake that serves WEIGHTS (or fails, as offline).
"""

import hashlib
import time
from pathlib import Path

import gdown
import pytest

from arena import cli
from arena.errors import ManifestError, SubmissionError
from arena.manifest import Manifest
from arena.submission import import_entry_class, instantiate, load
from arena.weights import WeightsError, cache_dir, cached_path

WEIGHTS = b"pretend these are weights\n" * 100
SHA = hashlib.sha256(WEIGHTS).hexdigest()

AGENT = """
from pathlib import Path
from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        self.weights = Path(self.file_path).read_bytes()

    def predict(self, obs):
        return 0
"""

PLAYER = AGENT.replace("return 0", "return int(obs[\"action_mask\"].nonzero()[0][0])")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path / "cache"))


class FakeGdown:
    """Stands in for `gdown.download`: writes `served` to `output`, or raises as gdown does offline."""

    def __init__(self):
        self.served: bytes | None = WEIGHTS
        self.urls: list[str] = []

    def __call__(self, url, output=None, quiet=False, fuzzy=False, **kwargs):
        self.urls.append(url)
        if self.served is None:
            raise ConnectionError("HTTPSConnectionPool(host='drive.google.com', port=443): Max retries exceeded")
        Path(output).write_bytes(self.served)
        return output


@pytest.fixture
def download(monkeypatch) -> FakeGdown:
    fake = FakeGdown()
    monkeypatch.setattr(gdown, "download", fake)
    return fake


URL = "https://drive.google.com/file/d/1AbCdEf/view?usp=sharing"


def manifest(sha: str = SHA, env: str = "") -> str:
    return f'name = "linked"\n{env}weights = "model.zip"\nweights_url = "{URL}"\nweights_sha256 = "{sha}"\n'


@pytest.mark.parametrize("fields, message", [
    ({"weights": "m.zip", "weights_url": "https://x/m.zip"}, "needs weights_sha256"),
    ({"weights": "m.zip", "weights_url": "https://x/m.zip", "weights_sha256": "abc"}, "64 hex digits"),
    ({"weights_url": "https://x/m.zip", "weights_sha256": SHA}, "needs weights, the file name"),
    ({"weights": "m.zip", "weights_url": "ftp://x/m.zip", "weights_sha256": SHA}, "must be an https:// link"),
    ({"weights": "m.zip", "weights_sha256": SHA}, "checks a download"),
    ({"weights": "m.zip", "weights_url": 3, "weights_sha256": SHA}, "field 'weights_url' must be"),
])
def test_manifest_rejects_incomplete_download_fields(fields, message):
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Manifest.from_dict(fields)


def test_manifest_keeps_url_and_lowercase_checksum():
    parsed = Manifest.from_dict({"weights": "m.zip", "weights_url": "https://x/m.zip", "weights_sha256": SHA.upper()})
    assert (parsed.weights_url, parsed.weights_sha256) == ("https://x/m.zip", SHA)


def test_load_downloads_once_into_the_cache_and_later_loads_read_it_offline(write_submission, download):
    folder = write_submission("linked", AGENT, manifest())
    spec = load(folder)
    assert spec.weights_path.read_bytes() == WEIGHTS and download.urls == [URL]
    assert (cached_path(URL, SHA, "model.zip")).read_bytes() == WEIGHTS
    assert not (folder / "model.zip").exists()  # the participant's folder is left alone

    download.served = None  # from now on, offline: a later load copies the cached file in
    again = load(folder)
    assert download.urls == [URL]
    assert again.digest == spec.digest  # downloading does not make a new entrant
    assert Path(instantiate(again).file_path).read_bytes() == WEIGHTS


def test_cached_weights_are_given_only_to_a_submission_naming_their_link(write_submission, download):
    load(write_submission("linked", AGENT, manifest()))
    download.served = None  # offline: only the cache could give the file now
    other = URL.replace("1AbCdEf", "2XyZ")
    copycat = write_submission("copycat", AGENT, manifest().replace(URL, other))
    with pytest.raises(WeightsError, match="check that the link is public"):
        load(copycat)  # knowing the checksum of another entrant's weights is not enough
    assert download.urls == [URL, other]


def test_a_file_in_the_submission_wins_over_the_link(write_submission, download):
    spec = load(write_submission("linked", AGENT, manifest(), **{"model.zip": "shipped"}))
    assert spec.weights_path.read_text() == "shipped" and download.urls == []


def test_wrong_checksum_is_refused_and_nothing_is_cached(write_submission, download):
    with pytest.raises(WeightsError, match=f"sha256 {SHA}, not the weights_sha256 0000"):
        load(write_submission("linked", AGENT, manifest(sha="0" * 64)))
    assert not any(p.is_file() for p in cache_dir().rglob("*"))


def test_offline_without_a_cached_copy_says_where_to_put_the_file(write_submission, download):
    download.served = None
    with pytest.raises(WeightsError) as error:
        load(write_submission("linked", AGENT, manifest()))
    message = str(error.value)
    assert "could not download model.zip" in message and URL in message and "ConnectionError" in message
    assert str(cached_path(URL, SHA, "model.zip")) in message


def test_without_the_cache_weights_are_downloaded_into_the_copy_alone(write_submission, download):
    folder = write_submission("linked", AGENT, manifest())
    spec = load(folder, cache_weights=False)
    assert spec.weights_path.read_bytes() == WEIGHTS and download.urls == [URL]
    assert not cache_dir().exists() and not (folder / "model.zip").exists()
    assert sorted(p.name for p in spec.root.iterdir()) == ["agent.py", "arena.toml", "model.zip"]
    with pytest.raises(SubmissionError, match="it would hold more than 0 MiB in all"):
        load(folder, cache_weights=False, max_bytes=len(WEIGHTS))  # counted as a cached copy is

    download.served = None
    with pytest.raises(WeightsError) as error:
        load(folder, cache_weights=False)  # nothing was kept to load it from
    assert "put the file into the submission itself" in str(error.value) and str(cache_dir()) not in str(error.value)


def test_a_download_into_the_copy_stops_once_it_outgrows_the_submissions_cap(write_submission, monkeypatch):
    written = []

    def endless(url, output=None, **kwargs):  # a link that serves far more than it should
        with open(output, "wb") as file:
            for _ in range(40):
                file.write(bytes(1 << 20))
                file.flush()
                written.append(1)
                time.sleep(0.05)
        return output

    monkeypatch.setattr(gdown, "download", endless)
    with pytest.raises(WeightsError, match="gave more than 7 MiB, all the room left in its submission, which may "
                                           "hold 8 MiB in all"):
        load(write_submission("linked", AGENT, manifest()), cache_weights=False, max_bytes=8 << 20)


def test_a_corrupted_cache_file_is_replaced(write_submission, download):
    bad = cached_path(URL, SHA, "model.zip")
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"truncated")
    assert load(write_submission("linked", AGENT, manifest())).weights_path.read_bytes() == WEIGHTS
    assert bad.read_bytes() == WEIGHTS and download.urls == [URL]


def test_validate_downloads_before_the_sandbox_starts_and_a_match_then_runs_offline(write_submission, download,
                                                                                    tmp_path, capsys):
    # The sandbox has no network and a fake gdown does not cross into it: the worker can only
    # play if the harness put the file into the submission's copy before starting it.
    folder = write_submission("linked", PLAYER, manifest(env='env = "othello"\n'))
    logs = str(tmp_path / "logs")
    assert cli.main(["validate", str(folder), "--max-steps", "6", "--log-dir", logs]) == 0
    assert download.urls == [URL] and "ok:" in capsys.readouterr().out
    download.served = None
    assert cli.main(["match", str(folder), str(folder), "--max-steps", "6", "--log-dir", logs,
                     "--replay-dir", str(tmp_path / "replays")]) == 0
    assert download.urls == [URL]


def test_tournament_registration_downloads_and_archives_the_weights(write_submission, download, tmp_path):
    from arena.tournament import Settings, Tournament

    folder = write_submission("linked", PLAYER, manifest(env='env = "othello"\n'))
    tournament = Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello"))
    assert tournament.register(folder).startswith("registered") and download.urls == [URL]
    [archived] = tournament.archive_dir.iterdir()  # what the tournament's matches load, offline
    assert (archived / "model.zip").read_bytes() == WEIGHTS


def test_agent_gdown_reads_the_manifest_beside_its_module(write_submission, download):
    spec = load(write_submission("linked", AGENT, manifest()))  # kept: its folder holds agent.py and arena.toml
    spec.weights_path.unlink()
    (cached_path(URL, SHA, "model.zip")).unlink()
    download.urls.clear()
    agent = import_entry_class(spec)()  # no file_path: Agent.__init__ asks _gdown, which downloads into the cache
    assert Path(agent.file_path) == cached_path(URL, SHA, "model.zip") and download.urls == [URL]
    assert Path(agent.file_path).read_bytes() == WEIGHTS


def test_agent_gdown_prefers_the_file_beside_it_and_is_none_without_weights(write_submission, download):
    shipped = load(write_submission("shipped", AGENT, manifest(), **{"model.zip": "x"}))
    assert Path(import_entry_class(shipped)().file_path).read_text() == "x" and download.urls == []
    plain = load(write_submission("plain", AGENT))
    assert import_entry_class(plain)().file_path is None
