"""arena serve after a stop at any moment, under concurrent changes and against entrants that abuse
continuous play: who plays whom, what a game's public page tells, and what is left on disk."""

import io
import os
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import Site

pytest.importorskip("starlette", reason="arena serve needs its extra: pip install -e '.[serve]'")
pytest.importorskip("httpx", reason="the test client needs httpx: pip install -e '.[test]'")

from arena.serve.competition import Competition  # noqa: E402
from arena.serve.scheduler import Scheduler  # noqa: E402
from arena.serve.store import ACTIVE, DISQUALIFIED, RETIRED  # noqa: E402
from arena.serve.upkeep import recover, tidy  # noqa: E402
from arena.serve.uploads import UploadLimits  # noqa: E402
from arena.tournament import CONTINUOUS, Settings, Tournament  # noqa: E402
from arena.tournament.runner import Backend  # noqa: E402
from arena.tournament.store import ResultsStore  # noqa: E402

RANDOM = "from arena.agents import RandomAgent\n\n\nclass SubmittedAgent(RandomAgent):\n    pass\n"


class Killed(BaseException):
    """The server's process ending between two writes."""


def _killed(*args, **kwargs):
    raise Killed


def _active_entrants(site: Site) -> set[int]:
    results = ResultsStore(site.db)
    try:
        return {entrant.id for entrant in results.entrants(active_only=True)}
    finally:
        results.close()


def _upload_and_validate(site: Site, token: str, comment: str = "") -> int:
    """Upload a RandomAgent (`comment` at the end of its agent.py makes other content) and validate it; its number."""
    answer = site.upload(_random_zip(comment), token=token)
    assert answer.status_code == 201, answer.text
    while site.validator.validate_next():
        pass
    return answer.json()["id"]


def _random_zip(comment: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("agent.py", RANDOM + comment)
    return buffer.getvalue()


def test_a_server_killed_in_the_middle_of_a_disqualification_or_a_retirement_leaves_the_entrant_out_of_play(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    first = _upload_and_validate(site, site.alice_token)
    entrant = site.store.submission(first).entrant_id
    competition = site.app.state.competition
    competition.store.set_status = _killed  # killed once the first of its two writes is made
    with pytest.raises(Killed):
        competition.disqualify(first, "cheats")
    assert entrant not in _active_entrants(site)

    bob_first = _upload_and_validate(site, site.bob_token, "# bob\n")
    bob_entrant = site.store.submission(bob_first).entrant_id
    site.store.retire = _killed
    with pytest.raises(Killed):  # bob's second retires his first
        _upload_and_validate(site, site.bob_token, "# bob 2\n")
    assert bob_entrant not in _active_entrants(site)


def test_after_a_restart_a_disqualified_or_retired_submission_that_was_still_marked_playing_never_plays(tmp_path):
    site = Site(tmp_path)
    # What an older server killed between its two writes left: the statuses written, the entrants still active.
    disqualified = _upload_and_validate(site, site.alice_token)
    retired = _upload_and_validate(site, site.bob_token, "# bob\n")
    playing = [_upload_and_validate(site, site.alice_token, "# alice 2\n"),
               _upload_and_validate(site, site.bob_token, "# bob 2\n")]
    site.store.set_status(disqualified, DISQUALIFIED, "disqualified by the organiser")
    site.store.set_status(retired, RETIRED, "retired")
    out = {site.store.submission(number).entrant_id for number in (disqualified, retired)}
    assert out <= _active_entrants(site)

    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        recover(site.store, tournament.store, site.config.uploads_dir)
        assert Scheduler(tournament, Backend(), batch_games=4, placement_games=0).step() == 4
        seated = {seat.entrant_id for match in tournament.store.results() for seat in match.seats}
    assert seated == {site.store.submission(number).entrant_id for number in playing}
    assert _active_entrants(site) == seated
    assert site.store.submission(disqualified).status == DISQUALIFIED



def test_a_submission_disqualified_during_a_batch_plays_and_is_recorded_no_more(tmp_path):
    site = Site(tmp_path)
    cheat = _upload_and_validate(site, site.alice_token)
    _upload_and_validate(site, site.bob_token, "# bob\n")
    _upload_and_validate(site, site.bob_token, "# bob 2\n")
    cheat_entrant = site.store.submission(cheat).entrant_id
    after = []  # the cheat's games played once it was disqualified

    class OrganiserActsAfterTheFirstGame(Backend):
        def run(self, settings, packages, blocks, withdrawn=frozenset()):
            for number, played in enumerate(super().run(settings, packages, blocks, withdrawn)):
                if number == 0:
                    competition.disqualify(cheat, "cheats")
                elif any(cheat_entrant in match[2] for block in blocks for match in block if match[0] == played[0][0]):
                    after.append(played[0][0])
                yield played

    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        scheduler = Scheduler(tournament, OrganiserActsAfterTheFirstGame(), batch_games=6, placement_games=0)
        competition = Competition(site.config, on_withdraw=scheduler.withdraw)
        recorded = scheduler.step()
        results = tournament.store.results()
        tournament.store.cancel_unplayed_with_retired()
        left = tournament.store.pending()
    assert recorded == len(results) >= 2
    assert all(cheat_entrant not in {seat.entrant_id for seat in match.seats} for match in results)
    assert after == []  # not even the rest of the block under way
    assert left == []

def test_an_earlier_copy_disqualified_while_a_validator_activates_the_same_content_never_plays(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    evil = _upload_and_validate(site, site.alice_token)
    _upload_and_validate(site, site.alice_token, "# other\n")  # retires the first
    again = site.upload(_random_zip()).json()["id"]  # one's own retired content may come back
    competition = site.app.state.competition
    checked = site.validator._taken_over
    organiser = threading.Thread(target=competition.disqualify, args=(evil, "cheats"))

    def organiser_acts_after_the_check(source, submission):
        answer = checked(source, submission)
        organiser.start()
        organiser.join(1.0)  # done by now unless it waits for the activation to be over
        return answer

    site.validator._taken_over = organiser_acts_after_the_check
    site.validator.validate_next()
    organiser.join()
    assert site.store.submission(evil).status == DISQUALIFIED
    assert site.store.submission(again).entrant_id not in _active_entrants(site)


def test_disqualifying_a_retired_copy_disqualifies_the_same_files_uploaded_again(tmp_path):
    site = Site(tmp_path, UploadLimits(max_active=1))
    evil = _upload_and_validate(site, site.alice_token)
    _upload_and_validate(site, site.alice_token, "# other\n")  # retires the first
    again = _upload_and_validate(site, site.alice_token)  # its files again: the same entrant plays
    assert site.store.submission(again).status == ACTIVE
    site.app.state.competition.disqualify(evil, "cheats")
    assert site.store.submission(again).entrant_id not in _active_entrants(site)
    assert site.store.submission(again).status == DISQUALIFIED  # not shown as playing while it plays no more
    assert f"submission {evil}" in site.store.submission(again).reason


def test_upload_folders_a_stopped_server_was_unpacking_or_had_not_recorded_are_removed_at_start(tmp_path):
    site = Site(tmp_path)
    kept = _upload_and_validate(site, site.alice_token)
    unfinished = site.config.uploads_dir / "upload-m4ckau90"
    (unfinished / "weights").mkdir(parents=True)
    (unfinished / "weights" / "w.bin").write_bytes(b"\0" * 4096)
    (unfinished / "big.zip").write_bytes(b"PK")
    # Checked and moved into place, killed before its submission was written: no row names it.
    unwritten = site.config.uploads_dir / "0123456789abcdef-89abcdef"
    (unwritten / "weights").mkdir(parents=True)
    (unwritten / "agent.py").write_text(RANDOM)
    (site.config.uploads_dir / "organisers-notes").mkdir()  # not the server's: left alone
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        recover(site.store, tournament.store, site.config.uploads_dir)
    assert not unfinished.exists() and not unwritten.exists()
    assert (site.config.uploads_dir / "organisers-notes").is_dir()
    submission = site.store.submission(kept)
    assert submission.status == ACTIVE and (site.config.uploads_dir / submission.folder).is_dir()
    assert submission.entrant_id in _active_entrants(site)


def test_a_start_after_a_kill_tells_the_organiser_what_the_last_run_left_and_what_happens_to_it(tmp_path):
    site = Site(tmp_path)
    _upload_and_validate(site, site.alice_token)
    _upload_and_validate(site, site.bob_token, "# bob\n")
    assert site.upload(_random_zip("# waiting\n")).status_code == 201  # killed before it was validated
    (site.config.uploads_dir / "0123456789abcdef-89abcdef").mkdir()  # killed as an upload was stored
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4, format=CONTINUOUS)) as tournament:
        scheduler = Scheduler(tournament, Backend(), batch_games=4)
        tournament.store.add_to_schedule(scheduler.plan())  # killed before any game of the batch ended
        tournament.store.record_failure(tournament.store.pending()[0].match_id, "the worker playing it failed")
        said = recover(site.store, tournament.store, site.config.uploads_dir)
        assert said == ("the last run left 4 games unplayed, played first now; 1 submission waiting for its "
                        "validation; 1 upload half stored, removed (its sender is to send it again)")
        scheduler.store.clear_failures()
        assert scheduler.tick() == 4
        assert recover(site.store, tournament.store, site.config.uploads_dir) == (
            "the last run left 1 submission waiting for its validation")
        while site.validator.validate_next():
            pass
        assert recover(site.store, tournament.store, site.config.uploads_dir) is None  # nothing to tell


# --- continuous play: what a game's page tells, what play keeps on disk, who plays whom ---------------


CRASHER = ("import os\nfrom arena.agents import RandomAgent\n\n\nclass SubmittedAgent(RandomAgent):\n"
           "    def predict(self, obs):\n        print('going', flush=True)\n        os._exit(3)\n")


def _enter_unvalidated(tournament: Tournament, folder) -> int:
    """An entrant that plays without a validation (one that would fail it, to see what its games record)."""
    entrant, _ = tournament.store.register(folder.name, f"digest-{folder.name}", f"test:{folder.name}", str(folder))
    return entrant.id


def test_a_crash_on_a_game_page_or_in_its_replay_names_no_file_or_process_of_the_server(tmp_path, write_submission):
    site = Site(tmp_path)
    site.enter_two()
    with Tournament(site.db, Settings(env="othello", max_steps=8, seed=0)) as tournament:
        crasher = _enter_unvalidated(tournament, write_submission("crasher", CRASHER))
        assert Scheduler(tournament, Backend(), batch_games=2, placement_games=2).step() == 2
        [match, *_] = [m for m in tournament.store.results() if any(s.status == "crash" for s in m.seats)]
        [recorded] = [s.detail for s in match.seats if s.entrant_id == crasher]
    log_file = Path(recorded.rsplit("; see ", 1)[1])
    assert "exited with code 3; see " in recorded and log_file.is_file()  # kept whole for the organiser

    for path in (f"/games/{match.match_id}", f"/games/{match.match_id}/replay.json"):
        shown = site.client.get(path).text
        assert "exited with code 3; the organiser has its log" in shown, path
        assert str(log_file.parent) not in shown and log_file.name not in shown and ".log" not in shown, path


def test_agents_logs_are_kept_to_the_organisers_cap_the_newest(tmp_path):
    site = Site(tmp_path)
    log_dir = tmp_path / "competition-logs"
    log_dir.mkdir()
    now = time.time()
    for age in range(6):  # a chatty agent's sandbox opened six times, a minute apart
        log = log_dir / f"chatty-4175-{6 - age}.log"
        log.write_bytes(b"x" * (1 << 20))
        os.utime(log, (now - 60 * age, now - 60 * age))
    (log_dir / "notes.txt").write_text("the organiser's own")
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        tidy(site.store, tournament.store, log_dir, max_log_bytes=(5 << 20) // 2)
    assert sorted(path.name for path in log_dir.iterdir()) == ["chatty-4175-5.log", "chatty-4175-6.log", "notes.txt"]


def test_a_participants_own_entrants_never_play_each_other(tmp_path):
    site = Site(tmp_path)
    site.enter_two()  # alice's random and another's greedy
    assert site.upload(_random_zip("# alice's second\n")).status_code == 201
    while site.validator.validate_next():
        pass
    alices = {s.entrant_id for s in site.store.submissions(site.alice.id)}
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=4)) as tournament:
        for placement_games in (10, 0):  # placing newcomers, then where games teach most
            scheduler = Scheduler(tournament, Backend(), batch_games=8, placement_games=placement_games,
                                  owners=site.store.entrant_owners)
            planned = [set(seats) for _, _, seats in scheduler.plan()]
            assert planned and alices not in planned and all(len(seats & alices) == 1 for seats in planned)


def test_at_a_table_of_more_seats_a_participant_sits_once_while_enough_participants_play(tmp_path, write_submission):
    settings = Settings(env="snake", options={"num_snakes": 3, "height": 9, "width": 11}, format=CONTINUOUS, seed=0)
    with Tournament(tmp_path / "competition.sqlite", settings) as tournament:
        entrants = [_enter_unvalidated(tournament, write_submission(f"snake{n}", RANDOM)) for n in range(5)]
        alice, bob, carol = entrants[:3], entrants[3], entrants[4]
        owners = {**dict.fromkeys(alice, 1), bob: 2, carol: 3}
        tables = Scheduler(tournament, Backend(), batch_games=12, owners=lambda: owners).plan()
    assert len(tables) == 12
    assert all(len(set(seats) & set(alice)) == 1 and {bob, carol} <= set(seats) for _, _, seats in tables)


def test_no_entrant_sits_in_more_than_its_share_of_a_batch_not_even_a_newcomer(tmp_path, write_submission):
    with Tournament(tmp_path / "competition.sqlite", Settings(seed=0, env="othello")) as tournament:
        entrants = [_enter_unvalidated(tournament, write_submission(f"agent{n}", RANDOM)) for n in range(6)]
        planned = Scheduler(tournament, Backend(), batch_games=16).plan()
    seated = Counter(entrant for _, _, seats in planned for entrant in seats)
    assert len(planned) == 16 and set(seated) == set(entrants)
    assert max(seated.values()) <= 6  # 32 seats among 6 entrants, a pairing's two games together


# Takes its time at every game's start (its _initialize runs again in a sandbox kept open): off its clock.
SLOW_STARTER = """
import time
from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    def _initialize(self):
        time.sleep(0.4)
"""


def test_an_entrant_whose_games_last_long_takes_about_the_time_the_others_do_not_its_share_of_games(
        tmp_path, write_submission):
    settings = Settings(env="othello", max_steps=6, format=CONTINUOUS, seed=1)
    with Tournament(tmp_path / "competition.sqlite", settings) as tournament:
        fast = [_enter_unvalidated(tournament, write_submission(f"agent{n}", RANDOM)) for n in range(3)]
        slow = _enter_unvalidated(tournament, write_submission("slow", SLOW_STARTER))
        scheduler = Scheduler(tournament, Backend(), batch_games=8, placement_games=0)
        for _ in range(8):
            scheduler.step()
        results = tournament.store.results()
    first, later = ([m for m in results if (m.round == 0) == first_batch] for first_batch in (True, False))
    seated = [Counter(s.entrant_id for m in batch for s in m.seats) for batch in (first, later)]
    # Before its games were timed it sat in its share of the batch, as every entrant does; then, its
    # games lasting a hundred times the others', in about one batch in a hundred (once its first
    # batch, whose games include each sandbox's start, no longer counts), not in its share of each.
    assert seated[0][slow] == 4 and set(seated[0]) == {*fast, slow}
    assert len(later) >= 7 * 6 and seated[1][slow] <= 4, seated[1]


def _timed_game(number: int, seats: dict[int, float], rest: float = 0.05):
    """A stored two-seat game in which each entrant of `seats` took its seconds of its own time, and the
    game's and the harness's work `rest` seconds besides."""
    from arena.tournament.store import MatchRecord, SeatRecord

    records = tuple(SeatRecord(e, f"e{e}", 0.5, 1, "ok", "", 10, time_used=own / 2, time_to_start=own / 4,
                               time_held=own / 4)
                    for e, own in seats.items())
    return MatchRecord(number, 0, number, "othello", {}, records, "draw", None, 60, sum(seats.values()) + rest, "", 0.0)


def test_an_opponents_slowness_is_its_own_and_never_counted_as_anothers():
    from arena.serve.scheduler import SLOW_FACTOR, slowness

    # Mallory's entrants 2, 3 and 4 take 10 s of their own in every game with rival 1 (0.01 s
    # elsewhere); entrant 6 is slow with everyone it meets; 1, 5, 7, 8 and 9 take 0.01 s a game.
    # Each game is 0.05 s of other work.
    results = [_timed_game(n, {1: 0.01, 2 + n % 3: 10.0}) for n in range(12)]
    results += [_timed_game(100 + n, {2 + n % 3: 0.01, 5: 0.01}) for n in range(12)]
    results += [_timed_game(200 + n, {6: 10.0, (2, 5)[n % 2]: 0.01}) for n in range(12)]
    results += [_timed_game(300 + n, {(1, 5)[n % 2]: 0.01, (7, 8, 9)[n % 3]: 0.01}) for n in range(30)]
    slow = slowness([1, 2, 3, 4, 5, 6, 7, 8, 9], results)
    assert all(slow[e] == pytest.approx(1.0) for e in (1, 5, 7, 8, 9))  # the long games are not theirs
    assert slow[6] > 100 and all(slow[e] > SLOW_FACTOR for e in (2, 3, 4))


@pytest.mark.parametrize("slow_in", ["just under half its games", "its games with all but one participant"])
def test_an_entrant_slow_in_some_of_its_games_is_held_back_by_the_time_it_takes_in_all(slow_in):
    from arena.serve.scheduler import DURATION_GAMES, SLOW_FACTOR, slowness

    # Entrant 9 takes 2 s of its own in 9 games of its latest 20 (or in every game but those with
    # entrant 1); the others 0.01 s a game. A median of its games would show it as quick as anyone.
    results, number = [], 0
    for n in range(DURATION_GAMES):
        opponent = 1 + n % 4
        slow = n % 20 < 9 if slow_in == "just under half its games" else opponent != 1
        results.append(_timed_game(number, {9: 2.0 if slow else 0.01, opponent: 0.01}))
        results.append(_timed_game(number + 1, {opponent: 0.01, 1 + (n + 1) % 4: 0.01}))
        number += 2
    slow = slowness([1, 2, 3, 4, 9], results)
    share = sum(m.seats[0].time_used + m.seats[0].time_to_start + m.seats[0].time_held + 0.025
                for m in results if m.seats[0].entrant_id == 9)
    assert slow[9] == pytest.approx(share / DURATION_GAMES / 0.035) and slow[9] > 10 * SLOW_FACTOR
    assert all(slow[e] == pytest.approx(1.0) for e in (1, 2, 3, 4))


def test_a_batch_the_slowness_draw_leaves_to_one_participant_is_played_by_everyone(tmp_path, write_submission,
                                                                                   monkeypatch):
    # One participant's entrants never meet: a batch of theirs alone would be empty, and, the round
    # unchanged, so would every batch after it.
    from arena.serve import scheduler

    with Tournament(tmp_path / "c.sqlite", Settings(seed=0, env="othello", format=CONTINUOUS)) as tournament:
        entrants = [_enter_unvalidated(tournament, write_submission(f"agent{n}", RANDOM)) for n in range(4)]
        owners = {entrants[0]: 1, entrants[1]: 1, entrants[2]: 2, entrants[3]: 3}
        monkeypatch.setattr(scheduler, "_within_time_shares", lambda active, *rest: entrants[:2])
        planned = Scheduler(tournament, Backend(), batch_games=8, owners=lambda: owners).plan()
    assert len(planned) == 8 and all(set(seats) != set(entrants[:2]) for _, _, seats in planned)


def test_a_held_back_entrants_page_says_why_it_plays_less(tmp_path, write_submission):
    from arena.serve.client import zip_folder

    site = Site(tmp_path)
    site.enter_two()
    _, carol_token = site.store.add_participant("carol")
    slow = write_submission("slow", SLOW_STARTER, 'name = "slow"\nenv = "othello"\n')
    assert site.upload(zip_folder(slow), token=carol_token).status_code == 201
    while site.validator.validate_next():
        pass
    with Tournament(site.db, Settings(seed=0, env="othello", max_steps=6, format=CONTINUOUS)) as tournament:
        scheduler = Scheduler(tournament, Backend(), batch_games=6, placement_games=0)
        for _ in range(3):
            scheduler.step()
    pages = {s.name: site.client.get(f"/submissions/{s.id}").text for s in site.store.submissions()}
    assert sorted(pages) == ["greedy", "random", "slow"]
    held_back = [name for name, page in pages.items() if "times as much time a game as most entrants" in page]
    assert held_back == ["slow"], pages["slow"]


def test_one_request_builds_the_leaderboard_table_while_the_others_get_the_one_before(tmp_path, monkeypatch):
    site = Site(tmp_path)
    site.play(2)
    results = ResultsStore(site.db)
    results.add_to_schedule([(9, 1, (1, 2)), (9, 2, (2, 1))])
    results.close()
    competition = site.app.state.competition
    competition.results.pending = _killed  # waiting games are counted in the database, not read
    before = competition.leaderboard()
    assert before["games"] == 2 and before["pending"] == 2
    builds, release, built = [], threading.Event(), competition._leaderboard

    def slow_build(board):
        builds.append(threading.current_thread().name)
        release.wait(10)
        return built(board)

    monkeypatch.setattr(competition, "_leaderboard", slow_build)
    competition._table = (competition._table[0] - 60, before)  # a table a minute old
    builder = threading.Thread(target=competition.leaderboard, name="builder")
    builder.start()
    while not builds:
        time.sleep(0.01)
    assert competition.leaderboard() is before  # not a second build
    release.set()
    builder.join()
    assert builds == ["builder"] and competition.leaderboard() is not before


def test_the_scheduler_tells_the_players_how_much_memory_their_kept_sandboxes_may_hold(tmp_path, write_submission):
    # Without it each player would take its machine's share per CPU, and close the sandboxes it keeps
    # for later games to make room: every game would load its entrants again.
    class Budgeted(Backend):
        seen: list[dict] = []

        def memory_settings(self):
            return {"process_memory_mb": 12_345}

        def run(self, settings, packages, blocks, withdrawn=frozenset()):
            self.seen.append(settings)
            return super().run(settings, packages, blocks, withdrawn)

    backend = Budgeted()
    with Tournament(tmp_path / "c.sqlite", Settings(seed=0, env="othello", max_steps=2, format=CONTINUOUS)) as tournament:
        for n in range(2):
            _enter_unvalidated(tournament, write_submission(f"agent{n}", RANDOM))
        assert Scheduler(tournament, backend, batch_games=2, placement_games=0).step() == 2
    assert [settings["process_memory_mb"] for settings in backend.seen] == [12_345]


def test_play_rests_once_every_two_entrants_met_often_enough_and_starts_again_for_a_newcomer(tmp_path, write_submission):
    with Tournament(tmp_path / "c.sqlite", Settings(seed=0, env="othello", max_steps=2, format=CONTINUOUS)) as tournament:
        first = [_enter_unvalidated(tournament, write_submission(f"agent{n}", RANDOM)) for n in range(2)]
        rests = []
        scheduler = Scheduler(tournament, Backend(), batch_games=4, placement_games=0, games_per_pair=6,
                              on_rest=lambda: rests.append(True))
        played = [scheduler.step() for _ in range(3)]
        assert played == [4, 2, 0], played  # never past the 6th game (a lone pair once filled a whole batch)
        assert scheduler.step() == 0 and scheduler.plan() == [] and rests == [True]  # told once
        newcomer = _enter_unvalidated(tournament, write_submission("newcomer", RANDOM))
        planned = scheduler.plan()
    assert planned and all(newcomer in seats for _, _, seats in planned)
    assert not any(set(seats) == set(first) for _, _, seats in planned)


def test_games_of_more_seats_rest_too_and_a_newcomer_sits_at_every_table_after(tmp_path, write_submission, monkeypatch):
    settings = Settings(env="snake", options={"num_snakes": 3, "height": 9, "width": 11}, format=CONTINUOUS, seed=0,
                        max_steps=2)
    with Tournament(tmp_path / "c.sqlite", settings) as tournament:
        for n in range(6):
            _enter_unvalidated(tournament, write_submission(f"snake{n}", RANDOM))
        scheduler = Scheduler(tournament, Backend(), batch_games=12, placement_games=0, games_per_pair=3)
        while scheduler.step():
            pass
        store = tournament.store
        monkeypatch.setattr(store, "results", _killed)  # resting, it reads nothing until something changes
        assert scheduler.plan() == []
        monkeypatch.undo()
        newcomer = _enter_unvalidated(tournament, write_submission("newcomer", RANDOM))
        planned = scheduler.plan()
    # Every table has a pair that has yet to meet enough: the newcomer (a table of the others would replay
    # pairs that met enough, as drawing from everyone who has a pairing left to play did).
    assert len(planned) == 12 and all(newcomer in seats for _, _, seats in planned)
