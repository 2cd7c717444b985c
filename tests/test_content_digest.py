"""A submission's content hash: one per set of files, however their bytes are made, and stores
written with the first scheme carried over to this one."""

import hashlib
import shutil
import sqlite3
from dataclasses import replace

from arena.content_digest import content_digest
from arena.serve.store import CompetitionStore
from arena.submission import load
from arena.tournament import Settings, Tournament
from arena.tournament.store import ResultsStore

AGENT = "from arena.agents import RandomAgent\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"


def first_scheme_digest(folder, leaving_out=()):
    """The digest stores of earlier versions hold: every path and every file's bytes run together between NULs."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        if path.name not in leaving_out:
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def look_alikes(write_submission):
    """Two submissions whose files run together make the same bytes: one file that holds the other's two."""
    victim = write_submission("victim", AGENT, **{"data.bin": "x", "zeta.bin": "y"})
    copycat = write_submission("copycat", AGENT, **{"data.bin": "x\0zeta.bin\0y"})
    assert first_scheme_digest(victim) == first_scheme_digest(copycat)
    return victim, copycat


def test_files_that_run_together_like_another_submissions_have_a_digest_of_their_own(write_submission):
    victim, copycat = look_alikes(write_submission)
    assert load(victim).digest != load(copycat).digest
    assert load(victim).digest == content_digest(victim)  # every file counted, by path and bytes
    (victim / "zeta.bin").write_text("z")
    assert content_digest(victim) != load(copycat).digest != load(victim).digest


def test_a_submission_made_to_look_like_another_does_not_keep_it_out_of_a_tournament(write_submission, tmp_path):
    victim, copycat = look_alikes(write_submission)
    with Tournament(tmp_path / "cup.sqlite", Settings(env="othello", seed=0)) as tournament:
        assert tournament.register(copycat).startswith("registered copycat@")
        assert tournament.register(victim).startswith("registered victim@")  # not skipped as the same files
        archives = {e.name: e.archive for e in tournament.store.entrants()}
    assert (tmp_path / archives["victim"] / "zeta.bin").read_text() == "y"  # each plays its own files
    assert not (tmp_path / archives["copycat"] / "zeta.bin").exists()


def make_old(db_path, table, digests):
    """Turn a store into one an earlier version wrote: first-scheme digests (`digests`, by row id) and no upgrades."""
    with sqlite3.connect(db_path) as connection:
        connection.execute("DROP TABLE upgrades")
        for row_id, digest in digests.items():
            connection.execute(f"UPDATE {table} SET digest = ? WHERE id = ?", (digest, row_id))
    connection.close()


def test_a_tournament_from_before_keeps_its_entrants_when_their_files_are_registered_again(write_submission, tmp_path):
    db = tmp_path / "cup.sqlite"
    kept = write_submission("kept", AGENT, **{"notes.txt": "kept\0as it was"})
    lost = write_submission("lost", AGENT, **{"notes.txt": "its copy is deleted"})
    with Tournament(db, Settings(env="othello", seed=0)) as tournament:
        tournament.register(kept), tournament.register(lost)
        entrants = {e.name: e for e in tournament.store.entrants()}
    archives = (tmp_path / entrants["kept"].archive).parent
    make_old(db, "entrants", {e.id: first_scheme_digest(tmp_path / e.archive) for e in entrants.values()})
    shutil.rmtree(tmp_path / entrants["lost"].archive)
    archives_before = sorted(archives.iterdir())

    with Tournament(db) as tournament:
        upgraded = {e.name: e for e in tournament.store.entrants()}
        assert upgraded["kept"].digest == load(kept).digest
        assert upgraded["lost"].digest == first_scheme_digest(kept.parent / "lost")  # nothing to check it against
        assert tournament.register(kept) == f"unchanged kept@{load(kept).digest[:8]} ({kept})"
        assert sorted(archives.iterdir()) == archives_before  # no second copy of its files
        assert tournament.register(lost).startswith("registered lost@")  # a new version: its first one was lost
        assert [e.name for e in tournament.store.entrants(active_only=True)] == ["kept", "lost"]
        assert len(tournament.store.entrants()) == 3


def test_a_kept_copy_holding_downloaded_weights_is_matched_without_them(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "agent.py").write_text(AGENT)
    (archive / "arena.toml").write_text(f'weights = "model.bin"\nweights_url = "https://example.org/model.bin"\n'
                                        f'weights_sha256 = "{hashlib.sha256(b"w").hexdigest()}"\n')
    stored = first_scheme_digest(archive)  # taken before the download
    (archive / "model.bin").write_bytes(b"w")
    (archive / "__pycache__").mkdir()
    (archive / "__pycache__" / "agent.cpython-311.pyc").write_bytes(b"\0")  # left by playing: never counted
    store = ResultsStore(tmp_path / "cup.sqlite")
    entrant, _ = store.register("downloads", stored, "/subs/downloads", str(archive))
    store.close()
    make_old(tmp_path / "cup.sqlite", "entrants", {})

    ResultsStore(tmp_path / "cup.sqlite").close()
    (archive / "model.bin").unlink()
    store = ResultsStore(tmp_path / "cup.sqlite")
    assert store.entrant_with(content_digest(archive)) == replace(entrant, digest=content_digest(archive))
    store.close()


def test_a_competition_from_before_still_knows_its_submissions_by_their_files(write_submission, tmp_path):
    db = tmp_path / "competition.sqlite"
    folder = write_submission("uploaded", AGENT, **{"notes.txt": "\0"})
    store = CompetitionStore(db)
    alice, _ = store.add_participant("alice")
    submission = store.add_submission(alice.id, "uploaded", content_digest(folder), str(folder))
    gone = store.add_submission(alice.id, "gone", "first-scheme digest of deleted files", "")
    store.close()
    make_old(db, "submissions", {submission.id: first_scheme_digest(folder)})

    store = CompetitionStore(db)
    assert store.submission(submission.id).digest == content_digest(folder)
    assert store.same_content(content_digest(folder), alice.id).id == submission.id  # its upload again is refused
    assert store.submission(gone.id).digest == "first-scheme digest of deleted files"
    store.close()


def test_a_store_from_before_that_may_only_be_read_opens_as_it_is(write_submission, tmp_path, monkeypatch):
    db = tmp_path / "cup.sqlite"
    kept = write_submission("kept", AGENT)
    with Tournament(db, Settings(env="othello", seed=0)) as tournament:
        tournament.register(kept)
        (entrant,) = tournament.store.entrants()
    old = first_scheme_digest(tmp_path / entrant.archive)
    make_old(db, "entrants", {entrant.id: old})
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda path, **kwargs: connect(f"file:{path}?mode=ro", uri=True, **kwargs))
    store = ResultsStore(db)  # as on a read-only disk: read as it is, not upgraded
    assert [e.digest for e in store.entrants()] == [old]
    store.close()
    monkeypatch.undo()
    store = ResultsStore(db)  # writable again: upgraded
    assert [e.digest for e in store.entrants()] == [load(kept).digest]
    store.close()
