"""Gating: a candidate network plays the best one; it replaces it only by scoring `gate_score` or more.

The match runs on the native batched search in duel mode (`play_duel`): both networks search with
the same budget and no noise, each move from a fresh tree, the candidate black in even games and
white in odd ones. The first few plies are sampled in proportion to visits so that the games differ.

`rollout_duel` measures a network against rollout MCTS with no network, each side with its own
budget (`gate_simulations` and `rollout_duel_simulations`), as rlscout judges its models.
"""

from __future__ import annotations

import dataclasses

from arena.alphazero.config import AlphaZeroConfig
from arena.alphazero.store import Match
from arena.search import ROLLOUTS, DuelResult, DuelSide, play_duel
from arena.search.network import Evaluator, PolicyValueNet
from arena.seeding import derive_seed

__all__ = ["OPENING_PLIES", "duel", "gate", "network_side", "rollout_duel"]

OPENING_PLIES = 4  # sampled plies at the start of each match game
GATE, ROLLOUT_DUEL = 0, 1  # seed keys: a network's gating match and its duel against rollout MCTS


def network_side(config: AlphaZeroConfig, net: PolicyValueNet) -> DuelSide:
    """`net` as a side of the config's matches: its budget, exploration, leaf values and opening plies."""
    return DuelSide(Evaluator(net, config.device), simulations=config.gate_simulations, c_puct=config.c_puct,
                    temperature=1.0, temperature_moves=OPENING_PLIES, leaf_playouts=config.leaf_playouts)


def _play(config: AlphaZeroConfig, first: DuelSide, second: DuelSide, games: int, seed: int) -> DuelResult:
    return play_duel(config.game, first, second, games, seed=seed, batch_size=config.lockstep_games,
                     threads=config.search_threads, resign_value=config.resign_value, **config.game_options)


def duel(config: AlphaZeroConfig, first: PolicyValueNet, second: PolicyValueNet, games: int,
         seed: int) -> tuple[int, int, int]:
    """(wins, draws, losses) of `first` against `second` over `games` games."""
    result = _play(config, network_side(config, first), network_side(config, second), games, seed)
    return result.wins, result.draws, result.losses


def rollout_duel(config: AlphaZeroConfig, net: PolicyValueNet, games: int, seed: int) -> DuelResult:
    """`net` (at `gate_simulations`) against rollout MCTS at `rollout_duel_simulations`, over `games` games."""
    rollouts = DuelSide(ROLLOUTS, simulations=config.rollout_duel_simulations, c_puct=config.c_puct,
                        temperature=1.0, temperature_moves=OPENING_PLIES, leaf_playouts=config.leaf_playouts)
    return _play(config, network_side(config, net), rollouts, games, seed)


def gate(config: AlphaZeroConfig, candidate_id: int, candidate: PolicyValueNet, best_id: int,
         best: PolicyValueNet) -> Match:
    """The gating match of `candidate` against `best`, promoted or not (always, with no gate games)."""
    if config.gate_games == 0:
        return Match(candidate_id, best_id, 0, 0, 0, promoted=True)
    seed = derive_seed(config.seed, candidate_id, GATE)
    wins, draws, losses = duel(config, candidate, best, config.gate_games, seed=seed)
    played = Match(candidate_id, best_id, wins, draws, losses, promoted=False)
    return dataclasses.replace(played, promoted=played.score >= config.gate_score)
