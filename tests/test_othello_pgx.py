"""Othello agrees with pgx's implementation, move by move, over many random games played in lockstep."""

import numpy as np
import pytest

jax = pytest.importorskip("jax", reason='the pgx oracle needs the jax extra: pip install -e ".[jax]"')
pgx = pytest.importorskip("pgx", reason='the pgx oracle needs the jax extra: pip install -e ".[jax]"')

import jax.numpy as jnp  # noqa: E402

from arena.envs.othello import OthelloBoard  # noqa: E402

GAMES = 96
PASS = 64


def test_legal_moves_observations_and_outcomes_agree_with_pgx():
    env = pgx.make("othello")
    step = jax.jit(jax.vmap(env.step))
    state = jax.jit(jax.vmap(env.init))(jax.random.split(jax.random.PRNGKey(0), GAMES))
    # pgx seats the first mover (black) as player 0 or 1 at random.
    black_player = np.asarray(state.current_player)
    boards = [OthelloBoard() for _ in range(GAMES)]
    pgx_result = np.full(GAMES, np.nan)
    rng = np.random.default_rng(0)
    while np.isnan(pgx_result).any():
        pgx_mask = np.asarray(state.legal_action_mask)
        pgx_obs = np.asarray(state.observation)
        terminated = np.asarray(state.terminated)
        actions = np.full(GAMES, PASS)
        for g, board in enumerate(boards):
            if terminated[g]:
                continue
            if board.is_game_over():
                # pgx ends a decided game only after both sides pass; only passing is legal there.
                assert np.flatnonzero(pgx_mask[g]).tolist() == [PASS]
                continue
            np.testing.assert_array_equal(board.legal_mask(), pgx_mask[g])
            np.testing.assert_array_equal(board.observation().astype(bool), pgx_obs[g])
            actions[g] = rng.choice(board.legal_moves())
            board.play(int(actions[g]))
        state = step(state, jnp.asarray(actions, dtype=jnp.int32))
        rewards = np.asarray(state.rewards)
        for g in np.flatnonzero(np.asarray(state.terminated) & ~terminated):
            pgx_result[g] = rewards[g, black_player[g]]
    for g, board in enumerate(boards):
        assert board.is_game_over()
        winner = board.winner()
        ours = 0 if winner < 0 else (1 if winner == 0 else -1)
        assert ours == pgx_result[g], f"game {g}: ours {ours}, pgx {pgx_result[g]}"
