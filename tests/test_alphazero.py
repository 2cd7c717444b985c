"""AlphaZero: board symmetries, the replay buffer, learning a forced win, gating, exact resume, export."""

import io
import subprocess
import sys
import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='AlphaZero trains in torch: pip install -e ".[train]"')

from arena.envs.gomoku import GomokuBoard  # noqa: E402
from arena.envs.othello import OthelloBoard  # noqa: E402
from arena.search import board_from_observation, make_search  # noqa: E402

from arena.alphazero import gating, loop  # noqa: E402
from arena.alphazero.buffer import ReplayBuffer  # noqa: E402
from arena.alphazero.config import AlphaZeroConfig  # noqa: E402
from arena.alphazero.store import Store  # noqa: E402
from arena.alphazero.symmetries import SYMMETRIES, action_map, augment, transform  # noqa: E402
from arena.alphazero.trainer import Trainer, new_network  # noqa: E402
from arena.search.network import (  # noqa: E402
    Evaluator,
    NetworkSpec,
    PolicyValueNet,
    network_bytes,
    save_network,
)

torch.set_num_threads(1)


def tiny(**changes) -> AlphaZeroConfig:
    """A run small enough for a test: Othello 6x6, a one-block network, a handful of games."""
    settings = dict(game="othello", size=6, channels=8, blocks=1, games_per_generation=8, lockstep_games=8,
                    simulations=8, bootstrap_games=8, bootstrap_simulations=16, gate_games=4, gate_simulations=8,
                    min_positions=40, buffer_positions=150, batch_size=16, sample_reuse=2.0, generations=2)
    return AlphaZeroConfig(**{**settings, **changes})


def test_roles_started_together_on_a_new_store_share_one(tmp_path):
    """Self-play, training and evaluation launched at once on a new path: one of them makes the
    store, whole, and the others open it (they raced to make it and crashed)."""
    path = tmp_path / "az.sqlite"
    opened, failures = [], []

    def role():
        try:
            store = loop.open_store(path, tiny())
            opened.append(store.best_network_id())
            store.close()
        except Exception as exc:  # noqa: BLE001  (what the test looks for)
            failures.append(exc)

    roles = [threading.Thread(target=role) for _ in range(6)]
    for thread in roles:
        thread.start()
    for thread in roles:
        thread.join()
    assert failures == [] and opened == [0] * 6
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("az.sqlite")) == []


def planes_of(board) -> np.ndarray:
    return board.observation().transpose(2, 0, 1)


def board_of(game: str, planes: np.ndarray, rule: str = "freestyle"):
    return board_from_observation(game, {"observation": np.ascontiguousarray(planes.transpose(1, 2, 0))}, rule)


def destination(size: int, num_actions: int, k: int) -> np.ndarray:
    """Where each action goes under symmetry k (the inverse of action_map)."""
    return np.argsort(action_map(size, num_actions, k))


def random_positions(board, moves: int, count: int, rng: np.random.Generator) -> list:
    positions = []
    while len(positions) < count:
        b = board.copy()
        for _ in range(rng.integers(1, moves)):
            if b.is_game_over():
                break
            legal = b.legal_moves()
            b.play(legal[rng.integers(len(legal))])
        if not b.is_game_over():
            positions.append(b)
    return positions


# ---- symmetries


@pytest.mark.parametrize("game, start", [("othello", OthelloBoard()), ("gomoku", GomokuBoard(9))])
def test_symmetries_map_positions_and_moves_together(game, start):
    """Playing a move then transforming equals transforming then playing the move's image, for all 8."""
    rng = np.random.default_rng(0)
    for board in random_positions(start, 30, 6, rng):
        size, actions = board.size, board.num_actions
        for k in range(SYMMETRIES):
            image = board_of(game, transform(planes_of(board)[None], np.zeros((1, actions)), k)[0][0])
            moves = destination(size, actions, k)
            mask = board.legal_mask().astype(np.float32)[None]
            _, mapped_mask = transform(planes_of(board)[None], mask, k)
            np.testing.assert_array_equal(mapped_mask[0].astype(bool), image.legal_mask())
            for move in board.legal_moves():
                after, image_after = board.copy(), image.copy()
                after.play(move)
                image_after.play(int(moves[move]))
                planes, policy = transform(planes_of(after)[None], np.eye(actions, dtype=np.float32)[[move]], k)
                np.testing.assert_array_equal(planes[0], planes_of(image_after))
                assert policy[0].argmax() == moves[move]
                assert after.winner() == image_after.winner() or not after.is_game_over()


def test_the_eight_symmetries_are_distinct_and_othellos_pass_stays():
    maps = [tuple(action_map(8, 65, k)) for k in range(SYMMETRIES)]
    assert len(set(maps)) == 8 and maps[0] == tuple(range(65))
    assert all(m[64] == 64 for m in maps)
    rng = np.random.default_rng(1)
    planes = rng.integers(0, 2, (50, 2, 8, 8)).astype(np.float32)
    policies = rng.random((50, 65)).astype(np.float32)
    out_planes, out_policies = augment(planes, policies, rng)
    for i in range(50):  # every row is some symmetry of its source, planes and policy alike
        assert any(np.array_equal(out_planes[i], transform(planes[i:i + 1], policies[i:i + 1], k)[0][0])
                   and np.array_equal(out_policies[i], transform(planes[i:i + 1], policies[i:i + 1], k)[1][0])
                   for k in range(SYMMETRIES))


# ---- buffer


def test_the_replay_buffer_is_a_ring_of_the_latest_positions():
    buffer = ReplayBuffer(capacity=5, size=2, num_actions=4)
    for start in (0, 3, 6):
        n = 3
        values = np.arange(start, start + n, dtype=np.float32)
        buffer.add(np.zeros((n, 2, 2, 2), np.uint8), np.zeros((n, 4), np.float32), values)
    assert len(buffer) == 5 and buffer.added == 9
    assert sorted(buffer.values.tolist()) == [4, 5, 6, 7, 8]
    batch = buffer.sample(100, np.random.default_rng(0))
    assert set(batch.values.tolist()) <= {4, 5, 6, 7, 8} and batch.planes.dtype == np.float32


# ---- learning


def open_four_positions() -> list[tuple[GomokuBoard, set[int]]]:
    """9x9 gomoku positions where black, to move, has an open three: extending it to an open four wins."""
    cases = []
    for row, col, far in [(4, 2, (0, 0)), (2, 3, (8, 8)), (6, 1, (0, 8))]:
        board = GomokuBoard(9)
        whites = [far, (far[0], 4), (8 - far[0], far[1])]
        for i in range(3):
            board.play(row * 9 + col + i)
            board.play(whites[i][0] * 9 + whites[i][1])
        cases.append((board, {row * 9 + col - 1, row * 9 + col + 3}))
    return cases


def test_a_tiny_network_learns_a_forced_win_from_search_targets():
    """Search targets (rollout MCTS visits, the searched game's result) -> training under random
    symmetries -> the network finds the winning move in every orientation, and so does its agent."""
    config = AlphaZeroConfig(game="gomoku", size=9, channels=16, blocks=1, batch_size=32, min_positions=1,
                             buffer_positions=1000, learning_rate=3e-3, seed=0)
    trainer = Trainer(config, new_network(config))
    cases = open_four_positions()
    for board, wins in cases:
        search = make_search("gomoku", simulations=3000, seed=0)
        search.search(board)
        visits = search.visits().astype(np.float32)
        assert search.best_action() in wins
        game = board.copy()  # play the position out with the search: black wins
        while not game.is_game_over():
            search.search(game)
            game.play(search.best_action())
        assert game.winner() == 0
        trainer.buffer.add(planes_of(board)[None], (visits / visits.sum())[None], np.ones(1, np.float32))
    trainer.train(300)
    evaluator = Evaluator(trainer.net)
    for board, wins in cases:
        for k in range(SYMMETRIES):
            planes, _ = transform(planes_of(board)[None], np.zeros((1, 81), np.float32), k)
            policies, values = evaluator(planes.astype(np.float32))
            moves = destination(9, 81, k)
            assert policies[0].argmax() in {moves[w] for w in wins}
            assert values[0] > 0.5


# ---- gating and ratings


def test_gating_promotes_at_the_gate_score_and_not_below(monkeypatch):
    net = new_network(tiny())
    for result, promoted in [((3, 0, 1), True), ((2, 1, 1), True), ((2, 0, 2), False), ((0, 0, 4), False)]:
        monkeypatch.setattr(gating, "duel", lambda *args, result=result, **kwargs: result)
        match = gating.gate(tiny(gate_score=0.6), 1, net, 0, net)
        assert (match.wins, match.draws, match.losses, match.promoted) == (*result, promoted)
    assert gating.gate(tiny(gate_games=0), 1, net, 0, net).promoted


def test_a_real_duel_plays_every_game_and_repeats_for_its_seed():
    config = tiny()
    first, second = new_network(config), new_network(tiny(seed=1))
    result = gating.duel(config, first, second, games=8, seed=0)
    assert sum(result) == 8 and result == gating.duel(config, first, second, games=8, seed=0)


def test_the_store_follows_gating_and_rates_generations(tmp_path, monkeypatch):
    store = loop.open_store(tmp_path / "az.sqlite", tiny())
    state = Trainer(store.config, store.network(0)).checkpoint()
    scores = iter([(4, 0, 0), (0, 0, 4)])
    monkeypatch.setattr(gating, "duel", lambda *args, **kwargs: next(scores))
    first = store.add_candidate(new_network(tiny(seed=1)), 10, state)
    loop.evaluate_candidates(store)
    assert store.best_network_id() == first and not store.candidates()
    second = store.add_candidate(new_network(tiny(seed=2)), 20, state)
    loop.evaluate_candidates(store)
    assert store.best_network_id() == first
    assert [(m.candidate, m.best, m.promoted) for m in store.matches()] == [(first, 0, True), (second, first, False)]
    elo = dict(store.metric("rating/elo"))
    assert elo[first] > 0 and elo[second] < elo[first]


# ---- the loop: exact resume


def snapshot(store: Store) -> dict:
    """Everything a run decides: its games, networks, gating results and the trainer's state."""
    games = [(i, r.moves, r.winner) for i, r in store.games(0)]
    networks = [network_bytes(store.network(i)) for i in range(store.latest_network_id() + 1)]
    trainer = torch.load(io.BytesIO(store.trainer_state()), weights_only=True)
    return {"games": games, "networks": networks, "matches": store.matches(), "step": trainer["step"],
            "games_seen": trainer["games_seen"], "rng": trainer["rng"],
            "weights": {k: v.clone() for k, v in trainer["network"].items()}}


def assert_same_run(a: dict, b: dict) -> None:
    assert a["games"] == b["games"] and a["matches"] == b["matches"]
    assert (a["step"], a["games_seen"], a["rng"]) == (b["step"], b["games_seen"], b["rng"])
    assert len(a["networks"]) == len(b["networks"])
    for x, y in zip(a["networks"], b["networks"]):
        nx, ny = (torch.load(io.BytesIO(data), weights_only=True) for data in (x, y))
        for name in nx["state_dict"]:
            assert torch.equal(nx["state_dict"][name], ny["state_dict"][name]), name
    for name in a["weights"]:
        assert torch.equal(a["weights"][name], b["weights"][name]), name


def test_a_stopped_run_resumes_to_exactly_the_uninterrupted_one(tmp_path, monkeypatch):
    config = tiny(generations=3, resign_value=-0.95, no_resign_fraction=0.5)
    whole = loop.open_store(tmp_path / "whole.sqlite", config)
    loop.run(whole)
    expected = snapshot(whole)
    assert len(expected["networks"]) == 4 and len(expected["matches"]) == 3
    assert sum(len(r) for _, r in whole.games(0)) > config.buffer_positions  # the buffer has wrapped

    # Stopped once between generations and once between training and gating, then resumed.
    parts = loop.open_store(tmp_path / "parts.sqlite", config, generations=1)
    loop.run(parts)
    parts = loop.open_store(tmp_path / "parts.sqlite", generations=3)
    real_gate = loop.gate

    def stop_at_the_third(config, candidate_id, *args):
        if candidate_id == 3:
            raise KeyboardInterrupt
        return real_gate(config, candidate_id, *args)

    monkeypatch.setattr(loop, "gate", stop_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        loop.run(parts)
    assert parts.candidates() == [3]
    monkeypatch.setattr(loop, "gate", real_gate)
    loop.run(loop.open_store(tmp_path / "parts.sqlite"))
    assert_same_run(snapshot(parts), expected)


def test_the_three_roles_share_one_store(tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "POLL_SECONDS", 0.05)
    path = tmp_path / "az.sqlite"
    loop.open_store(path, tiny(generations=2)).close()
    errors = []

    def role(name):
        try:
            loop.run(Store(path), name)
        except Exception as exc:  # reported below: a thread's exception would pass unseen
            errors.append(exc)

    threads = [threading.Thread(target=role, args=(name,)) for name in ("evaluate", "train", "selfplay")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and not any(thread.is_alive() for thread in threads)
    store = Store(path)
    assert store.latest_network_id() == 2 and not store.candidates() and len(store.matches()) == 2
    assert store.game_count() >= store.config.games_through(2)


def test_a_stored_run_keeps_its_game_and_network_shape(tmp_path):
    loop.open_store(tmp_path / "az.sqlite", tiny())
    with pytest.raises(ValueError, match="channels is 8"):
        loop.open_store(tmp_path / "az.sqlite", channels=16)
    assert loop.open_store(tmp_path / "az.sqlite", generations=7, simulations=12).config.generations == 7


# ---- the agent, export and the command line


def test_export_writes_a_submission_that_validates_and_plays(tmp_path):
    from arena.agents import RandomAgent
    from arena.envs import make

    from arena.alphazero.export import export_submission
    from arena.match import play_match
    from arena.submission import instantiate, load

    store = loop.open_store(tmp_path / "az.sqlite", tiny())
    out = export_submission(store, tmp_path / "az_othello", simulations=16)
    spec = load(out)
    assert spec.manifest.options == {"size": 6}  # what arena validate and arena match build the env with
    assert spec.manifest.time_per_move is None  # the match's clock decides (a manifest can only ask for less)
    agent = instantiate(spec)
    result = play_match(make("othello", size=6), [agent, RandomAgent()], seed=0)
    assert result.agents[0].status == "ok" and result.steps > 10


def test_the_agent_refuses_a_network_for_another_game(tmp_path):
    from arena.agents.alphazero import AlphaZeroAgent
    from arena.envs import make, seat_view

    path = tmp_path / "net.pt"
    save_network(PolicyValueNet(NetworkSpec("gomoku", 9, 81, 8, 1)), path)
    agent = AlphaZeroAgent(path, simulations=8)
    env = make("othello")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="gomoku network"):
        agent.get_env_info(seat_view(env, env.agents[0]))


def test_the_arena_command_does_not_import_torch():
    code = "import sys, arena.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_command_line_sets_fields_and_refuses_unknown_ones(tmp_path):
    import argparse

    from arena.alphazero import cli
    from arena.errors import ArenaError

    parser = argparse.ArgumentParser()
    parser.add_argument("game")
    cli.add_arguments(parser)
    args = parser.parse_args(["othello", "--size", "6", "--simulations", "9", "--setting", "channels=8"])
    assert cli._changes(args) == {"game": "othello", "size": 6, "simulations": 9, "channels": 8}
    with pytest.raises(ArenaError, match="--setting"):
        cli._changes(parser.parse_args(["othello", "--setting", "colour=blue"]))
    with pytest.raises(ArenaError, match="no AlphaZero store"):
        cli.run(parser.parse_args(["othello", "--store", str(tmp_path / "none.sqlite"), "--export", str(tmp_path)]))


def test_a_role_with_nothing_left_to_do_says_so(tmp_path, capsys):
    import argparse

    from arena.alphazero import cli

    path = tmp_path / "done.sqlite"  # a run whose every generation is done: its roles return at once
    loop.open_store(path, tiny(generations=0)).close()
    parser = argparse.ArgumentParser()
    parser.add_argument("game")
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args(["othello", "--store", str(path), "--role", "evaluate"])) == 0
    assert "done: 0 generations; the best network is 0" in capsys.readouterr().out


def test_a_full_disk_under_the_store_is_one_line_that_says_the_run_goes_on(tmp_path, monkeypatch):
    import argparse
    import sqlite3

    from arena.alphazero import cli
    from arena.errors import HarnessError

    path = tmp_path / "full.sqlite"
    loop.open_store(path, tiny(generations=1)).close()

    def out_of_disk(store, role):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(loop, "run", out_of_disk)
    parser = argparse.ArgumentParser()
    parser.add_argument("game")
    cli.add_arguments(parser)
    with pytest.raises(HarnessError, match=r"full.sqlite: could not write to the database \(database or disk is full\)"
                                           r"; free some space on its disk, then run the command again"):
        cli.run(parser.parse_args(["othello", "--store", str(path)]))


def test_ctrl_c_says_the_store_keeps_the_run_and_the_same_command_goes_on(tmp_path, monkeypatch, cli):
    path = tmp_path / "az.sqlite"
    loop.open_store(path, tiny(generations=2)).close()

    def interrupted(store, role):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "run", interrupted)
    code, _, err = cli("train", "othello", "--algo", "alphazero", "--store", path, "--generations", "3")
    assert code == 130
    assert f"{path} keeps the run as far as it went (best network 0): the same command goes on from there" in err


@pytest.mark.parametrize("device", ["cuda:99", "gpu"])
def test_a_device_torch_cannot_use_is_a_clear_error_before_any_work(tmp_path, device):
    from arena.errors import ArenaError

    store = loop.open_store(tmp_path / "az.sqlite", AlphaZeroConfig(device=device, generations=1))
    with pytest.raises(ArenaError, match=f"device '{device}' cannot be used on this machine.*device=cpu"):
        loop.run(store)
    assert store.game_count() == 0


def test_the_example_submission_loads_and_beats_random_play(submissions):
    from arena.agents import RandomAgent

    from arena.match import play_match
    from arena.submission import instantiate, load

    spec = load(submissions / "alphazero_othello")
    assert spec.manifest.env == ("othello",) and spec.weights_path.stat().st_size < 1_000_000
    result = play_match("othello", [instantiate(spec), RandomAgent()], seed=0)
    assert result.winner == result.agents[0].name


def test_exporting_the_untrained_network_warns_that_it_is(tmp_path, capsys):
    from arena.alphazero import cli

    store = loop.open_store(tmp_path / "az.sqlite", tiny())  # no generation trained: the best is network 0
    store.close()
    assert cli._export(tmp_path / "az.sqlite", str(tmp_path / "sub")) == 0
    err = capsys.readouterr().err
    assert "warning: network 0 is untrained" in err and "--store" in err
