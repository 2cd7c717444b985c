"""The tournament's player processes: forked from a driver with no other thread and no sandbox,
spawned otherwise, the same results either way; a player that dies costs only its blocks in play."""

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from arena.sandbox.agent import WORKDIR_PREFIX
from arena.sandbox.cgroups import available_bases
from arena.tournament import Settings, Tournament
from arena.tournament.runner import ProcessPoolBackend


FORKED_AND_SPAWNED = textwrap.dedent('''
    import sys, threading
    from arena.tournament.blocks import EntrantPackage, play_block
    from arena.tournament.players import Player

    folder = sys.argv[1]
    settings = {"env": "othello", "options": {}}
    packages = {1: EntrantPackage(1, "random", "d1", path=folder + "/random"),
                2: EntrantPackage(2, "greedy", "d2", path=folder + "/greedy")}
    block = [(1, 11, (1, 2)), (2, 12, (2, 1))]
    forked = Player()  # no other thread, no sandbox yet
    threading.Thread(target=threading.Event().wait, daemon=True).start()
    spawned = Player()
    results = []
    for player in (forked, spawned):
        player.send(settings, packages, block)
        played, over = [], False
        while not over:  # match by match, the last saying the block is over
            more, over = player.receive()
            played += more
        results.append(played)
        player.close()
    here = play_block(settings, packages, block)
    print(type(forked.process).__name__, type(spawned.process).__name__,
          [[(match_id, played["outcome"]) for match_id, played in result] for result in results] ==
          [[(match_id, played["outcome"]) for match_id, played in here]] * 2)
''')

A_PLAYER_DIES = textwrap.dedent('''
    import os, sys
    from arena.tournament import Settings, Tournament, players
    from arena.tournament.runner import ProcessPoolBackend

    folder, db = sys.argv[1], sys.argv[2]
    healthy = players.play_while_in_play
    players.play_while_in_play = lambda settings, packages, block, withdrawn: os._exit(9)  # what the forked player runs
    dying = ProcessPoolBackend(2)
    players.play_while_in_play = healthy
    tournament = Tournament(db, Settings(env="othello", games_per_pair=2, seed=5))
    tournament.register_folder(folder)
    played = tournament.play(dying)
    failures = tournament.store.failures()
    print(played, len(failures), sorted(set(failures.values())))
    print(tournament.play(ProcessPoolBackend(2)), tournament.store.finished_count(), len(tournament.store.schedule()))
''')


CLEANS_UP = textwrap.dedent('''
    import sys
    from arena.tournament import Settings, Tournament
    from arena.tournament.runner import ProcessPoolBackend

    folder, db = sys.argv[1], sys.argv[2]
    backend = ProcessPoolBackend(2)
    player = backend._players[0].process.pid
    with Tournament(db, Settings(env="othello", games_per_pair=2, seed=5)) as tournament:
        tournament.register_folder(folder)
        print(player, tournament.play(backend))
''')


def run(code: str, *args) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_player_is_forked_when_it_can_be_and_plays_as_a_spawned_one_does(submissions):
    assert run(FORKED_AND_SPAWNED, submissions) == ["ForkProcess SpawnProcess True"]


def test_a_player_that_dies_fails_only_its_blocks_in_play_and_the_next_run_plays_them(othello_entrants, tmp_path):
    first, second = run(A_PLAYER_DIES, othello_entrants, tmp_path / "t.sqlite")
    played, failed, reasons = first.split(" ", 2)
    # 12 matches in 6 blocks of 2, 3 a queue: the player died with 1 or 2 blocks sent to it; the
    # driver played its own queue and what was left of the player's.
    assert int(failed) in (2, 4) and int(played) == 12 - int(failed)
    assert reasons == "['the worker playing it failed: its process ended (exit code 9)']"
    assert second.split() == [failed, "12", "12"]  # each match recorded once


def test_a_player_closes_its_sandboxes_when_it_ends(othello_entrants, tmp_path):
    (line,) = run(CLEANS_UP, othello_entrants, tmp_path / "t.sqlite")
    player, played = map(int, line.split())
    assert played == 12
    assert not list(Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}{player}-*"))  # no sandbox folder left
    assert not any(group.name.startswith(f"arena-{player}-") for base in (available_bases() or {}).values()
                   for group in base.iterdir())  # no cgroup left


def test_players_and_their_sandboxes_live_from_one_round_to_the_next(othello_entrants, tmp_path):
    backend = ProcessPoolBackend(2)
    player = backend._players[0].process
    with Tournament(tmp_path / "s.sqlite", Settings(seed=0, env="othello", format="swiss", games_per_pair=2, rounds=3)) as swiss:
        swiss.register_folder(othello_entrants)
        assert swiss.play(backend) == 12  # three rounds of two pairings, each round a run of its own
        assert backend._players[0].process is player and player.is_alive()
        # A sandbox is started at most once per entrant in each of the two players, over all rounds.
        assert 4 <= len(list(swiss.log_dir.glob("*.log"))) <= 8
    backend.close()
    assert not player.is_alive() and not backend._players


def test_each_match_is_handed_over_for_recording_as_it_ends_not_with_its_block(othello_entrants, tmp_path):
    """A block's first games are recorded (and shown) while its last are still played, on the player
    processes and on the driver alike: Ctrl-C, or a killed player, loses no game that had ended."""
    backend = ProcessPoolBackend(2)
    handed = []
    real_run = backend.run

    def watched(settings, packages, blocks, withdrawn):
        assert max(map(len, blocks)) > 1  # blocks of several games
        for played in real_run(settings, packages, blocks, withdrawn):
            handed.append(len(played))
            yield played

    backend.run = watched
    with Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello", games_per_pair=4)) as league:
        league.register_folder(othello_entrants)
        assert league.play(backend) == 24
    backend.close()
    assert handed == [1] * 24


def test_processes_unpacking_the_same_entrant_at_once_all_get_the_whole_zip(tmp_path):
    # Workers on one machine (pool processes, a Ray worker beside the server) write a zipped entrant
    # to the shared temporary folder at the same moment: none may fail or read a partial file.
    script = textwrap.dedent('''
        import hashlib, sys, tempfile, time
        from arena.tournament.blocks import EntrantPackage, _unpacked

        tempfile.tempdir = sys.argv[1]
        time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all start together
        for version in range(40):  # every process writes the same 40 versions, in the same order
            zipped = bytes([version]) * 1_000_000
            package = EntrantPackage(1, "big", hashlib.sha256(zipped).hexdigest(), zipped=zipped)
            assert _unpacked(package).read_bytes() == zipped, version
        print("ok")
    ''')
    start = time.time() + 2
    writers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(start)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [writer.communicate(timeout=120) for writer in writers]
    assert [(writer.returncode, out.strip()) for writer, (out, _) in zip(writers, outcomes)] == [(0, "ok")] * 4, \
        [err for _, err in outcomes]
    assert not list((tmp_path / f"arena-entrants-{os.geteuid()}").glob("*.part"))


def test_players_play_the_registered_copy_where_it_lies_without_a_copy_of_their_own(othello_entrants, tmp_path,
                                                                                    monkeypatch):
    # An entrant may hold up to 2 GiB: a copy per player in the temporary folder (memory, where it is a tmpfs,
    # that no agent's limit counts) would cost that much again for every worker.
    from arena.submission import SUBMISSION_PREFIX

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    backend = ProcessPoolBackend(2)
    with Tournament(tmp_path / "t.sqlite", Settings(seed=0, env="othello", games_per_pair=2)) as league:
        league.register_folder(othello_entrants)
        assert league.play(backend) == 12
        assert all(player.process.is_alive() for player in backend._players)  # their sandboxes still open
        assert list((tmp_path / "tmp").glob(f"{SUBMISSION_PREFIX}*")) == []
        assert league.store.failures() == {}
        assert all(result.outcome.startswith("black ") for result in league.store.results())  # played out
    backend.close()
