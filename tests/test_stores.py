"""Both stores on both databases: the same behaviour on an SQLite file and on PostgreSQL.

Each store test runs twice, with an SQLite file and with a database on a PostgreSQL server the
tests start themselves (see tests/postgres.py); the PostgreSQL half is skipped, saying why, where
the server's binaries or psycopg are not installed. Then what is PostgreSQL's own (a server
restart, a tournament played on it, the command line) and the errors of a --db that will not do.
"""

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from postgres import PostgresServer, free_port, missing

from arena import cli
from arena.db import FOLDER_OWNER, claim_folder, describe, files_beside, open_database
from arena.errors import ArenaError, HarnessError
from arena.faults import Status
from arena.match import AgentResult, MatchResult
from arena.serve.store import ACTIVE, DISQUALIFIED, REFUSED, CompetitionStore
from arena.tournament import Settings, Tournament, store as store_module
from arena.tournament.runner import Backend
from arena.tournament.store import ResultsStore, StoreBusy

REPO = Path(__file__).resolve().parent.parent
BIGGEST_SEED = 2 ** 63 - 1  # seeds are 64-bit on both databases


@pytest.fixture(scope="module")
def postgres_server():
    """A PostgreSQL server for these tests; a test needing it is skipped, saying why, where none can run."""
    reason = missing()
    if reason:
        pytest.skip(f"no PostgreSQL to test against: {reason}")
    server = PostgresServer()
    yield server
    server.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """A new, empty database of each kind: an SQLite file's path, then a postgresql:// URL."""
    if request.param == "sqlite":
        return str(tmp_path / "competition.sqlite")
    return request.getfixturevalue("postgres_server").new_database()


def results_store(database: str, entrants: int = 3, matches: int = 4) -> ResultsStore:
    """A store with settings, `entrants` entrants and `matches` scheduled matches between 1 and 2."""
    store = ResultsStore(database)
    store.save_settings({"env": "othello", "format": "round-robin"})
    for n in range(1, entrants + 1):
        store.register(f"agent{n}", f"digest{n}", f"/subs/agent{n}", f"/archive/agent{n}")
    store.add_to_schedule([(0, BIGGEST_SEED - i, (1, 2) if i % 2 == 0 else (2, 1)) for i in range(matches)])
    return store


def result(match, score: float = 1.0, detail: str = "", duration: float = 0.123456789012345) -> MatchResult:
    agents = [AgentResult(f"agent{e}", f"player_{i}", score if i == 0 else -score, 1 if i == 0 else 2,
                          Status.OK if i == 0 else Status.TIMEOUT, "" if i == 0 else detail or "too slow",
                          moves=30 + i, time_used=0.25 * (i + 1), time_to_start=0.125 * (i + 1), time_held=0.5 * i)
              for i, e in enumerate(match.seats)]
    return MatchResult("othello", {"size": 8}, match.seed, agents, "black 40 - white 24", {}, 60, duration=duration)


# ---- the results store, on both databases


def test_settings_entrants_and_the_schedule_round_trip(database):
    store = results_store(database)
    store.save_settings({"env": "othello", "format": "swiss", "rounds": 3})  # replaces, adds
    assert store.settings() == {"env": "othello", "format": "swiss", "rounds": 3}
    again, added = store.register("agent1", "digest1", "/subs/agent1", "/archive/agent1")
    assert not added and again.id == 1
    newer, added = store.register("agent1", "digest1-v2", "/subs/agent1", "/archive/agent1-v2")
    assert added and newer.id == 4
    assert [(e.id, e.active) for e in store.entrants()] == [(1, False), (2, True), (3, True), (4, True)]
    assert [e.id for e in store.entrants(active_only=True)] == [2, 3, 4]
    store.set_active(1, True)
    assert store.entrants()[0].active
    forfeits, _ = store.register("broken", "digest-broken", "/subs/broken", "", problem="no agent.py")
    assert forfeits.problem == "no agent.py"

    assert [(m.match_id, m.seed, m.seats) for m in store.schedule()] == [
        (1, BIGGEST_SEED, (1, 2)), (2, BIGGEST_SEED - 1, (2, 1)),
        (3, BIGGEST_SEED - 2, (1, 2)), (4, BIGGEST_SEED - 3, (2, 1))]
    store.add_to_schedule([(1, 7, (3, 4))])
    assert store.schedule()[-1].match_id == 5  # ids continue from the last one
    store.set_active(1, False)
    assert store.cancel_unplayed_with_retired() == 4
    assert [m.match_id for m in store.pending()] == [5] and store.pending_count() == 1  # cancelled ones left out
    store.close()


def test_record_many_stores_a_block_in_one_transaction_and_a_match_only_once(database):
    store = results_store(database)
    store.acquire_lease()
    scheduled = store.schedule()
    assert store.record_many([(m, result(m), f"replays/{m.match_id}.json") for m in scheduled[:3]]) == 3
    again = [(m, result(m, score=9.0), None) for m in scheduled]  # three already stored, one new
    assert store.record_many(again) == 1
    assert not store.record(scheduled[0], result(scheduled[0], score=9.0), None)
    assert store.finished_count() == 4 and store.pending() == []

    first = store.results()[0]
    assert (first.match_id, first.round, first.seed, first.env, first.env_options) == (
        1, 0, BIGGEST_SEED, "othello", {"size": 8})
    assert (first.outcome, first.replay, first.steps, first.duration) == (
        "black 40 - white 24", "replays/1.json", 60, 0.123456789012345)  # 64-bit floats on both
    assert [(s.entrant_id, s.name, s.score, s.rank, s.status, s.detail, s.moves, s.time_used, s.time_to_start,
             s.time_held) for s in first.seats] == [(1, "agent1", 1.0, 1, "ok", "", 30, 0.25, 0.125, 0.0),
                                                    (2, "agent2", -1.0, 2, "timeout", "too slow", 31, 0.5, 0.25, 0.5)]
    assert first.winner == 1
    assert store.results()[3].seats[0].score == 9.0  # the one that was new in the second block
    store.close()


def test_results_are_read_by_match_by_entrant_and_latest_first_as_all_of_them_filtered(database):
    store = results_store(database, entrants=3, matches=6)
    store.add_to_schedule([(1, 11, (2, 3)), (1, 12, (3, 1))])
    store.acquire_lease()
    store.record_many([(m, result(m), None) for m in store.schedule() if m.match_id != 4])  # 4 is not played
    every = store.results()
    assert [m.match_id for m in every] == [1, 2, 3, 5, 6, 7, 8]

    def ids(matches):
        return [(m.match_id, [s.entrant_id for s in m.seats]) for m in matches]

    assert ids(store.results(match_id=7)) == ids(every[5:6]) == [(7, [2, 3])]
    assert store.results(match_id=4) == [] and store.results(match_id=99) == []
    assert ids(store.results(entrant_id=3)) == [(7, [2, 3]), (8, [3, 1])]
    assert ids(store.results(entrant_id=1, latest=3)) == [(5, [1, 2]), (6, [2, 1]), (8, [3, 1])]
    assert ids(store.results(latest=2)) == ids(every[-2:])
    assert store.results(match_id=8, entrant_id=2) == [] and ids(store.results(match_id=8, entrant_id=1)) == [(8, [3, 1])]
    assert store.results(match_id=1) == every[:1]  # whole records, seats and all
    store.close()


def test_every_result_is_read_once_and_later_ones_as_they_come_in_any_order(database):
    writer = results_store(database, entrants=3, matches=8)
    writer.acquire_lease()
    reader = ResultsStore(database)  # a server's page or scheduler, open while games are recorded
    scheduled = {m.match_id: m for m in writer.schedule()}

    def recorded(*ids):
        writer.record_many([(scheduled[i], result(scheduled[i], score=float(i)), None) for i in ids])
        seen = reader.results()
        assert seen == ResultsStore(database).results()  # what a fresh read finds
        return [m.match_id for m in seen]

    assert reader.results() == []
    assert recorded(3, 1) == [1, 3]
    first = reader.results()[0]
    assert recorded(6, 2) == [1, 2, 3, 6]  # 2 finished after 6 (another worker's block)
    assert reader.results()[0] is first  # kept, not read again
    assert recorded(8) == [1, 2, 3, 6, 8] and recorded(4, 5, 7) == list(range(1, 9))
    assert [m.seats[0].score for m in reader.results()] == [float(i) for i in range(1, 9)]
    writer.close()
    reader.close()


def test_a_match_recorded_while_results_are_read_is_read_whole_or_not_at_all(database, monkeypatch):
    writer = results_store(database, entrants=3, matches=6)
    writer.acquire_lease()
    scheduled = writer.schedule()
    writer.record_many([(m, result(m), None) for m in scheduled[:3]])
    reader = ResultsStore(database)  # a server's page, reading while a tournament records
    to_record = iter(scheduled[3:])
    execute = reader._db.execute

    class Fetched(list):  # a query's rows, all read before the next match is recorded
        def fetchall(self):
            return self

        def fetchone(self):
            return self[0] if self else None

    def another_finishes_after_each_query(sql, args=()):
        rows = Fetched(execute(sql, args).fetchall())
        match = next(to_record, None)
        if match is not None:
            writer.record(match, result(match), None)
        return rows

    monkeypatch.setattr(reader._db, "execute", another_finishes_after_each_query)
    for read in (reader.results(latest=2), reader.results(entrant_id=1), reader.results()):
        assert read and all(len(m.seats) == 2 for m in read)
    writer.close()
    reader.close()


def test_a_block_that_fails_half_way_records_none_of_its_matches(database):
    store = results_store(database)
    store.acquire_lease()
    first, second, third, _ = store.schedule()
    store.record(first, result(first), None)
    with pytest.raises(AttributeError):
        store.record_many([(second, result(second), None), (third, None, None)])  # the second cannot be stored
    assert store.finished_count() == 1
    assert store.record_many([(second, result(second), None), (third, result(third), None)]) == 2
    assert [r.match_id for r in store.results()] == [1, 2, 3]
    store.close()


def test_failures_are_noted_replaced_and_cleared(database):
    store = results_store(database)
    store.acquire_lease()
    store.record_failure(2, "the env could not finish")
    store.record_failure(2, "it could not finish again \udcff")  # a file name's lone surrogate
    store.record_failure(3, "another")
    assert store.failures() == {2: "it could not finish again ?", 3: "another"}
    assert [m.match_id for m in store.pending()] == [1, 4] and store.pending_count() == 2  # nor failed ones
    store.clear_failures()
    assert store.failures() == {} and len(store.pending()) == 4
    store.close()


def test_text_a_database_cannot_hold_is_stored_all_the_same(database):
    store = results_store(database)
    store.acquire_lease()
    match = store.schedule()[0]
    store.record(match, result(match, detail="printed \x00 and \udcff"), None)
    detail = store.results()[0].seats[1].detail
    assert detail in ("printed \x00 and ?", "printed \ufffd and ?")  # PostgreSQL's text cannot hold a NUL
    store.close()


HOLD_LEASE = """
import sys, time
from arena.tournament.store import ResultsStore
store = ResultsStore(sys.argv[1])
store.acquire_lease()
print("playing", flush=True)
time.sleep(600)
"""


def test_one_process_plays_a_store_and_another_takes_over_once_it_is_gone(database):
    results_store(database).close()
    owner = subprocess.Popen([sys.executable, "-c", HOLD_LEASE, database], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert owner.stdout.readline().strip() == "playing"
        second = ResultsStore(database)
        with pytest.raises(StoreBusy, match=f"being played by process {owner.pid} on .* since [-0-9]+ [:0-9]+ UTC;"):
            second.acquire_lease()
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()
    second.acquire_lease()  # the owner is gone: its lease is taken over
    match = second.schedule()[0]
    assert second.record(match, result(match), None)
    second.close()  # gives the lease back

    restarted = ResultsStore(database)  # a later run carries on with what was recorded
    restarted.acquire_lease()
    assert restarted.finished_count() == 1 and len(restarted.pending()) == 3
    restarted.close()


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_store_whose_file_was_deleted_or_replaced_mid_run_records_nothing_more(tmp_path, how):
    # Written on into the file it had open, a run reported every match recorded where no file was, and
    # wrote its replays over those of the run started on the path since.
    path = tmp_path / "r.sqlite"
    store = results_store(str(path))
    store.acquire_lease()
    for name in ("r.sqlite", "r.sqlite-wal", "r.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    if how == "replaced":
        results_store(str(path)).close()  # another run's store now at that path
    match = store.schedule()[0]
    with pytest.raises(ArenaError, match="r.sqlite was deleted or replaced while this run used it"):
        store.record(match, result(match), None)
    store.close()


def test_a_store_on_a_read_only_disk_is_said_to_be_there_whole_not_damaged(tmp_path):
    # SQLite cannot open its journal beside it: "not a usable results database; restore it from a copy" had an
    # operator throw away a good store.
    folder = tmp_path / "archive"
    folder.mkdir()
    results_store(str(folder / "r.sqlite")).close()
    mounted = subprocess.run(["mount", "--bind", folder, folder], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"a read-only mount needs root here ({mounted.stderr.decode().strip()})")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", folder, folder], check=True)
        with pytest.raises(ArenaError) as refused:
            ResultsStore(str(folder / "r.sqlite"))
        assert "its folder is read-only" in str(refused.value) and "nothing in it is lost" in str(refused.value)
        assert "restore it from a copy" not in str(refused.value)
    finally:
        subprocess.run(["umount", folder], check=True)


def test_an_opening_that_lost_the_lease_records_nothing_more(database):
    first = results_store(database)
    first.acquire_lease()
    second = ResultsStore(database)
    second.acquire_lease()  # the same process opened it again: the latest opening plays it
    block = [(m, result(m), None) for m in first.schedule()[:2]]
    with pytest.raises(StoreBusy, match="another run took this results database over"):
        first.record_many(block)
    with pytest.raises(StoreBusy):
        first.record_failure(1, "no longer the one playing it")
    first.close()  # gives back nothing that is not its own
    assert second.record_many(block) == 2 and second.failures() == {}
    second.close()


def test_the_lease_is_refreshed_while_the_store_plays(database, monkeypatch):
    monkeypatch.setattr(store_module, "LEASE_REFRESH_SECONDS", 0.05)
    store = results_store(database)
    store.acquire_lease()
    taken = store._lease_row()[5]
    deadline = time.monotonic() + 10
    while store._lease_row()[5] == taken and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store._lease_row()[5] > taken
    store.close()


# ---- the competition store, on both databases


def test_participants_tokens_and_sessions(database):
    store = CompetitionStore(database)
    alice, token = store.add_participant("alice")
    boss, _ = store.add_participant("boss", organiser=True)
    assert (alice.id, alice.organiser, boss.id, boss.organiser) == (1, False, 2, True)
    with pytest.raises(ArenaError, match="already called 'alice'"):
        store.add_participant("alice")
    # Names that would pass for another's on the leaderboard: a Cyrillic "а", a capital, a mixed word.
    with pytest.raises(ArenaError, match="'\u0430lice' looks like participant 'alice'"):
        store.add_participant("\u0430lice")
    with pytest.raises(ArenaError, match="looks like participant 'alice'"):
        store.add_participant("Alice")
    with pytest.raises(ArenaError, match="mixes the letters of several scripts"):
        store.add_participant("b\u043eb")
    store.add_participant("carol")  # a refused name leaves the store usable
    assert [p.name for p in store.participants()] == ["alice", "boss", "carol"]
    assert store.participants_since(time.time() - 60) == 3
    assert store.participant_for_token(token) == alice
    assert store.participant_for_token(token + "x") is None

    session, csrf = store.open_session(alice.id)
    assert store.session(session) == (alice, csrf)
    new = store.new_token("alice")  # the old token and the sessions stop working
    assert store.participant_for_token(token) is None and store.participant_for_token(new) == alice
    assert store.session(session) is None
    session, _ = store.open_session(alice.id)
    store.close_session(session)
    assert store.session(session) is None
    store.close()


def test_submissions_are_claimed_once_and_validated(database):
    store = CompetitionStore(database)
    alice, _ = store.add_participant("alice")
    first = store.add_submission(alice.id, "mine", "d1", "/uploads/1")
    second = store.add_submission(alice.id, "mine", "d2", "/uploads/2")
    assert (first.id, second.id, first.status) == (1, 2, "validating")
    assert store.same_content("d1", alice.id) == first and store.same_content("d3", alice.id) is None
    assert store.uploads_since(alice.id, time.time() - 60) == [first.created_at, second.created_at]

    assert store.claim_for_validation().id == 1
    assert store.claim_for_validation().id == 2
    assert store.claim_for_validation() is None
    store.release_claims()  # the server started again: both wait anew
    assert store.claim_for_validation().id == 1

    assert store.finish_validation(1, ACTIVE, "", "log tail", entrant_id=7)
    store.set_status(2, DISQUALIFIED, "copied")
    assert not store.finish_validation(2, REFUSED, "late", "")  # disqualified meanwhile
    assert [(s.status, s.entrant_id, s.reason) for s in store.submissions(alice.id)] == [
        (ACTIVE, 7, ""), (DISQUALIFIED, None, "copied")]
    assert [s.id for s in store.submissions(status=ACTIVE)] == [1]
    assert store.counts() == {ACTIVE: 1, DISQUALIFIED: 1}
    store.close()


def test_two_commands_opening_a_new_competition_at_once_both_work(database, monkeypatch):
    # Participants added from a script, several `arena serve users add` at once on a database just made: each
    # found the table without the organiser column and added it, and all but the first were told the database
    # was unusable, to be restored from a copy.
    import threading

    from arena.serve import store as serve_store

    both_looked = threading.Barrier(2, timeout=30)

    class LooksAtOnce:
        def __init__(self, target, what):
            self.db = open_database(target, what)

        def columns(self, table):
            found = self.db.columns(table)
            both_looked.wait()
            return found

        def __getattr__(self, name):
            return getattr(self.db, name)

    monkeypatch.setattr(serve_store, "open_database", LooksAtOnce)
    failures = []

    def open_store(name: str) -> None:
        try:
            store = CompetitionStore(database)
            store.add_participant(name)
            store.close()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)

    openers = [threading.Thread(target=open_store, args=(name,)) for name in ("alice", "bob")]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(60)
    assert failures == []
    monkeypatch.undo()
    store = CompetitionStore(database)
    assert sorted(p.name for p in store.participants()) == ["alice", "bob"]
    store.close()


def test_participants_take_turns_at_validation_however_many_each_uploaded(database):
    store = CompetitionStore(database)
    alice, bob, carol = (store.add_participant(name)[0] for name in ("alice", "bob", "carol"))
    for n in range(3):  # alice uploads three slow agents at once, then the others one each
        store.add_submission(alice.id, f"slow{n}", f"a{n}", f"/uploads/a{n}")
    store.add_submission(bob.id, "bob's", "b", "/uploads/b")
    store.add_submission(carol.id, "carol's", "c", "/uploads/c")
    claimed = [store.claim_for_validation() for _ in range(5)]
    assert [s.name for s in claimed] == ["slow0", "bob's", "carol's", "slow1", "slow2"]
    assert store.claim_for_validation() is None
    store.close()


def test_play_is_paused_and_resumed(database):
    store = CompetitionStore(database)
    assert not store.paused()
    store.set_paused(True)
    store.set_paused(True)
    assert store.paused()
    store.set_paused(False)
    assert not store.paused()
    store.close()


def test_both_stores_share_one_database(database):
    competition = CompetitionStore(database)
    results = results_store(database)
    alice, _ = competition.add_participant("alice")
    submission = competition.add_submission(alice.id, "agent1", "digest1", "/uploads/1")
    competition.finish_validation(submission.id, ACTIVE, "", "", entrant_id=results.entrants()[0].id)
    assert competition.submission(submission.id).entrant_id == 1
    assert len(results.schedule()) == 4
    results.close()
    competition.close()


def test_a_tournaments_database_is_not_served_as_a_competition(database, cli, monkeypatch):
    # arena serve took it, added its tables and retired every entrant (none is a submission it validated):
    # the tournament's leaderboard was left empty, and the tournament could not go on.
    from arena.serve import http

    monkeypatch.setattr(http.Server, "run", lambda self: None)  # a server that took it stops at once
    results_store(database).close()
    code, _, err = cli("serve", "--db", database, "--port", free_port())
    assert code == 1 and "holds an arena tournament (round-robin of othello), not a competition" in err, err
    store = ResultsStore(database)
    assert all(entrant.active for entrant in store.entrants())
    store.close()
    assert not open_database(database).columns("participants")


# ---- what is PostgreSQL's own


def test_stores_carry_on_after_the_server_restarts(postgres_server):
    url = postgres_server.new_database()
    store = results_store(url)
    store.acquire_lease()
    match = store.schedule()[0]
    store.record(match, result(match), None)
    store.close()
    postgres_server.restart()
    store = ResultsStore(url)
    store.acquire_lease()
    assert store.finished_count() == 1
    store.add_to_schedule([(1, 3, (1, 3))])
    assert store.schedule()[-1].match_id > 4  # ids still continue from the last ones
    store.close()


def test_stores_open_while_the_server_restarts_carry_on_with_a_new_connection(postgres_server):
    # Their one connection closed by the restart, every later call failed ("the connection is closed"): arena
    # serve answered 500 to every request, its scheduler and validators stopped, until it was started again.
    url = postgres_server.new_database()
    competition, results = CompetitionStore(url), results_store(url)
    results.acquire_lease()
    postgres_server.restart()

    def after_restart(call):
        try:
            return call()
        except (results._db.Error, ArenaError):  # the one statement that met the closed connection
            return call()

    assert after_restart(competition.paused) is False
    match = after_restart(results.schedule)[0]
    results.record(match, result(match), None)
    assert results.finished_count() == 1 and competition.participants() == []
    results.close()
    competition.close()


def test_a_tournament_is_played_on_postgresql(postgres_server, submissions, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the replays and registered entrants go beside it, in the current folder
    url = postgres_server.new_database()
    folder = tmp_path / "subs"
    for name in ("random", "greedy"):
        shutil.copytree(submissions / name, folder / name)
    with Tournament(url, Settings(seed=0, env="othello", games_per_pair=2, max_steps=8)) as tournament:
        assert [line.split()[0] for line in tournament.register_folder(folder)] == ["registered"] * 2
        assert tournament.play(Backend()) == 2
        assert tournament.replay_dir == tmp_path / f"{url.rsplit('/', 1)[1]}-replays"
    with pytest.raises(ArenaError, match="this tournament was started with other settings"):
        Tournament(url, Settings(seed=0, env="othello", games_per_pair=4, max_steps=8))
    store = ResultsStore(url)
    assert [Path(r.replay).is_file() for r in store.results()] == [True, True]
    store.close()


def test_the_commands_take_a_postgresql_url(postgres_server, capsys):
    url = postgres_server.new_database()
    assert cli.main(["serve", "users", "add", "alice", "--db", url]) == 0
    assert cli.main(["serve", "users", "list", "--db", url]) == 0
    assert "alice" in capsys.readouterr().out
    assert CompetitionStore(url).participants()[0].name == "alice"


def test_a_tournament_on_postgresql_run_again_on_its_folder_goes_on_with_its_own_settings(
        postgres_server, cli, submissions, tmp_path, monkeypatch):
    # On a postgresql:// URL, the folder without --env was refused as "a new tournament needs a folder of
    # submissions and --env": only a tournament in an SQLite file went on with its own settings.
    monkeypatch.chdir(tmp_path)
    url, subs = postgres_server.new_database(), tmp_path / "subs"
    for name in ("random", "greedy"):
        shutil.copytree(submissions / name, subs / name)
    code, out, err = cli("tournament", subs, "--env", "othello", "--games-per-pair", "1", "--max-steps", "4",
                         "--workers", "1", "--db", url)
    assert code == 0 and "1 match played" in out, err
    shutil.copytree(submissions / "mcts", subs / "mcts")
    code, out, err = cli("tournament", subs, "--workers", "1", "--db", url)
    assert code == 0 and "registered mcts" in out and "2 matches played; 3 of 3 recorded" in out, (out, err)
    code, _, err = cli("tournament", subs, "--workers", "1", "--db", postgres_server.new_database())
    assert code == 1 and "no tournament here yet; start one with a submissions folder and --env" in err



def test_two_databases_of_one_name_started_from_one_folder_never_share_its_files(postgres_server, tmp_path,
                                                                               monkeypatch, submissions):
    # A PostgreSQL database's replays, entrants and logs go in the current folder, named after it: a test
    # server's "cup" and the real one's, started from one folder, overwrote each other's replays.
    import psycopg

    monkeypatch.chdir(tmp_path)
    url = postgres_server.new_database()
    name = url.rsplit("/", 1)[1]
    with Tournament(url, Settings(seed=0, env="othello", max_steps=4)) as first:
        first.register(submissions / "random")
    Tournament(url).close()  # the same database again: its own files
    with psycopg.connect(postgres_server.url(), autocommit=True) as connection:  # another one of that name
        connection.execute(f"DROP DATABASE {name}")
        connection.execute(f"CREATE DATABASE {name}")
    with pytest.raises(ArenaError, match=f"{name}-replays holds the files of another database of this name"):
        Tournament(url, Settings(seed=0, env="othello", max_steps=4))
    assert (tmp_path / f"{name}-entrants").is_dir() and any((tmp_path / f"{name}-entrants").iterdir())


def test_a_folder_whose_marking_stopped_midway_is_its_databases_still(tmp_path, monkeypatch):
    # The marker naming a PostgreSQL database's folder was made empty, then written: a full disk (or a kill) in
    # between left it empty, and every later start of that database was refused its own folder.
    url, folder = "postgresql://arena@db.example.org/cup", tmp_path / "cup-replays"

    class DiskFull:  # json, whose output finds no room
        loads = staticmethod(json.loads)

        @staticmethod
        def dump(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        dumps = dump

    with monkeypatch.context() as patched:
        patched.setattr("arena.db.json", DiskFull)
        with pytest.raises(HarnessError, match=f"could not write the marker naming {url} as the owner of {folder} "
                                               r"\(No space left on device\); free some space"):
            claim_folder(folder, url, lambda: "token-of-cup")
    assert [path.name for path in folder.iterdir()] == []
    claim_folder(folder, url, lambda: "token-of-cup")
    claim_folder(folder, url, lambda: "token-of-cup")  # its own, again
    with pytest.raises(ArenaError, match="holds the files of another database of this name"):
        claim_folder(folder, url, lambda: "token-of-another-cup")
    assert [path.name for path in folder.iterdir()] == [FOLDER_OWNER]


def test_a_marker_that_is_no_regular_file_is_refused_without_reading_it(tmp_path):
    url, folder = "postgresql://arena@db.example.org/cup", tmp_path / "cup-replays"
    folder.mkdir()
    os.mkfifo(folder / FOLDER_OWNER)  # read, a pipe nobody writes would hold the start forever
    with pytest.raises(ArenaError, match="holds the files of another database of this name"):
        claim_folder(folder, url, lambda: "token-of-cup")


# ---- a --db that will not do, and SQLite as it always was


@pytest.mark.parametrize("url, message", [
    ("mysql://arena@localhost/arena", "postgresql://user@host/dbname URL), not mysql"),
    ("postgresql://arena@localhost:port/arena", "the port must be a number, got 'port'"),
    ("postgresql://arena@localhost:5432", "the URL names no database"),
    ("postgresql://arena@localhost/arena?nonsense=1", "not a PostgreSQL URL that can be read"),
])
def test_a_url_that_will_not_do_is_refused_saying_how_to_write_it(url, message):
    if url.startswith("postgresql") and missing() and "psycopg" in missing():
        pytest.skip(f"no PostgreSQL driver: {missing()}")
    with pytest.raises(ArenaError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        ResultsStore(url)


def test_an_unreachable_server_is_named_with_its_port():
    if missing() and "psycopg" in missing():
        pytest.skip(f"no PostgreSQL driver: {missing()}")
    port = free_port()  # nothing listens there
    with pytest.raises(ArenaError, match=f"could not connect to the PostgreSQL server at 127.0.0.1 port {port}"):
        CompetitionStore(f"postgresql://arena:secret@127.0.0.1:{port}/arena")
    with pytest.raises(ArenaError) as refused:
        CompetitionStore(f"postgresql://arena:secret@127.0.0.1:{port}/arena")
    assert "secret" not in str(refused.value)


def test_without_psycopg_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ArenaError, match=r"needs psycopg, its driver for Python: pip install -e '\.\[serve\]'"):
        ResultsStore("postgresql://arena@localhost/arena")


def test_an_sqlite_path_that_cannot_hold_a_database_says_why(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ArenaError, match="cannot make its folder \\(.*a_file is a file, not a folder\\)"):
        ResultsStore(tmp_path / "a_file" / "cup.sqlite")
    with pytest.raises(ArenaError, match="is a folder; give --db the path of a file in it"):
        ResultsStore(tmp_path)


def test_an_sqlite_database_that_cannot_be_written_says_so_and_what_to_do(tmp_path):
    database = open_database(tmp_path / "cup.sqlite")
    with database.transaction():
        database.execute("CREATE TABLE t (x INTEGER)")
    database.execute("PRAGMA query_only = ON")  # as SQLite finds a file on a read-only disk
    with pytest.raises(ArenaError, match="cup.sqlite: cannot be written .* make the file and its folder writable"):
        with database.transaction():
            database.execute("INSERT INTO t VALUES (1)")
    database.close()


def test_an_sqlite_database_another_process_keeps_a_write_open_on_says_so_as_the_machines_fault(tmp_path,
                                                                                               monkeypatch):
    import sqlite3

    monkeypatch.setattr("arena.db.BUSY_SECONDS", 0.1)
    database = open_database(tmp_path / "cup.sqlite")
    with database.transaction():
        database.execute("CREATE TABLE t (x INTEGER)")
    other = sqlite3.connect(tmp_path / "cup.sqlite", isolation_level=None)  # an sqlite3 shell, say
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(HarnessError, match="cup.sqlite: another process has kept a write to it open for 0.1 s .* "
                                           "end it, then run the same command again"):
        with database.transaction():
            database.execute("INSERT INTO t VALUES (1)")
    other.execute("ROLLBACK")
    with database.transaction():  # once it is ended
        database.execute("INSERT INTO t VALUES (1)")
    other.close()
    database.close()


def test_files_beside_a_database_and_its_name_in_messages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert files_beside(tmp_path / "cup.sqlite", "replays") == tmp_path / "cup-replays"
    assert files_beside("postgresql://arena@db.example.org/cup", "uploads") == tmp_path / "cup-uploads"
    hidden = describe("postgresql://arena:secret@db.example.org:5433/cup")
    assert hidden == "postgresql://arena:***@db.example.org:5433/cup"
    assert describe("postgresql://db.example.org/cup") == "postgresql://db.example.org/cup"


@pytest.mark.parametrize("url", [
    "postgresql://arena:pa#ss?w@db.example.org/cup",  # libpq takes ? and # in a password as they are
    "postgresql://db.example.org/?dbname=cup",
    "postgresql://db.example.org/test?dbname=cup",  # the parameter is the database connected to
    "postgresql:///cup?host=/run/postgresql",
])
def test_the_files_beside_a_postgresql_database_are_named_after_the_database_it_connects_to(url, tmp_path,
                                                                                              monkeypatch):
    pytest.importorskip("psycopg", reason="PostgreSQL needs its extra: pip install -e '.[serve]'")
    monkeypatch.chdir(tmp_path)
    assert files_beside(url, "replays") == tmp_path / "cup-replays"


@pytest.mark.parametrize("url, shown", [
    # a password typed with characters a URL reserves, not percent-encoded: none of it shown
    ("postgresql://arena:p@ss/word#1@db.example.org/cup", "postgresql://arena:***@db.example.org/cup"),
    ("postgresql://arena:pa#ss?w@db.example.org/cup", "postgresql://arena:***@db.example.org/cup"),
    ("postgres://:s3cret@db.example.org/cup", "postgres://:***@db.example.org/cup"),
    # libpq takes the password as a parameter too
    ("postgresql://arena@db.example.org/cup?sslmode=require&password=s3cret",
     "postgresql://arena@db.example.org/cup?sslmode=require&password=***"),
    # and the password of the client's key, as sslpassword=
    ("postgresql://arena@db.example.org/cup?sslkey=arena.key&sslpassword=s3cret",
     "postgresql://arena@db.example.org/cup?sslkey=arena.key&sslpassword=***"),
])
def test_a_urls_password_is_never_shown_in_part(url, shown):
    assert describe(url) == shown


def test_sqlite_files_are_written_as_before_and_old_ones_keep_opening(tmp_path):
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as connection:  # a store from before entrants had a problem or seats a clock
        connection.executescript(textwrap.dedent("""
            CREATE TABLE entrants (id INTEGER PRIMARY KEY, name TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,
                source TEXT NOT NULL, archive TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
                registered_at REAL NOT NULL);
            CREATE TABLE result_seats (match_id INTEGER NOT NULL, seat INTEGER NOT NULL, entrant_id INTEGER NOT NULL,
                score REAL NOT NULL, rank INTEGER NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL,
                moves INTEGER NOT NULL, PRIMARY KEY (match_id, seat));
            INSERT INTO entrants VALUES (1, 'old', 'digest-old', '/subs/old', '/archive/old', 1, 0);
        """))
    connection.close()
    store = ResultsStore(old)
    assert [(e.name, e.problem) for e in store.entrants()] == [("old", "")]
    store.close()
    with sqlite3.connect(old) as connection:  # the seats' columns in the order every store reads them
        columns = [row[1] for row in connection.execute("PRAGMA table_info(result_seats)")]
    connection.close()
    assert columns[-4:] == ["moves", "time_used", "time_to_start", "time_held"]

    db = open_database(tmp_path / "new.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db.close()
    fresh = tmp_path / "fresh.sqlite"
    ResultsStore(fresh).close()
    with sqlite3.connect(fresh) as connection:
        tables = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    connection.close()
    assert "id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL" in tables["entrants"]  # SQLite's own types, as written
    assert "duration REAL NOT NULL" in tables["results"]


def test_a_store_whose_seats_hold_their_columns_in_another_order_records_and_reads_them(tmp_path):
    path = tmp_path / "dev.sqlite"
    with sqlite3.connect(path) as connection:  # as a development version left it: a column since dropped, one order
        connection.executescript(textwrap.dedent("""
            CREATE TABLE result_seats (match_id INTEGER NOT NULL, seat INTEGER NOT NULL, entrant_id INTEGER NOT NULL,
                score REAL NOT NULL, rank INTEGER NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL,
                moves INTEGER NOT NULL, time_off_clock REAL NOT NULL DEFAULT 0, time_used REAL NOT NULL DEFAULT 0,
                PRIMARY KEY (match_id, seat));
        """))
    connection.close()
    store = results_store(path)
    store.acquire_lease()
    match = store.schedule()[0]
    assert store.record(match, result(match), None)
    assert [(s.time_used, s.time_to_start, s.time_held) for s in store.results()[0].seats] == [
        (0.25, 0.125, 0.0), (0.5, 0.25, 0.5)]
    store.close()
