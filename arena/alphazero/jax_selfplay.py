"""Self-play on an accelerator: pgx Othello games in lockstep, searched with DeepMind's mctx, the network in JAX.

The `selfplay_backend="jax"` of the AlphaZero loop (8x8 Othello; `pip install -e ".[jax]"`):

    arena train othello --algo alphazero --setting selfplay_backend=jax --setting device=cuda

`lockstep_games` games of pgx's `othello` run side by side under `jax.vmap`. Every move of every
game is one `mctx.muzero_policy` search whose model is the pgx game itself (the tree plays the
real rules) and whose positions the best network, converted from torch (`jax_network`), scores.
The games come back as `arena.alphazero.records.Game`s, with the native search's GameRecord
fields, so the store, the trainer, gating and everything after take them unchanged; the
rollout-search bootstrap stays on the native search.
The network and the search run on the config's `device` ("cpu", "cuda", "cuda:1"). A process's
first round compiles the search (tens of seconds); later rounds with the same `lockstep_games`
and `simulations` reuse it, whatever the network's weights.

How the search follows the native one (`arena.search.make_self_play`):

| native batched MCTS | here |
| --- | --- |
| PUCT: mean value + c_puct * prior * sqrt(N) / (1 + n), 0 for unvisited children | the same (see below) |
| priors: the policy over the legal moves | the same; illegal moves are never searched |
| Dirichlet noise (`dirichlet_alpha`, `noise_fraction`) on the root's legal moves | the same |
| the first `temperature_moves` plies sampled by visits, then the most visited move | the same |
| a move with no alternative (a pass) played without search and not recorded | the same (the search runs, unused) |
| resignation below `resign_value`, except in a `no_resign_fraction` share of games | the same |
| the subtree of the move played kept for the next search | every move searched from a fresh tree |
| a finished game's slot starts the next game at once | a batch of games runs until its longest game ends |

The PUCT is mctx's `muzero_policy` with `pb_c_init` = `c_puct`, its growth with visits switched
off, and mean values as they are (not min-max normalised). `simulations` counts the root's
evaluation, as the native budget does: a fresh native tree and this search, without noise or
sampling, give every move the same visits. `leaves_per_game` (virtual loss) and `search_threads`
have no counterpart here.

pgx onto the native layout (tests/test_alphazero_jax.py replays the games on the native board):

- pgx's observation is bool (8, 8, 2) from the mover's side, `[..., 0]` the mover's discs and
  `[..., 1]` the opponent's, square (row, col) at `[row, col]`: with its channels moved first
  (`transpose(2, 0, 1)`; a plain `.T` would swap rows and columns too) it is the native network
  input (2, 8, 8).
- pgx's actions are `row * 8 + col` and 64 the pass: the native numbering.
- pgx seats the first mover (black) as player 0 or 1 at random; colours here are the ply's
  parity, black moving at even plies, as on the native board (a pass is a ply in both).
- pgx ends a game that neither side can continue only after both pass; the native board ends
  it at once, so those two passes are not in the record's moves.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import mctx
import numpy as np
import pgx

from arena.alphazero.config import AlphaZeroConfig
from arena.alphazero.jax_network import Params, forward, params_from_torch
from arena.alphazero.records import Game
from arena.search.network import PolicyValueNet

__all__ = ["PASS", "SIZE", "jax_device", "play"]

SIZE = 8
PASS = SIZE * SIZE  # pgx's pass action and the native pass_move
NUM_ACTIONS = PASS + 1
# mctx's PUCT factor is pb_c_init + log((N + pb_c_base + 1) / pb_c_base); with this base the log
# term is 0 in float32, leaving the native search's constant c_puct.
_NO_GROWTH = 1e30

_ENV = pgx.make("othello")


class _Settings(NamedTuple):
    """Search settings a compiled move takes as arrays, so that changing them compiles nothing."""

    c_puct: jax.Array
    dirichlet_alpha: jax.Array
    noise_fraction: jax.Array
    temperature_moves: jax.Array
    resign_value: jax.Array


class _Ply(NamedTuple):
    """One ply of every game in a batch, (B, ...) each."""

    observation: jax.Array  # bool (B, 8, 8, 2): the position before the move, from the mover's side
    visits: jax.Array       # (B, 65) the search's visit counts at the root
    root_value: jax.Array   # (B,) the search's value of the position for the mover
    action: jax.Array       # (B,) the move played
    live: jax.Array         # (B,) the game was still going at this ply
    searched: jax.Array     # (B,) the position is recorded (the mover had a choice)
    resigned: jax.Array     # (B,) the mover resigned instead of moving
    rewards: jax.Array      # (B, 2) pgx's rewards by player id for the move (non-zero when it ends the game)


def _planes(observation: jax.Array) -> jax.Array:
    return jnp.transpose(observation, (0, 3, 1, 2)).astype(jnp.float32)


def _root_logits(key: jax.Array, logits: jax.Array, legal: jax.Array, settings: _Settings) -> jax.Array:
    """The root's priors as the native search makes them: the policy over the legal moves, mixed
    with Dirichlet noise over the legal moves alone (-inf for the illegal ones)."""
    priors = jax.nn.softmax(jnp.where(legal, logits, -jnp.inf))
    gammas = jax.random.loggamma(key, settings.dirichlet_alpha, logits.shape)
    noise = jax.nn.softmax(jnp.where(legal, gammas, -jnp.inf))  # normalised gammas: a Dirichlet draw
    return jnp.log((1.0 - settings.noise_fraction) * priors + settings.noise_fraction * noise)


def _recurrent(params: Params, key: jax.Array, action: jax.Array,
               state: pgx.State) -> tuple[mctx.RecurrentFnOutput, pgx.State]:
    """A step down the tree: the move on the pgx board, then the network's view of the position after it."""
    del key
    mover = state.current_player
    state = jax.vmap(_ENV.step)(state, action)
    logits, value = forward(params, _planes(state.observation))
    terminal = state.terminated
    output = mctx.RecurrentFnOutput(
        reward=jnp.take_along_axis(state.rewards, mover[:, None], axis=1)[:, 0],
        discount=jnp.where(terminal, 0.0, -1.0),  # the value is the next mover's: negated for this one
        prior_logits=jnp.where(state.legal_action_mask, logits, jnp.finfo(logits.dtype).min),
        value=jnp.where(terminal, 0.0, value))
    return output, state


def _q_values(tree: mctx.Tree, node: jax.Array) -> jax.Array:
    """PUCT's value term as the native search has it: each child's mean value for the node's mover,
    0 before its first visit, and -inf for illegal moves so that they are never chosen."""
    q = jnp.where(tree.children_visits[node] > 0, tree.qvalues(node), 0.0)
    return jnp.where(tree.embeddings.legal_action_mask[node], q, -jnp.inf)


@functools.partial(jax.jit, static_argnames="simulations")
def _move(params: Params, state: pgx.State, done: jax.Array, could_resign: jax.Array, key: jax.Array,
          ply: jax.Array, settings: _Settings, simulations: int) -> tuple[pgx.State, jax.Array, _Ply]:
    """Search and play one move in every game of the batch."""
    noise_key, search_key = jax.random.split(jax.random.fold_in(key, ply))
    legal = state.legal_action_mask
    logits, value = forward(params, _planes(state.observation))
    root = mctx.RootFnOutput(prior_logits=_root_logits(noise_key, logits, legal, settings), value=value,
                             embedding=state)
    # The root noise is already in the priors: mctx's own would spread over illegal moves too.
    policy = mctx.muzero_policy(params, search_key, root, _recurrent, simulations, invalid_actions=~legal,
                                qtransform=_q_values, dirichlet_fraction=0.0, pb_c_init=settings.c_puct,
                                pb_c_base=_NO_GROWTH, temperature=1.0)
    summary = policy.search_tree.summary()
    action = jnp.where(ply < settings.temperature_moves, policy.action, jnp.argmax(summary.visit_counts, axis=-1))
    forced = legal.sum(axis=-1) == 1
    action = jnp.where(forced, jnp.argmax(legal, axis=-1), action)
    searched = ~done & ~forced
    resigned = searched & could_resign & (summary.value < settings.resign_value)
    after = jax.vmap(_ENV.step)(state, action)
    ply_record = _Ply(state.observation, summary.visit_counts, summary.value, action, ~done, searched, resigned,
                      after.rewards)
    return after, done | resigned | after.terminated, ply_record


def play(config: AlphaZeroConfig, net: PolicyValueNet, games: int, seed: int) -> tuple[list[Game], int]:
    """`games` self-play games of `net`: their Games in game order, and the positions the
    network evaluated for games in progress. The same seed and settings give the same games."""
    lockstep = min(config.lockstep_games, games)
    settings = _Settings(*(np.float32(v) for v in (config.c_puct, config.dirichlet_alpha, config.noise_fraction,
                                                    config.temperature_moves, config.resign_value)))
    records, evaluations = [], 0
    # Nothing is placed on the device explicitly: every call then sees the same placement and
    # compiles once.
    with jax.default_device(jax_device(config.device)):
        params = params_from_torch(net)
        # Every batch has `lockstep` games (one compiled shape): the last one's extra games are dropped.
        for first in range(0, games, lockstep):
            plies, black, could_resign = _play_batch(params, settings, config, seed, first, lockstep)
            kept = min(lockstep, games - first)
            evaluations += int(plies.live[:, :kept].sum()) * config.simulations
            for game in range(kept):
                one_game = _Ply(*(field[:, game] for field in plies))
                records.append(_record(first + game, one_game, black[game], bool(could_resign[game])))
    return records, evaluations


@functools.partial(jax.jit, static_argnames="games")
def _begin(seed_low: jax.Array, seed_high: jax.Array, first: jax.Array,
           games: int) -> tuple[pgx.State, jax.Array, jax.Array]:
    """The start of `games` games numbered from `first`: their states, a uniform draw per game
    (which may resign) and the key of their moves."""
    # PRNGKey keeps only 32 bits of a seed (jax without x64); round seeds have 63.
    key = jax.random.fold_in(jax.random.fold_in(jax.random.PRNGKey(seed_low), seed_high), first)
    start_key, resign_key, move_key = jax.random.split(key, 3)
    return jax.vmap(_ENV.init)(jax.random.split(start_key, games)), jax.random.uniform(resign_key, (games,)), move_key


def _play_batch(params: Params, settings: _Settings, config: AlphaZeroConfig, seed: int, first: int,
                lockstep: int) -> tuple[_Ply, np.ndarray, np.ndarray]:
    """Play games `first` ... `first + lockstep - 1` to the end: their plies stacked (T, B, ...) as
    numpy, pgx's player id of black (the first mover) in each, and which games may resign."""
    state, resign_draw, move_key = _begin(np.uint32(seed & 0xFFFFFFFF), np.uint32(seed >> 32), np.uint32(first),
                                          games=lockstep)
    black = np.asarray(state.current_player)
    could_resign = (config.resign_value > -1.0) & (np.asarray(resign_draw) >= config.no_resign_fraction)
    done = np.zeros(lockstep, bool)
    plies = []
    while not done.all():
        # The native budget counts the root's evaluation as a simulation; mctx's does not.
        state, done, out = _move(params, state, done, could_resign, move_key, np.int32(len(plies)), settings,
                                 simulations=config.simulations - 1)
        out, done = jax.device_get((out, done))
        plies.append(out)
    return jax.tree.map(lambda *xs: np.stack(xs), *plies), black, could_resign


def _record(index: int, plies: _Ply, black: int, could_resign: bool) -> Game:
    """Game `index` of the round from its plies (T, ...), as the native search records a game."""
    live = np.flatnonzero(plies.live)
    last = live[-1]
    resigned = bool(plies.resigned[last])
    moves = plies.action[live[:-1] if resigned else live].tolist()  # a resignation is not a move
    if resigned:
        winner = 1 - last % 2
    else:
        black_reward = plies.rewards[last, black]
        winner = 0 if black_reward > 0 else 1 if black_reward < 0 else -1
        moves = _native_moves(moves)
    searched = np.flatnonzero(plies.searched)
    visits = plies.visits[searched]
    return _game_record(index=index, moves=moves, plies=searched.tolist(),
                        planes=plies.observation[searched].transpose(0, 3, 1, 2),
                        policies=visits / visits.sum(axis=1, keepdims=True), root_values=plies.root_value[searched],
                        players=searched % 2, winner=int(winner), resigned=resigned, could_resign=could_resign)


def _native_moves(moves: list[int]) -> list[int]:
    """The moves of a game pgx finished, as the native board plays them: pgx ends a game that
    neither side can continue only after both pass, the native board ends it at once."""
    return moves[:-2] if moves[-2:] == [PASS, PASS] else moves


def _game_record(index: int, moves: list[int], plies: list[int], planes: np.ndarray, policies: np.ndarray,
                 root_values: np.ndarray, players: np.ndarray, winner: int, resigned: bool,
                 could_resign: bool) -> Game:
    """An 8x8 Othello game, with the fields of the native search's GameRecords."""
    return Game(index, SIZE, NUM_ACTIONS, winner, resigned, could_resign, list(moves),
                np.asarray(plies, np.int32), planes.astype(np.uint8), policies.astype(np.float32),
                root_values.astype(np.float32), players.astype(np.int8))


def jax_device(name: str) -> jax.Device:
    """The jax device for a torch-style device name: "cpu", "cuda" or "cuda:<index>"."""
    kind, _, index = name.partition(":")
    platforms = {"cpu": "cpu", "cuda": "gpu"}
    if kind not in platforms:
        raise ValueError(f"the jax self-play backend runs on device 'cpu' or 'cuda[:<index>]', got {name!r}")
    try:
        devices = jax.devices(platforms[kind])
    except RuntimeError:
        raise ValueError(f"device {name!r}: this jax has no GPU support; install it with "
                         f"pip install -U 'jax[cuda12]' (or set device=cpu)") from None
    number = int(index or 0)
    if number >= len(devices):
        raise ValueError(f"device {name!r}: jax sees {len(devices)} {platforms[kind]} device(s)")
    return devices[number]
