"""Gating: a candidate network plays the best one; it replaces it only by scoring `gate_score` or more.

The match runs on the native batched search in duel mode: both networks search with the same
budget and no noise, each move from a fresh tree, the candidate black in even games and white in
odd ones. The first few plies are sampled in proportion to visits so that the games differ.
"""

from __future__ import annotations

import dataclasses

from arena.agents.mcts import make_self_play
from arena.alphazero.config import AlphaZeroConfig
from arena.alphazero.network import Evaluator, PolicyValueNet
from arena.alphazero.store import Match

__all__ = ["OPENING_PLIES", "duel", "gate"]

OPENING_PLIES = 4  # sampled plies at the start of each match game


def duel(config: AlphaZeroConfig, first: PolicyValueNet, second: PolicyValueNet, games: int,
         seed: int) -> tuple[int, int, int]:
    """(wins, draws, losses) of `first` against `second` over `games` games."""
    search = make_self_play(config.game, **config.game_options, duel=True, seed=seed,
                            batch_size=min(games, config.lockstep_games), simulations=config.gate_simulations,
                            c_puct=config.c_puct, noise_fraction=0.0, temperature=1.0,
                            temperature_moves=OPENING_PLIES, resign_value=config.resign_value, no_resign_fraction=0.0,
                            threads=config.search_threads)
    records = search.play(Evaluator(first, config.device), games=games, opponent=Evaluator(second, config.device))
    first_colour = [record.index % 2 for record in records]  # the first network is black (0) in even games
    wins = sum(r.winner == colour for r, colour in zip(records, first_colour))
    draws = sum(r.winner < 0 for r in records)
    return wins, draws, len(records) - wins - draws


def gate(config: AlphaZeroConfig, candidate_id: int, candidate: PolicyValueNet, best_id: int,
         best: PolicyValueNet) -> Match:
    """The gating match of `candidate` against `best`, promoted or not (always, with no gate games)."""
    if config.gate_games == 0:
        return Match(candidate_id, best_id, 0, 0, 0, promoted=True)
    wins, draws, losses = duel(config, candidate, best, config.gate_games, seed=config.seed + candidate_id)
    played = Match(candidate_id, best_id, wins, draws, losses, promoted=False)
    return dataclasses.replace(played, promoted=played.score >= config.gate_score)
