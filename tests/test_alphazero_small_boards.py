"""AlphaZero on small gomoku boards (from 5x5), duels against rollout MCTS, and leaves valued by
random playouts under the network's priors."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='AlphaZero trains in torch: pip install -e ".[train]"')

from arena.envs.gomoku import GomokuBoard  # noqa: E402
from arena.search import ROLLOUTS, DuelSide, make_self_play, play_duel  # noqa: E402

from arena.alphazero import gating, loop  # noqa: E402
from arena.alphazero.config import AlphaZeroConfig  # noqa: E402
from arena.alphazero.selfplay import play_games  # noqa: E402
from arena.alphazero.symmetries import SYMMETRIES, transform  # noqa: E402
from arena.alphazero.trainer import Trainer, new_network  # noqa: E402
from arena.search.network import Evaluator, load_network  # noqa: E402

torch.set_num_threads(1)


def tiny_gomoku(size: int = 7, **changes) -> AlphaZeroConfig:
    """A gomoku run small enough for a test: a one-block network, a handful of games."""
    settings = dict(game="gomoku", size=size, channels=8, blocks=1, games_per_generation=8, lockstep_games=8,
                    simulations=16, bootstrap_games=8, bootstrap_simulations=64, gate_games=4, gate_simulations=16,
                    min_positions=50, buffer_positions=5000, batch_size=32, sample_reuse=2.0, generations=2)
    return AlphaZeroConfig(**{**settings, **changes})


def replay(record, size: int, rule: str = "freestyle") -> GomokuBoard:
    board = GomokuBoard(size, rule)
    for move in record.moves:
        board.play(move)
    return board


# ---- boards


@pytest.mark.parametrize("size", [5, 6, 7, 8, 19])
def test_gomoku_runs_take_every_board_the_game_has(size):
    config = AlphaZeroConfig(game="gomoku", size=size)
    assert config.num_actions == size * size and config.game_options == {"size": size, "rule": "freestyle"}


@pytest.mark.parametrize("size", [4, 20])
def test_boards_the_game_does_not_have_are_refused(size):
    with pytest.raises(ValueError, match="5x5 to 19x19"):
        AlphaZeroConfig(game="gomoku", size=size)


@pytest.mark.parametrize("size, rule", [(5, "freestyle"), (5, "exact_five"), (6, "freestyle")])
def test_small_boards_self_play_train_and_transform(size, rule):
    config = tiny_gomoku(size, rule=rule)
    net = new_network(config)
    records, stats = play_games(config, net, games=6, seed=0)
    assert stats.games == 6 and stats.positions == sum(len(r) for r in records) > 0
    for record in records:
        board = replay(record, size, rule)
        assert board.is_game_over() and board.winner() == record.winner
        assert record.planes.shape[1:] == (2, size, size) and record.policies.shape[1] == size * size
    planes = np.concatenate([r.planes for r in records]).astype(np.float32)
    policies = np.concatenate([r.policies for r in records])
    for k in range(SYMMETRIES):
        moved, moved_policies = transform(planes, policies, k)
        assert moved.shape == planes.shape and np.allclose(moved_policies.sum(1), 1.0)
    trainer = Trainer(config, net)
    trainer.add_games(list(enumerate(records, start=1)))
    before = {name: tensor.clone() for name, tensor in net.state_dict().items()}
    losses = trainer.train(3)
    assert np.isfinite(losses.policy) and np.isfinite(losses.value) and trainer.step == 3
    assert not torch.equal(before["policy_head.3.weight"], net.state_dict()["policy_head.3.weight"])


# ---- training


def test_alphazero_trains_on_7x7_gomoku(tmp_path):
    config = tiny_gomoku(7, rollout_duel_games=4, rollout_duel_simulations=32)
    store = loop.open_store(tmp_path / "az.sqlite", config)
    loop.run(store)
    # Every generation stored: its self-play games, a trained network, a gating match and a duel with rollouts.
    assert store.latest_network_id() == config.generations
    assert store.game_count() == config.games_through(config.generations) == 16  # the bootstrap's 8, then 8
    assert [(m.candidate, m.games) for m in store.matches()] == [(1, 4), (2, 4)]
    assert [step for step, _ in store.metric("rollout_duel/score")] == [1, 2]
    for network_id in (1, 2):
        outcome = [dict(store.metric(f"rollout_duel/{name}"))[network_id] for name in ("wins", "draws", "losses")]
        assert sum(outcome) == 4
    trained = store.network(2)
    assert trained.spec.size == 7 and trained.spec.num_actions == 49
    assert not torch.equal(trained.state_dict()["stem.0.0.weight"], store.network(0).state_dict()["stem.0.0.weight"])
    assert store.metric("train/policy_loss") and all(np.isfinite(v) for _, v in store.metric("train/policy_loss"))


def test_a_7x7_network_exports_and_plays_its_board(tmp_path):
    from arena.agents import RandomAgent
    from arena.envs import make

    from arena.alphazero.export import export_submission
    from arena.match import play_match
    from arena.submission import instantiate, load

    store = loop.open_store(tmp_path / "az.sqlite", tiny_gomoku(7, leaf_playouts=2))
    out = export_submission(store, tmp_path / "az_gomoku", simulations=16)
    assert load_network(out / "network.pt").spec.size == 7
    assert "leaf_playouts=2" in (out / "agent.py").read_text()
    spec = load(out)
    assert spec.manifest.options == {"size": 7, "rule": "freestyle"}
    agent = instantiate(spec)
    result = play_match(make("gomoku", size=7), [agent, RandomAgent()], seed=0)
    assert result.agents[0].status == "ok" and result.steps >= 9
    assert agent.search.config.leaf_playouts == 2


# ---- duels against rollout MCTS


def test_a_network_duels_raw_rollouts_with_a_budget_each():
    config = tiny_gomoku(7, gate_simulations=8, rollout_duel_simulations=400)
    result = gating.rollout_duel(config, new_network(config), games=6, seed=0)
    assert result.games == 6 and len(result.records) == 6
    assert result.losses >= 4  # an untrained network at 8 simulations against 400 of rollouts
    assert result == gating.rollout_duel(config, new_network(config), games=6, seed=0)


def test_a_network_and_rollouts_each_search_with_their_own_settings():
    config = tiny_gomoku(7)
    evaluator = Evaluator(new_network(config))
    rows = []

    def counted(inputs):
        rows.append(len(inputs))
        return evaluator(inputs)

    result = play_duel("gomoku", DuelSide(counted, simulations=12, c_puct=2.5, temperature=0.0),
                       DuelSide(ROLLOUTS, simulations=300, c_puct=1.5, temperature_moves=4), games=4, seed=1, size=7)
    network_positions = sum(int((r.players == r.index % 2).sum()) for r in result.records)
    assert result.games == 4 and network_positions > 0
    assert 0.8 * 12 <= sum(rows) / network_positions <= 12  # the network is called for its own moves only


# ---- leaf values from playouts under the network's priors


def saturated(net, value: float):
    """`net` with its value head's last layer forced to say `value` (tanh-saturated) everywhere."""
    linear = net.value_head[-2]
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.fill_(float(np.arctanh(np.clip(value, -0.999, 0.999))))
    return net


def test_with_leaf_playouts_self_play_does_not_read_the_value_head():
    config = tiny_gomoku(7, leaf_playouts=3, temperature_moves=4)
    hopeful, _ = play_games(config, saturated(new_network(config), 0.99), games=4, seed=0)
    gloomy, _ = play_games(config, saturated(new_network(config), -0.99), games=4, seed=0)
    assert [r.moves for r in hopeful] == [r.moves for r in gloomy]
    trusting = config.updated(leaf_playouts=0)
    believed, _ = play_games(trusting, saturated(new_network(config), 0.99), games=4, seed=0)
    assert [r.root_values.tolist() for r in believed] != [r.root_values.tolist() for r in hopeful]


def test_leaf_playout_settings_are_checked():
    with pytest.raises(ValueError, match="leaf_playouts"):
        tiny_gomoku(leaf_playouts=-1)
    with pytest.raises(ValueError, match="jax"):
        AlphaZeroConfig(game="othello", selfplay_backend="jax", leaf_playouts=4)
    with pytest.raises(ValueError, match="rollout_duel"):
        tiny_gomoku(rollout_duel_simulations=0)
    assert make_self_play("gomoku", size=5, leaf_playouts=2, batch_size=1, simulations=4).play(None, games=1)
