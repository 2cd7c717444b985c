"""Self-play: the best network plays itself on the native batched MCTS, one network call per round.

Many games run in lockstep (`lockstep_games`); every round the search hands all their leaf
positions to the network at once. Root Dirichlet noise and a temperature for the first plies
vary the games; resignation ends lost games early, except in a share played out to check it.
With no network (`net=None`) the search scores leaves by random playouts instead: the games of
a run's bootstrap, before any network has learned.

With `selfplay_backend="jax"` the network's games are played by `jax_selfplay` instead (pgx
Othello searched by mctx, on `device`), recorded the same way; the bootstrap stays native.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterator

import numpy as np

from arena.alphazero.config import AlphaZeroConfig
from arena.errors import ArenaError
from arena.search import make_self_play
from arena.search.network import Evaluator, PolicyValueNet
from arena.seeding import derive_seed

__all__ = ["SelfPlayStats", "false_resignations", "play_games", "round_seed"]

PROGRESS_SECONDS = 30.0  # how often a self-play round says how far it got
Progress = Callable[[int, int], None]  # (games finished, games)


@dataclass
class SelfPlayStats:
    games: int
    positions: int          # searched positions recorded (training samples before symmetries)
    evaluations: int        # leaf positions the network evaluated
    seconds: float
    black_wins: float       # share of games black won
    resigned: float         # share of games that ended by resignation
    false_resignations: float  # share of played-out games whose winner would have resigned

    def as_metrics(self) -> dict[str, float]:
        return {"selfplay/games_per_hour": self.games / self.seconds * 3600,
                "selfplay/evaluations_per_second": self.evaluations / self.seconds,
                "selfplay/positions": self.positions, "selfplay/black_wins": self.black_wins,
                "selfplay/resigned": self.resigned, "selfplay/false_resignations": self.false_resignations}


def round_seed(seed: int, games_before: int) -> int:
    """The seed of a self-play round that starts after `games_before` stored games."""
    return derive_seed(seed, games_before, bits=63)


def play_games(config: AlphaZeroConfig, net: PolicyValueNet | None, games: int, seed: int,
               progress: Progress | None = None) -> tuple[list, SelfPlayStats]:
    """`games` self-play games by `net` (rollout search when None) on the config's self-play
    backend: their GameRecords and stats. On the native backend `progress(finished, games)` is
    called every `PROGRESS_SECONDS` while they play."""
    jax_backend = _jax_backend() if config.selfplay_backend == "jax" else None  # missing packages fail at once
    started = time.perf_counter()
    if net is not None and jax_backend is not None:
        records, evaluations = jax_backend.play(config, net, games, seed)
    else:
        records, evaluations = _play_native(config, net, games, seed, progress)
    seconds = time.perf_counter() - started
    played_out = [r for r in records if not r.could_resign]
    stats = SelfPlayStats(
        games=len(records), positions=sum(len(r) for r in records), evaluations=evaluations, seconds=seconds,
        black_wins=float(np.mean([r.winner == 0 for r in records])),
        resigned=float(np.mean([r.resigned for r in records])),
        false_resignations=false_resignations(played_out, config.resign_value) if played_out else 0.0)
    return records, stats


def _play_native(config: AlphaZeroConfig, net: PolicyValueNet | None, games: int, seed: int,
                 progress: Progress | None) -> tuple[list, int]:
    """Games on the native batched MCTS: their GameRecords and the leaves scored."""
    if net is None:
        settings = dict(config.search_settings(), simulations=config.bootstrap_simulations, resign_value=-1.0)
        evaluator = None
    else:
        settings = config.search_settings()
        evaluator = Evaluator(net, config.device)
    search = make_self_play(config.game, seed=seed, **settings)
    with _reporting(progress, lambda: search.games_finished, games):
        records = search.play(evaluator, games=games)
    return records, search.leaves_evaluated


@contextmanager
def _reporting(progress: Progress | None, finished: Callable[[], int], games: int) -> Iterator[None]:
    """Call `progress(finished(), games)` every PROGRESS_SECONDS from a thread of its own for the duration
    (the games play in native code, which gives no sign of life until the last one ends)."""
    if progress is None:
        yield
        return
    stop = threading.Event()

    def report() -> None:
        while not stop.wait(PROGRESS_SECONDS):
            progress(finished(), games)

    ticker = threading.Thread(target=report, name="self-play progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()


def _jax_backend() -> ModuleType:
    """The jax self-play module; ArenaError naming the install command when jax, pgx or mctx is missing."""
    # Torch trains on the same GPU in this process: jax should take memory as it needs it, not 75%
    # of it up front (read when jax first uses the GPU).
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    try:
        from arena.alphazero import jax_selfplay
    except ImportError as exc:
        raise ArenaError(f"selfplay_backend 'jax' needs jax, pgx and mctx ({exc.name or exc} is missing): "
                         f'install them with pip install -e ".[jax]"') from exc
    return jax_selfplay


def false_resignations(records: list, resign_value: float) -> float:
    """Share of `records` (games played to the end) whose winner fell below `resign_value` at some point."""
    wrong = [r.winner >= 0 and bool((r.root_values[r.players == r.winner] < resign_value).any()) for r in records]
    return float(np.mean(wrong))
