"""The search engine of Othello and gomoku, one home for the agents and for AlphaZero's training.

The engines themselves are in `arena._native`; this module builds them by game name and plays
them against each other. `arena.agents.mcts.MCTSAgent` and `arena.agents.alphazero.AlphaZeroAgent`
search with `make_search`; `arena.alphazero` plays its self-play with `make_self_play` and its
gating matches with `play_duel`. The policy/value network both load is in `arena.search.network`
(torch).

- `make_search(game, ...)`: one game's search (`OthelloMCTS` / `GomokuMCTS`), rollouts or a
  policy/value evaluator;
- `make_self_play(game, ...)`: self-play of many games in lockstep (`OthelloBatchedMCTS` /
  `GomokuBatchedMCTS`), one evaluator call per round, returning `GameRecord`s (positions, visit
  distributions, outcomes).

    def evaluate(inputs):                  # float32 (rows, 2, N, N), the mover's planes first
        return policies, values            # (rows, num_actions) weights, (rows,) in [-1, 1]

    self_play = make_self_play("othello", batch_size=128, simulations=200, noise_fraction=0.25)
    for record in self_play.play(evaluate, games=512):
        record.planes, record.policies, record.outcomes   # inputs, policy and value targets

A leaf's value comes from the evaluator, or with `leaf_playouts=k` from the mean of k random
playouts while the evaluator gives the priors alone: the evaluation of a policy network without
a value head (`policy_evaluator` makes an evaluator from such a policy).

Duels play two sides against each other, each with its own search: a network, or pure rollout
MCTS (`ROLLOUTS`, no network); its own simulations, exploration, leaf values and move
temperature. The first side is black in even games:

    result = play_duel("gomoku", DuelSide(evaluate, simulations=200, leaf_playouts=20),
                       DuelSide(ROLLOUTS, simulations=3000), games=64, size=7)
    result.wins, result.draws, result.losses, result.score     # the first side's

(`make_self_play(..., duel=True, opponent_simulations=3000, ...)` is the engine underneath:
`opponent_<setting>` settings are the second side's, and either side of `play` may be "rollouts".)

`board_from_observation` reads the native board from an env observation, and `endgame_move` asks
the exact Othello solver for positions with few empty squares (`SOLVE_EMPTIES`). An agent with a
time limit a move gives the solver `SOLVE_SHARE` of it and, where the solver does not finish, its
search what is left (`limit_to_move`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from arena._native import (
    GomokuBatchedMCTS,
    GomokuBoard,
    GomokuMCTS,
    OthelloBatchedMCTS,
    OthelloBoard,
    OthelloMCTS,
)
from arena.outcomes import Record

if TYPE_CHECKING:
    from arena.agents.base import TimeControl

__all__ = ["GAMES", "ROLLOUTS", "SOLVE_EMPTIES", "SOLVE_SHARE", "DuelResult", "DuelSide", "Evaluate",
           "board_from_observation", "check_game", "endgame_move", "limit_to_move", "load_endgame", "make_search",
           "make_self_play", "move_time", "play_duel", "policy_evaluator"]

# Othello positions with this many empty squares or fewer are solved exactly by the agents (by
# default): the endgame solver finishes them in well under the harness's second a move.
SOLVE_EMPTIES = 14
# Of a move's time limit, the share an endgame solve may take: where it does not finish, the search
# plays the move in the rest.
SOLVE_SHARE = 0.5
# Of the harness's time a move, the share a timed search takes at most: the rest is for the agent's own
# work around it and for reading and writing the move.
MOVE_SHARE = 0.8

GAMES = ("othello", "gomoku")
_SEARCHES = {"othello": OthelloMCTS, "gomoku": GomokuMCTS}
_SELF_PLAY = {"othello": OthelloBatchedMCTS, "gomoku": GomokuBatchedMCTS}


def check_game(game: str) -> str:
    """`game` when the search plays it; ValueError naming the games it plays otherwise."""
    if game not in GAMES:
        raise ValueError(f"MCTS plays {', '.join(GAMES)}; got game {game!r}")
    return game


def make_search(game: str, **settings: Any) -> OthelloMCTS | GomokuMCTS:
    """A single-game search for `game` with SearchConfig `settings` (simulations, seed, c_uct, ...)."""
    return _SEARCHES[check_game(game)](**settings)


def make_self_play(game: str, **settings: Any) -> OthelloBatchedMCTS | GomokuBatchedMCTS:
    """Batched self-play for `game`; `settings` are the game's options (size, rule) and the
    SelfPlayConfig and SearchConfig settings (batch_size, simulations, noise_fraction,
    leaf_playouts, ...). In a duel (`duel=True`), `opponent_<setting>` gives the second side its
    own search settings (opponent_simulations, opponent_c_puct, opponent_leaf_playouts,
    opponent_temperature, opponent_temperature_moves, ...), and either side of `play` may be
    "rollouts" (`ROLLOUTS`): rollout search, no network."""
    return _SELF_PLAY[check_game(game)](**settings)


ROLLOUTS = "rollouts"  # a duel side with no network: PUCT over uniform priors, leaves valued by random playouts

Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def policy_evaluator(policy: Callable[[np.ndarray], np.ndarray]) -> Evaluate:
    """An evaluator from a policy alone, for a network without a value head: `policy(inputs)` maps
    float32 (rows, 2, N, N) to (rows, num_actions) non-negative weights (softmax probabilities;
    exponentiate a log-softmax); for Othello, N * N weights without the pass do too (rlscout's
    networks), the pass being the rules' to play. Its values are zeros: search with
    `leaf_playouts` > 0, where leaves take their values from random playouts instead. A negative
    weight is refused (ValueError): log-probabilities, as a LogSoftmax head gives them, would
    otherwise be normalised into priors that favour the least likely moves."""

    def evaluate(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weights = np.asarray(policy(inputs), dtype=np.float32)
        if weights.size and weights.min() < 0:  # NaN compares False here: the search refuses it itself
            raise ValueError(f"policy_evaluator: the policy gave a negative weight ({float(weights.min()):.4g}); "
                             "it takes probabilities or other non-negative weights: apply exp() to log-probabilities "
                             "(a LogSoftmax output)")
        return weights, np.zeros(len(inputs), np.float32)

    return evaluate


@dataclass(frozen=True)
class DuelSide:
    """One side of a duel: what scores its leaves and how it searches.

    - `evaluator`: a callable as the search calls it (inputs -> (policies, values)), or ROLLOUTS:
      rollout MCTS with no network (uniform priors, leaves valued by random playouts).
    - `simulations`: simulations per move (rlscout's rollouts, or raw_rollouts for a rollout side).
    - `c_puct`: PUCT exploration, the constant rlscout calls the temperature of a side (its
      model_temp, raw_temp). arena normalises priors over the legal moves; rlscout's rollout side
      gives every move prior 1, so the same constant explores less here.
    - `temperature`, `temperature_moves`: the first `temperature_moves` plies of the game are drawn
      in proportion to visits ** (1 / temperature); the most visited move after (rlscout's
      explore_for_n_moves, at temperature 1; its duels play the most visited move throughout).
    - `leaf_playouts`: 0, leaves take the evaluator's value; k > 0, the evaluator's priors with the
      mean of k random playouts as the value (rlscout's random_rollouts; each playout counts its win,
      draw or loss, 1, 0 or -1, where rlscout's counts its disc difference). A rollout side plays
      max(1, k) playouts per leaf.
    """

    evaluator: Evaluate | str = ROLLOUTS
    simulations: int = 800
    c_puct: float = 1.5
    temperature: float = 1.0
    temperature_moves: int = 0
    leaf_playouts: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.evaluator, str) and self.evaluator != ROLLOUTS:
            raise ValueError(f"a duel side's evaluator is a callable or {ROLLOUTS!r}; got {self.evaluator!r}")
        if self.simulations < 1:
            raise ValueError(f"a duel side needs simulations >= 1, got {self.simulations}")

    def settings(self, prefix: str = "") -> dict[str, Any]:
        """The side's search settings as make_self_play takes them, names prefixed with `prefix`."""
        own = {"simulations": self.simulations, "c_puct": self.c_puct, "temperature": self.temperature,
               "temperature_moves": self.temperature_moves, "leaf_playouts": self.leaf_playouts}
        return {prefix + name: value for name, value in own.items()}


@dataclass
class DuelResult(Record):
    """A duel's outcome for its first side (`score`: points per game), and its games (first side
    black in even games)."""

    records: list = field(default_factory=list, repr=False, compare=False)


def play_duel(game: str, first: DuelSide, second: DuelSide, games: int, seed: int = 0, batch_size: int = 64,
              threads: int = 1, resign_value: float = -1.0, **game_options: Any) -> DuelResult:
    """`games` games of `first` against `second` on the batched native search, every move searched
    afresh with no root noise; `first` plays black in even games and white in odd ones.
    `game_options` are the game's (size, rule); a side resigns below `resign_value` (-1: never)."""
    if games < 1:
        raise ValueError(f"a duel needs games >= 1, got {games}")
    search = make_self_play(game, **game_options, duel=True, seed=seed, batch_size=min(games, batch_size),
                            noise_fraction=0.0, resign_value=resign_value, no_resign_fraction=0.0, threads=threads,
                            **first.settings(), **second.settings("opponent_"))
    records = search.play(first.evaluator, games=games, opponent=second.evaluator)
    wins = sum(r.winner == r.index % 2 for r in records)  # the first side is black (0) in even games
    draws = sum(r.winner < 0 for r in records)
    return DuelResult(wins, draws, len(records) - wins - draws, records)


def board_from_observation(game: str, observation: dict[str, np.ndarray],
                           rule: str = "freestyle") -> OthelloBoard | GomokuBoard:
    """The native board an env observation shows, with the observing agent to move."""
    if check_game(game) == "othello":
        from arena.envs.othello import board_from_observation as othello_board

        return othello_board(observation)
    from arena.envs.gomoku import board_from_observation as gomoku_board

    return gomoku_board(observation, rule)


def endgame_move(game: str, board: OthelloBoard | GomokuBoard, solve_empties: int | None,
                 move_limit: float | None = None) -> int | None:
    """The exact solver's best move when `board` is an 8 x 8 Othello position with at most
    `solve_empties` empty squares, else None (None too when its SOLVE_SHARE of the move's time limit,
    `move_limit` seconds, runs out first)."""
    if game != "othello" or not solve_empties or board.size != 8:
        return None
    if board.empties > solve_empties:
        return None
    from arena.envs.othello import solve

    result = solve(board, time_limit=move_limit and move_limit * SOLVE_SHARE)
    return result.best_move if result.complete else None


def load_endgame(game: str, solve_empties: int | None) -> None:
    """Load what `endgame_move` needs (the solver's evaluation) now, at an agent's start, which the
    harness's start-up budget covers, rather than on its first endgame move's clock."""
    if game == "othello" and solve_empties:
        from arena.envs.othello import load_evaluation

        load_evaluation()


def move_time(own: float | None, clock: TimeControl | None) -> float | None:
    """The seconds a timed search may take a move: its `own` limit, kept within MOVE_SHARE of the time a
    move of the game's `clock` where the harness told one (`Agent.time_control`); None (no limit) stays."""
    if own is None or clock is None:
        return own
    return min(own, clock.per_move * MOVE_SHARE)


def limit_to_move(search: OthelloMCTS | GomokuMCTS, time_limit: float | None, started: float) -> None:
    """Limit `search` to what is left of a move's `time_limit` seconds since `started` (a
    time.monotonic() value), so that the work before it (an unfinished solve) is not granted twice;
    without a limit nothing changes. Never 0 seconds, which would mean no limit: a search out of
    time still runs its one simulation and has a move."""
    if not time_limit:
        return
    config = search.config
    config.time_limit = max(time_limit - (time.monotonic() - started), 1e-6)
    search.config = config
