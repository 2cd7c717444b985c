"""AlphaZero's JAX self-play backend: the network's port, pgx games on the native layout, the native
search's PUCT, and a loop run whose games come from JAX."""

import itertools
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax", reason='the JAX self-play backend needs the jax extra: pip install -e ".[jax]"')
pgx = pytest.importorskip("pgx", reason='the JAX self-play backend needs the jax extra: pip install -e ".[jax]"')
torch = pytest.importorskip("torch", reason='AlphaZero trains in torch: pip install -e ".[train]"')

from arena.alphazero.records import Game  # noqa: E402
from arena.envs.othello import OthelloBoard  # noqa: E402
from arena.search import make_search  # noqa: E402

from arena.alphazero import loop  # noqa: E402
from arena.alphazero.config import AlphaZeroConfig  # noqa: E402
from arena.alphazero.jax_network import forward, params_from_torch  # noqa: E402
from arena.alphazero.jax_selfplay import PASS, _native_moves  # noqa: E402
from arena.alphazero.selfplay import play_games, round_seed  # noqa: E402
from arena.alphazero.trainer import new_network  # noqa: E402
from arena.errors import ArenaError  # noqa: E402
from arena.search.network import Evaluator, PolicyValueNet  # noqa: E402

torch.set_num_threads(1)

GAMES = 4


def small(**changes) -> AlphaZeroConfig:
    """A jax-backend run small enough for a test. Every self-play call below has the same games,
    lockstep and simulations, so the search compiles once for the whole file."""
    settings = {"game": "othello", "size": 8, "channels": 8, "blocks": 2, "selfplay_backend": "jax",
                "games_per_generation": GAMES, "lockstep_games": GAMES, "simulations": 8, "bootstrap_games": 0,
                "gate_games": 2, "gate_simulations": 4, "min_positions": 50, "batch_size": 16, "sample_reuse": 1.0,
                "generations": 1}
    return AlphaZeroConfig(**{**settings, **changes})


def with_batch_statistics(net: PolicyValueNet, seed: int) -> PolicyValueNet:
    """`net` with random batch-norm statistics and affine weights, so that folding them matters."""
    generator = torch.Generator().manual_seed(seed)
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            for tensor, low, high in [(module.running_mean, -0.5, 0.5), (module.running_var, 0.5, 2.0),
                                      (module.weight.data, 0.5, 2.0), (module.bias.data, -0.5, 0.5)]:
                tensor.copy_(torch.rand(tensor.shape, generator=generator) * (high - low) + low)
    return net.eval()


def random_positions(count: int, rng: np.random.Generator) -> np.ndarray:
    """Planes (count, 2, 8, 8) of positions from random native games, the mover's discs first."""
    planes = []
    while len(planes) < count:
        board = OthelloBoard()
        for _ in range(rng.integers(0, 50)):
            if board.is_game_over():
                break
            board.play(int(rng.choice(board.legal_moves())))
        planes.append(board.observation().transpose(2, 0, 1))
    return np.stack(planes).astype(np.float32)


def replay(record) -> tuple[list[OthelloBoard], OthelloBoard]:
    """Play a record's moves on the native board, checking each recorded position against it: the
    boards at the recorded positions, and the board at the end."""
    board, positions = OthelloBoard(), []
    for ply, move in enumerate(record.moves):
        k = len(positions)
        if k < len(record) and record.plies[k] == ply:
            np.testing.assert_array_equal(record.planes[k], board.observation().transpose(2, 0, 1))
            assert record.players[k] == board.to_move and len(board.legal_moves()) > 1
            assert record.policies[k][~board.legal_mask()].sum() == 0
            positions.append(board.copy())
        else:  # not recorded: the mover had a single move (a pass, or the last square)
            assert board.legal_moves() == [move]
        board.play(move)
    assert len(positions) == len(record)
    return positions, board


@pytest.fixture(scope="module")
def games():
    """The games of network 0 of `small()` as the loop's first self-play round plays them."""
    config = small()
    return play_games(config, new_network(config), GAMES, seed=round_seed(config.seed, 0))


# ---- the network


def test_the_jax_network_computes_the_torch_networks_outputs():
    rng = np.random.default_rng(0)
    net = with_batch_statistics(new_network(small()), 0)
    params = params_from_torch(net)
    inputs = {"random": rng.integers(0, 2, (32, 2, 8, 8)).astype(np.float32), "real": random_positions(32, rng)}
    for name, planes in inputs.items():
        with torch.no_grad():
            logits, values = net(torch.from_numpy(planes))
        with jax.default_matmul_precision("highest"):  # no TF32 shortcuts on a GPU
            jax_logits, jax_values = jax.jit(forward)(params, planes)
        np.testing.assert_allclose(np.asarray(jax_logits), logits.numpy(), atol=1e-5, err_msg=name)
        np.testing.assert_allclose(np.asarray(jax_values), values.numpy(), atol=1e-5, err_msg=name)
    assert np.abs(logits.numpy()).max() > 0.1 and np.ptp(values.numpy()) > 0.01  # not a degenerate network


# ---- self-play


def test_jax_games_are_game_records_that_replay_on_the_native_board(games):
    records, stats = games
    assert [r.index for r in records] == list(range(GAMES)) and stats.games == GAMES
    assert stats.positions == sum(len(r) for r in records) > 40 * GAMES
    assert stats.evaluations > 0 and stats.resigned == 0.0
    for record in records:
        assert isinstance(record, Game) and record.num_actions == 65 and not record.resigned
        _, board = replay(record)
        assert board.is_game_over() and board.winner() == record.winner
        np.testing.assert_allclose(record.policies.sum(axis=1), 1.0, rtol=1e-6)
        assert np.abs(record.root_values).max() <= 1.0
        np.testing.assert_array_equal(record.outcomes, np.where(record.players == record.winner, 1.0, -1.0)
                                      if record.winner >= 0 else 0.0)


def test_a_game_neither_side_can_finish_ends_without_pgxs_closing_passes():
    """Rare in self-play: a game over with empty squares left. pgx needs both sides to pass first."""
    for seed in itertools.count():  # the first random native game that ends so
        rng, board, moves = np.random.default_rng(seed), OthelloBoard(), []
        while not board.is_game_over():
            moves.append(int(rng.choice(board.legal_moves())))
            board.play(moves[-1])
        if sum(board.score()) < 64 and min(board.score()) > 0:
            break
    step = jax.jit(pgx.make("othello").step)
    state = pgx.make("othello").init(jax.random.PRNGKey(0))
    pgx_moves = list(moves)
    for move in moves:
        state = step(state, move)
    while not state.terminated:
        assert np.flatnonzero(state.legal_action_mask).tolist() == [PASS]
        pgx_moves.append(PASS)
        state = step(state, PASS)
    assert pgx_moves == moves + [PASS, PASS]
    assert _native_moves(pgx_moves) == moves and _native_moves(moves) == moves


def test_the_jax_search_is_the_native_puct():
    """Without noise or sampling, every searched position gets the visits the native search gives it
    with the same network, c_puct and simulations."""
    config = small(noise_fraction=0.0, temperature_moves=0)
    net = with_batch_statistics(new_network(config), 1)  # decisive priors and values: no near-ties
    records, _ = play_games(config, net, GAMES, seed=5)
    evaluator = Evaluator(net)
    for record in records:
        positions, _ = replay(record)
        for board, policy in zip(positions, record.policies):
            search = make_search("othello", simulations=config.simulations, c_puct=config.c_puct, noise_fraction=0.0)
            search.search(board, evaluator)
            visits = search.visits()
            np.testing.assert_array_equal(visits, np.rint(policy * visits.sum()))


def test_the_same_seed_plays_the_same_games(games):
    config = small()
    again, _ = play_games(config, new_network(config), GAMES, seed=round_seed(config.seed, 0))
    for first, second in zip(games[0], again):
        assert first.moves == second.moves and first.winner == second.winner
        np.testing.assert_array_equal(first.planes, second.planes)
        np.testing.assert_array_equal(first.policies, second.policies)
        np.testing.assert_array_equal(first.root_values, second.root_values)
    other, _ = play_games(config, new_network(config), GAMES, seed=1)
    assert [r.moves for r in other] != [r.moves for r in games[0]]


def test_a_mover_below_the_resign_value_resigns():
    config = small(resign_value=0.99, no_resign_fraction=0.0)  # an untrained network's values are near 0
    records, stats = play_games(config, new_network(config), GAMES, seed=0)
    assert stats.resigned == 1.0
    for record in records:
        # Black resigns at the first position, before any move.
        assert record.could_resign and record.resigned and record.moves == [] and len(record) == 1
        assert record.players[0] == 0 and record.winner == 1 and record.root_values[0] < 0.99


# ---- the loop


def test_one_generation_of_the_loop_learns_from_jax_games(tmp_path, games):
    config = small()
    store = loop.open_store(tmp_path / "az.sqlite", config)
    loop.run(store)
    stored = [record for _, record in store.games(0)]
    assert [r.moves for r in stored] == [r.moves for r in games[0]]  # the round was played in JAX
    assert store.latest_network_id() == 1 and len(store.matches()) == 1
    steps = dict(store.metric("train/steps"))
    assert steps[1] == sum(len(r) for r in stored) // config.batch_size > 0
    trained = store.network(1).state_dict()
    assert any(not torch.equal(trained[name], value) for name, value in store.network(0).state_dict().items())


# ---- settings


def test_the_jax_backend_plays_8x8_othello_only():
    with pytest.raises(ValueError, match="8x8 Othello"):
        small(size=6)
    with pytest.raises(ValueError, match="8x8 Othello"):
        AlphaZeroConfig(game="gomoku", selfplay_backend="jax")
    with pytest.raises(ValueError, match="selfplay_backend is one of native, jax"):
        small(selfplay_backend="tpu")
    with pytest.raises(ValueError, match="simulations >= 2"):
        small(simulations=1)
    assert small().updated(selfplay_backend="native").selfplay_backend == "native"


def test_missing_jax_packages_name_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "mctx", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "arena.alphazero.jax_selfplay", raising=False)
    monkeypatch.delattr("arena.alphazero.jax_selfplay", raising=False)
    config = small()
    with pytest.raises(ArenaError, match=r'mctx is missing.*pip install -e "\.\[jax\]"'):
        play_games(config, new_network(config), GAMES, seed=0)


def test_the_command_line_sets_the_backend():
    import argparse

    from arena.alphazero import cli

    parser = argparse.ArgumentParser()
    parser.add_argument("game")
    cli.add_arguments(parser)
    args = parser.parse_args(["othello", "--setting", "selfplay_backend=jax"])
    assert AlphaZeroConfig(**cli._changes(args)).selfplay_backend == "jax"


def test_a_turbozero_env_spec_over_pgx_feeds_the_network_with_its_channels_moved_first():
    # turbozero's spec: init_fn(key) and step_fn(state, action) return (state, metadata), and
    # state_to_nn_input(state) is pgx's observation, (B, 8, 8, 2). The network takes (B, 2, 8, 8).
    env = pgx.make("othello")

    def metadata(state):
        return {"rewards": state.rewards, "action_mask": state.legal_action_mask,
                "terminated": state.terminated, "cur_player_id": state.current_player}

    def init_fn(key):
        state = env.init(key)
        return state, metadata(state)

    def step_fn(state, action):
        state = env.step(state, action)
        return state, metadata(state)

    def state_to_nn_input(state):
        return state.observation

    init, step = jax.jit(jax.vmap(init_fn)), jax.jit(jax.vmap(step_fn))
    state, meta = init(jax.random.split(jax.random.PRNGKey(0), 3))
    boards, rng = [OthelloBoard() for _ in range(3)], np.random.default_rng(0)
    net = with_batch_statistics(new_network(small()), 0)
    transposed_differs = False
    for _ in range(40):
        nn_input = np.asarray(state_to_nn_input(state))
        planes = np.moveaxis(nn_input, -1, -3).astype(np.float32)
        for k, board in enumerate(boards):
            np.testing.assert_array_equal(planes[k], board.observation().transpose(2, 0, 1))
            np.testing.assert_array_equal(np.asarray(meta["action_mask"][k]), board.legal_mask())  # 64: the pass
            transposed_differs |= not np.array_equal(nn_input[k].T, planes[k])  # .T swaps rows and columns too
        with torch.no_grad():
            logits, values = net(torch.from_numpy(planes))
        assert logits.shape == (3, 65) and values.shape == (3,)
        actions = [int(rng.choice(board.legal_moves())) for board in boards]
        for board, action in zip(boards, actions):
            board.play(action)
        state, meta = step(state, jnp_array(actions))
    assert transposed_differs


def jnp_array(values):
    return jax.numpy.asarray(values, dtype=jax.numpy.int32)
