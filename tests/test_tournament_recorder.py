"""Recording off the playing thread: each result recorded once, in order, reported on the caller's
thread; what was played before play stopped is recorded; an error while recording stops play."""

import errno
import os
import threading

import pytest

from arena.errors import ArenaError
from arena.tournament import Settings, Tournament
from arena.tournament.runner import Backend, ProcessPoolBackend, blocks_of, play_pending, route
from arena.tournament.store import StoreBusy


class StopsAfter(Backend):
    """Plays here, and raises `error` once `matches` have been handed over (one at a time, as they end)."""

    def __init__(self, matches: int, error: BaseException):
        self.matches, self.error = matches, error

    def run(self, settings, packages, blocks, withdrawn=frozenset()):
        for played in list(super().run(settings, packages, blocks, withdrawn))[:self.matches]:
            yield played
        raise self.error


@pytest.fixture
def tournament(othello_entrants, tmp_path):
    with Tournament(tmp_path / "t.sqlite", Settings(env="othello", games_per_pair=2, seed=3)) as opened:
        opened.register_folder(othello_entrants)
        yield opened


def test_every_result_is_reported_once_in_order_on_the_callers_thread(tournament):
    seen = []
    recorded = tournament.play(Backend(), on_match=lambda result: seen.append((threading.get_ident(), result.seed)))
    assert recorded == len(seen) == 12
    assert {thread for thread, _ in seen} == {threading.get_ident()}
    assert [seed for _, seed in seen] == [r.seed for r in sorted(tournament.store.results(), key=lambda r: r.match_id)]


def test_what_was_played_before_play_stopped_is_recorded(tournament):
    with pytest.raises(KeyboardInterrupt):
        tournament.play(StopsAfter(3, KeyboardInterrupt()))
    assert tournament.store.finished_count() == 3  # its block's other game too: each match as it ended
    assert tournament.play(Backend()) == 9  # the next run plays the rest


@pytest.mark.parametrize("make_backend", [Backend, lambda: ProcessPoolBackend(2)], ids=["here", "two workers"])
def test_the_games_of_an_entrant_withdrawn_from_play_are_not_played(tournament, make_backend):
    # `arena serve` retires or disqualifies an entrant while a batch is under way: its games not yet begun
    # stay unplayed, for the store to cancel.
    backend = make_backend()
    tournament.extend_schedule()
    try:
        recorded = play_pending(tournament.store, tournament.play_settings(backend), tournament.replay_dir, backend,
                                withdrawn={1})
    finally:
        backend.close()
    seated = [{seat.entrant_id for seat in match.seats} for match in tournament.store.results()]
    assert recorded == len(seated) == 6 and not any(1 in seats for seats in seated)
    assert all(1 in match.seats for match in tournament.store.pending())


def test_a_block_under_way_stops_at_its_next_game_once_an_entrant_of_it_is_withdrawn(othello_entrants, tmp_path):
    # A pairing's games are played as a block; an entrant withdrawn during its first game plays none of the rest.
    after = []  # the games of the withdrawn entrant played once it was withdrawn

    class WithdrawsAfterItsFirstGame(Backend):
        def run(self, settings, packages, blocks, withdrawn=frozenset()):
            seats = {match_id: seats for block in blocks for match_id, _, seats in block}
            for played in super().run(settings, packages, blocks, withdrawn):
                if 1 in seats[played[0][0]]:
                    if 1 in withdrawn:
                        after.append(played[0][0])
                    withdrawn.add(1)  # the organiser disqualifies it as its first game ends
                yield played

    with Tournament(tmp_path / "t.sqlite", Settings(env="othello", games_per_pair=4, seed=3, max_steps=4)) as tournament:
        tournament.register_folder(othello_entrants)
        tournament.extend_schedule()
        assert max(map(len, blocks_of(tournament.store.pending()))) == 4  # blocks of several games
        play_pending(tournament.store, tournament.play_settings(Backend()), tournament.replay_dir,
                     WithdrawsAfterItsFirstGame(), withdrawn=set())
        left = [m for m in tournament.store.pending() if 1 in m.seats]
    assert after == [] and len(left) == 12  # its first game too: it ended once the entrant was out


def test_players_begin_no_game_of_an_entrant_withdrawn_in_the_blocks_they_hold(othello_entrants, tmp_path):
    # Each player holds two blocks of up to four games: an entrant withdrawn meanwhile begins no more of
    # them. Its games are slow, as a newcomer's that `arena serve` retires may be.
    slow = othello_entrants / "greedy_b" / "agent.py"
    slow.write_text("import time\n" + slow.read_text().replace("def predict(self, obs):",
                                                               "def predict(self, obs):\n        time.sleep(0.05)"))
    after = []  # the games of the withdrawn entrant that came back once it was withdrawn

    class WithdrawsAfterItsFirstGame(ProcessPoolBackend):
        def run(self, settings, packages, blocks, withdrawn=frozenset()):
            seats = {match_id: seats for block in blocks for match_id, _, seats in block}
            entrant = next(e for e, package in packages.items() if package.label.startswith("greedy_b@"))
            assert any(entrant in seats for block in route(blocks, 2)[1] for _, _, seats in block)  # a player's
            for played in super().run(settings, packages, blocks, withdrawn):
                of_it = [match_id for match_id, _ in played if entrant in seats[match_id]]
                after.extend(of_it if entrant in withdrawn else [])
                if of_it:
                    withdrawn.add(entrant)
                yield played

    backend = WithdrawsAfterItsFirstGame(2)
    try:
        with Tournament(tmp_path / "t.sqlite", Settings(env="othello", games_per_pair=8, seed=3,
                                                        max_steps=12)) as tournament:
            tournament.register_folder(othello_entrants)
            tournament.extend_schedule()
            play_pending(tournament.store, tournament.play_settings(backend), tournament.replay_dir, backend,
                         withdrawn=set())
    finally:
        backend.close()
    # A game the player ended while this process played its own, and the one it had under way; without
    # the players told, the rest of the blocks a player holds.
    assert len(after) <= 2


def test_ray_sends_no_block_of_an_entrant_withdrawn_before_the_block_was_due(tournament):
    pytest.importorskip("ray", reason="the Ray backend is tested where the ray extra is installed")
    from arena.tournament.runner import RayBackend

    after = []  # the games of the withdrawn entrant played once it was withdrawn

    class WithdrawsAtTheFirstResult(RayBackend):
        def run(self, settings, packages, blocks, withdrawn=frozenset()):
            seats = {match_id: seats for block in blocks for match_id, _, seats in block}
            for played in super().run(settings, packages, blocks, withdrawn):
                after.extend(match_id for match_id, *_ in played if 1 in withdrawn and 1 in seats[match_id])
                withdrawn.add(1)
                yield played

    tournament.extend_schedule()
    backend = WithdrawsAtTheFirstResult(1, None)  # one CPU: one block at a time
    recorded = play_pending(tournament.store, tournament.play_settings(backend), tournament.replay_dir, backend,
                            withdrawn=set())
    assert after == [] and 0 < recorded < 12


class WaitsForTheFirstRecord(Backend):
    """Plays here, handing over the first match alone: the next wait until it is recorded."""

    def __init__(self, recorded: threading.Event):
        self.recorded = recorded

    def run(self, settings, packages, blocks, withdrawn=frozenset()):
        for number, played in enumerate(super().run(settings, packages, blocks, withdrawn)):
            yield played
            if number == 0:
                assert self.recorded.wait(60)


def test_an_error_while_recording_stops_play_with_that_error(tournament, monkeypatch):
    store = tournament.store
    record_many = store.record_many
    calls, first = [], threading.Event()

    def lost_the_lease(finished):
        calls.append(len(finished))
        if len(calls) == 2:
            raise StoreBusy("another process took the store over")
        try:
            return record_many(finished)
        finally:
            first.set()

    monkeypatch.setattr(store, "record_many", lost_the_lease)
    with pytest.raises(StoreBusy, match="took the store over"):
        tournament.play(WaitsForTheFirstRecord(first))
    assert calls[0] == 1 and store.finished_count() == 1  # the first match; nothing after the failed transaction


def test_a_full_disk_stops_play_saying_so_and_the_next_run_plays_the_rest(tournament, monkeypatch):
    from arena import replay

    real_save, saved = replay.save, []

    def disk_full_after_two(result, path):
        if len(saved) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        saved.append(real_save(result, path))
        return saved[-1]

    monkeypatch.setattr(replay, "save", disk_full_after_two)
    with pytest.raises(ArenaError, match=r"could not write the replay of match 3 .*\(No space left on device\)"):
        tournament.play(Backend())
    assert tournament.store.finished_count() == 2 and not list(tournament.replay_dir.glob("*.tmp"))
    monkeypatch.setattr(replay, "save", real_save)
    assert tournament.play(Backend()) == 10


@pytest.mark.parametrize("error, fix", [
    (errno.ENOSPC, "free some space there"),
    (errno.EMFILE, r"raise the limit on open files \(ulimit -n\)"),
    (errno.EROFS, "make it writable"),
])
def test_a_replay_that_cannot_be_written_says_what_would_let_it_be(tournament, monkeypatch, error, fix):
    from arena import replay

    def fails(result, path):
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(replay, "save", fails)
    with pytest.raises(ArenaError, match=rf"could not write the replay of match 1 .*\({os.strerror(error)}\); {fix}"):
        tournament.play(Backend())


def test_a_sandbox_the_machine_cannot_start_blames_no_entrant_and_the_next_run_plays_it(tournament, full_disk_for):
    from arena.sandbox.agent import WORKDIR_PREFIX
    from arena.tournament import blocks

    blocks.close_sandboxes()  # this process's sandboxes from earlier tests would be reused
    restore = full_disk_for(WORKDIR_PREFIX)
    assert tournament.play(Backend()) == 0
    failures = tournament.store.failures()
    assert len(failures) == 12 and tournament.store.finished_count() == 0  # noted, not lost by anyone
    assert all("could not start a sandbox" in reason and "this machine's doing, not the agent's" in reason
               for reason in failures.values())
    restore()
    assert tournament.play(Backend()) == 12 and not tournament.store.failures()
    assert all(seat.status == "ok" for result in tournament.store.results() for seat in result.seats)
