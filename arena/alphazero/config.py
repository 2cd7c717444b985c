"""Every setting of an AlphaZero run, in one dataclass stored with the run."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from typing import Any

GAMES = ("othello", "gomoku")
ROLES = ("all", "selfplay", "train", "evaluate")  # the whole loop in one process, or one phase
SELFPLAY_BACKENDS = ("native", "jax")  # the native batched MCTS, or pgx and mctx in JAX (see jax_selfplay)
DEFAULT_SIZES = {"othello": 8, "gomoku": 9}
OTHELLO_SIZES = (6, 8)
GOMOKU_SIZES = range(5, 20)  # every board the native engine and the env play: five in a row fits from 5x5

# Settings that shape the network or the game: a stored run keeps them for good.
FIXED = ("game", "size", "rule", "channels", "blocks")


@dataclass
class AlphaZeroConfig:
    """Hyper-parameters of an AlphaZero run (self-play, training, gating) and its budget."""

    # game
    game: str = "othello"
    size: int | None = None         # board side: Othello 6 or 8 (default 8), gomoku 5 to 19 (default 9)
    rule: str = "freestyle"         # gomoku only: "freestyle" or "exact_five"
    # network: a residual tower with policy and value heads
    channels: int = 32
    blocks: int = 4
    # self-play: the native batched MCTS (one network call per round), or pgx and mctx in JAX
    selfplay_backend: str = "native"  # or "jax": pgx and mctx on `device` (8x8 Othello; the bootstrap stays native)
    games_per_generation: int = 256
    lockstep_games: int = 128       # games searched together (rows of a network call)
    simulations: int = 100          # per searched move
    c_puct: float = 1.5
    dirichlet_alpha: float = 0.5
    noise_fraction: float = 0.25
    temperature_moves: int = 12     # plies sampled in proportion to visits; the most visited after
    resign_value: float = -1.0      # resign below this root value (-1: never)
    no_resign_fraction: float = 0.2  # share of games played out to measure false resignations
    bootstrap_games: int = 0        # games of rollout search (no network) before the first training
    bootstrap_simulations: int = 800
    search_threads: int = 1
    # 0: leaves take the network's value; k > 0: its priors and the mean of k random playouts (rlscout's
    # evaluation), in self-play, gating and the bootstrap's rollout search alike
    leaf_playouts: int = 0
    # training
    buffer_positions: int = 200_000  # the replay window
    batch_size: int = 256
    sample_reuse: float = 8.0       # training samples drawn per new position
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    min_positions: int = 2_000      # no training before the buffer holds this many
    # gating: a candidate plays the best network; it is promoted at `gate_score` or better
    gate_games: int = 64
    gate_simulations: int = 100
    gate_score: float = 0.55
    # a measure of progress: each candidate also plays rollout MCTS with no network (0 games: none)
    rollout_duel_games: int = 0
    rollout_duel_simulations: int = 1000  # the rollout side's simulations a move (the network's: gate_simulations)
    # budget and reproducibility
    generations: int = 20
    seed: int = 0
    torch_threads: int = 1
    device: str = "cpu"             # where the networks run, e.g. "cuda" (the native search stays on the CPU)

    def __post_init__(self) -> None:
        if self.game not in GAMES:
            raise ValueError(f"AlphaZero plays {', '.join(GAMES)}; got game {self.game!r}")
        if self.size is None:
            self.size = DEFAULT_SIZES[self.game]
        if self.game == "othello" and self.size not in OTHELLO_SIZES:
            raise ValueError(f"AlphaZero Othello is played on 6x6 or 8x8 boards; got size {self.size}")
        if self.game == "gomoku" and self.size not in GOMOKU_SIZES:
            raise ValueError(f"AlphaZero gomoku is played on {GOMOKU_SIZES.start}x{GOMOKU_SIZES.start} to "
                             f"{GOMOKU_SIZES.stop - 1}x{GOMOKU_SIZES.stop - 1} boards; got size {self.size}")
        if self.selfplay_backend not in SELFPLAY_BACKENDS:
            raise ValueError(f"selfplay_backend is one of {', '.join(SELFPLAY_BACKENDS)}; "
                             f"got {self.selfplay_backend!r}")
        if self.selfplay_backend == "jax" and (self.game, self.size) != ("othello", 8):
            raise ValueError(f"the jax self-play backend plays 8x8 Othello (pgx's othello); got {self.game} "
                             f"{self.size}x{self.size}: use selfplay_backend='native'")
        if self.selfplay_backend == "jax" and self.simulations < 2:
            raise ValueError(f"the jax self-play backend needs simulations >= 2 (the root's evaluation is one); "
                             f"got {self.simulations}")
        if self.leaf_playouts < 0:
            raise ValueError(f"leaf_playouts must be >= 0 (0: the network's values), got {self.leaf_playouts}")
        if self.selfplay_backend == "jax" and self.leaf_playouts:
            raise ValueError("the jax self-play backend values leaves with the network only: use "
                             "selfplay_backend='native' for leaf_playouts")
        if self.rollout_duel_games < 0 or self.rollout_duel_simulations < 1:
            raise ValueError(f"rollout_duel_games must be >= 0 and rollout_duel_simulations >= 1; got "
                             f"{self.rollout_duel_games} and {self.rollout_duel_simulations}")
        if not 0.0 < self.gate_score <= 1.0:
            raise ValueError(f"gate_score must be in (0, 1], got {self.gate_score}")

    @property
    def num_actions(self) -> int:
        """Policy length: every square, plus Othello's pass."""
        return self.size * self.size + (1 if self.game == "othello" else 0)

    @property
    def game_options(self) -> dict[str, Any]:
        """The game's own settings, as the native search and the envs take them."""
        return {"size": self.size, "rule": self.rule} if self.game == "gomoku" else {"size": self.size}

    def search_settings(self) -> dict[str, Any]:
        """Settings of the native batched search for self-play."""
        return dict(self.game_options, batch_size=self.lockstep_games, simulations=self.simulations,
                    c_puct=self.c_puct, dirichlet_alpha=self.dirichlet_alpha, noise_fraction=self.noise_fraction,
                    temperature_moves=self.temperature_moves, resign_value=self.resign_value,
                    no_resign_fraction=self.no_resign_fraction, threads=self.search_threads,
                    leaf_playouts=self.leaf_playouts)

    def games_through(self, generation: int) -> int:
        """Stored games that network `generation` (1, 2, ...) is trained on: the bootstrap's, then
        `games_per_generation` more per generation (the first one trains on the bootstrap alone)."""
        played = generation - 1 if self.bootstrap_games else generation
        return self.bootstrap_games + played * self.games_per_generation

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AlphaZeroConfig:
        return cls(**json.loads(text))

    def updated(self, **changes: Any) -> AlphaZeroConfig:
        """A copy with `changes`; ValueError when one would change a FIXED setting of this run."""
        for name in FIXED:
            if name in changes and changes[name] != getattr(self, name):
                raise ValueError(f"this run's {name} is {getattr(self, name)!r}; it cannot change to "
                                 f"{changes[name]!r} (start a new store for that)")
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown AlphaZero setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)
